"""`agreement-gen send`: districts go out for signature; the year's record keeps what was sent."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import make_paths, paths_options, split_only
from agreement_gen.i18n import _
from agreement_gen.ui import console


@click.command("send")
@click.argument("slugs", nargs=-1)
@paths_options
@click.option("--only", metavar="SLUG,…", help="Send these districts (comma-separated slugs).")
@click.option("--all", "every", is_flag=True, help="Send every district of the year not yet signed.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar while the documents are built.")
def command(
    slugs: tuple[str, ...],
    year: int | None,
    counties: Path,
    templates: Path,
    out: Path,
    only: str | None,
    every: bool,
    quiet: bool,
) -> None:
    """Send agreements for signature: check they are ready, set `status: for_signature`, build the PDF and keep
    it with its text as COUNTIES/YEAR/sent/SLUG.pdf and SLUG.json (commit these).

    Nothing is written unless every district named is ready.
    """
    from agreement_gen.commands.progress import build_progress
    from agreement_gen.signing.sending import send

    chosen = [*slugs, *(split_only(only) or [])]
    if bool(chosen) == every:
        raise click.UsageError(_("name the district(s) to send (SLUG, or --only a,b), or give --all"))
    sendings = send(make_paths(counties, templates, out), year, chosen or None, progress=build_progress(quiet))
    for sending in sendings:
        record = sending.record
        assert record is not None
        when = record.sent_at.strftime("%Y-%m-%d %H:%M UTC")
        if sending.already:
            console.print(
                Text.assemble(("  = ", "cyan"), (sending.slug, "bold"), _(": already sent on {time}").format(time=when))
            )
            continue
        status = (
            _("{file}: status {old} → for_signature; sent {time}")
            if sending.text is not None
            else _("{file}: status stays for_signature; sent {time}")
        ).format(file=sending.data_file, old=sending.old_status, time=when)
        console.print(Text.assemble(("  ✓ ", "green"), (sending.slug, "bold"), ": ", status))
        console.print(
            _("    → {pdf} (the PDF to send) and {record} (its text)").format(pdf=record.pdf, record=record.meta)
        )
    new = sum(not s.already for s in sendings)
    summary = _("{new} sent, {old} already out").format(new=new, old=len(sendings) - new)
    if new:
        summary += _(" – commit the year's files under counties/ (sent/), then mail the PDFs")
    console.print(summary)
