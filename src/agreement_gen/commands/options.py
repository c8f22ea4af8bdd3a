"""Options shared by several commands, declared once; dates as a clerk types them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from agreement_gen.data.paths import Paths
from agreement_gen.i18n import _

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


year_option = click.option("--year", type=int, default=None, help="Fiscal year (default: the newest in counties/).")


def paths_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--year, --counties, --templates, --out: for verbs that write or read the output folder."""
    for decorator in (out_option, templates_option, counties_option, year_option):
        func = decorator(func)
    return func


def data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--year, --counties, --templates: for verbs that read (or edit) the data only, never the output folder.

    A verb takes only the options it uses: `--out` where it is ignored would let a typo pass unnoticed.
    """
    for decorator in (templates_option, counties_option, year_option):
        func = decorator(func)
    return func


def make_paths(counties: Path, templates: Path, out: Path | None = None) -> Paths:
    """The folders of a run; without `out` (a verb that never touches it) the default, which stays unused."""
    return Paths(counties=counties, templates=templates) if out is None else Paths(counties, templates, out)


def split_only(value: str | None) -> list[str] | None:
    """'--only a,b' → ['a', 'b']."""
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(text: str) -> dt.date:
    """'20.11.2026', '1.8.2025' or '2026-11-20' → a date; ValueError with a sentence saying how to write it."""
    text = text.strip()
    german, iso = _GERMAN_DATE.fullmatch(text), _ISO_DATE.fullmatch(text)
    if german:
        day, month, year = (int(part) for part in german.groups())
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise ValueError(_("'{text}' is not a date; write it as 20.11.2026 (or 2026-11-20)").format(text=text))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(_("'{text}' is not a day of the calendar").format(text=text)) from None


def parse_dates(text: str, count: int) -> list[dt.date]:
    """'20.11.2026,25.11.2026' → exactly `count` dates (ValueError naming the wrong one)."""
    parts = [part for part in text.split(",") if part.strip()]
    if len(parts) != count:
        raise ValueError(_("give {count} dates separated by a comma, e.g. 20.11.2026,25.11.2026").format(count=count))
    return [parse_date(part) for part in parts]


class DateType(click.ParamType[dt.date, Any]):
    """A click option's value as a date: German (20.11.2026, 1.8.2025) or ISO (2026-11-20)."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return _("DD.MM.YYYY")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()
