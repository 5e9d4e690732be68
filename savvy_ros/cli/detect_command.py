"""Detect objects in images and lift them to 3D in the camera optical frame (no ROS needed).

One line per image; with --json each line is
  {"image": PATH, "observations": [{"label": .., "score": .., "position": [x, y, z], "box": [x, y, w, h]}]}
position in metres in the camera optical frame (z forward, x right, y down); box in pixels
(left, top, width, height). The calibration is a camera_calibration_parsers YAML.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'detect'
HELP = 'detect objects in images and print their 3D positions'
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('path', type=Path, help='an image file or a directory of images')
    parser.add_argument('--camera-info', type=Path, required=True, metavar='FILE.yaml',
                        help='calibration of the camera that took the images (camera_calibration_parsers '
                             'YAML); images of another size are refused')
    parser.add_argument('--backend', default='coco',
                        help='detector backend: coco (default), aruco, open_vocab, or several: coco,aruco')
    parser.add_argument('--json', action='store_true', help='print one JSON object per image')
    parser.add_argument('--score-threshold', type=float, default=0.3, help='minimum detection score [0..1]')
    parser.add_argument('--classes', default='', help='comma-separated labels to keep (default: all)')
    parser.add_argument('--class-thresholds', default='cat: 0.2, cup: 0.2', metavar='"LABEL: SCORE, ..."',
                        help='per-label score thresholds overriding --score-threshold (coco; default: %(default)s, '
                             'as the vision node; "" = none)')
    parser.add_argument('--zoom-crops', type=int, default=2, metavar='N',
                        help='coco: small regions looked at again in a zoomed crop, doubtful detections and '
                             'unnamed objects in turn, at most N per image (default: %(default)s, as the vision '
                             'node; 0 = off)')
    parser.add_argument('--zoom-objectness', type=float, default=0.15, metavar='P',
                        help='coco: regions at least this object-like that no kept class names get a zoomed look '
                             '(default: %(default)s, as the vision node; 1 = off)')
    parser.add_argument('--coco-backend', default='auto', choices=('auto', 'openvino', 'opencv'),
                        help='what runs the coco network: openvino (about 2x faster), opencv (cv2.dnn + numpy), '
                             'auto = openvino where installed (default; both give the same detections)')
    parser.add_argument('--coco-precision', default='auto', choices=('auto', 'f32', 'int8'),
                        help='coco network: f32, int8 (OpenVINO only: quantized, faster) or auto = int8 where '
                             'OpenVINO runs it, f32 on cv2.dnn (default, as the vision node)')
    parser.add_argument('--aruco-table', type=Path, default=None, help='ArUco marker table YAML (aruco backend)')
    parser.add_argument('--size-priors', type=Path, default=None, help='per-class size prior YAML')
    parser.add_argument('--model-path', default='', help='open_vocab weights: local directory or cached hub id')
    parser.add_argument('--queries', default='', help='comma-separated phrases (open_vocab backend)')


def image_paths(path: Path) -> list[Path]:
    if path.is_dir():
        paths = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise CliError(f'no images ({", ".join(IMAGE_SUFFIXES)}) in {path}')
        return paths
    if not path.is_file():
        raise CliError(f'no such image or directory: {path}')
    return [path]


def observation_record(estimate) -> dict:
    x0, y0, x1, y1 = estimate.detection.box
    return {'label': estimate.label, 'score': round(float(estimate.detection.score), 4),
            'position': [round(float(v), 4) for v in estimate.position],
            'box': [round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1)]}


def run(args: argparse.Namespace) -> int:
    import cv2

    from savvy_ros.vision.camera_model import CameraInfoError, load_camera_info_yaml
    from savvy_ros.vision.detector import (DetectorConfig, DetectorUnavailableError, available_detectors,
                                          parse_class_thresholds)
    from savvy_ros.vision.pipeline import FrameError, build_pipeline

    unknown = [name for name in args.backend.split(',') if name.strip() not in available_detectors()]
    if unknown:
        raise CliError(f'unknown backend {", ".join(unknown)!r}; known: {", ".join(available_detectors())}')
    paths = image_paths(args.path)
    names = tuple(n.strip() for n in args.classes.split(',') if n.strip())
    try:
        config = DetectorConfig(score_threshold=args.score_threshold, classes=names, aruco_table=args.aruco_table,
                                model_path=args.model_path,
                                queries=tuple(q.strip() for q in args.queries.split(',') if q.strip()),
                                class_thresholds=parse_class_thresholds(args.class_thresholds),
                                zoom_crops=args.zoom_crops, zoom_objectness=args.zoom_objectness,
                                backend=args.coco_backend,
                                precision=args.coco_precision)
        camera = load_camera_info_yaml(args.camera_info)
        pipeline = build_pipeline(args.backend, config, args.size_priors)
    except (FileNotFoundError, CameraInfoError, DetectorUnavailableError, ValueError) as exc:
        raise CliError(str(exc)) from None
    failures = 0
    for path in paths:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            print(f'savvy-ros detect: {path}: not a readable image', file=sys.stderr)
            failures += 1
            continue
        try:
            estimates = pipeline.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), camera, 0.0)
        except FrameError as exc:
            print(f'savvy-ros detect: {path}: {exc}', file=sys.stderr)
            failures += 1
            continue
        records = [observation_record(e) for e in estimates]
        if args.json:
            print(json.dumps({'image': str(path), 'observations': records}), flush=True)
        else:
            print(f'{path}: {len(records)} object(s)')
            for r in records:
                x, y, z = r['position']
                print(f"  {r['label']:<16} {r['score']:.2f}  x={x:+.2f} y={y:+.2f} z={z:.2f} m  box={r['box']}")
    return EXIT_FAILURE if failures else EXIT_OK
