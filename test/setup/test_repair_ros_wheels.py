"""tools/repair_ros_wheels.py rewrites the build host's Python paths, idempotently."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools' / 'repair_ros_wheels.py'


def test_rewrites_exported_include_paths_and_is_idempotent(tmp_path):
    cmake = tmp_path / 'share' / 'pkg' / 'cmake' / 'export_pkgExport.cmake'
    cmake.parent.mkdir(parents=True)
    cmake.write_text('INTERFACE_INCLUDE_DIRECTORIES "/opt/python/cp311-cp311/include/python3.11;'
                     '/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include"\n')
    index = tmp_path / 'share' / 'ament_index' / 'resource_index' / 'parent_prefix_path' / 'pkg'
    index.parent.mkdir(parents=True)
    index.write_text('/opt/python/cp311-cp311')
    untouched = tmp_path / 'share' / 'pkg' / 'package.xml'
    untouched.write_text('<package/>')

    first = subprocess.run([sys.executable, str(SCRIPT), '--prefix', str(tmp_path)], capture_output=True, text=True)
    assert first.returncode == 0 and 'rewrote 2 file(s)' in first.stdout
    text = cmake.read_text()
    assert '/opt/python' not in text
    assert sysconfig.get_paths()['include'] in text
    import numpy
    assert numpy.get_include() in text
    assert index.read_text() == str(tmp_path.resolve())
    assert untouched.read_text() == '<package/>'
    second = subprocess.run([sys.executable, str(SCRIPT), '--prefix', str(tmp_path)], capture_output=True, text=True)
    assert 'rewrote 0 file(s)' in second.stdout


def test_the_venv_itself_is_repaired():
    share = Path(sys.prefix) / 'share'
    leftovers = [p for p in share.rglob('*.cmake') if b'/opt/python/cp311' in p.read_bytes()]
    assert not leftovers, leftovers[:5]


def test_missing_prefix_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), '--prefix', str(tmp_path / 'none')],
                            capture_output=True, text=True)
    assert result.returncode != 0 and 'does not exist' in result.stderr
