#!/usr/bin/env python3
"""Direction accuracy on the REAL released tracks of the fixture sequence (audio + trajectory only).

Issue 8 asks to report, for the benchmark release's own sequence in ../shared/fixtures (the
SRP-PHAT audio track and the camera trajectory of loc1_script2_seq1_rec1, no video, no
transcripts), the direction accuracy per level against chance. Path:

1. `savvy-ros convert-savvy` turns the release files into a bag (/tf world -> head at 20 Hz,
   /savvy/bearings with REP 103 azimuths) and the sequence's questions;
2. the bag is read back; for each question, the bearings heard in its window (the question's
   own start/end: the benchmark gives the event time, we have no transcript to find it) are
   rotated into the world frame with the head's yaw at their stamp and summarised by the hearing
   stage's dominant bearing (savvy_ros.hearing.bearings) into one heard event of the map;
3. the QA core answers the question over that map with the question's window, as the service
   would; the score is the answer letter against the item's groundtruth (and against the
   geometric `prediction` of gt_context_json).

Egocentric direction needs only the bearing and the facing; questions that need object
positions or ranges (exo, distances) are listed as skipped: audio + trajectory do not place
the reference objects. Chance: 1/4 for hard options, 1/3 for simple ones.

    .venv/bin/python bench/bench_fixture_tracks.py [--release ../shared/fixtures/savvy_release] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from savvy_ros.bags.bag_reader import BagReader  # noqa: E402
from savvy_ros.hearing.bearings import BearingSample, dominant_bearing  # noqa: E402
from savvy_ros.mapping.map_view import MapEventView, MapView  # noqa: E402
from savvy_ros.qa.phrase_matcher import LexicalPhraseMatcher  # noqa: E402
from savvy_ros.qa.question_parser import parse_question  # noqa: E402
from savvy_ros.qa.savvy_conventions import HARD_OPTIONS, SIMPLE_OPTIONS  # noqa: E402
from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA  # noqa: E402

DEFAULT_RELEASE = ROOT.parent / 'shared' / 'fixtures' / 'savvy_release'


def yaw_of(q) -> float:
    return math.atan2(2.0 * (q.w * q.z + q.x * q.y), 1.0 - 2.0 * (q.y * q.y + q.z * q.z))


def read_bag(bag: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[float, float, float]]]:
    """(body times, positions, yaws) from /tf and [(stamp, head azimuth, confidence)] from /savvy/bearings."""
    times, positions, yaws, bearings = [], [], [], []
    with BagReader(bag) as reader:
        for item in reader.messages(['/tf', '/savvy/bearings']):
            msg = item.message
            if item.topic == '/tf':
                for tf in msg.transforms:
                    stamp = tf.header.stamp.sec + 1e-9 * tf.header.stamp.nanosec
                    t = tf.transform.translation
                    times.append(stamp)
                    positions.append([t.x, t.y, t.z])
                    yaws.append(yaw_of(tf.transform.rotation))
            else:
                stamp = msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec
                bearings.extend((stamp, float(b.azimuth), float(b.confidence)) for b in msg.bearings
                                if math.isfinite(b.azimuth))
    order = np.argsort(times)
    return np.asarray(times)[order], np.asarray(positions)[order], np.unwrap(np.asarray(yaws)[order]), bearings


def heard_event(event_id: int, kind: str, window: tuple[float, float], body: tuple[np.ndarray, np.ndarray, np.ndarray],
                bearings: list[tuple[float, float, float]]) -> MapEventView | None:
    times, positions, yaws = body
    t0, t1 = window
    samples = []
    for stamp, azimuth, confidence in bearings:
        if t0 <= stamp <= t1:
            world = azimuth + float(np.interp(stamp, times, yaws))
            samples.append(BearingSample(stamp, math.atan2(math.sin(world), math.cos(world)), max(confidence, 1e-3),
                                         'map'))
    summary = dominant_bearing(samples)
    if summary is None:
        return None
    middle = 0.5 * (t0 + t1)
    origin = np.array([np.interp(middle, times, positions[:, k]) for k in range(3)])
    direction = np.array([math.cos(summary.azimuth), math.sin(summary.azimuth), 0.0])
    return MapEventView(event_id, kind, t0, t1, '', [], [], 0, 0.0, None, bearing_origin=origin,
                        bearing_direction=direction, bearing_spread=summary.spread)


def evaluate(release: Path, work: Path) -> dict:
    subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'convert-savvy', str(release), '--out', str(work)],
                   check=True, capture_output=True, text=True)
    qa = SpatialQA(LexicalPhraseMatcher())
    rows, skipped = [], []
    for sequence in sorted(p for p in work.iterdir() if (p / 'bag').is_dir()):
        body_times, body_positions, body_yaws, bearings = read_bag(sequence / 'bag')
        questions = json.loads((sequence / 'questions.json').read_text())
        for k, item in enumerate(questions, start=1):
            task = str(item['task'])
            if not task.endswith('direction_ego'):
                skipped.append({'id': item.get('id'), 'task': task, 'why': 'needs object positions or a range'})
                continue
            options = list(item.get('options') or (HARD_OPTIONS if item.get('level') == 'hard' else SIMPLE_OPTIONS))
            window = (float(item['start_frame']), float(item['end_frame']))
            parsed = parse_question(str(item['question']), options)
            kind = parsed.anchor.kind if parsed.anchor is not None else 'sound'
            event = heard_event(k, kind, window, (body_times, body_positions, body_yaws), bearings)
            view = MapView('map', float(body_times[-1]), [], [event] if event else [], 'head', body_times,
                           body_positions, body_yaws)
            result = qa.ask(AskRequest(str(item['question']), options, window), view)
            answer = result.answer.answer if result.success else ''
            truth = str(item.get('groundtruth', '')).strip()[:1]
            geometric = str(item.get('gt_context_json', {}).get('prediction', '')).strip()[:1]
            rows.append({'id': item.get('id'), 'sequence': sequence.name, 'level': item.get('level'),
                         'options': len(options), 'answer': answer, 'groundtruth': truth, 'prediction': geometric,
                         'correct': answer[:1] == truth, 'matches_geometry': answer[:1] == geometric,
                         'value_deg': result.answer.value if result.success else None,
                         'error': result.error})
    return {'rows': rows, 'skipped': skipped}


def table(report: dict) -> str:
    lines = ['| level | n | ours (vs groundtruth) | ours (vs geometric prediction) | chance |', '|---|---|---|---|---|']
    for level in sorted({r['level'] for r in report['rows']}):
        rows = [r for r in report['rows'] if r['level'] == level]
        chance = float(np.mean([1.0 / r['options'] for r in rows]))
        lines.append(f'| {level} | {len(rows)} | {100 * np.mean([r["correct"] for r in rows]):.1f} % | '
                     f'{100 * np.mean([r["matches_geometry"] for r in rows]):.1f} % | {100 * chance:.1f} % |')
    return '\n'.join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--release', type=Path, default=DEFAULT_RELEASE, help='release files (fixture folder)')
    parser.add_argument('--json', action='store_true', help='print the per-question report as JSON')
    args = parser.parse_args()
    if not args.release.is_dir():
        print(f'no release files at {args.release} (the fixtures live in ../shared beside the checkout)',
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix='savvy_fixture_') as work:
        report = evaluate(args.release, Path(work))
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print('Ego direction on the released SRP-PHAT track + camera trajectory (no video, no transcripts; '
          'the question windows are given):\n')
    print(table(report))
    for row in report['rows']:
        shown = f'{row["value_deg"]:+.0f} deg' if row['value_deg'] is not None else row['error']
        print(f'  {row["id"]}: {row["answer"] or "-"} (truth {row["groundtruth"]}, geometry {row["prediction"]}; '
              f'{shown})')
    print(f'skipped {len(report["skipped"])}: ' + ', '.join(f'{s["id"]} ({s["why"]})' for s in report['skipped']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
