#!/usr/bin/env python3
"""Sound directions of the DoA processor on generated episodes, per ground-truth event.

For every episode folder (bag, ground_truth.json; `savvy-ros synth --bench` writes them), the
bag's microphone audio goes through `DoaProcessor` with the DoA node's parameters from
config/savvy.yaml, window by window as the node sees it. Each bearing is turned into the world
frame with the wearer's head pose at the window (the scene's own trajectory, rebuilt from its
YAML and the event times in ground_truth.json) and compared with the direction from the array
to the event's source. Per event: windows with bearings out of the windows it sounds in, the
share whose first (strongest) bearing and whose nearest bearing are within 20 deg, and the
median error of the first bearing. Summary: the mean of those shares over events, events whose
median error exceeds 30 deg, and windows outside every event that carry bearings (rays from
nowhere). Each setting given with --compare (doa_node parameters, name=value;name=value) runs
beside the node's configuration.

    .venv/bin/python bench/bench_doa_episodes.py [build/bench] [--compare focus_margin_db=0] [--events]

Episodes come from scene YAMLs named like their folder under config/scenes/bench/ (or
config/scenes/demo.yaml for build/demo/episode); others are skipped with a note.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from savvy_ros.audio.mic_arrays import load_mic_array  # noqa: E402
from savvy_ros.audio.processor import DoaConfig, DoaProcessor, analyse_recording  # noqa: E402
from savvy_ros.bags.bag_reader import read_messages  # noqa: E402
from savvy_ros.nodes.doa_node import PARAMETERS, config_from_parameters  # noqa: E402
from savvy_ros.synth.episode import TOPIC_AUDIO  # noqa: E402
from savvy_ros.synth.motion import wearer_trajectory  # noqa: E402
from savvy_ros.synth.rig import Rig  # noqa: E402
from savvy_ros.synth.scene import load_scene  # noqa: E402

WITHIN_DEG = 20.0
OFF_DEG = 30.0


def node_config(overrides: dict[str, object]) -> tuple[DoaConfig, object]:
    """The DoA node's configuration from config/savvy.yaml, with some of its parameters replaced."""
    params = {spec.name: spec.default for spec in PARAMETERS}
    params.update(yaml.safe_load((ROOT / 'config' / 'savvy.yaml').read_text())['savvy_doa']['ros__parameters'])
    params.update(overrides)
    geometry = load_mic_array(params['mic_array'])
    return config_from_parameters(params, geometry), geometry


def scene_file(episode: Path) -> Path | None:
    """The scene YAML an episode folder was generated from: config/scenes/bench/<name>.yaml, or the
    demo's for build/demo/episode."""
    bench = ROOT / 'config' / 'scenes' / 'bench' / f'{episode.name}.yaml'
    if bench.is_file():
        return bench
    demo = ROOT / 'config' / 'scenes' / 'demo.yaml'
    return demo if episode.name == 'episode' and demo.is_file() else None


def bag_audio(bag: Path) -> tuple[np.ndarray, int]:
    chunks, rate = [], 0
    for record in read_messages(bag, [TOPIC_AUDIO]):
        message = record.message
        rate = int(message.sample_rate)
        chunks.append(np.asarray(message.data, np.float32).reshape(-1, message.channels))
    if not chunks:
        raise SystemExit(f'{bag}: no {TOPIC_AUDIO} messages')
    return np.concatenate(chunks), rate


def wrap_deg(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def evaluate(episode: Path, audio: np.ndarray, rate: int, config: DoaConfig, geometry) -> dict:
    truth = json.loads((episode / 'ground_truth.json').read_text())
    scene = load_scene(scene_file(episode))
    trajectory = wearer_trajectory(scene, {e['index']: e['end_s'] for e in truth['events']})
    rig = Rig.aria()
    processor = DoaProcessor(geometry, config)
    windows = analyse_recording(audio, rate, processor)
    sources = {o['id']: np.asarray(o['position'][:2], float) for o in truth['objects'] if o.get('position')}

    def busy(t: float) -> bool:   # with a margin for onsets and reverberant tails
        return any(e['start_s'] - 0.2 <= t <= e['end_s'] + 0.3 for e in truth['events'])

    rows = []
    for event in truth['events']:
        if event['object'] not in sources:
            continue
        sounding = [w for w in windows if event['start_s'] <= w.stamp <= event['end_s']]
        first, nearest = [], []
        for w in (w for w in sounding if w.bearings):
            mics = rig.mic_positions(trajectory, np.array([w.stamp]))[0][processor.channels]
            delta = sources[event['object']] - mics.mean(axis=0)[:2]
            yaw = math.degrees(trajectory.rotations(np.array([w.stamp]))[0].as_euler('ZYX')[0])
            errors = [abs(wrap_deg(yaw + math.degrees(b.azimuth) - math.degrees(math.atan2(delta[1], delta[0]))))
                      for b in w.bearings]
            first.append(errors[0])
            nearest.append(min(errors))
        rows.append({'event': f"{event['kind']} {event.get('sound') or ''} ({event['object']}, "
                              f"{event['start_s']:.1f}-{event['end_s']:.1f} s)".replace('  ', ' '),
                     'windows': len(first), 'sounding': len(sounding),
                     'first_within': float(np.mean(np.array(first) <= WITHIN_DEG)) if first else 0.0,
                     'nearest_within': float(np.mean(np.array(nearest) <= WITHIN_DEG)) if nearest else 0.0,
                     'median_error': float(np.median(first)) if first else math.nan})
    quiet = [w for w in windows if not busy(w.stamp)]
    return {'events': rows, 'stray': sum(1 for w in quiet if w.bearings), 'quiet': len(quiet)}


def summary(results: list[dict]) -> dict:
    rows = [r for result in results for r in result['events']]
    return {'events': len(rows),
            'first_within': float(np.mean([r['first_within'] for r in rows])) if rows else math.nan,
            'nearest_within': float(np.mean([r['nearest_within'] for r in rows])) if rows else math.nan,
            'off': sum(1 for r in rows if not r['median_error'] <= OFF_DEG),
            'stray': sum(r['stray'] for r in results), 'quiet': sum(r['quiet'] for r in results)}


def parse_override(text: str) -> dict[str, object]:
    """"focus_margin_db=0;doa_channels=all" -> node parameters, typed like their defaults."""
    defaults = {spec.name: spec.default for spec in PARAMETERS}
    out: dict[str, object] = {}
    for item in filter(None, (s.strip() for s in text.split(';'))):
        name, _, value = item.partition('=')
        if name not in defaults or not value:
            raise SystemExit(f'--compare wants doa_node parameter=value[;parameter=value], got {item!r}')
        kind = type(defaults[name])
        out[name] = value if kind is str else kind(float(value)) if kind in (int, float) else value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('folder', nargs='?', type=Path, default=ROOT / 'build' / 'bench',
                        help='an episode folder, or a folder of them (default build/bench)')
    parser.add_argument('--compare', action='append', default=[], metavar='NAME=VALUE[;...]',
                        help='doa_node parameters to run beside its configuration (repeatable)')
    parser.add_argument('--events', action='store_true', help='print every event of every setting')
    args = parser.parse_args(argv)
    folder = args.folder
    episodes = [folder] if (folder / 'ground_truth.json').is_file() else \
        sorted(p for p in folder.iterdir() if (p / 'ground_truth.json').is_file()) if folder.is_dir() else []
    if not episodes:
        raise SystemExit(f'no episodes under {folder} (make them with: savvy-ros synth --bench --out {folder})')
    settings = [('node default', {})] + [(text, parse_override(text)) for text in args.compare]
    audio = {}
    for episode in episodes:
        if scene_file(episode) is None:
            print(f'skipped {episode.name}: no scene YAML of that name', file=sys.stderr)
            continue
        audio[episode] = bag_audio(episode / 'bag')
    print(f'## DoA per ground-truth event, {len(audio)} episode(s) under {folder}\n')
    print(f'| setting | events | first bearing within {WITHIN_DEG:.0f} deg | any bearing within {WITHIN_DEG:.0f} deg '
          f'| events with median error > {OFF_DEG:.0f} deg | quiet windows with bearings |')
    print('|---|---|---|---|---|---|')
    details = []
    for name, overrides in settings:
        config, geometry = node_config(overrides)
        results = [evaluate(e, *audio[e], config, geometry) for e in audio]
        s = summary(results)
        print(f"| {name} | {s['events']} | {s['first_within']:.1%} | {s['nearest_within']:.1%} | {s['off']} "
              f"| {s['stray']} of {s['quiet']} |")
        details.append((name, results))
    if args.events:
        for name, results in details:
            print(f'\n### {name}\n')
            print('| episode | event | windows with bearings | first within | any within | median error [deg] |')
            print('|---|---|---|---|---|---|')
            for episode, result in zip(audio, results):
                for r in result['events']:
                    print(f"| {episode.name} | {r['event']} | {r['windows']} of {r['sounding']} "
                          f"| {r['first_within']:.2f} | {r['nearest_within']:.2f} | {r['median_error']:.1f} |")
    return 0


if __name__ == '__main__':
    sys.exit(main())
