"""`agreement-gen status`: one line per district – stage, what is missing, when it came back, published."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from agreement_gen.commands.options import make_paths, paths_options
from agreement_gen.i18n import N_, _
from agreement_gen.labels import status_label
from agreement_gen.ui import console

WIDE = 100  # columns from which the table also shows the district's name


@click.command("status")
@paths_options
def command(year: int | None, counties: Path, templates: Path, out: Path) -> None:
    """Show where each district's agreement stands in the signing round (reads, never writes)."""
    from agreement_gen.publish.progress import progress, uncommitted, unconfirmed

    resolved, lines = progress(make_paths(counties, templates, out), year)
    table = Table(title=_("Signing round AQB {year}").format(year=resolved))
    # In a narrow terminal (80 columns) the district's name gives way: the slug is what commands take.
    wide = console.width >= WIDE
    columns = [(N_("Slug"), True), (N_("District"), False), (N_("Stage"), True), (N_("Missing"), False)]
    columns += [(N_("Received"), wide), (N_("Published"), True)]
    for column, no_wrap in columns:
        if wide or column != "District":
            table.add_column(_(column), no_wrap=no_wrap)
    for line in lines:
        cells = [line.slug, line.designation] if wide else [line.slug]
        table.add_row(
            *cells,
            status_label(line.stage),
            ", ".join(line.missing) or "–",
            line.received or "–",
            _("yes") if line.published else _("no"),
        )
    console.print(table)
    for line in lines:
        if line.conformance:
            console.print(f"  {line.slug}: {line.conformance}")
    stages = Counter(str(line.stage) for line in lines)
    counts = ", ".join(f"{count} {status_label(stage)}" for stage, count in sorted(stages.items()))
    received = sum(bool(line.received) for line in lines)
    published = sum(line.published for line in lines)
    summary = _("{year}: {count} districts ({stages}); {received} received, {published} published")
    console.print(
        summary.format(year=resolved, count=len(lines), stages=counts, received=received, published=published)
    )
    changed = [line for line in lines if line.changes]
    if changed:
        console.print(
            _("\nChanged since sent or signed ({count} districts): the text would differ now").format(
                count=len(changed)
            )
        )
        for line in changed:
            for change in line.changes:
                console.print(Text.assemble(("  ! ", "yellow"), (line.slug, "bold"), f": {change}"))
    waiting = unconfirmed(make_paths(counties, templates, out), resolved)
    if waiting:
        console.print(
            _(
                "\n[yellow]Not confirmed for {year}[/] (no district can be sent until they are): {clauses} – read "
                "them with `agreement-gen check --year {year}`, then `agreement-gen confirm`"
            ).format(year=resolved, clauses=", ".join(waiting))
        )
    unsaved = uncommitted(counties, resolved)
    if unsaved:
        console.print(_("\n[yellow]The year's record is not committed[/] – commit these files:"))
        for item in unsaved:
            console.print(Text.assemble(("  ! ", "yellow"), item))
