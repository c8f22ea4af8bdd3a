"""`agreement-gen variables`: the table of template variables and filters, for the editors' guide."""

from __future__ import annotations

from pathlib import Path

import click

from agreement_gen.commands.options import data_options, make_paths
from agreement_gen.i18n import _
from agreement_gen.ui import console

EXAMPLE_DISTRICT, EXAMPLE_YEAR = "darmstadt-dieburg", 2025  # the real, signed agreement


@click.command("variables")
@data_options
@click.option(
    "--update",
    "guide",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Write the table into this guide (between its BEGIN/END variables markers) instead of printing it.",
)
def command(year: int | None, counties: Path, templates: Path, guide: Path | None) -> None:
    """Every variable and filter the template can use, with example values from Darmstadt-Dieburg 2025."""
    from agreement_gen.data.plan import plan_year
    from agreement_gen.render.context import template_context
    from agreement_gen.render.renderer import make_environment
    from agreement_gen.render.vocabulary import guide_table, update_guide

    plan = plan_year(make_paths(counties, templates), year or EXAMPLE_YEAR, [EXAMPLE_DISTRICT])
    table = guide_table(template_context(plan.agreements[0]), make_environment())
    if guide is None:
        click.echo(table, nl=False)
        return
    try:
        changed = update_guide(guide, table)
    except ValueError as exc:
        raise click.ClickException(f"{guide}: {exc}") from exc
    console.print(f"{guide}: " + (_("table updated") if changed else _("table already up to date")))
