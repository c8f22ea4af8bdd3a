"""`agreement-gen preview SLUG`: one district's agreement as text in the terminal, at once.

Rendering one agreement in memory takes a fraction of a second; LibreOffice is only started
with `--pdf`. Rendering modules are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import make_paths, paths_options
from agreement_gen.i18n import _
from agreement_gen.render.sections import FOOTER_PREFIX, HEADER_PREFIX, PROPERTIES_PREFIX, section_heading
from agreement_gen.ui import console, console_err


@click.command("preview")
@click.argument("slug")
@paths_options
@click.option("--pdf", is_flag=True, help="Build this district's DOCX and PDF (LibreOffice) and print the PDF's path.")
def command(slug: str, year: int | None, counties: Path, templates: Path, out: Path, pdf: bool) -> None:
    """Print the agreement of the district SLUG as plain text (or, with --pdf, build its PDF)."""
    paths = make_paths(counties, templates, out)
    if pdf:
        from agreement_gen.build.pipeline import build
        from agreement_gen.commands.build import changes_since_record

        report = build(paths, year, only=[slug], changes_since=changes_since_record)
        for item in report.failed:
            console.print(Text.assemble(("  ✗ ", "red"), (item.agreement.slug, "red"), f": {item.error}"))
        if report.failed:
            raise click.exceptions.Exit(1)
        console.print(str(report.out_dir / f"{slug}.pdf"))
        return

    from agreement_gen.data.plan import plan_year
    from agreement_gen.lint.closing import closed_template_problems
    from agreement_gen.lint.gate import template_gate
    from agreement_gen.render.renderer import TemplateRenderer
    from agreement_gen.render.text import lines as document_lines

    plan = plan_year(paths, year, [slug])
    template_gate(plan, closed=False)  # what `check` refuses is not shown as if it were fine
    for problem in closed_template_problems(plan):
        console_err.print(Text.assemble((_("note: "), "bold yellow"), f"{plan.template}: {problem.message}"))
    agreement = plan.agreements[0]
    for line in document_lines(TemplateRenderer(plan.template).render(agreement)):
        if line.startswith(PROPERTIES_PREFIX):
            continue  # title and author are for the file, not the page
        if line.startswith((HEADER_PREFIX, FOOTER_PREFIX)):
            console.print(Text(line, "dim"))
        elif section_heading(line) or line == "Präambel":
            console.print(Text("\n" + line, "bold"))  # a blank line before each section, as on paper
        else:
            console.print(Text(line))
