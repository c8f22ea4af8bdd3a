"""Terminal output shared by the commands (rich consoles; plain text when not a terminal), and status words."""

from __future__ import annotations

import os
import sys

from rich.console import Console

from agreement_gen.i18n import N_, _


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

# The stages as the user reads them; the data keeps its values (draft, for_signature, signed).
_STATUS_LABELS = {"draft": N_("draft"), "for_signature": N_("for_signature"), "signed": N_("signed")}


def status_label(status: object) -> str:
    """'Entwurf' for draft (in English the data's own word): every table that shows a stage uses this."""
    text = str(status)
    return _(_STATUS_LABELS[text]) if text in _STATUS_LABELS else text


# How a signed copy came back (signed_copy.route), as the user reads it.
_ROUTE_LABELS = {"digital": N_("digital"), "paper": N_("paper")}


def route_label(route: object) -> str:
    """'Papier' for paper (in English the data's own word)."""
    text = str(route)
    return _(_ROUTE_LABELS[text]) if text in _ROUTE_LABELS else text
