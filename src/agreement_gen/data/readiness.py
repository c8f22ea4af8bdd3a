"""What each district still needs before its agreement can move on: draft → for_signature → signed.

An incomplete draft is not an error (a new fiscal year starts with 26 of them), but the
people preparing the year need a to-do list. The rules are not repeated here: a district
is tried at its next stage with the same `stage_problems` a build at that stage would apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.data.validate import signing_problems, stage_problems
from agreement_gen.i18n import _

NEXT_STAGE = {Status.DRAFT: Status.FOR_SIGNATURE, Status.FOR_SIGNATURE: Status.SIGNED, Status.SIGNED: None}


# Keys of what a stage lacks that are not a field of the data.
BELOW_MINIMUM = "budget<minimum"
REAL_FIGURES = "source<example"


@dataclass(frozen=True)
class Readiness:
    """One district's stage as its data says, the stage after it, and what that stage lacks."""

    slug: str
    stage: Status
    next_stage: Status | None
    lacking: tuple[str, ...]  # field names ("budget", "signatory.name"), BELOW_MINIMUM, REAL_FIGURES

    @property
    def missing(self) -> tuple[str, ...]:
        """The lacking items as short sentences, in the current language ("budget missing")."""
        return tuple(missing_text(key) for key in self.lacking)


def missing_text(key: str) -> str:
    if key == BELOW_MINIMUM:
        return _("budget below the plausible minimum")
    if key == REAL_FIGURES:
        return _("real figures missing (source: example stays draft)")
    return _("{field} missing").format(field=key)


def readiness(agreement: Agreement) -> Readiness:
    stage = agreement.data.status  # the data's own stage, not a --stage preview
    following = NEXT_STAGE[stage]
    if following is None:
        return Readiness(agreement.slug, stage, None, ())
    path = agreement.sources[-1]
    lacking = [problem.field or "" for problem in stage_problems(agreement.at_stage(following), path)]
    if following is Status.FOR_SIGNATURE:  # the year's unconfirmed clauses are listed once for the year (check)
        lacking += [BELOW_MINIMUM for loc, _message in signing_problems(agreement) if loc == ("budget",)]
    if agreement.data.is_example:
        lacking.append(REAL_FIGURES)
    return Readiness(agreement.slug, stage, following, tuple(dict.fromkeys(lacking)))


def send_problems(agreement: Agreement, plan: YearPlan, paths: Paths) -> list[str]:
    """Why a district cannot go out for signature now, each as a short sentence (empty: it can)."""
    problems = [
        f"{problem.field}: {problem.message}"
        for problem in stage_problems(agreement.at_stage(Status.FOR_SIGNATURE), agreement.sources[-1])
    ]
    if agreement.data.status is not Status.FOR_SIGNATURE:  # otherwise stage_problems said it already
        problems += [f"{'.'.join(loc)}: {message}" for loc, message in signing_problems(agreement)]
    if agreement.data.is_example:
        problems.append(_("its figures are example data (source: example); enter the real figures and their source"))
    return problems
