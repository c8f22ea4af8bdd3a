"""What the other modules agree on about a table cell: when it is blank, and how two labels compare."""

from __future__ import annotations

import re
import unicodedata
from typing import Any


def normalize(text: str) -> str:
    """Case, umlauts, ß, dashes and spacing do not matter: 'Werra-Meißner-Kreis' → 'werra meissner kreis'."""
    text = unicodedata.normalize("NFC", text).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, plain)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
