"""Starting a fiscal year: next year's data folder and template, copied from the last year.

What carries over – projects, signatories, the year's shared texts – is copied with its
comments, key order and quoting. What belongs to one year only is cleared: budgets, signing
dates and the state's total; every district starts again as a draft. The year-specific
clauses (`buendnis`, `migration_clause`) are copied unchanged, because only a person can tell
whether they still hold (the Bündnis 2025–2029 does); the command lists them for review.

Every copied clause and every year-file text that still names the old year is listed in the new
year file's `to_confirm`: until each is confirmed for the new year (`agreement-gen confirm`,
`confirm_clauses` here), no district of that year can go out for signature, and `check` shows each
one whole.

The new year gets its own copy of the template, so next year's wording can change without
changing the documents of a past year. Nothing is ever overwritten and nothing is half-made:
the files are written to hidden staging folders, the new year is validated there, and only
then renamed into place.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from agreement_gen.data import yamledit
from agreement_gen.data.load import YEAR_FILE, available_years, load_year, read_yaml
from agreement_gen.data.models import FiscalYear, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.validate import parse, validate
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write_all

TEMPLATE_NAME = "zielvereinbarung-{year}.docx"
YEAR_CLAUSES = ("buendnis", "migration_clause")  # texts of one year, copied as they are: to be reviewed
TO_CONFIRM_COMMENT = "copied unchanged by new-year: read each (check), then `agreement-gen confirm NAME`"


@dataclass(frozen=True)
class Mention:
    """A line of the new year's files that still names the old year (a clause, a source, a comment)."""

    file: Path
    line: int
    text: str


@dataclass(frozen=True)
class NewYear:
    """What new-year created, and what a person should look at next."""

    year: int
    source_year: int
    folder: Path
    template: Path
    source_template: Path
    districts: tuple[str, ...]
    clauses: dict[str, str]
    mentions: tuple[Mention, ...]
    to_confirm: tuple[str, ...] = ()


def _year_pattern(year: int) -> re.Pattern[str]:
    """The year as a word of its own, not inside a number or a date such as '2.8.2025'."""
    return re.compile(rf"(?<![\d.]){year}(?!\d)")


def _advance_title(text: str, old: int, new: int) -> str:
    """The file's first comment line is its title ('# Zielvereinbarung 2025: Fulda'): it follows the year.

    The editor's schema line (`# yaml-language-server: …`) may stand before it. Only a year standing
    alone changes, not one in a range such as '2025–2029'.
    """
    schema = ""
    if text.startswith("# yaml-language-server:"):
        schema, _newline, text = text.partition("\n")
        schema += "\n"
    first, newline, rest = text.partition("\n")
    if first.startswith("#"):
        first = re.sub(rf"(?<![\d–-]){old}(?![\d–-])", str(new), first)
    return schema + first + newline + rest


def _new_year_file(data: CommentedMap, year: int, template: str) -> None:
    data["year"] = year
    yamledit.set_after(data, "template", template, after="year")
    data.pop("total_budget", None)  # the new year's total is not known yet


def _new_district_year(data: CommentedMap, year: int) -> None:
    """Projects and signatory stay; the budget is opened, signing dates go, the agreement is a draft again."""
    data["status"] = str(Status.DRAFT)
    yamledit.set_after(data, yamledit.BUDGET, None, after="source")
    yamledit.set_eol_comment(data, yamledit.BUDGET, yamledit.OPEN_BUDGET_COMMENT.format(year=year))
    signatory = data.get("signatory")
    if isinstance(signatory, CommentedMap):
        signatory.pop("signed_on", None)
    data.pop("ministry_signature", None)
    data.pop("signed_copy", None)  # what came back signed belongs to the old year (the receive package)


def _texts_naming(node: object, year: int, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted name, text) of every text value in the year file that names `year`."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            yield from _texts_naming(value, year, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(node, str) and _year_pattern(year).search(node):
        yield prefix, node


def _clause_lines(data: CommentedMap) -> set[int]:
    """0-based lines the year clauses occupy in the year file (they are listed by name already)."""
    keys = list(data)
    starts = [data.lc.key(key)[0] for key in keys]
    lines: set[int] = set()
    for index, key in enumerate(keys):
        if key in YEAR_CLAUSES:
            end = starts[index + 1] if index + 1 < len(keys) else starts[index] + 1_000
            lines.update(range(starts[index], end))
    return lines


def _mentions(path: Path, text: str, old: int, skip: set[int]) -> list[Mention]:
    pattern = _year_pattern(old)
    return [
        Mention(path, number + 1, line.strip())
        for number, line in enumerate(text.splitlines())
        if number not in skip and pattern.search(line)
    ]


def _refusals(paths: Paths, year: int, source_year: int, template: Path) -> list[Problem]:
    problems = []
    if year <= source_year:
        message = _("{year} does not follow {source} (--from)").format(year=year, source=source_year)
        problems.append(Problem(None, None, "YEAR", message))
    folder = paths.counties / str(year)
    if folder.exists():
        problems.append(
            Problem(folder, None, None, _("already exists; new-year never overwrites, nothing was changed"))
        )
    if template.exists():
        problems.append(
            Problem(template, None, None, _("already exists; new-year never overwrites, nothing was changed"))
        )
    return problems


def _publish(staged_folder: Path, folder: Path, staged_template: Path, template: Path) -> None:
    """Template first (linked: fails if one appeared meanwhile), then the folder; undo the template on failure."""
    try:
        os.link(staged_template, template)
    except FileExistsError:
        raise InputError([Problem(template, None, None, _("appeared meanwhile; nothing was changed"))]) from None
    except OSError:  # a file system without hard links
        if template.exists():
            raise InputError([Problem(template, None, None, _("appeared meanwhile; nothing was changed"))]) from None
        shutil.copyfile(staged_template, template)
    try:
        if folder.exists():
            raise InputError([Problem(folder, None, None, _("appeared meanwhile; nothing was changed"))])
        os.rename(staged_folder, folder)
    except BaseException:
        template.unlink(missing_ok=True)
        raise


def create_year(paths: Paths, year: int, source_year: int | None = None) -> NewYear:
    """Create counties/YEAR/ and templates/zielvereinbarung-YEAR.docx from the source year (default: newest)."""
    if source_year is None:
        earlier = [y for y in available_years(paths.counties) if y < year]
        if not earlier:
            message = _("no fiscal year before {year} to start from").format(year=year)
            raise InputError([Problem(paths.counties, None, None, message)])
        source_year = earlier[-1]
    template_name = TEMPLATE_NAME.format(year=year)
    template = paths.templates / template_name
    folder = paths.counties / str(year)
    refusals = _refusals(paths, year, source_year, template)
    if refusals:
        raise InputError(refusals)
    plan = plan_year(paths, source_year)  # a broken year is not copied: its problems come first

    staged_folder = Path(tempfile.mkdtemp(prefix=f".new-year-{year}-", dir=paths.counties))
    staged_templates = Path(tempfile.mkdtemp(prefix=f".new-year-{year}-", dir=paths.templates))
    try:
        shutil.copymode(paths.counties / str(source_year), staged_folder)
        staged_template = staged_templates / template_name
        shutil.copyfile(plan.template, staged_template)

        mentions: list[Mention] = []
        clauses: dict[str, str] = {}
        to_confirm: list[str] = []
        districts: list[str] = []
        for source in sorted((paths.counties / str(source_year)).glob("*.yaml")):
            data = yamledit.load(source.read_text(encoding="utf-8"))
            skip: set[int] = set()
            if source.name == YEAR_FILE:
                _new_year_file(data, year, template_name)
                clauses = {key: str(data[key]) for key in YEAR_CLAUSES if data.get(key)}
                skip = _clause_lines(data)
                to_confirm = [*clauses, *(name for name, _ in _texts_naming(data, source_year) if name not in clauses)]
                if to_confirm:  # at the end: the lines above keep their numbers for the mentions
                    data["to_confirm"] = CommentedSeq(to_confirm)
                    data.yaml_add_eol_comment(f"# {TO_CONFIRM_COMMENT}", "to_confirm")
            else:
                _new_district_year(data, year)
                districts.append(source.stem)
            text = _advance_title(yamledit.dump(data), source_year, year)
            (staged_folder / source.name).write_text(text, encoding="utf-8")
            mentions += _mentions(folder / source.name, text, source_year, skip)

        # The new year must pass the same validation `check --year` applies, before anyone sees it.
        validate(load_year(paths.counties, year, year_dir=staged_folder), year=year, templates_dir=staged_templates)
        _publish(staged_folder, folder, staged_template, template)
    finally:
        shutil.rmtree(staged_folder, ignore_errors=True)
        shutil.rmtree(staged_templates, ignore_errors=True)

    return NewYear(
        year=year,
        source_year=source_year,
        folder=folder,
        template=template,
        source_template=plan.template,
        districts=tuple(districts),
        clauses=clauses,
        mentions=tuple(mentions),
        to_confirm=tuple(to_confirm),
    )


def confirm_clauses(paths: Paths, year: int | None, names: list[str] | None) -> tuple[int, list[tuple[str, str]]]:
    """Confirm the named clauses (all when None) for the year: removed from `to_confirm`, comments kept.

    Returns the year and each (name, whole text) confirmed; InputError naming a clause not awaiting it.
    """
    resolved = paths.resolve_year(year)
    year_file = paths.counties / str(resolved) / YEAR_FILE
    doc, problems = read_yaml(year_file)
    fiscal = parse(doc, FiscalYear, problems) if doc is not None else None
    if fiscal is None:  # only the year file is read: a district sent by hand must not block its confirmation
        raise InputError(problems)
    waiting = list(fiscal.to_confirm)
    chosen = waiting if names is None else names
    listed = ", ".join(waiting) or "none"
    problems = [
        Problem(
            year_file,
            None,
            "to_confirm",
            _("'{name}' awaits no confirmation (waiting: {waiting})").format(name=name, waiting=listed),
        )
        for name in chosen
        if name not in waiting
    ]
    if not chosen:
        nothing = _("no clause of {year} awaits confirmation").format(year=resolved)
        problems.append(Problem(year_file, None, "to_confirm", nothing))
    if problems:
        raise InputError(problems)
    data = yamledit.load(year_file.read_text(encoding="utf-8"))
    left = [name for name in waiting if name not in chosen]
    if left:
        data["to_confirm"] = CommentedSeq(left)
        data.yaml_add_eol_comment(f"# {TO_CONFIRM_COMMENT}", "to_confirm")
    else:
        data.pop("to_confirm", None)
    text = yamledit.dump(data)
    FiscalYear.model_validate(yamledit.load(text))
    atomic_write_all({year_file: text})
    return resolved, [(name, fiscal.clause(name) or "") for name in chosen]
