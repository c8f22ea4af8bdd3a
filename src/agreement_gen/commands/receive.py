"""`agreement-gen receive`: take back signed agreements (digital files, or a record of a paper signing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.text import Text

from agreement_gen.commands.options import data_options, make_paths, parse_dates, trust_option
from agreement_gen.data.formatting import german_date
from agreement_gen.i18n import N_, _
from agreement_gen.ui import console

if TYPE_CHECKING:
    from agreement_gen.signing.receive import Receipt

DATE_PATTERN = "d.M.yyyy"


def _signing_days(value: str | None) -> tuple[dt.date, dt.date] | None:
    """'2.8.2025,11.08.2025' (or ISO) → the ministry's and the district's signing dates."""
    if value is None:
        return None
    try:
        ministry, district = parse_dates(value, 2)
    except ValueError as exc:
        message = _("{reason} (the ministry's date, then the district's)").format(reason=exc)
        raise click.BadParameter(message, param_hint="--signed-on") from exc
    return ministry, district


# {ministry} and {district}: " (the certificate's name)" or ""
SIGNED = {
    "digital": N_(
        "signed digitally by the ministry{ministry} on {ministry_day} and the district{district} on {district_day}"
    ),
    "paper": N_(
        "signed on paper by the ministry{ministry} on {ministry_day} and the district{district} on {district_day}"
    ),
}


def _report(receipt: Receipt) -> None:
    who = f"{receipt.slug} {receipt.year}"
    if receipt.already:
        if receipt.content is not None:
            done = _("already received, kept copy {file} restored").format(file=receipt.stored)
        else:
            done = _("already received, nothing changed")
        console.print(Text.assemble(("  = ", "cyan"), (who, "bold"), f": {done}"))
    else:
        signed = _(SIGNED[str(receipt.route)]).format(
            ministry=f" ({receipt.ministry_signer})" if receipt.ministry_signer else "",
            ministry_day=german_date(receipt.ministry_on, DATE_PATTERN),
            district=f" ({receipt.district_signer})" if receipt.district_signer else "",
            district_day=german_date(receipt.district_on, DATE_PATTERN),
        )
        kept = f" → {receipt.stored}" if receipt.stored else ""
        console.print(Text.assemble(("  ✓ ", "green"), (who, "bold"), f": {signed}{kept}"))
    for note in receipt.notes:
        console.print(Text.assemble(("    ! ", "yellow"), note))


@click.command("receive")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_options
@trust_option
@click.option(
    "--accept-untrusted",
    is_flag=True,
    help="Take a signature whose otherwise valid certificate comes from a root not trusted here (check who signed).",
)
@click.option(
    "--deputy",
    "deputies",
    multiple=True,
    metavar="NAME",
    help="Accept NAME (the certificate's common name) signing in place of the person the data names; repeatable.",
)
@click.option("--paper", metavar="SLUG", default=None, help="Record the district SLUG as signed on paper (no FILE).")
@click.option("--signed-on", metavar="DATE,DATE", help="With --paper: the ministry's date, the district's date.")
@click.option(
    "--scan",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="With --paper: a scan of the signed paper, kept as COUNTIES/YEAR/signed/SLUG-scan.pdf.",
)
def command(
    files: tuple[Path, ...],
    year: int | None,
    counties: Path,
    templates: Path,
    trust: tuple[Path, ...],
    accept_untrusted: bool,
    deputies: tuple[str, ...],
    paper: str | None,
    signed_on: str | None,
    scan: Path | None,
) -> None:
    """Take back agreements signed by both parties: check, keep under COUNTIES/YEAR/signed/, record as signed.

    FILE is the for_signature PDF as it came back, signed digitally by the ministry and the district
    (any file name). Nothing is taken unless every FILE passes; receiving a file again changes nothing.
    """
    from agreement_gen.signing.receive import (  # pyHanko and pikepdf: only when used
        Options,
        receive_paper,
        receive_signed,
    )

    paths = make_paths(counties, templates)
    days = _signing_days(signed_on)
    if paper is not None:
        if files or days is None:
            raise click.UsageError(_("--paper SLUG takes no FILE and needs --signed-on MINISTRY_DATE,DISTRICT_DATE"))
        receipts = [receive_paper(paths, paper, year, days[0], days[1], scan)]
    else:
        if not files:
            raise click.UsageError(_("give the signed PDF file(s), or --paper SLUG --signed-on DATE,DATE"))
        if days is not None or scan is not None:
            raise click.UsageError(_("--signed-on and --scan belong to --paper"))
        options = Options(year=year, accept_untrusted=accept_untrusted, deputies=deputies)
        receipts = receive_signed(paths, files, options, trust)
        from agreement_gen.signing.archive import add_archival_copies  # a B-LTA copy when a TSA is configured

        add_archival_copies(paths, receipts, trust)
    for receipt in receipts:
        _report(receipt)
    new = sum(not r.already for r in receipts)
    if new:
        summary = _("{new} received, {old} already received – next: `make build`, then `make publish`")
    else:
        summary = _("{new} received, {old} already received")
    console.print(summary.format(new=new, old=len(receipts) - new))
