"""`agreement-gen withdraw` and `agreement-gen unreceive`: a step of the signing round taken back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.text import Text

from agreement_gen.commands.options import data_options, make_paths, split_only
from agreement_gen.data.paths import Paths
from agreement_gen.i18n import N_, _
from agreement_gen.ui import console

if TYPE_CHECKING:
    from agreement_gen.signing.undo import Undone


def _slugs(slugs: tuple[str, ...], only: str | None) -> list[str]:
    chosen = [*slugs, *(split_only(only) or [])]
    if not chosen:
        raise click.UsageError(_("name the district(s): SLUG, or --only a,b"))
    return chosen


def _report(items: Sequence[Undone], verb: str) -> None:
    for item in items:
        console.print(Text.assemble(("  ✓ ", "green"), (item.slug, "bold"), ": ", _(verb)))
        for name, old, new in item.values:
            console.print(f"    {item.data_file}: {name} {_(old)} → {_(new)}")
        for source, target in item.moves:
            console.print(f"    {source} → {target}")
    console.print(
        _("{count} {done}; commit the changes under counties/ (the archive is part of the year's record)").format(
            count=len(items), done=_(verb)
        )
    )


def _run(
    undo: Callable[[Paths, int | None, Sequence[str]], Sequence[Undone]],
    verb: str,
    slugs: tuple[str, ...],
    only: str | None,
    year: int | None,
    counties: Path,
    templates: Path,
) -> None:
    chosen = _slugs(slugs, only)
    _report(undo(make_paths(counties, templates), year, chosen), verb)


@click.command("withdraw")
@click.argument("slugs", nargs=-1)
@data_options
@click.option("--only", metavar="SLUG,…", help="These districts (comma-separated slugs).")
def withdraw_command(
    slugs: tuple[str, ...], year: int | None, counties: Path, templates: Path, only: str | None
) -> None:
    """Take back documents sent for signature: status back to draft, COUNTIES/YEAR/sent/SLUG.* moved to
    COUNTIES/YEAR/archive/ (never deleted). A copy signed later is then refused as withdrawn."""
    from agreement_gen.signing.undo import withdraw

    _run(withdraw, N_("withdrawn"), slugs, only, year, counties, templates)


@click.command("unreceive")
@click.argument("slugs", nargs=-1)
@data_options
@click.option("--only", metavar="SLUG,…", help="These districts (comma-separated slugs).")
def unreceive_command(
    slugs: tuple[str, ...], year: int | None, counties: Path, templates: Path, only: str | None
) -> None:
    """Take a `receive` back: the data as before it (status for_signature, no signing dates, no signed_copy),
    the kept signed copy moved to COUNTIES/YEAR/archive/ (never deleted)."""
    from agreement_gen.signing.undo import unreceive

    _run(unreceive, N_("taken back"), slugs, only, year, counties, templates)
