"""The build, top to bottom: load → validate → render (DOCX) → convert (PDF) → publish.

Everything is produced in a staging folder inside the output folder first; only documents
whose every format succeeded are moved into place, each file by an atomic rename. A failed
or interrupted build therefore leaves the previous good outputs exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agreement_gen.builders import FORMATS, Builder, DocxBuilder, Item, PdfBuilder
from agreement_gen.config import Paths
from agreement_gen.load import load_year
from agreement_gen.models import Status
from agreement_gen.structure import YearPlan
from agreement_gen.validate import validate


@dataclass
class BuildReport:
    year: int
    out_dir: Path
    built: list[Item] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan_year(
    paths: Paths, year: int | None, only: Iterable[str] | None = None, stage: Status | None = None
) -> YearPlan:
    """Load and validate one fiscal year; raises InputError listing every problem."""
    resolved = paths.resolve_year(year)
    return validate(
        load_year(paths.counties, resolved), year=resolved, templates_dir=paths.templates, only=only, stage=stage
    )


def builders_for(plan: YearPlan, formats: Iterable[str]) -> list[Builder]:
    """The builders for the requested formats, in order (PDF is converted from the DOCX)."""
    wanted = set(formats)
    builders: list[Builder] = [DocxBuilder(plan.template)]
    if "pdf" in wanted:
        builders.append(PdfBuilder())
    return builders


def publish(items: list[Item], out_dir: Path) -> None:
    """Move each successful item's staged files into the output folder (atomic renames)."""
    for item in items:
        for staged in item.staged.values():
            os.replace(staged, out_dir / staged.name)


def build(
    paths: Paths,
    year: int | None = None,
    only: Iterable[str] | None = None,
    stage: Status | None = None,
    formats: Iterable[str] = FORMATS,
) -> BuildReport:
    plan = plan_year(paths, year, only, stage)
    out_dir = paths.year_out(plan.fiscal_year.year)
    out_dir.mkdir(parents=True, exist_ok=True)
    items = [Item(agreement) for agreement in plan.agreements]
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for builder in builders_for(plan, formats):
            builder.build([item for item in items if item.ok], staging)
        good = [item for item in items if item.ok]
        publish(good, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildReport(
        year=plan.fiscal_year.year, out_dir=out_dir, built=good, failed=[item for item in items if not item.ok]
    )
