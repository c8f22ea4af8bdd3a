"""`agreement-gen build`: write every district's agreement of a fiscal year."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.build import build
from agreement_gen.commands.options import make_paths, paths_options, split_only
from agreement_gen.models import Status
from agreement_gen.ui import console


@click.command("build")
@paths_options
@click.option("--only", metavar="SLUG,…", help="Build only these districts (comma-separated slugs).")
@click.option(
    "--stage",
    type=click.Choice([s.value for s in Status]),
    default=None,
    help="Preview every document at this stage instead of the status in its data.",
)
def command(year: int | None, counties: Path, templates: Path, out: Path, only: str | None, stage: str | None) -> None:
    """Build the agreements (DOCX) into OUT/YEAR/SLUG.docx."""
    report = build(make_paths(counties, templates, out), year, split_only(only), Status(stage) if stage else None)
    for item in report.built:
        files = ", ".join(sorted(p.name for p in item.staged.values()))
        console.print(f"  [green]✓[/] {item.agreement.slug:<22} {item.agreement.status:<14} {files}")
    for item in report.failed:
        console.print(Text.assemble(("  ✗ ", "red"), (item.agreement.slug, "red"), f": {item.error}"))
    console.print(f"{report.year}: {len(report.built)} built, {len(report.failed)} failed → {report.out_dir}/")
    if report.failed:
        raise click.exceptions.Exit(1)
