"""Generate synthetic SAVVY episodes: a rosbag2 (camera, 7-channel audio, TF) per scene, with the
questions (SAVVY-Bench schema) and the ground truth beside it.

  savvy-ros synth config/scenes/demo.yaml --seed 7 --out out/demo [--quick]
  savvy-ros synth demo --out out/demo                   # a shipped scene by name
  savvy-ros synth --bench --out out/bench [--quick]     # every scene of config/scenes/bench/

Output per scene: DIR/bag/ (MCAP), DIR/questions.json, DIR/ground_truth.json (--bench: one
DIR/<scene name>/ per scene). --quick simulates audio at 16 kHz with shorter responses."""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from savvy_ros.cli.errors import EXIT_OK, CliError
from savvy_ros.cli.progress_bars import NO_PROGRESS_HELP, bars_wanted

NAME = 'synth'
HELP = 'generate synthetic SAVVY episodes (bag + questions + ground truth)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('scene', nargs='?', type=Path,
                        help="scene file (YAML, see config/scenes/README.md) or a shipped scene's name ('demo')")
    parser.add_argument('--bench', action='store_true', help='generate every scene of config/scenes/bench/')
    parser.add_argument('--out', type=Path, required=True, help='output directory')
    parser.add_argument('--seed', type=int, default=None, help="random seed (default: the scene's own)")
    parser.add_argument('--quick', action='store_true', help='16 kHz audio and shorter room responses (faster)')
    parser.add_argument('--overwrite', action='store_true', help='replace outputs that already exist')
    parser.add_argument('--workers', type=int, default=2, help='processes rendering camera frames (default 2)')
    parser.add_argument('--no-progress', action='store_true', help=NO_PROGRESS_HELP)


def bench_scene_files() -> list[Path]:
    from savvy_ros.resources import config_file

    return sorted(config_file('scenes/bench').glob('*.yaml'))


def resolve_scene(scene: Path) -> Path:
    """A scene file, or the name of a shipped scene (config/scenes/NAME.yaml or its bench/)."""
    if scene.is_file():
        return scene
    from savvy_ros.resources import config_file

    for candidate in (config_file(f'scenes/{scene}.yaml'), config_file(f'scenes/bench/{scene}.yaml')):
        if candidate.is_file():
            return candidate
    raise CliError(f'scene file not found: {scene} (nor a shipped scene of that name in config/scenes/)')


class ProgressBars:
    """One tqdm bar per stage of an episode, in percent."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label, self.enabled = label, enabled
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, fraction: float) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=100, desc=f'{self.label} {stage}', unit='%', leave=False)
        bar.update(int(round(100 * fraction)) - bar.n)  # type: ignore[attr-defined]

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()  # type: ignore[attr-defined]


def _prepare(directory: Path, overwrite: bool) -> None:
    from savvy_ros.synth.episode_layout import BAG_NAME, GROUND_TRUTH_NAME, QUESTIONS_NAME

    existing = [directory / n for n in (BAG_NAME, QUESTIONS_NAME, GROUND_TRUTH_NAME) if (directory / n).exists()]
    if existing and not overwrite:
        raise CliError(f'{existing[0]} already exists (use --overwrite to replace it)')
    for path in existing:
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _generate(scene_file: Path, out: Path, args: argparse.Namespace) -> str:
    from savvy_ros.bags.bag_writer import BagWriteError
    from savvy_ros.synth.episode import generate_episode
    from savvy_ros.synth.scene import SceneError, load_scene
    from savvy_ros.synth.speech import SpeechSynthesisError
    from savvy_ros.synth.textures import TextureError

    try:
        scene = load_scene(scene_file)
    except SceneError as exc:
        raise CliError(str(exc)) from exc
    _prepare(out, args.overwrite)
    bars = ProgressBars(scene.name, bars_wanted(args.no_progress))
    try:
        summary = generate_episode(scene, out, seed=args.seed, quick=args.quick, progress=bars,
                                   workers=args.workers)
    except (SceneError, SpeechSynthesisError, TextureError, BagWriteError, OSError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        bars.close()
    return (f'{scene.name}: {summary.frames} frames, {summary.audio_chunks} audio chunks, '
            f'{summary.tf_messages} TF messages, {summary.question_count} questions '
            f'({len(summary.skipped_questions)} not asked: too close to a direction boundary or no reference) '
            f'in {summary.seconds:.1f} s -> {summary.directory}')


def run(args: argparse.Namespace) -> int:
    if args.bench == (args.scene is not None):
        raise CliError('give either a SCENE file or --bench')
    if args.workers < 1:
        raise CliError(f'--workers must be >= 1, got {args.workers}')
    if args.seed is not None and args.seed < 0:
        raise CliError(f'--seed must be >= 0, got {args.seed}')
    if not args.bench:
        print(_generate(resolve_scene(args.scene), args.out, args))
        return EXIT_OK
    files = bench_scene_files()
    if not files:
        raise CliError('no bench scenes found in config/scenes/bench/')
    from tqdm import tqdm

    for scene_file in tqdm(files, desc='bench scenes', unit='scene', disable=not bars_wanted(args.no_progress)):
        tqdm.write(_generate(scene_file, args.out / scene_file.stem, args))
    return EXIT_OK
