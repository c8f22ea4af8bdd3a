"""`agreement-gen new-year YEAR`: start a fiscal year from the last one (drafts, budgets open)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import counties_option, templates_option
from agreement_gen.data.paths import Paths
from agreement_gen.editors.newyear import NewYear, create_year
from agreement_gen.i18n import _, ngettext
from agreement_gen.ui import console


def _clause_text(result: NewYear, name: str) -> str:
    """A clause of the new year file by its dotted name (one that named the old year, besides the known ones)."""
    from agreement_gen.data.load import read_yaml
    from agreement_gen.data.models import FiscalYear

    doc, _problems = read_yaml(result.folder / "_year.yaml")
    return (FiscalYear.model_validate(doc.data).clause(name) or "") if doc is not None else ""


@click.command("new-year")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--from", "source_year", type=int, default=None, help="Year to copy (default: the newest in counties/).")
@counties_option
@templates_option
def command(year: int, source_year: int | None, counties: Path, templates: Path) -> None:
    """Create counties/YEAR/ and templates/zielvereinbarung-YEAR.docx from the last year; overwrite nothing."""
    result = create_year(Paths(counties=counties, templates=templates), year, source_year)
    created = ngettext(
        "{folder}/: {count} district as a draft, budget open, signing dates removed (copied from {old})",
        "{folder}/: {count} districts as drafts, budgets open, signing dates removed (copied from {old})",
        len(result.districts),
    )
    console.print(
        "[green]✓[/] " + created.format(folder=result.folder, count=len(result.districts), old=result.source_year)
    )
    copied = _("{template}: the {year} template, a copy of {source} ({old} keeps its own)")
    console.print(
        "[green]✓[/] "
        + copied.format(
            template=result.template, year=result.year, source=result.source_template.name, old=result.source_year
        )
    )
    if result.to_confirm:
        console.print(
            _(
                "\n[bold]To confirm[/] – copied unchanged from {old}; no district of {year} can be sent until each "
                "is confirmed (`agreement-gen confirm --year {year} NAME`, after any new wording):"
            ).format(old=result.source_year, year=result.year)
        )
        for name in result.to_confirm:
            text = result.clauses.get(name) or _clause_text(result, name)
            console.print(Text.assemble("  ", (name, "bold"), ": ", " ".join(text.split())))
    if result.mentions:
        console.print("\n" + _("Lines that still name {old}:").format(old=result.source_year))
        for mention in result.mentions:
            console.print(Text.assemble("  ", (f"{mention.file}:{mention.line}", "bold"), f"  {mention.text}"))
    console.print(
        "\n"
        + _(
            "Next: enter the budgets (agreement-gen import-budgets FILE --year {year}), "
            "then `agreement-gen check --year {year}` lists what each district still needs."
        ).format(year=result.year)
    )
