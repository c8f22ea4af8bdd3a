"""`agreement-gen new-year YEAR`: start a fiscal year from the last one (drafts, budgets open)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import counties_option, templates_option
from agreement_gen.config import Paths
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
    console.print(
        f"[green]✓[/] {result.folder}/: {len(result.districts)} districts as drafts, budgets open, "
        f"signing dates removed (copied from {result.source_year})"
    )
    console.print(
        f"[green]✓[/] {result.template}: the {result.year} template, "
        f"a copy of {result.source_template.name} ({result.source_year} keeps its own)"
    )
    if result.clauses:
        console.print(f"\n[bold]Review[/] – copied unchanged from {result.source_year}, may need new wording:")
        for key, text in result.clauses.items():
            console.print(Text.assemble("  ", (f"{key:<17}", "bold"), _preview(text)))
    if result.mentions:
        console.print(f"\nLines that still name {result.source_year}:")
        for mention in result.mentions:
            console.print(Text.assemble("  ", (f"{mention.file}:{mention.line}", "bold"), f"  {mention.text}"))
    console.print(
        f"\nNext: enter the budgets (agreement-gen import-budgets FILE --year {result.year}), "
        f"then `agreement-gen check --year {result.year}` lists what each district still needs."
    )
