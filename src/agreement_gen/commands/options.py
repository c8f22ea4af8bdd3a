"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from agreement_gen.config import Paths

counties_option = click.option(
    "--counties",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("counties"),
    show_default=True,
    help="Folder with the district data.",
)
templates_option = click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("templates"),
    show_default=True,
    help="Folder with the master templates.",
)
out_option = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("build"),
    show_default=True,
    help="Output folder.",
)


trust_option = click.option(
    "--trust",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A trusted root certificate (PEM or DER); repeatable. receive and publish also trust COUNTIES/trust/.",
)


def paths_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--year, --counties, --templates, --out; the command receives `year`, `counties`, `templates`, `out`."""
    year_option = click.option("--year", type=int, default=None, help="Fiscal year (default: the newest in counties/).")
    for decorator in (out_option, templates_option, counties_option, year_option):
        func = decorator(func)
    return func


def make_paths(counties: Path, templates: Path, out: Path) -> Paths:
    return Paths(counties=counties, templates=templates, out=out)


def split_only(value: str | None) -> list[str] | None:
    """'--only a,b' → ['a', 'b']."""
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
