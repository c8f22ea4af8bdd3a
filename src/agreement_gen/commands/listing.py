"""`agreement-gen list`: the districts of a fiscal year with status, budget and source (fits 80 columns)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click
from rich import box
from rich.table import Table
from rich.text import Text

from agreement_gen.commands.options import data_options, make_paths
from agreement_gen.data.formatting import euro
from agreement_gen.data.plan import plan_year
from agreement_gen.i18n import _, ngettext
from agreement_gen.labels import status_label
from agreement_gen.render.context import OPEN_BUDGET
from agreement_gen.ui import console


@click.command("list")
@data_options
def command(year: int | None, counties: Path, templates: Path) -> None:
    """Show the districts of a fiscal year."""
    plan = plan_year(make_paths(counties, templates), year)
    # The slug (what commands take) stands under the name, so the table fits an 80-column terminal.
    table = Table(title=f"Zielvereinbarungen AQB {plan.fiscal_year.year}", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(_("District") + "\n" + _("(slug)"), ratio=3, overflow="fold")
    table.add_column(_("Status"), no_wrap=True)
    table.add_column(_("Budget"), justify="right", no_wrap=True)
    table.add_column(_("Source"), ratio=2, overflow="fold")
    total = Decimal(0)
    for agreement in plan.agreements:
        data = agreement.data
        total += data.budget or 0  # a draft's budget may still be open
        source = _("example data") if data.is_example else data.source
        table.add_row(
            Text.assemble(agreement.district.designation, "\n", (agreement.slug, "dim")),
            status_label(agreement.status),
            euro(data.budget) if data.budget is not None else OPEN_BUDGET,
            source,
        )
    table.add_section()
    count = len(plan.agreements)
    table.add_row(ngettext("{count} district", "{count} districts", count).format(count=count), "", euro(total), "")
    console.print(table)
