"""Where things are: the folders a run reads and writes, resolved once from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agreement_gen.data.load import available_years
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _


@dataclass(frozen=True)
class Paths:
    counties: Path = Path("counties")
    templates: Path = Path("templates")
    out: Path = Path("build")

    def resolve_year(self, year: int | None) -> int:
        """The requested fiscal year, or the newest one with data; a clear error if there is none."""
        years = available_years(self.counties)
        if not years:
            raise InputError([Problem(None, None, None, self.no_project())])
        if year is None:
            return years[-1]
        if year not in years:
            have = ", ".join(map(str, years))
            message = _("no data for {year} (have: {have})").format(year=year, have=have)
            raise InputError([Problem(self.counties / str(year), None, "--year", message)])
        return year

    def no_project(self) -> str:
        """The sentence for a run outside the project folder (or in a project without any year)."""
        if not self.counties.is_dir():
            return _(
                "there is no data folder '{folder}' in {cwd}: run agreement-gen in the project folder "
                "(the one with counties/ and templates/), or name the data folder with --counties DIR"
            ).format(folder=self.counties, cwd=Path.cwd())
        return _(
            "the data folder '{folder}' has no fiscal year yet (no YEAR/_year.yaml): start one with "
            "`agreement-gen new-year YEAR`, or name another data folder with --counties DIR"
        ).format(folder=self.counties)

    def year_out(self, year: int) -> Path:
        return self.out / str(year)
