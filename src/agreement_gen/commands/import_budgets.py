"""`agreement-gen import-budgets FILE --year YEAR`: the ministry's budget table into the year's data files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from agreement_gen.budgets import import_budgets
from agreement_gen.commands.options import counties_option
from agreement_gen.config import Paths
from agreement_gen.context import OPEN_BUDGET
from agreement_gen.formatting import euro
from agreement_gen.ui import console


@click.command("import-budgets")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--year", type=int, required=True, help="Fiscal year whose data files receive the budgets.")
@click.option("--partial", is_flag=True, help="Accept a table that lacks districts (their budgets stay as they are).")
@click.option("--dry-run", is_flag=True, help="Check the table and show what would change; write nothing.")
@counties_option
def command(file: Path, year: int, partial: bool, dry_run: bool, counties: Path) -> None:
    """Write each district's amount from FILE (CSV or XLSX) into counties/YEAR/SLUG.yaml – all rows or none.

    FILE needs a district column (AGS, Schlüssel, Kreis, Name …) and an amount column (Betrag,
    Budget, Mittel, Euro …). Amounts may be German (1.288.930,50) or plain (1288930.50).
    """
    report = import_budgets(Paths(counties=counties), year, file, partial=partial, dry_run=dry_run)
    table = Table(title=f"Budgets {report.year} from {report.table.name}")
    for column in ("District", "AGS", "Row", "Before", "After"):
        table.add_column(column, justify="right" if column in ("Row", "Before", "After") else "left", no_wrap=True)
    for change in report.changes:
        before = euro(change.old) if change.old is not None else OPEN_BUDGET
        after = euro(change.new) if change.changed else "unchanged"
        table.add_row(change.designation, change.ags, str(change.row), before, after)
    console.print(table)
    for warning in report.warnings:
        console.print(Text.assemble(("  ! ", "yellow"), warning))
    if report.missing:
        console.print(
            Text.assemble(("  ! ", "yellow"), f"not in the table, left as they are: {', '.join(report.missing)}")
        )
    changed = sum(change.changed for change in report.changes)
    if dry_run:
        console.print(f"{report.year}: {changed} budget(s) would change – nothing written (--dry-run)")
    else:
        console.print(
            f"{report.year}: {len(report.written)} budget(s) written, {len(report.changes) - changed} unchanged "
            f"→ {counties / str(report.year)}/"
        )
