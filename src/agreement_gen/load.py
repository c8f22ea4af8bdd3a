"""Stage 1 – load: read the YAML data files into plain data that still knows its line numbers.

ruamel.yaml's round-trip loader is safe (it builds only maps, lists and scalars), refuses
duplicate keys instead of silently keeping the last one, and remembers where each key
stands, so later stages can say "counties/2025/fulda.yaml:7, field 'budget'".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from agreement_gen.errors import Problem

YEAR_FILE = "_year.yaml"
DISTRICTS_DIR = "districts"


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


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one file; a syntax error becomes a Problem with line and column, not an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(path, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(path, None, None, f"cannot read: {exc.strerror}")]
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        return None, [Problem(path, line, None, f"YAML syntax error{column}: {what}")]
    except YAMLError as exc:
        return None, [Problem(path, None, None, f"YAML error: {exc}")]
    if data is None:
        return None, [Problem(path, 1, None, "file is empty")]
    if not isinstance(data, CommentedMap):
        return None, [Problem(path, 1, None, "expected a mapping of 'field: value' at the top level")]
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
