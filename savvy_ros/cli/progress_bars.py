"""Whether a command draws progress bars: asked for, and on a terminal (a log gets no carriage returns)."""
from __future__ import annotations

import sys

NO_PROGRESS_HELP = 'no progress bars (there are none either when standard error is not a terminal)'


def bars_wanted(no_progress: bool) -> bool:
    """False with --no-progress, and when stderr is redirected: tqdm would write every redraw into the file."""
    return not no_progress and sys.stderr.isatty()
