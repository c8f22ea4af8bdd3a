"""`agreement-gen new-year YEAR`: start a fiscal year from the last one (drafts, budgets open)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import counties_option, templates_option
from agreement_gen.config import Paths
from agreement_gen.i18n import _
from agreement_gen.newyear import create_year
from agreement_gen.ui import console

CLAUSE_PREVIEW = 90  # characters of a clause shown in the reminder


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CLAUSE_PREVIEW else text[: CLAUSE_PREVIEW - 1] + "…"


@click.command("new-year")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--from", "source_year", type=int, default=None, help="Year to copy (default: the newest in counties/).")
@counties_option
@templates_option
def command(year: int, source_year: int | None, counties: Path, templates: Path) -> None:
    """Create counties/YEAR/ and templates/zielvereinbarung-YEAR.docx from the last year; overwrite nothing."""
    result = create_year(Paths(counties=counties, templates=templates), year, source_year)
    line = _("{folder}/: {count} districts as drafts, budgets open, signing dates removed (copied from {source})")
    console.print(
        "[green]✓[/] " + line.format(folder=result.folder, count=len(result.districts), source=result.source_year)
    )
    line = _("{template}: the {year} template, a copy of {copied} ({source} keeps its own)")
    console.print(
        "[green]✓[/] "
        + line.format(
            template=result.template, year=result.year, copied=result.source_template.name, source=result.source_year
        )
    )
    if result.clauses:
        line = _("Review – copied unchanged from {source}, may need new wording:")
        console.print("\n[bold]" + line.format(source=result.source_year) + "[/]")
        for key, text in result.clauses.items():
            console.print(Text.assemble("  ", (f"{key:<17}", "bold"), _preview(text)))
    if result.mentions:
        console.print("\n" + _("Lines that still name {source}:").format(source=result.source_year))
        for mention in result.mentions:
            console.print(Text.assemble("  ", (f"{mention.file}:{mention.line}", "bold"), f"  {mention.text}"))
    line = _(
        "Next: enter the budgets (agreement-gen import-budgets FILE --year {year} --source TEXT), "
        "then `agreement-gen check --year {year}` lists what each district still needs."
    )
    console.print("\n" + line.format(year=result.year))
