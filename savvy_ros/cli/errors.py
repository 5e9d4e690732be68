"""Errors a subcommand reports as one line on stderr with an exit code (no traceback)."""

EXIT_OK = 0
EXIT_FAILURE = 1       # the command ran but what it checks or does failed
EXIT_USAGE = 2         # bad arguments, missing files, bad configuration
EXIT_INTERRUPTED = 130


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
