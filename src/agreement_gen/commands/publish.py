"""`agreement-gen publish`: the publication bundle of a year's signed agreements (after `build`)."""

from __future__ import annotations

from pathlib import Path

import click

from agreement_gen.commands.options import make_paths, paths_options, trust_option
from agreement_gen.data.formatting import euro
from agreement_gen.i18n import _, ngettext
from agreement_gen.publish.bundle import not_published_text, publish
from agreement_gen.ui import console


@click.command("publish")
@paths_options
@trust_option
def command(year: int | None, counties: Path, templates: Path, out: Path, trust: tuple[Path, ...]) -> None:
    """Write OUT/YEAR/publish/: the signed agreements' PDFs, overview tables, index.html, SHA256SUMS.txt.

    Publishes what the last build produced (or, when signed digitally, the copy `receive` kept)
    and never builds; exit 2 when a check fails (an earlier bundle then stays as it was).
    """
    report = publish(make_paths(counties, templates, out), year, trust)
    for item in report.published:
        budget = euro(item.agreement.data.budget or 0)
        console.print(f"  [green]✓[/] {item.agreement.district.designation:<32} {budget:>18}  {item.file_name}")
    if report.not_published:
        reasons = not_published_text(report.not_published)
        console.print("  " + _("not published: {reasons}").format(reasons=reasons))
    for note in report.notes:
        console.print(f"  [yellow]{_('note:')}[/] {note}")
    others = ", ".join(name for name in report.files if not name.endswith(".pdf"))
    count = len(report.published)
    line = ngettext(
        "{year}: {count} agreement published ({total}) → {folder}/ (with {others})",
        "{year}: {count} agreements published ({total}) → {folder}/ (with {others})",
        count,
    )
    console.print(
        line.format(year=report.year, count=count, total=euro(report.total), folder=report.folder, others=others)
    )
