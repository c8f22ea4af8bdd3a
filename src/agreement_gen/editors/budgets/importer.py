"""The import itself: every row checked against the year's districts, then all budgets written or none.

Nothing is written unless every row is good: every problem (unmatched or ambiguous districts,
unreadable amounts, duplicates, districts the table lacks) is reported at once. Then only the
`budget:` line of each changed file is rewritten (ruamel.yaml round trip; any other line that
would change is refused), every file staged first and renamed into place.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from agreement_gen.data import edits, yamledit
from agreement_gen.data.amounts import parse_amount
from agreement_gen.data.formatting import euro
from agreement_gen.data.load import DISTRICTS_DIR, load_year
from agreement_gen.data.models import District, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.validate import parse
from agreement_gen.editors.budgets.cells import blank, normalize
from agreement_gen.editors.budgets.matching import DistrictIndex
from agreement_gen.editors.budgets.table import Row, Table, read_table
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write_all

TOTAL_LABELS = {"summe", "gesamt", "insgesamt", "gesamtsumme", "total", "hessen", "land hessen", "summe hessen"}
_OPEN_COMMENT = re.compile(re.escape(yamledit.OPEN_BUDGET_COMMENT).replace(re.escape("{year}"), r"\d{4}"))


@dataclass(frozen=True)
class Change:
    """One district's budget as the table gives it, and as its data file had it."""

    slug: str
    designation: str
    ags: str
    row: int
    old: Decimal | None
    new: Decimal
    file: Path
    status: str
    old_source: str | None = None  # with --source: the source before, when it changes
    new_source: str | None = None

    @property
    def changed(self) -> bool:
        return self.old != self.new or self.old_source != self.new_source


@dataclass
class ImportReport:
    year: int
    table: Path
    changes: list[Change] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # districts the table lacks (only with partial)
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def _old_budget(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _only_budget_changed(before: str, after: str, with_source: bool = False) -> bool:
    """True when every line but the top-level `budget:` line (and with --source: `source:` and the
    example data's header comment) is byte-identical."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    allowed = ("budget:", "source:") if with_source else ("budget:",)

    def may_change(line: str) -> bool:
        return line.startswith(allowed) or (with_source and line.rstrip("\n") == edits.EXAMPLE_COMMENT)

    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal" and not all(may_change(line) for line in old[i1:i2] + new[j1:j2]):
            return False
    return True


def _is_total(row: Row) -> bool:
    """A row labelled 'Summe', 'Gesamt', 'Hessen' … (by name, else by key) is the table's total, not a district."""
    label = row.name if not blank(row.name) else row.key
    return not blank(label) and normalize(str(label)) in TOTAL_LABELS


def _rows(table: Table, index: DistrictIndex, problems: list[Problem]) -> Iterator[tuple[Row, str, Decimal | None]]:
    """Each row whose district was found, with its amount (None when unreadable); every fault is a problem."""
    district_column = table.key_column or table.name_column
    for row in table.rows:
        if _is_total(row):
            continue  # the total row is checked against the sum below
        slug = None
        if blank(row.key) and blank(row.name):
            problems.append(Problem(table.path, row.number, district_column, _("no district in this row")))
        elif not blank(row.key):
            found = index.resolve(row.key)
            slug = found.slug
            if found.error:
                problems.append(Problem(table.path, row.number, table.key_column, found.error))
            # a resolution without an error has its slug
            elif slug is not None and not blank(row.name) and slug not in index.resolve(row.name).candidates:
                message = _("AGS {ags} is {district}, but the name says '{name}'").format(
                    ags=row.key, district=index.label(slug), name=row.name
                )
                problems.append(Problem(table.path, row.number, table.name_column, message))
                slug = None
        else:
            found = index.resolve(row.name)
            slug = found.slug
            if found.error:
                problems.append(Problem(table.path, row.number, table.name_column, found.error))
        amount = None
        if blank(row.amount):
            problems.append(Problem(table.path, row.number, table.amount_column, _("no amount in this row")))
        else:
            try:
                amount = parse_amount(row.amount)
            except ValueError as exc:
                problems.append(Problem(table.path, row.number, table.amount_column, str(exc)))
        if slug is not None:
            yield row, slug, amount


def _total_problem(table: Table, amounts: Iterable[Decimal]) -> Problem | None:
    """A total row ('Summe', 'Gesamt', 'Hessen') must equal the sum of the rows above it."""
    for row in table.rows:
        if not _is_total(row):
            continue
        try:
            total = parse_amount(row.amount)
        except ValueError as exc:
            message = _("total row: {reason}").format(reason=exc)
            return Problem(table.path, row.number, table.amount_column, message)
        rows_sum = sum(amounts, Decimal(0))
        if total != rows_sum:
            message = _("the total row says {total}, but the rows add up to {sum}").format(
                total=euro(total), sum=euro(rows_sum)
            )
            return Problem(table.path, row.number, table.amount_column, message)
    return None


def import_budgets(
    paths: Paths,
    year: int,
    table_path: Path,
    *,
    partial: bool = False,
    dry_run: bool = False,
    source: str | None = None,
) -> ImportReport:
    """Check the whole table against the year's districts, then write every budget, or nothing at all.

    With `source`, each district in the table is also marked as real data from that source.
    """
    year = paths.resolve_year(year)
    dataset = load_year(paths.counties, year)
    problems = [p for p in dataset.problems if p.file is not None and p.file.parent.name == DISTRICTS_DIR]
    districts = [d for doc in dataset.districts.values() if (d := parse(doc, District, problems)) is not None]
    if problems:  # without sound master data no row can be matched reliably
        raise InputError(problems)
    index = DistrictIndex(districts)
    table = read_table(table_path)
    report = ImportReport(year=year, table=table_path)

    first_row: dict[str, int] = {}
    amounts: dict[str, tuple[Row, Decimal]] = {}
    for row, slug, amount in _rows(table, index, problems):
        if slug in first_row:
            message = _("{district} appears again (first in row {row})").format(
                district=index.label(slug), row=first_row[slug]
            )
            problems.append(Problem(table.path, row.number, table.key_column or table.name_column, message))
            continue
        first_row[slug] = row.number
        if amount is not None:
            amounts[slug] = (row, amount)
    total = None if problems else _total_problem(table, (amount for _row, amount in amounts.values()))
    if total:
        problems.append(total)

    year_dir = paths.counties / str(year)
    for slug in sorted(set(dataset.district_years) - set(first_row)):
        if slug not in index.by_slug:
            continue  # a year file without master data: `check` reports it
        if partial:
            report.missing.append(index.label(slug))
        else:
            problems.append(
                Problem(
                    table.path,
                    None,
                    None,
                    _("no row for {district} (use --partial to import only some)").format(district=index.label(slug)),
                )
            )

    outputs: dict[Path, str] = {}
    for slug, (row, amount) in sorted(amounts.items()):
        path = year_dir / f"{slug}.yaml"
        district = index.by_slug[slug]
        if not path.is_file():
            message = _("{district} has no data file {path}").format(district=index.label(slug), path=path)
            problems.append(Problem(table.path, row.number, None, message))
            continue
        read = edits.read_for_editing(path)
        if isinstance(read, Problem):
            problems.append(read)
            continue
        before, data = read
        status = str(data.get("status", ""))
        old_source = str(data.get("source", ""))
        sources = (old_source, source) if source is not None and source != old_source else (None, None)
        change = Change(
            slug,
            district.designation,
            district.ags,
            row.number,
            _old_budget(data.get("budget")),
            amount,
            path,
            status,
            *sources,
        )
        report.changes.append(change)
        if not change.changed:
            continue
        if status == Status.SIGNED and change.old != change.new:
            old = euro(change.old) if change.old is not None else _("none")
            message = _("{slug} is signed: its budget ({old}) cannot change to {new} (row {row})").format(
                slug=slug, old=old, new=euro(amount), row=row.number
            )
            problems.append(
                Problem(path, data.lc.key("budget")[0] + 1 if "budget" in data else None, "budget", message)
            )
            continue
        if status == Status.SIGNED:
            message = _("{slug} is signed: its source cannot change (row {row})").format(slug=slug, row=row.number)
            problems.append(
                Problem(path, data.lc.key("source")[0] + 1 if "source" in data else None, "source", message)
            )
            continue
        if status == Status.FOR_SIGNATURE:
            report.warnings.append(_("{slug} is out for signature: rebuild and resend its document").format(slug=slug))
        yamledit.set_after(data, yamledit.BUDGET, amount, after="source", comment=yamledit.BUDGET_COMMENT)
        if _OPEN_COMMENT.fullmatch(yamledit.eol_comment(data, yamledit.BUDGET) or ""):
            yamledit.set_eol_comment(data, yamledit.BUDGET, yamledit.BUDGET_COMMENT)
        if change.new_source is not None:
            edits.set_value(slug, path, data, "source", change.new_source)
        after = yamledit.dump(data)
        if change.new_source is not None:
            after = edits.drop_example_comment(slug, after)
        if not _only_budget_changed(before, after, with_source=source is not None):
            message = _("the budget cannot be written without reformatting other lines; please enter it by hand")
            problems.append(Problem(path, None, "budget", message))
            continue
        outputs[path] = after

    if problems:
        raise InputError(problems)
    if not dry_run:
        atomic_write_all(outputs)
        report.written = sorted(outputs)
    return report
