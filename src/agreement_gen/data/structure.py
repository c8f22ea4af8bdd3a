"""The domain: one Zielvereinbarung = a district, its fiscal year's shared facts and its figures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from agreement_gen.data.grammar import Cases
from agreement_gen.data.models import District, DistrictYear, FiscalYear, Status


@dataclass(frozen=True)
class Agreement:
    """Everything needed to render one district's agreement for one fiscal year."""

    district: District
    cases: Cases
    fiscal_year: FiscalYear
    data: DistrictYear
    status: Status
    sources: tuple[Path, ...]

    @property
    def slug(self) -> str:
        return self.district.slug

    @property
    def year(self) -> int:
        return self.fiscal_year.year

    @property
    def title(self) -> str:
        return f"Zielvereinbarung AQB {self.year} – {self.district.designation}"

    def at_stage(self, stage: Status) -> Agreement:
        """The same agreement previewed at another stage (build --stage)."""
        return replace(self, status=stage)


@dataclass(frozen=True)
class YearPlan:
    """A validated fiscal year, ready to render: its agreements and the template they use."""

    fiscal_year: FiscalYear
    year_file: Path
    template: Path
    agreements: tuple[Agreement, ...]
