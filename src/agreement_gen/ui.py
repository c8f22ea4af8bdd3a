"""Terminal output shared by the commands (rich consoles; plain text when not a terminal)."""

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
console_err = Console(stderr=True, highlight=False, soft_wrap=True)
