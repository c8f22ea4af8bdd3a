"""Changing data files in place without disturbing what people wrote around the values.

The data files are edited by hand: their comments, key order and quoting carry meaning for
the next reader. Commands that write them (new-year, import-budgets) therefore go through
ruamel.yaml's round trip, set with the layout the files use (two-space mappings, list dashes
indented two more, no line folding), and write each file atomically.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.representer import RoundTripRepresenter

BUDGET = "budget"
BUDGET_COMMENT = "Euro"
# The comment new-year leaves on an open budget; import-budgets puts BUDGET_COMMENT back when it fills it.
OPEN_BUDGET_COMMENT = "Euro – Haushaltsmittel {year} eintragen"


class _Representer(RoundTripRepresenter):
    """Writes amounts (Decimal) as plain YAML numbers: 1288930, or 873450.50 with two decimals."""


def _represent_decimal(representer: RoundTripRepresenter, value: Decimal) -> Any:
    if value == value.to_integral_value():
        return representer.represent_int(int(value))
    return representer.represent_scalar("tag:yaml.org,2002:float", str(value.quantize(Decimal("0.01"))))


_Representer.add_representer(Decimal, _represent_decimal)


def editor() -> YAML:
    """A round-trip YAML that reproduces the project's data files byte for byte."""
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 4096  # never fold a long project title onto a second line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(text: str) -> CommentedMap:
    """Parse a data file for editing; ValueError when it is not a mapping (or not YAML)."""
    data = editor().load(text)
    if not isinstance(data, CommentedMap):
        raise ValueError("expected a mapping of 'field: value' at the top level")
    return data


def dump(data: CommentedMap) -> str:
    buffer = io.StringIO()
    editor().dump(data, buffer)
    return buffer.getvalue()


def set_eol_comment(data: CommentedMap, key: str, text: str) -> None:
    """Replace the comment at the end of `key`'s line, keeping its column and any comment lines below it."""
    entry = data.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None:
        data.yaml_add_eol_comment(f"# {text}", key)
        return
    _, _, following = token.value.partition("\n")
    token.value = f"# {text}\n{following}"


def eol_comment(data: CommentedMap, key: str) -> str | None:
    """The comment at the end of `key`'s line, without '#', or None."""
    entry = data.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None:
        return None
    return token.value.partition("\n")[0].lstrip("#").strip() or None


def set_after(data: CommentedMap, key: str, value: Any, after: str, comment: str | None = None) -> None:
    """Set `key`; a new key goes right after `after` (or at the end), so the file keeps its reading order."""
    if key in data:
        data[key] = value
        return
    keys = list(data)
    position = keys.index(after) + 1 if after in keys else len(keys)
    data.insert(position, key, value, comment=comment)
