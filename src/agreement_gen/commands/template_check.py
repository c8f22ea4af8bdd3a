"""The template check's report, as `agreement-gen check` prints it before rendering anything."""

from __future__ import annotations

from rich.text import Text

from agreement_gen.data.structure import YearPlan
from agreement_gen.i18n import ngettext
from agreement_gen.lint import Finding, Severity, lint_plan
from agreement_gen.ui import console

MARK = {Severity.ERROR: ("  ✗ ", "red"), Severity.WARNING: ("  ! ", "yellow")}


def finding_text(finding: Finding) -> Text:
    return Text.assemble(MARK[finding.severity], (finding.where, "bold"), str(finding)[len(finding.where) :])


def report_template(plan: YearPlan) -> bool:
    """Check the plan's template and print every finding; False if there is an error (stop before rendering)."""
    from agreement_gen.lint.closing import closed_template_problems

    findings = lint_plan(plan)
    for finding in findings:
        console.print(finding_text(finding))
    closed = closed_template_problems(plan)
    for problem in closed:
        console.print(Text.assemble(MARK[Severity.ERROR], (str(plan.template.name), "bold"), ": " + problem.message))
    errors = sum(f.severity is Severity.ERROR for f in findings) + len(closed)
    if errors:
        # The English text says "error(s)" for any number; German needs the two forms.
        console.print(
            ngettext(
                "template {name}: {count} error(s), nothing was rendered – fix them in Word, save, and run check again",
                "template {name}: {count} error(s), nothing was rendered – fix them in Word, save, and run check again",
                errors,
            ).format(name=plan.template.name, count=errors)
        )
    return not errors
