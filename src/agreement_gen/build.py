"""The build, top to bottom: load → validate → skip what is current → render → convert → publish.

Everything is produced in a staging folder inside the output folder first; only documents
whose every format succeeded are moved into place, each file by an atomic rename, and the
manifest is written last. A failed or interrupted build therefore leaves the previous good
outputs exactly as they were, and the next build picks up where this one stopped.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agreement_gen.builders.base import FORMATS, Builder, Item
from agreement_gen.config import Paths
from agreement_gen.load import load_year
from agreement_gen.manifest import Manifest, OutputRecord, fingerprint, input_digests, sha256_file
from agreement_gen.models import Status
from agreement_gen.structure import Agreement, YearPlan
from agreement_gen.validate import validate


@dataclass
class BuildReport:
    year: int
    out_dir: Path
    built: list[Item] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    up_to_date: list[Agreement] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan_year(
    paths: Paths, year: int | None, only: Iterable[str] | None = None, stage: Status | None = None
) -> YearPlan:
    """Load and validate one fiscal year; raises InputError listing every problem."""
    resolved = paths.resolve_year(year)
    dataset = load_year(paths.counties, resolved)
    return validate(dataset, year=resolved, templates_dir=paths.templates, only=only, stage=stage)


def builders_for(plan: YearPlan, formats: set[str]) -> list[Builder]:
    """The builders for the requested formats, in order (the PDF is converted from the DOCX).

    Imported here, not at the top: a build with nothing to do never loads docxtpl or pikepdf.
    """
    from agreement_gen.builders.docx import DocxBuilder
    from agreement_gen.builders.pdf import PdfBuilder

    builders: list[Builder] = [DocxBuilder(plan.template)]
    if "pdf" in formats:
        builders.append(PdfBuilder())
    return builders


def _output_record(path: Path) -> OutputRecord:
    pages = None
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(path.read_bytes())).pages)
    return OutputRecord(file=path.name, sha256=sha256_file(path), size=path.stat().st_size, pages=pages)


def build(
    paths: Paths,
    year: int | None = None,
    only: Iterable[str] | None = None,
    stage: Status | None = None,
    formats: Iterable[str] = FORMATS,
    force: bool = False,
) -> BuildReport:
    plan = plan_year(paths, year, only, stage)
    wanted = set(formats)
    out_dir = paths.year_out(plan.fiscal_year.year)
    report = BuildReport(year=plan.fiscal_year.year, out_dir=out_dir)

    manifest = Manifest.load(out_dir, report.year)
    hashed: dict[Path, str] = {}
    prints, inputs = {}, {}
    for agreement in plan.agreements:
        inputs[agreement.slug] = input_digests(agreement, plan, hashed)
        prints[agreement.slug] = fingerprint(agreement, inputs[agreement.slug], wanted)
    stale = []
    for agreement in plan.agreements:
        if not force and manifest.is_current(agreement.slug, prints[agreement.slug], out_dir, wanted):
            report.up_to_date.append(agreement)
        else:
            stale.append(agreement)
    if not stale:
        return report

    out_dir.mkdir(parents=True, exist_ok=True)
    items = [Item(agreement) for agreement in stale]
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    builders = builders_for(plan, wanted)
    aborted = True
    try:
        for builder in builders:
            builder.build([item for item in items if item.ok], staging)
        for item in items:
            if not item.ok:
                report.failed.append(item)
                continue
            outputs = {fmt: _output_record(path) for fmt, path in item.staged.items()}
            for path in item.staged.values():
                os.replace(path, out_dir / path.name)
            item.staged = {fmt: out_dir / path.name for fmt, path in item.staged.items()}
            manifest.record(item.agreement, prints[item.agreement.slug], inputs[item.agreement.slug], outputs)
            report.built.append(item)
        manifest.save(out_dir)
        aborted = False
    finally:
        for builder in builders:
            builder.close(abort=aborted)
        shutil.rmtree(staging, ignore_errors=True)
    return report
