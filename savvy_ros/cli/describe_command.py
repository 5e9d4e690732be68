"""Ask an AV-LLM backend for a snapshot descriptor without ROS, or parse a saved model output.

  savvy-ros describe "where is the door when the knock comes up?" --backend replay \\
      --replay-file sd_output_v2/gemini25.json --question-id spatial_temporal_audio_direction_ego_hard_2
  savvy-ros describe "..." --backend openai --base-url http://127.0.0.1:8080/v1 --video clip.mp4
  savvy-ros describe --parse output.txt          # a model's raw answer -> parsed descriptor

Prints the descriptor as JSON: times in clip seconds, azimuths REP 103 (radians, positive = left),
and what the parser had to repair. Exit code 1 when the backend fails or its output has no JSON."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'describe'
HELP = 'AV-LLM snapshot descriptor of a question (and a clip), or parse a saved model output'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('question', nargs='?', default='', help='the question to describe the clip for')
    parser.add_argument('--parse', metavar='FILE', help="parse this saved model output ('-' = stdin) and exit")
    parser.add_argument('--backend', default='replay',
                        help='openai | gemini | transformers | replay (default replay: the release\'s own outputs, '
                             '--replay-file)')
    parser.add_argument('--question-id', default='', help='question id (the replay backend looks outputs up by it)')
    parser.add_argument('--replay-file', default='', help='replay: release sd_output JSON file')
    parser.add_argument('--base-url', default='http://127.0.0.1:8080/v1', help='openai: endpoint base URL')
    parser.add_argument('--model', default='', help='model name at the endpoint / SDK')
    parser.add_argument('--model-path', default='', help='transformers: local model directory')
    parser.add_argument('--model-class', default='AutoModelForImageTextToText', help='transformers: model class')
    parser.add_argument('--video', default='', help='video file: frames sampled into the clip')
    parser.add_argument('--audio', default='', help='audio file added to the clip (needs --send-audio to be sent)')
    parser.add_argument('--send-audio', action='store_true', help='send the clip audio to the model')
    parser.add_argument('--frame-rate', type=float, default=1.0, help='frames taken from --video per second [Hz]')
    parser.add_argument('--max-frames', type=int, default=8, help='frames sent to the model')
    parser.add_argument('--max-tokens', type=int, default=1024, help='generation limit [tokens]')
    parser.add_argument('--timeout', type=float, default=120.0, help='per backend call [s]')
    parser.add_argument('--retries', type=int, default=2, help='extra attempts after transient errors')


def _read_parse_input(name: str) -> str:
    if name == '-':
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f'cannot read {name}: {exc}') from exc


def _clip(args: argparse.Namespace):
    from savvy_ros.snapshot.clip import ClipError, RollingBuffer
    from savvy_ros.snapshot.media_files import MediaFileError, load_media

    if not (args.video or args.audio):
        return None
    buffer = RollingBuffer(duration=1e9, frame_rate=args.frame_rate, max_frames=100_000)
    try:
        load_media(buffer, args.video, args.audio)
        return buffer.clip(0.0, None, args.max_frames)
    except (MediaFileError, ClipError) as exc:
        raise CliError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    from savvy_ros.snapshot.backends import BackendError, BackendOptions, UnknownBackendError, create_backend
    from savvy_ros.snapshot.describer import DescriberConfig, SnapshotDescriber
    from savvy_ros.snapshot.descriptor import description_to_dict
    from savvy_ros.snapshot.parsing import SnapshotParseError, parse_model_output

    if args.parse:
        try:
            description = parse_model_output(_read_parse_input(args.parse), args.question)
        except SnapshotParseError as exc:
            raise CliError(str(exc), EXIT_FAILURE) from exc
        print(json.dumps(description_to_dict(description), ensure_ascii=False, indent=1))
        return EXIT_OK
    if not args.question.strip():
        raise CliError('give a question (or --parse FILE)')
    options = BackendOptions(model=args.model, base_url=args.base_url, model_path=args.model_path,
                             model_class=args.model_class, replay_file=args.replay_file,
                             send_audio=args.send_audio, max_tokens=args.max_tokens)
    try:
        describer = SnapshotDescriber(create_backend(args.backend, options),
                                      DescriberConfig(timeout=args.timeout, retries=args.retries))
    except (UnknownBackendError, BackendError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    try:
        outcome = describer.describe(args.question, _clip(args), args.question_id)
    except (BackendError, SnapshotParseError) as exc:
        raise CliError(f'{describer.backend.model}: {exc}', EXIT_FAILURE) from exc
    finally:
        describer.close()
    record = description_to_dict(outcome.description)
    record['model'] = describer.backend.model
    print(json.dumps(record, ensure_ascii=False, indent=1))
    return EXIT_OK
