"""Snapshot-descriptor benchmark (issue 9): parser robustness on real AV-LLM outputs, cache
speed-up, and the rolling buffer's cost and memory.

* Parser: the 16 real Gemini 2.5 Pro outputs of the SAVVY release, each rendered the ways models
  bend it (seeded): in prose, in ```json fences, with trailing commas, as a Python literal, with
  numbers as words/strings, truncated by a token limit. Counted: outputs whose event window and
  sounding-object key frames come out exactly as from the clean file; baseline: strict json.loads
  on the same texts. Targets: >= 99 % exact on untruncated renderings, truncated ones never fatal.
* Cache: a describe served from the (clip, question) cache vs. a backend call (replay backend;
  with --llm also the openai backend against the local SmolLM2 server). Target: >= 100x.
* Buffer: 120 s of 30 fps 640x480 video (kept at 1 fps, 512 px JPEG) and 7-channel 48 kHz audio:
  CPU per incoming frame / chunk, memory held, time to cut an 8-frame clip with 120 s of 16 kHz
  audio. Targets: < 2 ms per frame on average, < 64 MB, < 100 ms per clip.

    .venv/bin/python bench/bench_snapshot.py [--seed S] [--renderings N] [--llm]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from savvy_ros.snapshot.backends import BackendOptions, create_backend  # noqa: E402
from savvy_ros.snapshot.clip import RollingBuffer  # noqa: E402
from savvy_ros.snapshot.describer import DescriberConfig, SnapshotDescriber  # noqa: E402
from savvy_ros.snapshot.descriptor import Role  # noqa: E402
from savvy_ros.snapshot.parsing import SnapshotParseError, parse_model_output  # noqa: E402

SD_FILE = Path(__file__).resolve().parents[2] / 'shared' / 'fixtures' / 'savvy_release' / 'sd_gemini25_sample.json'


def render(entry: dict, style: str, rng: random.Random) -> str:
    text = json.dumps(entry, indent=rng.choice([None, 1, 2]), ensure_ascii=False)
    if style == 'prose':
        return f'Based on the video and audio, here is my analysis.\n{text}\nLet me know if anything is unclear.'
    if style == 'fenced':
        return f'Sure! ```json\n{text}\n``` I hope this helps.'
    if style == 'trailing_commas':
        return re.sub(r'(["\d\]}])(\s*[}\]])', r'\1,\2', text)
    if style == 'python_literal':
        return repr(entry)
    if style == 'truncated':
        return text[:int(len(text) * rng.uniform(0.6, 0.95))]
    return text


def signature(description) -> tuple:
    sounding = description.object(Role.SOUNDING)
    frames = tuple((k.time_s, k.distance_m, round(k.azimuth_rad, 9)) for k in sounding.keyframes) if sounding else ()
    return description.start_s, description.end_s, frames


def bench_parser(entries: dict, renderings: int, seed: int) -> list[tuple[str, str, str, str]]:
    rng = random.Random(seed)
    clean = {qid: signature(parse_model_output(json.dumps(e))) for qid, e in entries.items()}
    rows = []
    for style in ('prose', 'fenced', 'trailing_commas', 'python_literal', 'truncated'):
        exact = parsed = strict = total = 0
        elapsed = 0.0
        for _ in range(renderings):
            for qid, entry in entries.items():
                text = render(entry, style, rng)
                total += 1
                try:
                    json.loads(text)
                    strict += 1
                except json.JSONDecodeError:
                    pass
                start = time.perf_counter()
                try:
                    description = parse_model_output(text)
                except SnapshotParseError:
                    continue
                finally:
                    elapsed += time.perf_counter() - start
                parsed += 1
                exact += signature(description) == clean[qid]
        target = 'never fatal' if style == 'truncated' else '>= 99 % exact'
        rows.append((f'parser: {style}', f'{100 * exact / total:.1f} % exact, {100 * parsed / total:.1f} % parsed, '
                     f'{1e6 * elapsed / total:.0f} us each', f'strict json.loads {100 * strict / total:.1f} %', target))
    return rows


def time_describe(describer: SnapshotDescriber, question: str, question_id: str, repeats: int) -> tuple[float, float]:
    start = time.perf_counter()
    describer.describe(question, None, question_id)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeats):
        assert describer.describe(question, None, question_id).cached
    return first, (time.perf_counter() - start) / repeats


def bench_cache(llm: bool) -> list[tuple[str, str, str, str]]:
    replay = SnapshotDescriber(create_backend('replay', BackendOptions(replay_file=str(SD_FILE))))
    first, cached = time_describe(replay, 'q', 'spatial_temporal_audio_direction_exo_hard_3', 200)
    rows = [('cache: replay backend', f'{1e3 * first:.2f} ms call, {1e6 * cached:.1f} us cached',
             f'{first / cached:.0f}x', '(file lookup: nothing to save)')]
    if llm:
        server = subprocess.Popen([sys.executable, '-m', 'savvy_ros.snapshot.local_chat_server', '--port', '0'],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = ''
            while 'listening on' not in line:
                line = server.stdout.readline()
                if not line and server.poll() is not None:
                    raise RuntimeError('the local chat server did not start')
            url = re.search(r'(http://\S+/v1)', line).group(1)
            live = SnapshotDescriber(create_backend('openai', BackendOptions(base_url=url, max_tokens=64)),
                                     DescriberConfig(timeout=600.0, retries=0))
            try:
                first, cached = time_describe(live, 'Where is the door when the knock comes up?', '', 50)
                rows.append(('cache: SmolLM2-135M local server', f'{first:.2f} s call, {1e6 * cached:.1f} us cached',
                             f'{first / cached:.0f}x', '>= 100x'))
            except SnapshotParseError as exc:
                rows.append(('cache: SmolLM2-135M local server', f'output not a descriptor ({exc})', '-', '>= 100x'))
        finally:
            server.terminate()
            server.wait(30)
    return rows


def bench_buffer(seed: int) -> list[tuple[str, str, str, str]]:
    rng = np.random.default_rng(seed)
    buffer = RollingBuffer(duration=120.0, frame_rate=1.0, frame_max_side=512)
    base = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    frame_time = audio_time = 0.0
    frames = chunks = 0
    for k in range(130 * 30):                               # 130 s at 30 fps, 10 s past the horizon
        t = k / 30.0
        start = time.perf_counter()
        buffer.add_frame(t, np.roll(base, k, axis=1))
        frame_time += time.perf_counter() - start
        frames += 1
        if k % 3 == 0:                                      # 0.1 s chunks of 7 channels at 48 kHz
            block = rng.standard_normal((4800, 7)).astype(np.float32) * 0.01
            start = time.perf_counter()
            buffer.add_audio(t, 48000, block.mean(axis=1))
            audio_time += time.perf_counter() - start
            chunks += 1
    memory = sum(len(f.jpeg) for f in buffer.frames) + sum(b.samples.nbytes for b in buffer.audio)
    start = time.perf_counter()
    clips = 5
    for _ in range(clips):
        clip = buffer.clip(max_frames=8)
    cut = (time.perf_counter() - start) / clips
    return [('buffer: per incoming frame', f'{1e3 * frame_time / frames:.2f} ms', f'{len(buffer.frames)} kept',
             '< 2 ms'),
            ('buffer: per audio chunk', f'{1e3 * audio_time / chunks:.3f} ms', f'{len(buffer.audio)} kept', '-'),
            ('buffer: memory (120 s)', f'{memory / 2**20:.1f} MB', '', '< 64 MB'),
            ('clip: 8 frames + audio -> 16 kHz', f'{1e3 * cut:.1f} ms', f'{clip.audio_duration:.1f} s audio',
             '< 100 ms')]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--renderings', type=int, default=20, help='renderings per output and style')
    parser.add_argument('--llm', action='store_true', help='also time the local SmolLM2 server (about a minute)')
    args = parser.parse_args()
    if not SD_FILE.is_file():
        print(f'fixtures not found: {SD_FILE}', file=sys.stderr)
        return 2
    entries = json.loads(SD_FILE.read_text())
    rows = bench_parser(entries, args.renderings, args.seed) + bench_cache(args.llm) + bench_buffer(args.seed)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print('  '.join(h.ljust(w) for h, w in zip(('measure', 'value', 'beside it', 'target'), widths)))
    for row in rows:
        print('  '.join(c.ljust(w) for c, w in zip(row, widths)))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
