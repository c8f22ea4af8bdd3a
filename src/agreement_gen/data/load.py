"""Stage 1 – load: read the YAML data files into plain data that still knows its line numbers.

ruamel.yaml's round-trip loader is safe (it builds only maps, lists and scalars), refuses
duplicate keys instead of silently keeping the last one, and remembers where each key
stands, so later stages can say "counties/2025/fulda.yaml:7, field 'budget'".

Data files are small and flat, so anything else is refused before it can cost time or memory:
files over 1 MB, nesting deeper than a data file ever needs, and YAML aliases (`*name`), which
let a few lines stand for an exponentially large structure ("billion laughs").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from agreement_gen.errors import Problem
from agreement_gen.i18n import _

YEAR_FILE = "_year.yaml"
DISTRICTS_DIR = "districts"
MAX_FILE_SIZE = 1_000_000  # bytes; the largest real data file has about 1 kB
MAX_DEPTH = 20  # nesting levels; the data files use at most 3


@dataclass(frozen=True)
class YamlDocument:
    """A parsed data file; `data` keeps ruamel's line information for error messages."""

    path: Path
    data: Any

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """1-based line of the value at `loc` (a pydantic error location), or of its nearest parent."""
        node = self.data
        line = node.lc.line + 1 if isinstance(node, CommentedMap) else 1
        for key in loc:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedMap) and isinstance(key, str) and key.isdigit() and int(key) in node:
                line = node.lc.key(int(key))[0] + 1
                node = node[int(key)]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        return line


@dataclass
class DataSet:
    """All files of one fiscal year: the year file, the districts' master data and their year files."""

    year_file: YamlDocument | None
    districts: dict[str, YamlDocument] = field(default_factory=dict)
    district_years: dict[str, YamlDocument] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Constructor(RoundTripConstructor):
    """Leaves dates as text so the model validates them: '2025-02-30' then gets file, line and field."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


class AliasNotAllowedError(MarkedYAMLError):
    """A data file used `*name`: refused while composing, before any structure is built."""


class _Composer(Composer):
    """Refuses aliases: a handful of them nested can stand for billions of values."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            raise AliasNotAllowedError(
                None,
                None,
                _("the YAML alias '*{anchor}' is not allowed in data files; write the value out in full").format(
                    anchor=event.anchor
                ),
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Composer = _Composer
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_DEPTH
    return yaml


def _read_text(path: Path) -> str:
    """The file's text; never reads more than MAX_FILE_SIZE + 1 bytes (a data file pointing at a device)."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_SIZE + 1)
    if len(raw) > MAX_FILE_SIZE:
        message = _("is larger than {size} MB; a data file is a few lines of YAML")
        raise ValueError(message.format(size=MAX_FILE_SIZE // 1_000_000))
    return raw.decode("utf-8")


# `budget:931500` – a key glued to its value; YAML then reads the line as text and fails a line later.
_NO_SPACE_AFTER_COLON = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):(\S.*)$")
# `title: Landrat: stellv.` – a second ': ' in a plain value.
_KEY_VALUE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*):\s+(.*?)\s*(#.*)?$")


def _glued_colon(lines: list[str], upto: int) -> tuple[int, str] | None:
    """The last line at or before `upto` (0-based) whose key has no space after its colon, with the fix."""
    for number in range(min(upto, len(lines) - 1), -1, -1):
        match = _NO_SPACE_AFTER_COLON.match(re.sub(r"\s+#.*$", "", lines[number]))
        if match and not match.group(3).startswith(("/", ":")):  # not a URL, not '::'
            indent, key, value = match.groups()
            return number, f"{indent}{key}: {value}".strip()
    return None


def _quoted_fix(line: str) -> str | None:
    """`title: Landrat: stellv.` → `title: "Landrat: stellv."`, or None when the line is not key: value."""
    match = _KEY_VALUE.match(line)
    if not match or match.group(3).startswith(('"', "'")):
        return None
    prefix, key, value, _comment = match.groups()
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{prefix.strip()} {key}: "{escaped}"'.strip()


def _syntax_problem(path: Path, exc: MarkedYAMLError, text: str = "") -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = _(", column {column}").format(column=mark.column + 1) if mark else ""
    what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    if isinstance(exc, AliasNotAllowedError):
        where = _("column {column}").format(column=mark.column + 1) + ": " if mark else ""
        return Problem(path, line, None, f"{where}{exc.problem}")
    lines = text.splitlines()
    glued = _glued_colon(lines, mark.line) if mark and "'\\t'" not in what else None
    if glued is not None:
        number, fixed = glued
        message = _("YAML syntax error: '{line}' needs a space after the colon: '{fixed}'")
        shown = re.sub(r"\s+#.*$", "", lines[number]).strip()
        return Problem(path, number + 1, None, message.format(line=shown, fixed=fixed))
    if mark and "mapping values are not allowed" in what and mark.line < len(lines):
        quoted = _quoted_fix(lines[mark.line])
        if quoted is not None:
            message = _(
                "YAML syntax error: a ': ' inside a value makes YAML read a new field; put the value in quotes: {fixed}"
            )
            return Problem(path, line, None, message.format(fixed=quoted))
    if "'\\t'" in what:
        what = _("a tab character; YAML indents with spaces only, and needs a space (not a tab) after ':' and '-'")
    elif "maximum depth" in what:
        what = _("values nested more than {depth} levels deep; a data file needs at most 3").format(depth=MAX_DEPTH)
    return Problem(path, line, None, _("YAML syntax error{column}: {what}").format(column=column, what=what))


def read_yaml(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one file; a syntax error becomes a Problem with line and column, not an exception."""
    try:
        text = _read_text(path)
    except UnicodeDecodeError as exc:
        message = _("not UTF-8 text ({reason} at byte {byte})").format(reason=exc.reason, byte=exc.start)
        return None, [Problem(path, None, None, message)]
    except ValueError as exc:
        return None, [Problem(path, None, None, str(exc))]
    except OSError as exc:
        return None, [Problem(path, None, None, _("cannot read: {reason}").format(reason=exc.strerror))]
    return parse_yaml(path, text)


def parse_yaml(path: Path, text: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse the text of a data file as read_yaml does (commands validate an edit before writing it)."""
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        return None, [_syntax_problem(path, exc, text)]
    except YAMLError as exc:
        return None, [Problem(path, None, None, _("YAML error: {reason}").format(reason=exc))]
    except RecursionError:
        return None, [Problem(path, None, None, _("YAML error: values nested too deeply"))]
    if data is None:
        return None, [Problem(path, 1, None, _("file is empty"))]
    if not isinstance(data, CommentedMap):
        return None, [Problem(path, 1, None, _("expected a mapping of 'field: value' at the top level"))]
    return YamlDocument(path, data), []


def available_years(counties_dir: Path) -> list[int]:
    """Fiscal years that have a year folder with a year file, oldest first."""
    if not counties_dir.is_dir():
        return []
    return sorted(int(p.name) for p in counties_dir.iterdir() if p.name.isdigit() and (p / YEAR_FILE).is_file())


def load_year(counties_dir: Path, year: int, year_dir: Path | None = None) -> DataSet:
    """Read every file that one fiscal year's build needs. Problems are collected, not raised.

    `year_dir` reads the year's files from elsewhere (new-year validates its staging folder).
    """
    year_dir = year_dir or counties_dir / str(year)
    year_doc, problems = read_yaml(year_dir / YEAR_FILE)
    dataset = DataSet(year_file=year_doc, problems=list(problems))
    for path in sorted((counties_dir / DISTRICTS_DIR).glob("*.yaml")):
        doc, problems = read_yaml(path)
        dataset.problems.extend(problems)
        if doc is not None:
            dataset.districts[path.stem] = doc
    for path in sorted(year_dir.glob("*.yaml")):
        if path.name == YEAR_FILE:
            continue
        doc, problems = read_yaml(path)
        dataset.problems.extend(problems)
        if doc is not None:
            dataset.district_years[path.stem] = doc
    return dataset
