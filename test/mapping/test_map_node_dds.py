"""The map node over Fast DDS: observations, bearings and TF in, /savvy/map out; SIGKILL, restart, restore."""
from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
import pytest
from ros_helpers import spin_until, start_peer, stock_dds_env, stop_peer, wait_for_line

from savvy_ros.demo.walking_rig import HEAD_T_CAMERA_OPTICAL, HEAD_T_MIC_ARRAY, WalkingRig

pytestmark = pytest.mark.dds
NODE = Path(__file__).resolve().parents[2] / 'savvy_ros' / 'nodes' / 'map_node.py'
T0, RATE, STEPS = 100.0, 20.0, 100
CHAIR = np.array([3.0, 1.0, 0.8])      # seen by the camera
SPEAKER = np.array([-2.5, -1.0, 1.6])  # heard only (same height as the array: planar bearings)


def start_map_node(store: Path) -> object:
    # Stock DDS transports: this node is SIGKILLed, and a killed process's shared-memory segment
    # stays in /dev/shm (0.5 MiB stock, 16 MiB with savvy_ros's profile).
    node = start_peer(str(NODE), '--ros-args', '-p', f'store_path:={store}', '-p', 'save_period:=0.5',
                      '-p', 'tf_backend:=savvy_ros', '-p', 'tf_wait:=1.0', env=stock_dds_env())
    wait_for_line(node, 'map in', timeout=60)
    return node


@pytest.fixture
def rig_io(ros_context):
    """This process plays the rig and the stage-1 nodes, and listens to the map."""
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from tf2_msgs.msg import TFMessage
    from visualization_msgs.msg import MarkerArray

    from savvy_ros.msg import AudioBearingArray, AudioEventArray, GlobalMap, ObjectObservationArray, SnapshotDescriptor
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from savvy_ros.nodes.map_node import EVENT_QOS, LATCHED_QOS
    from savvy_ros.ros.tf_listener import TF_QOS, TF_STATIC_QOS

    node = Node('map_node_test', context=ros_context)
    stage1_qos = QoSProfile(depth=200, reliability=ReliabilityPolicy.BEST_EFFORT)   # the map's input_reliability default
    io = {'node': node, 'maps': [],
          'tf': node.create_publisher(TFMessage, '/tf', TF_QOS),
          'tf_static': node.create_publisher(TFMessage, '/tf_static', TF_STATIC_QOS),
          'objects': node.create_publisher(ObjectObservationArray, '/savvy/objects', stage1_qos),
          'bearings': node.create_publisher(AudioBearingArray, '/savvy/bearings', stage1_qos),
          'events': node.create_publisher(AudioEventArray, '/savvy/events', EVENT_QOS),
          'snapshots': node.create_publisher(SnapshotDescriptor, '/savvy/snapshots', EVENT_QOS)}
    io['sub'] = node.create_subscription(GlobalMap, '/savvy/map', io['maps'].append, LATCHED_QOS)
    io['markers'] = []
    io['marker_sub'] = node.create_subscription(MarkerArray, '/savvy/markers', io['markers'].append, LATCHED_QOS)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    io['executor'] = executor
    yield io
    executor.shutdown()
    node.destroy_node()


def observation_msg(t: float, position_camera: np.ndarray, frame: str = 'camera_optical'):
    from savvy_ros.msg import ObjectObservation, ObjectObservationArray
    from savvy_ros.ros.map_messages import point
    from savvy_ros.ros.time_conversion import seconds_to_stamp

    msg = ObjectObservationArray(image_width=640, image_height=480)
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(t), frame
    msg.observations = [ObjectObservation(track_id=1, label='chair', score=0.9, detector='coco',
                                          position=point(position_camera),
                                          position_covariance=list(np.eye(3).reshape(9) * 0.01))]
    return msg


def bearing_msg(t: float, direction_array: np.ndarray):
    from savvy_ros.msg import AudioBearing, AudioBearingArray
    from savvy_ros.ros.time_conversion import seconds_to_stamp

    msg = AudioBearingArray(algorithm='srp_phat', active=True)
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(t), 'mic_array'
    d = direction_array / np.linalg.norm(direction_array)
    bearing = AudioBearing(azimuth=float(np.arctan2(d[1], d[0])), confidence=0.9, range=float('nan'),
                           range_stddev=float('nan'), cdr=float('nan'))
    bearing.direction.x, bearing.direction.y, bearing.direction.z = map(float, d)
    msg.bearings = [bearing]
    return msg


def heard_and_described(io) -> None:
    """A knock whose bearing points at the speaker, and an AV-LLM key frame 2 m ahead of the wearer."""
    from savvy_ros.msg import AudioEvent, AudioEventArray, SnapshotDescriptor, SnapshotKeyframe, SnapshotObject
    from savvy_ros.ros.time_conversion import seconds_to_stamp

    t = T0 + 2.5
    local = (WalkingRig().head_pose(t - T0) @ HEAD_T_MIC_ARRAY).inverse().apply(SPEAKER)
    event = AudioEvent(id=1, kind=AudioEvent.KIND_SOUND, start=seconds_to_stamp(t - 0.5), end=seconds_to_stamp(t + 0.5),
                       labels=['Knock'], scores=[0.8], confidence=0.8, has_bearing=True, bearing_frame_id='mic_array',
                       azimuth=float(np.arctan2(local[1], local[0])), azimuth_spread=0.05)
    events = AudioEventArray(events=[event])
    events.header.stamp, events.header.frame_id = seconds_to_stamp(t + 0.5), 'mic_array'
    io['events'].publish(events)
    snapshot = SnapshotDescriptor(question='where is the kettle?', objects=[SnapshotObject(
        role=SnapshotObject.ROLE_REFERENCE, description='the kettle', is_static=SnapshotObject.STATIC_YES,
        keyframes=[SnapshotKeyframe(stamp=seconds_to_stamp(t), distance=2.0, azimuth=0.0)])])
    snapshot.header.stamp, snapshot.header.frame_id = seconds_to_stamp(t), 'head'
    io['snapshots'].publish(snapshot)


def play_rig(io) -> None:
    """TF + a chair observation + a bearing every step; each input is sent before its TF (late TF)."""
    from tf2_msgs.msg import TFMessage

    from savvy_ros.demo.rig_publisher import transform_msg

    rig = WalkingRig()
    io['tf_static'].publish(TFMessage(transforms=[transform_msg('head', 'camera_optical', T0, HEAD_T_CAMERA_OPTICAL),
                                                  transform_msg('head', 'mic_array', T0, HEAD_T_MIC_ARRAY)]))
    rng = np.random.default_rng(5)
    for k in range(STEPS):
        t = T0 + k / RATE
        head = rig.head_pose(t - T0)
        camera = (head @ HEAD_T_CAMERA_OPTICAL).inverse().apply(CHAIR + rng.normal(0.0, 0.05, 3))
        mic = head @ HEAD_T_MIC_ARRAY
        io['objects'].publish(observation_msg(t, camera))
        io['bearings'].publish(bearing_msg(t, mic.inverse().apply(SPEAKER) ))
        if k == 10:  # malformed and unplaceable inputs: counted and dropped, nothing else lost
            io['objects'].publish(observation_msg(t, np.array([np.nan, 0.0, 1.0])))
            io['objects'].publish(observation_msg(t, np.array([0.0, 0.0, 1.0]), frame='nowhere'))
        io['tf'].publish(TFMessage(transforms=[transform_msg('map', 'head', t, head)]))
        io['executor'].spin_once(timeout_sec=0.02)


def latest_map_with(io, condition, timeout: float):
    spin_until(io['executor'], lambda: bool(io['maps']) and condition(io['maps'][-1]), timeout=timeout)
    assert io['maps'], 'no /savvy/map received'
    return io['maps'][-1]


def by_label(msg) -> dict[str, object]:
    return {o.label: o for o in msg.objects}


def test_map_node_maps_over_tf_survives_sigkill_and_restores(rig_io, tmp_path):
    from savvy_ros.ros.map_messages import global_map_to_view

    store = tmp_path / 'map.db'
    node = start_map_node(store)
    try:
        spin_until(rig_io['executor'], lambda: rig_io['tf'].get_subscription_count() > 0 and
                   rig_io['objects'].get_subscription_count() > 0, timeout=30)
        play_rig(rig_io)
        heard_and_described(rig_io)
        ready = lambda m: 'chair' in by_label(m) and 'sound source' in by_label(m) and 'the kettle' in by_label(m) \
            and by_label(m)['chair'].observation_count >= STEPS * 0.8 and m.events and m.events[0].object_id > 0
        msg = latest_map_with(rig_io, ready, timeout=30)
        view = global_map_to_view(msg)
        assert view.frame_id == 'map' and view.body_frame == 'head'
        chair = view.objects_matching('chair')[0]
        assert chair.is_static and 'vision' in chair.modalities
        assert np.linalg.norm(chair.position - CHAIR) < 0.05
        speaker = view.objects_matching('sound source')[0]
        assert 'audio' in speaker.modalities and 'vision' not in speaker.modalities
        assert np.linalg.norm(speaker.position[:2] - SPEAKER[:2]) < 0.1
        (knock,) = view.events
        assert knock.object_id == speaker.id and knock.labels == ['Knock'] and knock.link_score > 0.3
        kettle = view.objects_matching('the kettle')[0]
        head = WalkingRig().head_pose(2.5)
        ahead = head.translation + 2.0 * np.array([np.cos(head.yaw()), np.sin(head.yaw()), 0.0])
        assert kettle.modalities == frozenset({'snapshot'}) and np.linalg.norm(kettle.position - ahead) < 1e-3
        # RViz gets the same map: a sphere and a label per object, the body path, the sound rays.
        def namespaces() -> list[str]:
            return [m.ns for m in rig_io['markers'][-1].markers[1:]] if rig_io['markers'] else []
        spin_until(rig_io['executor'], lambda: namespaces().count('objects') == len(view.objects), timeout=10)
        assert namespaces().count('objects') == len(view.objects) and {'body_path', 'sound_rays'} <= set(namespaces())
        # The wearer's path, recorded from TF at the data's stamps.
        position, yaw = view.body_pose_at(T0 + 2.0)
        truth = WalkingRig().head_pose(2.0)
        assert np.linalg.norm(position - truth.translation) < 0.05
        assert abs(np.angle(np.exp(1j * (yaw - truth.yaw())))) < 0.05
        spin_until(rig_io['executor'], lambda: False, timeout=1.5)  # > save_period: the map is on disk
        node.send_signal(signal.SIGKILL)
        output = stop_peer(node)
        assert 'dropping input (non-finite)' in output and 'dropping input (TF missing)' in output, output
    finally:
        stop_peer(node)

    rig_io['maps'].clear()
    restarted = start_map_node(store)
    try:
        restored = latest_map_with(rig_io, lambda m: 'chair' in by_label(m), timeout=30)
    finally:
        restarted.send_signal(signal.SIGINT)
        stop_peer(restarted)
    again = global_map_to_view(restored)
    back = again.objects_matching('chair')[0]
    assert back.id == chair.id and back.observation_count >= chair.observation_count - 2 * RATE
    assert np.linalg.norm(back.position - chair.position) < 0.02
    assert np.linalg.norm(again.objects_matching('sound source')[0].position - speaker.position) < 0.05
    assert again.body_times.shape[0] > 0 and again.revision >= 1
