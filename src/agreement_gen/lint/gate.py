"""The one gate in front of every path that renders a template for use: `build`, `preview`, `diff`
(and `check`, which prints the warnings too). What the template check calls an error never reaches a
document: the command stops with exit 2 and writes nothing, each error named where it is in Word."""

from __future__ import annotations

from agreement_gen.data.structure import YearPlan
from agreement_gen.errors import InputError, Problem
from agreement_gen.lint.checker import lint_plan
from agreement_gen.lint.findings import Severity


def template_gate(plan: YearPlan, *, closed: bool = True) -> None:
    """Raise InputError with every error of the plan's template (static checks; no sample render).

    `closed`: a changed template of a year with sent or signed agreements is an error too (`closing`);
    `diff` and `preview` show such a change instead, with a note.
    """
    from agreement_gen.lint.closing import closed_template_problems

    findings = lint_plan(plan, sample_render=False)
    problems = [Problem(plan.template, None, None, str(f)) for f in findings if f.severity is Severity.ERROR]
    if closed:
        problems += closed_template_problems(plan)
    if problems:
        raise InputError(problems)
