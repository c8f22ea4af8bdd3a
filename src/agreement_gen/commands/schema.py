"""`agreement-gen schema`: write the data files' JSON Schemas and point every data file at its schema."""

from __future__ import annotations

from pathlib import Path

import click

from agreement_gen.commands.options import counties_option
from agreement_gen.i18n import _
from agreement_gen.ui import console


@click.command("schema")
@counties_option
def command(counties: Path) -> None:
    """Write schema/*.schema.json (beside the counties folder) and the schema line of every data file."""
    from agreement_gen.data.schema import SCHEMA_DIR, add_modelines, write_schemas

    if not counties.is_dir():
        raise click.BadParameter(_("'{folder}' is not a folder").format(folder=counties), param_hint="--counties")
    root = counties.resolve().parent
    written = write_schemas(root)
    lined = add_modelines(counties, root)
    for path in written:
        console.print("  " + _("wrote {path}").format(path=path.relative_to(root)))
    for path in lined:
        console.print("  " + _("added the schema line to {path}").format(path=path.resolve().relative_to(root)))
    if not written and not lined:
        console.print(_("{folder}/ and the schema lines of the data files are up to date").format(folder=SCHEMA_DIR))
