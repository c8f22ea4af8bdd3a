"""The clerk's edits of a year's district files: choose districts, change fields, validate, write, report.

A command that changes data (mark-real, signatory) says which districts (one, several, or all)
and what to set; this module does the rest the same way for every such command: each file is
changed through yamledit's round trip (comments, key order and quoting stay), the whole year is
validated with the edited texts in place before anything is written, then every file is renamed
into place at once – or, on any problem, nothing is written. What changed is returned field by
field, old → new, for the command to print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from agreement_gen.data import yamledit
from agreement_gen.data.load import DISTRICTS_DIR, YEAR_FILE, load_year, parse_yaml
from agreement_gen.data.models import EXAMPLE_SOURCE, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.validate import validate
from agreement_gen.errors import InputError, Problem, did_you_mean
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write_all

# The header line the example data carries; it would lie once the figures are real.
EXAMPLE_COMMENT = "# Beispieldaten: keine echten Zahlen"


@dataclass(frozen=True)
class FieldChange:
    """One value of one district's file: `field` dotted as in error messages ('signatory.name')."""

    slug: str
    file: Path
    field: str
    old: Any
    new: Any


@dataclass
class EditReport:
    year: int
    folder: Path
    changes: list[FieldChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # chosen districts that already had these values
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


# A change function gets a district's slug, its file and the file's data (editable); returns what it changed.
Change = Callable[[str, Path, CommentedMap], list[FieldChange]]


def select(available: Sequence[str], slugs: Sequence[str], everyone: bool) -> list[str]:
    """The districts a command acts on: the slugs named, or all with --all; unknown names refused with a hint."""
    if everyone and slugs:
        raise InputError([Problem(None, None, "--all", _("name districts or give --all, not both"))])
    if everyone:
        return sorted(available)
    if not slugs:
        raise InputError([Problem(None, None, None, _("name one or more districts (SLUG …), or give --all"))])
    problems = [
        Problem(None, None, "SLUG", _("no district '{slug}'").format(slug=slug) + did_you_mean(slug, available))
        for slug in slugs
        if slug not in available
    ]
    if problems:
        raise InputError(problems)
    return list(dict.fromkeys(slugs))


def value_at(data: CommentedMap, dotted: str) -> Any:
    node: Any = data
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def set_value(
    slug: str, path: Path, data: CommentedMap, dotted: str, value: Any, first: bool = False
) -> list[FieldChange]:
    """Set `dotted` (one level of nesting at most) to `value`; a new key goes first (`first`) or last."""
    *parents, key = dotted.split(".")
    node = data
    for parent in parents:
        if not isinstance(node.get(parent), dict):
            node[parent] = CommentedMap()  # a file without the section: validation then says what else it lacks
        node = node[parent]
    old = node.get(key)
    if old == value and key in node:
        return []
    if key in node:
        node[key] = value
    else:
        node.insert(0 if first else len(node), key, value)
    return [FieldChange(slug, path, dotted, old, value)]


def _relevant(problem: Problem, edited: set[Path], year_dir: Path) -> bool:
    """A problem of an edited file, the year file, the master data or the run – not of another district's file."""
    if problem.file is None or problem.file in edited:
        return True
    return (
        problem.file.name == YEAR_FILE or problem.file.parent.name == DISTRICTS_DIR or problem.file.parent != year_dir
    )


def read_for_editing(path: Path) -> tuple[str, CommentedMap] | Problem:
    """A data file's text and its comment-keeping YAML tree, or the problem why it cannot be edited."""
    try:
        before = path.read_text(encoding="utf-8")
        return before, yamledit.load(before)
    except (OSError, UnicodeDecodeError, YAMLError, ValueError) as exc:
        return Problem(path, None, None, _("cannot be read for editing: {reason}").format(reason=exc))


def edit_districts(
    paths: Paths,
    year: int | None,
    slugs: Sequence[str],
    everyone: bool,
    change: Change,
    *,
    dry_run: bool = False,
    text_filter: Callable[[str, str], str] | None = None,
) -> EditReport:
    """Apply `change` to each chosen district's year file, validate the year, then write all or nothing.

    `text_filter(slug, text)` may adjust a file's text after the round trip (drop a comment line).
    """
    resolved = paths.resolve_year(year)
    year_dir = paths.counties / str(resolved)
    dataset = load_year(paths.counties, resolved)
    chosen = select(sorted(dataset.district_years), slugs, everyone)
    report = EditReport(year=resolved, folder=year_dir)
    problems: list[Problem] = []
    outputs: dict[Path, str] = {}
    for slug in chosen:
        path = year_dir / f"{slug}.yaml"
        read = read_for_editing(path)
        if isinstance(read, Problem):
            problems.append(read)
            continue
        before, data = read
        changes = change(slug, path, data)
        after = yamledit.dump(data)
        if text_filter is not None:
            after = text_filter(slug, after)
        if after == before:
            report.unchanged.append(slug)
            continue
        status = str(data.get("status", ""))
        if status == Status.SIGNED:
            message = _("{slug} is signed: its data can no longer change (take the receive back first)")
            problems.append(Problem(path, None, "status", message.format(slug=slug)))
            continue
        if status == Status.FOR_SIGNATURE:
            report.warnings.append(
                _("{slug} is out for signature: build and send its document again").format(slug=slug)
            )
        report.changes.extend(changes)
        outputs[path] = after
        document, parse_problems = parse_yaml(path, after)
        problems.extend(parse_problems)
        if document is not None:
            dataset.district_years[slug] = document
    if problems:
        raise InputError(problems)
    try:
        validate(dataset, year=resolved, templates_dir=paths.templates)
    except InputError as exc:
        relevant = [p for p in exc.problems if _relevant(p, set(outputs), year_dir)]
        if relevant:
            raise InputError(relevant) from None
    if not dry_run:
        atomic_write_all(outputs)
        report.written = sorted(outputs)
    return report


def mark_real(source: str) -> Change:
    """The change that marks a district's figures as real: `source:` names where they come from."""

    def change(slug: str, path: Path, data: CommentedMap) -> list[FieldChange]:
        return set_value(slug, path, data, "source", source)

    return change


def drop_example_comment(slug: str, text: str) -> str:
    """Remove the 'Beispieldaten' header line of a file whose figures are no longer examples."""
    lines = text.splitlines(keepends=True)
    if any(line.startswith("source:") and EXAMPLE_SOURCE not in line for line in lines):
        lines = [line for line in lines if line.rstrip("\n") != EXAMPLE_COMMENT]
    return "".join(lines)


def check_source(source: str) -> str:
    """A real source is a text naming where the figures come from: not empty, not 'example'."""
    source = " ".join(source.split())
    if not source or source == EXAMPLE_SOURCE:
        raise InputError(
            [
                Problem(
                    None,
                    None,
                    "--source",
                    _(
                        'name where the figures come from, e.g. --source "Zuweisungserlass HMSI vom 14.01.2026" '
                        "(not '{example}': that marks example data)"
                    ).format(example=EXAMPLE_SOURCE),
                )
            ]
        )
    return source
