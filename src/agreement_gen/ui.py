"""Terminal output shared by the commands (rich consoles; plain text when not a terminal)."""

from __future__ import annotations

import logging
import os
import sys

from rich.console import Console


def _width() -> int | None:
    """COLUMNS when set (a narrow terminal, or a test of one); the terminal's width; piped: 200 columns."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    # Piped output (scripts, CI logs) is not cut to rich's default of 80 columns.
    return None if sys.stdout.isatty() else 200


_WIDTH = _width()

console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
console_err = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


class _ConsoleHandler(logging.Handler):
    """Library code logs what the user should see while it works (a build waiting for another one)."""

    def emit(self, record: logging.LogRecord) -> None:
        console_err.print(record.getMessage())


def show_library_log() -> None:
    """Show agreement_gen's log messages (INFO and above) on stderr; once, however often the CLI runs."""
    logger = logging.getLogger("agreement_gen")
    if not any(isinstance(handler, _ConsoleHandler) for handler in logger.handlers):
        logger.addHandler(_ConsoleHandler())
    logger.setLevel(logging.INFO)
    logger.propagate = False
