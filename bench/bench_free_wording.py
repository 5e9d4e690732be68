#!/usr/bin/env python3
"""Plain-word paraphrases of the bench's questions: do they get the template's answer?

For every question of the generated episodes (`savvy-ros synth --bench`, and the demo's when
`build/demo/episode` exists) a few paraphrases are written from its ground-truth context, in the
plain wording the QA service documents ("where was the speaker when they were talking about X?",
"if I stood at the sofa facing the tv, where would the sound source be when the phone ringing
started?", "how far away was the knocking door?"), and asked of the ground-truth-map oracle
beside the template itself. The oracle holds the true transcripts, sound names and positions, so
a paraphrase answered like its template was understood the same way; one answered otherwise was
parsed or grounded differently. Printed per task: paraphrases asked, answered, answered like the
template (same angle within 1 deg, same distance within 1 cm), and the bench score of the template
and of the paraphrases. No timing, no perception: a check of the parser and the grounding.

With --maps DIR (an evaluation's maps/ folder) each episode's perceived map of the `all` run,
<episode>_all.cdr, is asked instead of the oracle (best guesses on, as the evaluator asks; speech
matched to first-pass transcripts): the same check where transcripts, tags and positions are
the pipeline's own.

    .venv/bin/python bench/bench_free_wording.py [build/bench] [--episode build/demo/episode] [--misses]
    .venv/bin/python bench/bench_free_wording.py --maps build/bench_eval/maps
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from savvy_ros.evaluation.evaluator import options_of  # noqa: E402
from savvy_ros.evaluation.oracle_map import load_ground_truth, oracle_map_view  # noqa: E402
from savvy_ros.mapping.labels import names_a_sound  # noqa: E402
from savvy_ros.qa.occurrences import ordinal_word  # noqa: E402
from savvy_ros.qa.phrase_matcher import EmbeddingPhraseMatcher  # noqa: E402
from savvy_ros.qa.question_parser import parse_question  # noqa: E402
from savvy_ros.qa.savvy_conventions import direction_letter  # noqa: E402
from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA  # noqa: E402
from savvy_ros.ros.map_messages import global_map_view_from_cdr  # noqa: E402

SAME_ANGLE_DEG, SAME_DISTANCE_M = 1.0, 0.01


def _the(description: str) -> str:
    text = description.strip()
    return text if text.lower().startswith(('the ', 'a ', 'an ')) else f'the {text}'


def paraphrases(item: dict) -> list[str]:
    """Plain-word versions of a bench item, from its ground-truth context."""
    value, context = item['anno_value'], item['gt_context_json']
    task = item['task'].removeprefix('spatial_temporal_audio_')
    speech = item['anno_modality'] == 'speech'
    topic = value.get('descriptive_topic', '')
    sound = value.get('sound', '')
    if speech:
        whens = [f'when they were talking about {topic}', f'when the topic of {topic} came up']
        source = 'the speaker'
    else:
        # A sound heard more than once: the template says which time, and so does every paraphrase.
        n = parse_question(item['question']).anchor.occurrence
        nth = f' for the {ordinal_word(n)} time' if n else ''
        heard = f'the {ordinal_word(n)} time you heard the {sound}' if n else f'when you heard the {sound}'
        whens = [f'when the {sound} started{nth}', heard]
        source = 'the sound source'
    reference = _the(context['reference_object']['description']) if task.endswith('_exo') else ''
    facing = ''
    if task == 'direction_exo':
        facing = _the(context['reference_forward_vector']['description'].split(' to ', 1)[1])
    out = []
    for when in whens:
        if task == 'direction_ego':
            out.append(f'where was {source} {when}?')
        elif task == 'direction_exo':
            out.append(f'if I stood at {reference} facing {facing}, where would {source} be {when}?')
        elif task == 'distance_ego':
            out.append(f'how far away was {source} {when}?')
        else:
            out.append(f'how far was {source} from {reference} {when}?')
    # The sound itself as the thing asked about, and the talker described by the topic.
    if not speech and names_a_sound(sound):
        if task == 'direction_ego':
            out.append(f'where did the {sound} come from{nth}?')
        elif task == 'distance_ego':
            out.append(f'how far away was the {sound}{nth}?')
    if speech and task == 'direction_ego':
        out.append(f'where was the person talking about {topic}?')
    return out


def score(item: dict, answer) -> float:
    """The bench's score of an answer to `item` (direction: its option letter; distance: the MRA)."""
    if answer is None:
        return 0.0
    truth = item['groundtruth']
    if item['task'].endswith(('direction_ego', 'direction_exo')):
        return float(direction_letter(answer.value, options_of(item))[0] == truth)
    error = abs(answer.value - float(truth))
    thresholds = [0.1 * k for k in range(1, 11)]
    return sum(error < t for t in thresholds) / len(thresholds)


def same(item: dict, a, b) -> bool:
    if a is None or b is None:
        return False
    if item['task'].endswith('direction_ego') or item['task'].endswith('direction_exo'):
        return abs((a.value - b.value + 180.0) % 360.0 - 180.0) < SAME_ANGLE_DEG
    return abs(a.value - b.value) < SAME_DISTANCE_M


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('bench', nargs='?', type=Path, default=ROOT / 'build' / 'bench')
    parser.add_argument('--episode', type=Path, action='append', default=[],
                        help='another episode folder (default: build/demo/episode when it exists)')
    parser.add_argument('--misses', action='store_true', help='list every paraphrase answered otherwise')
    parser.add_argument('--maps', type=Path, help='ask the perceived maps <episode>_all.cdr saved here instead')
    args = parser.parse_args(argv)
    episodes = sorted(p for p in args.bench.glob('*') if (p / 'ground_truth.json').is_file())
    demo = ROOT / 'build' / 'demo' / 'episode'
    episodes += args.episode or ([demo] if (demo / 'ground_truth.json').is_file() else [])
    if not episodes:
        print(f'no episodes under {args.bench}: run `savvy-ros synth --bench --out {args.bench}` first',
              file=sys.stderr)
        return 2
    qa = SpatialQA(EmbeddingPhraseMatcher())
    rows: dict[str, list[tuple[float, float, bool, bool]]] = defaultdict(list)
    misses, asked = [], 0
    for episode in episodes:
        view, best_guess = oracle_map_view(load_ground_truth(episode / 'ground_truth.json')), False
        if args.maps is not None:
            saved = args.maps / f'{episode.name}_all.cdr'
            if not saved.is_file():
                print(f'{episode.name}: no {saved}, skipped', file=sys.stderr)
                continue
            view, best_guess = global_map_view_from_cdr(saved.read_bytes()), True
        asked += 1
        for item in json.loads((episode / 'questions.json').read_text()):
            template = qa.ask(AskRequest(item['question'], options_of(item), best_guess=best_guess), view)
            base = template.answer if template.success else None
            for text in paraphrases(item):
                result = qa.ask(AskRequest(text, best_guess=best_guess), view)
                answer = result.answer if result.success else None
                agreed = same(item, base, answer)
                rows[item['task'].removeprefix('spatial_temporal_audio_')].append(
                    (score(item, base), score(item, answer), answer is not None, agreed))
                if not agreed:
                    misses.append(f'{episode.name} {item["id"]}: "{text}" -> '
                                  f'{answer.answer_text if answer else result.error}'
                                  f' (template: {base.answer_text if base else template.error})')
    asked_of = f'the perceived maps in {args.maps}' if args.maps else 'the ground-truth map'
    print(f'{asked} episodes; paraphrases asked of {asked_of} beside their templates')
    print(f'{"task":16s} {"asked":>6s} {"answered":>9s} {"as template":>12s} {"template score":>15s} '
          f'{"paraphrase score":>17s}')
    everything = [r for task_rows in rows.values() for r in task_rows]
    for task, task_rows in [*sorted(rows.items()), ('all', everything)]:
        n = len(task_rows)
        print(f'{task:16s} {n:6d} {100 * sum(r[2] for r in task_rows) / n:8.1f}% '
              f'{100 * sum(r[3] for r in task_rows) / n:11.1f}% {100 * sum(r[0] for r in task_rows) / n:14.1f} '
              f'{100 * sum(r[1] for r in task_rows) / n:16.1f}')
    if args.misses:
        print('\n'.join(misses))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
