"""Terminal output shared by the commands (rich consoles; plain text when not a terminal)."""

import sys

from rich.console import Console

# Piped output (scripts, CI logs) is not cut to rich's default of 80 columns.
_WIDTH = None if sys.stdout.isatty() else 200

console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
console_err = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)
