"""`agreement-gen sign`: sign the year's agreements out for signature in one batch (the ministry's field by default)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.text import Text

from agreement_gen.commands.options import make_paths, paths_options, split_only, trust_option
from agreement_gen.errors import OutputError
from agreement_gen.i18n import _, ngettext
from agreement_gen.ui import console

if TYPE_CHECKING:
    from agreement_gen.signing.sign import Outcome


def _report(outcome: Outcome) -> None:
    if outcome.error:
        console.print(Text.assemble(("  ✗ ", "red"), (outcome.slug, "bold"), f": {outcome.error}"))
    else:
        level = outcome.level.describe() if outcome.level else _("signed")
        console.print(Text.assemble(("  ✓ ", "green"), (outcome.slug, "bold"), f": {level} → {outcome.target}"))
    for note in outcome.notes:
        console.print(Text.assemble(("    ! ", "yellow"), note))


@click.command("sign")
@paths_options
@click.option(
    "--only", metavar="SLUG,…", default=None, help="Sign only these districts (default: all out for signature)."
)
@click.option(
    "--field",
    "party",
    type=click.Choice(["ministry", "district"]),
    default="ministry",
    show_default=True,
    help="Whose signature field: the ministry's, or the district's (for districts that sign with us).",
)
@click.option(
    "--pkcs12",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Sign with this PKCS#12 file instead of the key configured in COUNTIES/signing.yaml (password asked).",
)
@trust_option
def command(
    year: int | None,
    counties: Path,
    templates: Path,
    out: Path,
    only: str | None,
    party: str,
    pkcs12: Path | None,
    trust: tuple[Path, ...],
) -> None:
    """Sign the agreements out for signature, each in an incremental update, into OUT/YEAR/outbox/SLUG.pdf.

    Every document is checked before the key is opened; the PIN or password is asked once for the
    whole batch (or read from standard input when it is not a terminal). The key and the time-stamping
    service come from COUNTIES/signing.yaml; certificates are checked against COUNTIES/trust/ and --trust.
    """
    from agreement_gen.data.plan import plan_year
    from agreement_gen.signing.settings import load_settings
    from agreement_gen.signing.sign import OUTBOX, key_source, prepare_jobs, sign_batch

    paths = make_paths(counties, templates, out)
    plan = plan_year(paths, paths.resolve_year(year))
    settings = load_settings(paths.counties)
    source = key_source(settings, party, pkcs12, paths.counties)
    jobs = prepare_jobs(paths, plan, party, split_only(only))
    year_number = plan.fiscal_year.year
    if party == "ministry":
        start = ngettext(
            "signing {n} document of {year} for the ministry",
            "signing {n} documents of {year} for the ministry",
            len(jobs),
        )
    else:
        start = ngettext(
            "signing {n} document of {year} for the district",
            "signing {n} documents of {year} for the district",
            len(jobs),
        )
    start = start.format(n=len(jobs), year=year_number)
    if settings.timestamp.url is None:
        start += " (" + _("no time-stamping service configured: PAdES B-B") + ")"
    console.print(start)
    outcomes = sign_batch(paths, plan, jobs, party, source, settings, trust, _report)
    failed = [o for o in outcomes if o.error]
    levels = ", ".join(f"PAdES {level}" for level in sorted({o.level.level for o in outcomes if o.level}))
    outbox = paths.year_out(year_number) / OUTBOX
    console.print(
        _("{signed} signed ({levels}), {failed} failed → {outbox}/").format(
            signed=len(outcomes) - len(failed), levels=levels or _("none"), failed=len(failed), outbox=outbox
        )
    )
    if failed:
        raise OutputError(
            _("{failed} of {total} document(s) could not be signed; the others were signed").format(
                failed=len(failed), total=len(outcomes)
            ),
            1,
        )
