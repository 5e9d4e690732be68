"""`make demo`: the whole pipeline on the shipped default scene.

Generates the default synthetic episode (config/scenes/demo.yaml: two people talking, a moving
pet, a door knock, a TV, a kettle beep), or reuses it when the scene and the generator are
unchanged; then plays it through the node graph, asks every generated SAVVY-Bench question
through /savvy/ask and prints the scores beside the chance and ground-truth-map baselines, with
where the results and plots are.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import shutil
from pathlib import Path

from savvy_ros.cli.errors import CliError
from savvy_ros.cli.eval_command import add_graph_options, evaluate_and_report, options_from_args
from savvy_ros.cli.progress_bars import bars_wanted
from savvy_ros.cli.synth_command import ProgressBars, resolve_scene

NAME = 'demo'
HELP = 'generate (or reuse) the default scene, evaluate the pipeline on it, print the scores'
STAMP = 'generated_from.sha256'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--scene', default='demo', help="scene file or shipped scene name (default 'demo')")
    parser.add_argument('--out', type=Path, default=Path('build/demo'), help='output folder (default build/demo)')
    parser.add_argument('--quick', action='store_true', help='16 kHz audio (faster generation and hearing)')
    parser.add_argument('--regenerate', action='store_true', help='generate the episode even if it is up to date')
    parser.add_argument('--runs', default='chance,all,oracle',
                        help='runs to make (chance, audio, vision, all, oracle; default chance,all,oracle)')
    add_graph_options(parser)


def _imported_sources(path: Path, package_root: Path) -> set[Path]:
    """The files of the savvy_ros modules `path` imports (anywhere in it, functions too), with the
    __init__.py of each package on the way."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:   # relative: resolved against the importing module's package
                package = path.parent.relative_to(package_root.parent).parts
                base = '.'.join(package[:len(package) - node.level + 1] + ((node.module,) if node.module else ()))
            else:
                base = node.module or ''
            # `from savvy_ros.x import y`: y may be a module too
            modules = [base] + [f'{base}.{alias.name}' for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split('.')
            if parts[0] != package_root.name:
                continue
            for depth in range(1, len(parts) + 1):   # the packages on the way, then the module
                target = package_root.joinpath(*parts[1:depth])
                for candidate in (target / '__init__.py', target.with_suffix('.py')):
                    if candidate.is_file():
                        found.add(candidate)
    return found


def generator_sources() -> list[Path]:
    """Everything the episode generator runs or reads: savvy_ros/synth and every savvy_ros module it
    imports, directly or not (the mic array geometry, the bag writer, the ground-truth answering),
    the shipped microphone-array files and the message definitions the bag is written with."""
    import savvy_ros
    from savvy_ros.resources import config_file, share_dir

    root = Path(savvy_ros.__file__).parent
    todo, seen = sorted((root / 'synth').glob('*.py')), set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(sorted(_imported_sources(path, root) - seen))
    data = [*config_file('mic_arrays').glob('*.yaml'), *(share_dir() / 'msg').glob('*.msg')]
    return sorted(seen) + sorted(data)


def generator_fingerprint(scene_file: Path, quick: bool) -> str:
    """Scene text, mode and the generator's code and data: any change means a new episode (hashing
    savvy_ros/synth alone once kept a demo episode whose audio the current code no longer makes)."""
    digest = hashlib.sha256(scene_file.read_bytes() + (b'quick' if quick else b'full'))
    for source in generator_sources():
        digest.update(f'{source.parent.name}/{source.name}'.encode() + source.read_bytes())
    return digest.hexdigest()


def ensure_episode(scene_file: Path, directory: Path, quick: bool, regenerate: bool, progress: bool) -> str:
    """Generate the episode into `directory` unless an identical one is there; says which."""
    from savvy_ros.synth.episode import generate_episode
    from savvy_ros.synth.scene import SceneError, load_scene
    from savvy_ros.synth.speech import SpeechSynthesisError

    fingerprint = generator_fingerprint(scene_file, quick)
    stamp = directory / STAMP
    if not regenerate and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return f'reusing {directory} (scene and generator unchanged)'
    if directory.exists():
        shutil.rmtree(directory)
    try:
        scene = load_scene(scene_file)
        bars = ProgressBars(scene.name, progress)
        try:
            summary = generate_episode(scene, directory, quick=quick, progress=bars, workers=2)
        finally:
            bars.close()
    except (SceneError, SpeechSynthesisError) as exc:
        raise CliError(str(exc)) from exc
    stamp.write_text(fingerprint + '\n')
    return (f'generated {scene.name} in {summary.seconds:.1f} s: {summary.frames} frames, '
            f'{summary.question_count} questions -> {directory}')


def run(args: argparse.Namespace) -> int:
    from savvy_ros.evaluation.evaluator import Episode

    options = options_from_args(args)
    scene_file = resolve_scene(Path(args.scene))
    episode_dir = args.out / 'episode'
    generated = ensure_episode(scene_file, episode_dir, args.quick, args.regenerate, bars_wanted(args.no_progress))
    print(f'savvy-ros demo: {generated}', flush=True)
    return evaluate_and_report([Episode.from_dir(episode_dir)], options, args.out / 'evaluation',
                               bars_wanted(args.no_progress))
