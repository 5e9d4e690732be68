"""Sound directions in a multichannel recording, as the DoA node computes them.

With --json, one JSON object per analysis window, in time order:
  {"t": centre_s, "bearings": [{"azimuth_deg": .., "elevation_deg": .., "power": ..,
                                "confidence": .., "range_m": null|.., "source_id": ..}]}
t is the window centre in seconds from the start of the file; azimuths are REP 103 degrees
(counter-clockwise from the array's +x, positive = left); windows the activity gate rejects
have no bearings; range_m is null unless --cdr-constant is given; source_id (>= 1) follows one
sound across windows, as the DoA node's bearing tracker assigns it."""
from __future__ import annotations

import argparse
import json

from savvy_ros.cli.errors import EXIT_OK, CliError

NAME = 'doa'
HELP = 'sound directions (SRP-PHAT / MUSIC / NormMUSIC) of a multichannel WAV/FLAC file'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('file', help='multichannel WAV or FLAC recording of the array')
    parser.add_argument('--array', required=True, help='array geometry: a name (aria, respeaker_4mic, ...) or a YAML file')
    parser.add_argument('--method', default='srp', choices=['srp', 'music', 'normmusic'],
                        help='DoA algorithm (default srp: SRP-PHAT)')
    parser.add_argument('--window', type=float, default=0.25, help='analysis window [s] (default 0.25)')
    parser.add_argument('--hop', type=float, default=None, help='step between windows [s] (default: the window)')
    parser.add_argument('--max-sources', type=int, default=1, help='most bearings per window (default 1)')
    parser.add_argument('--channels', default='auto',
                        help="microphones used: 'auto' (the geometry's DoA subset), 'all', or e.g. '3,4,5,6'")
    parser.add_argument('--band', type=float, nargs=2, default=(300.0, 4000.0), metavar=('LOW', 'HIGH'),
                        help='frequency band [Hz] (default 300 4000)')
    parser.add_argument('--azimuth-step', type=float, default=1.0, help='azimuth grid step [deg] (default 1)')
    parser.add_argument('--cdr-constant', type=float, default=0.0,
                        help='K of the range d = sqrt(K / CDR) [m^2] (default 0: no range)')
    parser.add_argument('--json', action='store_true', help='one JSON object per window')


def run(args: argparse.Namespace) -> int:
    from savvy_ros.audio.capture import AudioFileError, read_audio_file
    from savvy_ros.audio.mic_arrays import ChannelCountError, MicArrayError, load_mic_array
    from savvy_ros.audio.processor import (DoaConfig, DoaProcessor, analyse_recording, parse_channels,
                                           result_to_json)

    if args.window <= 0 or (args.hop is not None and args.hop <= 0):
        raise CliError('--window and --hop must be > 0 s')
    try:
        geometry = load_mic_array(args.array)
        config = DoaConfig(method=args.method, window_s=args.window, hop_s=args.hop or args.window,
                           band_hz=tuple(args.band), azimuth_step_deg=args.azimuth_step,
                           channels=parse_channels(args.channels, geometry), max_sources=args.max_sources,
                           cdr_constant=args.cdr_constant)
        processor = DoaProcessor(geometry, config)
        samples, rate = read_audio_file(args.file)
        results = analyse_recording(samples, rate, processor)
    except (FileNotFoundError, AudioFileError, MicArrayError, ChannelCountError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    for result in results:
        record = result_to_json(result)
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            found = '  '.join(f"#{b['source_id']} {b['azimuth_deg']:7.1f} deg ({b['confidence']:.2f})"
                              for b in record['bearings'])
            print(f"{record['t']:8.3f} s  {result.energy_db:6.1f} dBFS  {found or '-'}")
    if not args.json and not results:
        print(f'no complete {args.window} s window in {args.file}')
    return EXIT_OK
