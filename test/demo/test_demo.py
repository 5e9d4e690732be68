"""`savvy-ros demo` (what `make demo` runs): generate-or-reuse the episode, then score it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TINY_SCENE = Path(__file__).resolve().parents[1] / 'synth' / 'scenes' / 'tiny.yaml'


def run_demo(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'demo', '--scene', str(TINY_SCENE), '--quick',
                           '--out', str(out), '--runs', 'chance,oracle', '--no-progress', *extra],
                          capture_output=True, text=True, timeout=240)


def test_demo_generates_once_then_reuses_and_prints_the_scores(tmp_path):
    first = run_demo(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert 'generated tiny_test_room' in first.stdout
    assert '| **overall** (mean of task means) |' in first.stdout
    assert f'summary: {tmp_path / "evaluation" / "summary.md"}' in first.stdout
    assert (tmp_path / 'evaluation' / 'plots' / 'episode.png').is_file()
    bag_files = sorted(p.name for p in (tmp_path / 'episode' / 'bag').iterdir())

    second = run_demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert 'reusing' in second.stdout and 'generated' not in second.stdout
    assert sorted(p.name for p in (tmp_path / 'episode' / 'bag').iterdir()) == bag_files
    assert first.stdout.split('# SAVVY-Bench')[1] == second.stdout.split('# SAVVY-Bench')[1]
