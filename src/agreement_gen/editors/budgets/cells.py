"""What the other modules agree on about a table cell: when it is blank, and how two labels compare."""

from __future__ import annotations

import re
from typing import Any

from agreement_gen.data.formatting import ascii_letters


def normalize(text: str) -> str:
    """Case, umlauts, ß, dashes and spacing do not matter: 'Werra-Meißner-Kreis' → 'werra meissner kreis'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_letters(text).casefold()).split())


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
