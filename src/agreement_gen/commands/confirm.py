"""`agreement-gen confirm`: clauses new-year copied from the last year, confirmed for the new one."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import data_options, make_paths
from agreement_gen.i18n import _
from agreement_gen.ui import console


@click.command("confirm")
@click.argument("names", nargs=-1)
@data_options
@click.option("--all", "every", is_flag=True, help="Confirm every clause still waiting.")
def command(names: tuple[str, ...], year: int | None, counties: Path, templates: Path, every: bool) -> None:
    """Confirm year-file clauses copied by new-year (e.g. migration_clause, buendnis) for this year, after reading
    them whole in `agreement-gen check`. Until all are confirmed, no district of the year can be sent."""
    from agreement_gen.editors.newyear import confirm_clauses

    if bool(names) == every:
        raise click.UsageError(_("name the clause(s) to confirm (see `agreement-gen check`), or give --all"))
    resolved, confirmed = confirm_clauses(make_paths(counties, templates), year, list(names) or None)
    for name, text in confirmed:
        done = _(" confirmed for {year}: ").format(year=resolved)
        console.print(Text.assemble(("  ✓ ", "green"), (name, "bold"), done, " ".join(text.split())))
    console.print(
        _("{file}: to_confirm – {count} removed; commit it").format(
            file=counties / str(resolved) / "_year.yaml", count=len(confirmed)
        )
    )
