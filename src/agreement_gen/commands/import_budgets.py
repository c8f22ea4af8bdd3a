"""`agreement-gen import-budgets FILE --year YEAR`: the ministry's budget table into the year's data files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from agreement_gen.commands.options import counties_option
from agreement_gen.data.edits import check_source
from agreement_gen.data.formatting import euro
from agreement_gen.data.load import load_year
from agreement_gen.data.models import EXAMPLE_SOURCE
from agreement_gen.data.paths import Paths
from agreement_gen.editors.budgets import import_budgets
from agreement_gen.i18n import _, ngettext
from agreement_gen.render.context import OPEN_BUDGET
from agreement_gen.ui import console


@click.command("import-budgets")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--year", type=int, required=True, help="Fiscal year whose data files receive the budgets.")
@click.option(
    "--source",
    metavar="TEXT",
    help='Also mark the figures as real, from this source (e.g. "Zuweisungserlass HMSI vom 14.01.2026").',
)
@click.option("--partial", is_flag=True, help="Accept a table that lacks districts (their budgets stay as they are).")
@click.option("--dry-run", is_flag=True, help="Check the table and show what would change; write nothing.")
@counties_option
def command(file: Path, year: int, source: str | None, partial: bool, dry_run: bool, counties: Path) -> None:
    """Write each district's amount from FILE (CSV or XLSX) into counties/YEAR/SLUG.yaml – all rows or none.

    FILE needs a district column (AGS, Schlüssel, Kreis, Name …) and an amount column (Betrag,
    Budget, Mittel, Euro …). Amounts may be German (1.288.930,50) or plain (1288930.50).
    With --source the figures also count as real (no more example data).
    """
    source = check_source(source) if source is not None else None
    report = import_budgets(Paths(counties=counties), year, file, partial=partial, dry_run=dry_run, source=source)
    table = Table(title=_("Budgets {year} from {file}").format(year=report.year, file=report.table.name))
    for column, right in ((_("District"), False), (_("Row"), True), (_("Before"), True), (_("After"), True)):
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    for change in report.changes:
        before = euro(change.old) if change.old is not None else OPEN_BUDGET
        after = euro(change.new) if change.old != change.new else _("unchanged")
        table.add_row(change.designation, str(change.row), before, after)
    console.print(table)
    for change in report.changes:
        if change.new_source is not None:
            console.print(
                Text.assemble(
                    ("  ✓ ", "green"),
                    (change.file.name, "bold"),
                    f"  source: {change.old_source} → {change.new_source}",
                )
            )
    for warning in report.warnings:
        console.print(Text.assemble(("  ! ", "yellow"), warning))
    if report.missing:
        console.print(
            Text.assemble(
                ("  ! ", "yellow"),
                _("not in the table, left as they are: {names}").format(names=", ".join(report.missing)),
            )
        )
    changed = sum(change.changed for change in report.changes)
    if dry_run:
        line = ngettext(
            "{year}: {count} district would change – nothing written (--dry-run)",
            "{year}: {count} districts would change – nothing written (--dry-run)",
            changed,
        )
        console.print(line.format(year=report.year, count=changed))
        return
    line = ngettext(
        "{year}: {count} district written, {unchanged} unchanged → {folder}/",
        "{year}: {count} districts written, {unchanged} unchanged → {folder}/",
        len(report.written),
    )
    console.print(
        line.format(
            year=report.year,
            count=len(report.written),
            unchanged=len(report.changes) - changed,
            folder=counties / str(report.year),
        )
    )
    _hint_example_data(counties, report.year, file)


def _hint_example_data(counties: Path, year: int, table: Path) -> None:
    """After the import, say plainly which districts still count as example data and the command that ends it."""
    dataset = load_year(counties, year)
    examples = sorted(slug for slug, doc in dataset.district_years.items() if doc.data.get("source") == EXAMPLE_SOURCE)
    if not examples:
        return
    line = ngettext(
        "{count} district still counts as example data (source: example; its PDF says MUSTER): {names}.",
        "{count} districts still count as example data (source: example; their PDFs say MUSTER): {names}.",
        len(examples),
    )
    names = ", ".join(examples) if len(examples) <= 5 else ", ".join(examples[:5]) + ", …"
    console.print(Text.assemble(("\n  ! ", "yellow"), line.format(count=len(examples), names=names)))
    suggestion = _("budget table {file}").format(file=table.name)
    command = f'agreement-gen mark-real --all --year {year} --source "{suggestion}"'
    console.print(
        "    " + _("When the figures are the real ones, name their source: {command}").format(command=command)
    )
