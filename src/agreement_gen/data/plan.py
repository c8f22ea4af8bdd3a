"""One fiscal year loaded and validated: the typed plan every later stage works from."""

from __future__ import annotations

from collections.abc import Iterable

from agreement_gen.data.load import load_year
from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.structure import YearPlan
from agreement_gen.data.validate import validate


def plan_year(
    paths: Paths, year: int | None, only: Iterable[str] | None = None, stage: Status | None = None
) -> YearPlan:
    """Load and validate one fiscal year; raises InputError listing every problem."""
    resolved = paths.resolve_year(year)
    dataset = load_year(paths.counties, resolved)
    return validate(dataset, year=resolved, templates_dir=paths.templates, only=only, stage=stage)
