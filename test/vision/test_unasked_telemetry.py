"""OpenVINO's and NNCF's usage telemetry stays off in our processes unless the user consented
(savvy_ros/vision/unasked_telemetry.py): checked in fresh interpreters, each with a home of its own."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip('openvino_telemetry')

# What the vision node does: our OpenVINO module first, then openvino itself, which sends an "import"
# event where consent is given. Prints the telemetry singleton's consent and the consent check's result.
_VISION_IMPORTS = textwrap.dedent("""
    import savvy_ros.vision.openvino_ssd
    import openvino
    import openvino_telemetry
    from openvino_telemetry.utils.opt_in_checker import OptInChecker
    print(openvino_telemetry.Telemetry().consent, OptInChecker().check(False, False).name)
""")


def _run(script: str, home) -> list[str]:
    env = {'HOME': str(home), 'PATH': '/usr/bin:/bin', 'PYTHONPATH': ':'.join(sys.path)}
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


def test_without_a_consent_file_nothing_is_sent_and_nothing_is_written(tmp_path):
    assert _run(_VISION_IMPORTS, tmp_path) == ['False', 'DECLINED']
    assert not (tmp_path / 'intel').exists()   # no client id kept either


@pytest.mark.parametrize(('content', 'decided'), [('0', 'DECLINED'), ('1', 'ACCEPTED')])
def test_a_consent_file_the_user_wrote_decides(tmp_path, content, decided):
    (tmp_path / 'intel').mkdir()
    (tmp_path / 'intel' / 'openvino_telemetry').write_text(content)
    check = textwrap.dedent("""
        from savvy_ros.vision.unasked_telemetry import decline_unasked_telemetry
        from openvino_telemetry.utils.opt_in_checker import OptInChecker
        print(decline_unasked_telemetry(), OptInChecker().check(False, False).name)
    """)
    assert _run(check, tmp_path) == ['True', decided]
