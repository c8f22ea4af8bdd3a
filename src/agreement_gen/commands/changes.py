"""What the commands that change data print: every value old → new, then one summary line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.text import Text

from agreement_gen.data.edits import EditReport
from agreement_gen.i18n import _, ngettext
from agreement_gen.ui import console


def shown(value: Any) -> str:
    """A value as the clerk reads it: '(empty)' for none, text as it is."""
    if value is None or value == "":
        return _("(empty)")
    return str(value)


def district_selection(func: Callable[..., Any]) -> Callable[..., Any]:
    """SLUG… and --all: one district, several, or all; the command receives `slugs` and `everyone`."""
    func = click.option("--all", "everyone", is_flag=True, help="Every district of the year.")(func)
    return click.argument("slugs", nargs=-1, metavar="SLUG…")(func)


def print_report(report: EditReport, dry_run: bool) -> None:
    for change in report.changes:
        where = f"{report.folder / change.file.name}"
        console.print(
            Text.assemble(
                ("  ✓ ", "green"), (where, "bold"), f"  {change.field}: {shown(change.old)} → {shown(change.new)}"
            )
        )
    for warning in report.warnings:
        console.print(Text.assemble(("  ! ", "yellow"), warning))
    changed = len({change.slug for change in report.changes})
    unchanged = len(report.unchanged)
    if dry_run:
        line = ngettext(
            "{year}: {count} district would change, {unchanged} unchanged – nothing written (--dry-run)",
            "{year}: {count} districts would change, {unchanged} unchanged – nothing written (--dry-run)",
            changed,
        )
    else:
        line = ngettext(
            "{year}: {count} district changed, {unchanged} unchanged → {folder}/",
            "{year}: {count} districts changed, {unchanged} unchanged → {folder}/",
            changed,
        )
    console.print(line.format(year=report.year, count=changed, unchanged=unchanged, folder=report.folder))
