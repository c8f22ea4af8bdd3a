"""Where things are: the folders a run reads and writes, resolved once from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agreement_gen.errors import InputError, Problem
from agreement_gen.load import available_years


@dataclass(frozen=True)
class Paths:
    counties: Path = Path("counties")
    templates: Path = Path("templates")
    out: Path = Path("build")

    def resolve_year(self, year: int | None) -> int:
        """The requested fiscal year, or the newest one with data; a clear error if there is none."""
        years = available_years(self.counties)
        if year is None:
            if not years:
                raise InputError([Problem(self.counties, None, None, "no fiscal year folder with a _year.yaml")])
            return years[-1]
        if year not in years:
            have = ", ".join(map(str, years)) or "none"
            raise InputError([Problem(self.counties / str(year), None, "--year", f"no data for {year} (have: {have})")])
        return year

    def year_out(self, year: int) -> Path:
        return self.out / str(year)
