"""OpenVINO's and NNCF's usage telemetry made opt-in for our processes.

openvino-telemetry sends usage events to Google Analytics unless the user opted out: `import openvino`
alone sends one (with a client id it keeps in ~/intel), NNCF more, each from a forked sender process.
A robot's perception node must not phone home unasked, nor fork at start-up. The package's only switch
is a consent file in the user's home (its `opt_in_out --opt_out` script); writing there is the user's
call, so for this process its consent check reads "no file" as "declined" instead of "accepted".
A consent file the user wrote is respected either way ("1": events are sent, "0": none).
Call decline_unasked_telemetry() before openvino or nncf is first imported.
"""
from __future__ import annotations

_PATCHED = '_savvy_ros_declines_unasked'


def decline_unasked_telemetry() -> bool:
    """Make a missing consent file mean "declined" in this process; False where openvino-telemetry is absent."""
    try:
        from openvino_telemetry.utils import opt_in_checker
    except ImportError:
        return False
    checker = opt_in_checker.OptInChecker
    if getattr(checker, _PATCHED, False):
        return True
    asked = checker.check

    def check(self, *args, **kwargs):
        result = asked(self, *args, **kwargs)
        return opt_in_checker.ConsentCheckResult.DECLINED if result == opt_in_checker.ConsentCheckResult.NO_FILE \
            else result

    checker.check = check
    setattr(checker, _PATCHED, True)
    return True
