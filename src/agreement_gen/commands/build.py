"""`agreement-gen build`: write every district's agreement of a fiscal year."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.build.builders import FORMATS, Format
from agreement_gen.build.pipeline import build
from agreement_gen.commands.options import make_paths, paths_options, split_only
from agreement_gen.data.models import Status
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.i18n import _
from agreement_gen.labels import status_label
from agreement_gen.ui import console


@click.command("build")
@paths_options
@click.option("--only", metavar="SLUG,…", help="Build only these districts (comma-separated slugs).")
@click.option(
    "--stage",
    type=click.Choice([s.value for s in Status]),
    default=None,
    help="Preview every document at this stage instead of the status in its data.",
)
@click.option(
    "--formats",
    default=",".join(FORMATS),
    show_default=True,
    help="Output formats, comma-separated ('docx' alone skips LibreOffice).",
)
@click.option("--force", is_flag=True, help="Rebuild every document, even those that are up to date.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar while the documents are built.")
def command(
    year: int | None,
    counties: Path,
    templates: Path,
    out: Path,
    only: str | None,
    stage: str | None,
    formats: str,
    force: bool,
    quiet: bool,
) -> None:
    """Build the agreements into OUT/YEAR/SLUG.docx and OUT/YEAR/SLUG.pdf."""
    wanted = split_only(formats) or []
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or "docx" not in wanted:
        message = _("choose from {formats} (docx always)").format(formats=", ".join(FORMATS))
        raise click.BadParameter(message, param_hint="--formats")
    from agreement_gen.commands.progress import build_progress

    report = build(
        make_paths(counties, templates, out),
        year,
        split_only(only),
        Status(stage) if stage else None,
        [Format(name) for name in wanted],
        force=force,
        changes_since=changes_since_record,  # imported only when something is to be built
        progress=build_progress(quiet),
    )
    for item in report.built:
        files = ", ".join(sorted(p.name for p in item.staged.values()))
        console.print(f"  [green]✓[/] {item.agreement.slug:<22} {status_label(item.agreement.status):<16} {files}")
    for slug, changes in report.changed.items():
        console.print(
            Text.assemble(("  ! ", "yellow"), (slug, "bold"), _(": changed since sent – "), "; ".join(changes))
        )
        console.print(
            _(
                "    the PDF in {folder} is not the one sent: withdraw and send again (`agreement-gen withdraw {slug}`)"
            ).format(folder=report.out_dir, slug=slug)
        )
    for item in report.failed:
        console.print(Text.assemble(("  ✗ ", "red"), (item.agreement.slug, "red"), f": {item.error}"))
    built, current, failed = len(report.built), len(report.up_to_date), len(report.failed)
    if not report.built and not report.failed:
        summary = _("{current} up to date, nothing to do").format(current=current)
    else:
        summary = _("{built} built, {current} up to date, {failed} failed").format(
            built=built, current=current, failed=failed
        )
    console.print(f"{report.year}: {summary} → {report.out_dir}/")
    if report.closed_template is not None:
        from agreement_gen.lint.closing import closed_now_note

        console.print(closed_now_note(report.year, report.closed_template))
    if report.failed:
        raise click.exceptions.Exit(1)


def changes_since_record(agreement: Agreement, plan: YearPlan) -> list[str]:
    """The signing round's changes since a district was sent or signed; the round's modules (pyHanko and the
    judgement) load only when the build has something to do, so a build with nothing to do stays quick."""
    from agreement_gen.signing.record import changes_since_record as since

    return since(agreement, plan)
