"""`agreement-gen check`: validate data and template without writing anything."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import data_options, make_paths, split_only
from agreement_gen.commands.template_check import report_template
from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.readiness import Readiness, readiness
from agreement_gen.data.structure import YearPlan
from agreement_gen.errors import RenderError
from agreement_gen.i18n import _
from agreement_gen.labels import status_label
from agreement_gen.render.renderer import TemplateRenderer
from agreement_gen.ui import console


@click.command("check")
@data_options
@click.option("--only", metavar="SLUG,…", help="Check only these districts.")
def command(year: int | None, counties: Path, templates: Path, only: str | None) -> None:
    """Validate the data files and render the template in memory; exit 2 on any problem."""
    paths = make_paths(counties, templates)
    plan = plan_year(paths, year, split_only(only))
    if not report_template(plan):  # the template first: a broken tag explained beats 26 render errors
        raise click.exceptions.Exit(2)
    renderer = TemplateRenderer(plan.template)
    errors = []
    for agreement in plan.agreements:
        try:
            renderer.render(agreement)
        except RenderError as exc:
            errors.append(str(exc))
    for error in errors:
        console.print(Text.assemble(("  ✗ ", "red"), error))
    year, count = plan.fiscal_year.year, len(plan.agreements)
    if errors:
        message = _("{year}: {failed} of {count} documents do not render")
        console.print(message.format(year=year, failed=len(errors), count=count))
        raise click.exceptions.Exit(2)
    report_changes(paths, plan)
    console.print(_("{year}: {count} districts valid, template renders for all").format(year=year, count=count))
    print_readiness(plan.fiscal_year.year, [readiness(agreement) for agreement in plan.agreements])
    print_unconfirmed(plan)


def print_unconfirmed(plan: YearPlan) -> None:
    """Each clause new-year copied that is not confirmed for this year yet, whole: the clerk reads it here."""
    year = plan.fiscal_year
    if not year.to_confirm:
        return
    console.print(
        _(
            "\n{year}: {count} clause(s) copied from an earlier year, not yet confirmed for {year} – no district can "
            "be sent until each is (`agreement-gen confirm --year {year} NAME`):"
        ).format(year=year.year, count=len(year.to_confirm))
    )
    for name in year.to_confirm:
        console.print(
            Text.assemble(("  ! ", "yellow"), (name, "bold"), ": ", " ".join((year.clause(name) or "").split()))
        )


def report_changes(paths: Paths, plan: YearPlan) -> None:
    """Each change of a sent or signed district's text, named. A warning: editing is allowed, but `build`
    refuses to print a signed document changed, and a sent one must be withdrawn and sent again."""
    from agreement_gen.publish.progress import changes_since

    for agreement in plan.agreements:
        changes = changes_since(paths, plan, agreement)
        if not changes:
            continue
        if agreement.data.status is Status.SIGNED:
            what = _(": signed, but its text would differ from what was signed (build refuses to print it) – ")
        else:
            what = _(": changed since sent – ")
        line = Text.assemble(("  ! ", "yellow"), (agreement.slug, "bold"), what)
        console.print(line + "; ".join(changes))


def print_readiness(year: int, items: list[Readiness]) -> None:
    """District by district, what the next stage still needs: a to-do list, not an error (exit stays 0)."""
    todo = [item for item in items if item.missing]
    if not todo:
        return
    message = _("{year}: still missing for the next stage ({todo} of {count} districts):")
    console.print("\n" + message.format(year=year, todo=len(todo), count=len(items)))
    for item in todo:
        step = f"{status_label(item.stage)} → {status_label(item.next_stage)}: "
        console.print(Text.assemble(("  ○ ", "yellow"), (f"{item.slug:<22}", "bold"), step, ", ".join(item.missing)))
