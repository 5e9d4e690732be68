"""Motion: paths (speed, dwell, loop), the wearer's heading and head turning, the rig's poses."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from savvy_ros.synth.motion import MOTION_RATE, REACTION_DELAY, path_timeline, wearer_trajectory
from savvy_ros.synth.rig import Rig
from savvy_ros.synth.scene import HeadSpec, PathSpec, Waypoint


def test_path_moves_at_speed_dwells_and_stops_at_the_end() -> None:
    path = PathSpec((Waypoint(0.0, 0.0), Waypoint(2.0, 0.0, dwell=1.0), Waypoint(2.0, 1.0)), speed=0.5,
                    start_delay=0.5)
    timeline = path_timeline(path)
    xy = timeline.positions(np.array([0.0, 0.5, 1.5, 4.5, 5.0, 5.5, 6.5, 7.5, 100.0]))
    assert np.allclose(xy, [[0, 0], [0, 0], [0.5, 0], [2, 0], [2, 0], [2, 0], [2, 0.5], [2, 1], [2, 1]])


def test_looping_path_returns_to_its_start_and_repeats() -> None:
    path = PathSpec((Waypoint(1.0, 1.0), Waypoint(3.0, 1.0), Waypoint(3.0, 3.0), Waypoint(1.0, 3.0)), speed=1.0,
                    loop=True)
    timeline = path_timeline(path)
    assert timeline.cycle == pytest.approx(8.0)
    t = np.array([0.0, 1.0, 7.0, 8.0, 9.0, 17.0])
    assert np.allclose(timeline.positions(t), [[1, 1], [2, 1], [1, 2], [1, 1], [2, 1], [2, 1]])


def test_wearer_faces_the_walking_direction_and_keeps_it_when_standing(tiny_scene) -> None:
    scene = replace(tiny_scene, objects_by_id={},
                    wearer=replace(tiny_scene.wearer, head=HeadSpec(look_amplitude_deg=0.0, turn_to_sounds=False)))
    trajectory = wearer_trajectory(scene)
    assert trajectory.times[1] == pytest.approx(1.0 / MOTION_RATE)
    position, yaw = trajectory.sample(np.array([0.0, 1.0, 3.9]))
    assert np.allclose(position[:, 2], 1.6)
    assert np.allclose(position[:2, :2], [[1.5, 2.0], [2.0, 2.0]], atol=1e-6)   # walking +x at 0.5 m/s
    assert np.allclose(np.cos(yaw), 1.0)                                         # facing +x, also after stopping
    forward = trajectory.forward_xy(np.array([1.0]))
    assert np.allclose(forward, [[1.0, 0.0]])


def test_looking_around_swings_the_head_within_its_amplitude(tiny_scene) -> None:
    head = HeadSpec(look_amplitude_deg=30.0, look_period=2.0, turn_to_sounds=False, max_turn_rate_deg=720.0)
    scene = replace(tiny_scene, objects_by_id={}, wearer=replace(tiny_scene.wearer, head=head))
    yaw = np.degrees(wearer_trajectory(scene).yaw)
    assert yaw.max() == pytest.approx(30.0, abs=1.0) and yaw.min() == pytest.approx(-30.0, abs=1.0)


def test_wearer_turns_part_way_to_a_sound_at_a_limited_rate(tiny_scene) -> None:
    head = HeadSpec(look_amplitude_deg=0.0, turn_to_sounds=True, turn_fraction=0.5, max_turn_rate_deg=180.0)
    scene = replace(tiny_scene, objects_by_id={}, wearer=replace(tiny_scene.wearer, head=head))
    knock = scene.events[1]                       # the door at (0.08, 2.0): straight behind the wearer
    trajectory = wearer_trajectory(scene)
    before = trajectory.sample(np.array([knock.start]))[1][0]
    assert math.cos(before) == pytest.approx(1.0)
    during = trajectory.sample(np.array([knock.start + REACTION_DELAY + 0.25, knock.start + 1.15]))[1]
    turned = np.degrees(np.abs(during - before))
    assert turned[0] == pytest.approx(45.0, abs=2.5)          # 180 deg/s for 0.25 s (+- a 10 ms step)
    assert turned[1] == pytest.approx(90.0, abs=1.0)          # half of the 180 deg to the door, then held


def test_rig_puts_the_camera_and_the_microphones_on_the_head(tiny_scene) -> None:
    rig = Rig.aria()
    trajectory = wearer_trajectory(tiny_scene)
    t = 1.0
    head, yaw = trajectory.sample(np.array([t]))
    rotation, origin = rig.camera_pose(trajectory, t)
    # the optical axis (z) looks along the head's facing, pitched down by pitch_deg
    pitch = math.radians(tiny_scene.wearer.head.pitch_deg)
    expected = [math.cos(yaw[0]) * math.cos(pitch), math.sin(yaw[0]) * math.cos(pitch), -math.sin(pitch)]
    assert np.allclose(rotation[:, 2], expected, atol=1e-9)
    assert np.linalg.norm(origin - head[0]) == pytest.approx(np.linalg.norm(rig.head_camera.translation))
    mics = rig.mic_positions(trajectory, np.array([t]))[0]
    assert mics.shape == (7, 3)
    distances = np.linalg.norm(mics[:, None] - mics[None], axis=-1)
    geometry = np.asarray(rig.mic_array.positions)
    assert np.allclose(distances, np.linalg.norm(geometry[:, None] - geometry[None], axis=-1))
    # mic 3 is the front-left one: to the left of the facing direction
    left = np.array([-math.sin(yaw[0]), math.cos(yaw[0])])
    assert (mics[3, :2] - mics[4, :2]) @ left > 0.13
