"""`agreement-gen mark-real SLUG…|--all --source TEXT`: the districts' figures are real, from this source."""

from __future__ import annotations

from pathlib import Path

import click

from agreement_gen.commands.changes import district_selection, print_report
from agreement_gen.commands.options import data_options, make_paths
from agreement_gen.data.edits import check_source, drop_example_comment, edit_districts, mark_real


@click.command("mark-real")
@district_selection
@click.option(
    "--source",
    required=True,
    metavar="TEXT",
    help='Where the figures come from, e.g. "Zuweisungserlass HMSI vom 14.01.2026"; printed nowhere, kept in the data.',
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@data_options
def command(
    slugs: tuple[str, ...],
    everyone: bool,
    source: str,
    dry_run: bool,
    year: int | None,
    counties: Path,
    templates: Path,
) -> None:
    """Mark districts' figures as real: `source:` names where they come from (no more example data, no MUSTER).

    Give one or more district slugs, or --all. Nothing is written unless every file stays valid.
    """
    report = edit_districts(
        make_paths(counties, templates),
        year,
        slugs,
        everyone,
        mark_real(check_source(source)),
        dry_run=dry_run,
        text_filter=drop_example_comment,
    )
    print_report(report, dry_run)
