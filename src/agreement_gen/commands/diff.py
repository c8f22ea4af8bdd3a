"""`agreement-gen diff`: what an edit changes in every district's agreement, grouped by change."""

from __future__ import annotations

import difflib
from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import make_paths, paths_options, split_only
from agreement_gen.i18n import _, ngettext
from agreement_gen.output import atomic_write
from agreement_gen.ui import console, console_err

REPORT_NAME = "aenderungen.html"


@click.command("diff")
@paths_options
@click.option("--rev", metavar="REV", default=None, help="Git revision to compare with (default: HEAD).")
@click.option("--against", metavar="YEAR", type=int, default=None, help="Compare --year with this fiscal year.")
@click.option("--only", metavar="SLUG,…", help="Compare only these districts.")
@click.option(
    "--html",
    "html_file",
    metavar="[FILE]",
    is_flag=False,
    flag_value="",
    default=None,
    help="Also write a side-by-side report for a browser: to FILE, or with no FILE to OUT/YEAR/aenderungen.html.",
)
def command(
    year: int | None,
    counties: Path,
    templates: Path,
    out: Path,
    rev: str | None,
    against: int | None,
    only: str | None,
    html_file: str | None,
) -> None:
    """Show how the agreements' text changes: working tree vs a git revision, or one year vs another."""
    from agreement_gen.editors.diff import html_report, run_diff  # renders: imported only when asked

    comparison = run_diff(make_paths(counties, templates, out), year, rev, against, split_only(only))
    old, new = comparison.old, comparison.new
    where = f"{old.label} → {new.label}" + (f", {new.year}" if old.year == new.year else "")
    if comparison.unchanged:
        console.print(
            _("No changes: the {count} agreements read the same ({where}).").format(
                count=comparison.districts, where=where
            )
        )
    else:
        summary = ngettext(
            "{where}: {changed} of {count} agreements change, {groups} distinct change(s)",
            "{where}: {changed} of {count} agreements change, {groups} distinct change(s)",
            len(comparison.groups),
        )
        console.print(
            summary.format(
                where=where, changed=len(comparison.changed), count=comparison.districts, groups=len(comparison.groups)
            )
            + "\n"
        )
    for group in comparison.groups:
        count = len(group.slugs)
        change = group.change
        heading = ngettext("{count} district: {section} {change}", "{count} districts: {section} {change}", count)
        console.print(Text(heading.format(count=count, section=change.section, change=change.summary), "bold"))
        if count < comparison.districts or count == 1:
            console.print(Text("  " + _("in: {districts}").format(districts=", ".join(group.slugs)), "dim"))
        if change.moved_from:  # moved unchanged: where from, where to, the text once
            console.print(Text(f"@@ {change.moved_from} → {change.section} @@", "cyan"))
            for line in change.new:
                console.print(Text("~" + line, "yellow"))
        else:
            console.print(Text(f"@@ {change.section} @@", "cyan"))
            for diff_line in unified(change.old, change.new):
                console.print(diff_line)
        console.print()
    for note in comparison.notes:
        console_err.print(Text.assemble((_("note: "), "bold yellow"), note))
    for label, slugs in ((new.label, comparison.added), (old.label, comparison.removed)):
        if slugs:
            console.print(_("only in {version}: {districts}").format(version=label, districts=", ".join(slugs)))
    if html_file is not None:
        # --html alone: under build/, which git ignores, never into the project folder
        report = out / str(new.year) / REPORT_NAME if html_file == "" else Path(html_file)
        if report.is_dir():
            raise click.BadParameter(_("{path} is a folder; give a file name").format(path=report), param_hint="--html")
        report.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(report, html_report(comparison))
        console.print(_("side-by-side report: {path}").format(path=report))


def unified(old: tuple[str, ...], new: tuple[str, ...]) -> list[Text]:
    """'-'/'+' lines; in a terminal the changed words are highlighted within long paragraphs."""
    if len(old) != len(new):
        return [Text("-" + line, "red") for line in old] + [Text("+" + line, "green") for line in new]
    removed, added = [], []
    for before, after in zip(old, new, strict=True):
        a, b = before.split(" "), after.split(" ")
        minus, plus = Text("-", "red"), Text("+", "green")
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            style = "" if tag == "equal" else " reverse"
            if i2 > i1:
                minus.append(" ".join(a[i1:i2]) + " ", "red" + style)
            if j2 > j1:
                plus.append(" ".join(b[j1:j2]) + " ", "green" + style)
        minus.rstrip()
        plus.rstrip()
        removed.append(minus)
        added.append(plus)
    return removed + added
