"""`agreement-gen signatory SLUG… [--name] [--title] [--place]`: who signs for a district, and where."""

from __future__ import annotations

from pathlib import Path

import click
from ruamel.yaml.comments import CommentedMap

from agreement_gen.commands.changes import district_selection, print_report
from agreement_gen.commands.options import data_options, make_paths
from agreement_gen.data.edits import FieldChange, edit_districts, set_value
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _


@click.command("signatory")
@district_selection
@click.option("--name", metavar="NAME", help='The signatory\'s name as printed, e.g. "Dr. Anna Muster".')
@click.option(
    "--title", metavar="TITLE", help='The function title as printed, e.g. "Landrätin" or "Oberbürgermeister".'
)
@click.option("--place", metavar="PLACE", help='Where the district signs, e.g. "Fulda".')
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@data_options
def command(
    slugs: tuple[str, ...],
    everyone: bool,
    name: str | None,
    title: str | None,
    place: str | None,
    dry_run: bool,
    year: int | None,
    counties: Path,
    templates: Path,
) -> None:
    """Set who signs for the district: name, function title, place of signing.

    Give one or more district slugs (or --all) and at least one of --name, --title, --place.
    Nothing is written unless every file stays valid; a signed district cannot change.
    """
    values = {
        key: " ".join(value.split())
        for key, value in (("name", name), ("title", title), ("place", place))
        if value is not None
    }
    if not values:
        raise InputError([Problem(None, None, None, _("give at least one of --name, --title, --place"))])
    empty = [f"--{key}" for key, value in values.items() if not value]
    if empty:
        raise InputError([Problem(None, None, option, _("must not be empty")) for option in empty])

    def change(slug: str, path: Path, data: CommentedMap) -> list[FieldChange]:
        changes = []
        for key, value in values.items():
            changes += set_value(slug, path, data, f"signatory.{key}", value, first=key == "name")
        return changes

    report = edit_districts(make_paths(counties, templates), year, slugs, everyone, change, dry_run=dry_run)
    print_report(report, dry_run)
