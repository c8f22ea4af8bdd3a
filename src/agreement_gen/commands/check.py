"""`agreement-gen check`: validate data and template without writing anything."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.build import plan_year
from agreement_gen.commands.options import make_paths, paths_options, split_only
from agreement_gen.commands.template_check import report_template
from agreement_gen.errors import RenderError
from agreement_gen.i18n import _
from agreement_gen.readiness import Readiness, readiness
from agreement_gen.render import TemplateRenderer
from agreement_gen.ui import console, status_label


@click.command("check")
@paths_options
@click.option("--only", metavar="SLUG,…", help="Check only these districts.")
def command(year: int | None, counties: Path, templates: Path, out: Path, only: str | None) -> None:
    """Validate the data files and render the template in memory; exit 2 on any problem."""
    plan = plan_year(make_paths(counties, templates, out), year, split_only(only))
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
    console.print(_("{year}: {count} districts valid, template renders for all").format(year=year, count=count))
    print_readiness(plan.fiscal_year.year, [readiness(agreement) for agreement in plan.agreements])


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
