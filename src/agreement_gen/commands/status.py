"""`agreement-gen status`: one line per district – stage, what is missing, when it came back, published."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from rich.table import Table

from agreement_gen.commands.options import make_paths, paths_options
from agreement_gen.ui import console


@click.command("status")
@paths_options
def command(year: int | None, counties: Path, templates: Path, out: Path) -> None:
    """Show where each district's agreement stands in the signing round (reads, never writes)."""
    from agreement_gen.progress import progress

    resolved, lines = progress(make_paths(counties, templates, out), year)
    table = Table(title=f"Signing round AQB {resolved}")
    for column in ("Slug", "District", "Stage", "Missing", "Received", "Published"):
        table.add_column(column, no_wrap=column not in ("District", "Missing"))
    for line in lines:
        table.add_row(
            line.slug,
            line.designation,
            str(line.stage),
            ", ".join(line.missing) or "–",
            line.received or "–",
            "yes" if line.published else "no",
        )
    console.print(table)
    for line in lines:
        if line.conformance:
            console.print(f"  {line.slug}: {line.conformance}")
    stages = Counter(str(line.stage) for line in lines)
    counts = ", ".join(f"{count} {stage}" for stage, count in sorted(stages.items()))
    received = sum(bool(line.received) for line in lines)
    published = sum(line.published for line in lines)
    console.print(f"{resolved}: {len(lines)} districts ({counts}); {received} received, {published} published")
