"""What each district still needs before its agreement can move on: draft → for_signature → signed.

An incomplete draft is not an error (a new fiscal year starts with 26 of them), but the
people preparing the year need a to-do list. The rules are not repeated here: a district
is tried at its next stage with the same `stage_problems` a build at that stage would apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from agreement_gen.models import Status
from agreement_gen.structure import Agreement
from agreement_gen.validate import stage_problems

NEXT_STAGE = {Status.DRAFT: Status.FOR_SIGNATURE, Status.FOR_SIGNATURE: Status.SIGNED, Status.SIGNED: None}


@dataclass(frozen=True)
class Readiness:
    """One district's stage as its data says, the stage after it, and what that stage lacks."""

    slug: str
    stage: Status
    next_stage: Status | None
    missing: tuple[str, ...]  # short items such as "budget missing"


def readiness(agreement: Agreement) -> Readiness:
    stage = agreement.data.status  # the data's own stage, not a --stage preview
    following = NEXT_STAGE[stage]
    if following is None:
        return Readiness(agreement.slug, stage, None, ())
    path = agreement.sources[-1]
    missing = [f"{problem.field} missing" for problem in stage_problems(agreement.at_stage(following), path)]
    if agreement.data.is_example:
        missing.append("real figures missing (source: example stays draft)")
    return Readiness(agreement.slug, stage, following, tuple(dict.fromkeys(missing)))
