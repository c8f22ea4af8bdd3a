"""`agreement-gen list`: the districts of a fiscal year with status, budget and source."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from agreement_gen.build import plan_year
from agreement_gen.commands.options import make_paths, paths_options
from agreement_gen.context import OPEN_BUDGET
from agreement_gen.formatting import euro
from agreement_gen.ui import console


@click.command("list")
@paths_options
def command(year: int | None, counties: Path, templates: Path, out: Path) -> None:
    """Show the districts of a fiscal year."""
    plan = plan_year(make_paths(counties, templates, out), year)
    table = Table(title=f"Zielvereinbarungen AQB {plan.fiscal_year.year}")
    for column in ("Slug", "AGS", "District", "Status", "Budget", "Source"):
        table.add_column(column, justify="right" if column == "Budget" else "left", no_wrap=column != "Source")
    total = 0
    for agreement in plan.agreements:
        data = agreement.data
        total += data.budget or 0  # a draft's budget may still be open
        table.add_row(
            agreement.slug,
            agreement.district.ags,
            agreement.district.designation,
            str(agreement.status),
            euro(data.budget) if data.budget is not None else OPEN_BUDGET,
            data.source,
        )
    table.add_section()
    table.add_row("", "", f"{len(plan.agreements)} districts", "", euro(total), "")
    console.print(table)
