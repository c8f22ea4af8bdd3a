"""Stage 5 – publish: the signed agreements of a year as a bundle for the portal "Arbeitswelt Hessen".

Publishing never builds. It takes the PDFs the last build left in OUT/YEAR and the manifest
that describes them, checks the whole year first, and then writes OUT/YEAR/publish/:

- every agreement whose data says `signed`, built as `signed` from the current inputs, with
  real figures (never a draft, a `--stage` preview or example data), under a name a portal
  visitor understands, byte for byte the file the manifest hashed; or, for one signed
  digitally, the signed copy `receive` kept (counties/YEAR/signed/SLUG.pdf), unchanged and
  validated again (receive.check_kept_copy);
- `uebersicht.csv` (and `uebersicht.xlsx` when openpyxl is there), `index.html`, `SHA256SUMS.txt`.

Any failed check raises InputError with every reason (exit 2) before anything is written.
The bundle is assembled in a hidden sibling folder and swapped in by renames, so the earlier
bundle stays as it was on any failure and a reader never sees half a bundle.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from agreement_gen.build.manifest import MANIFEST, Manifest, fingerprint, input_digests
from agreement_gen.data.formatting import euro
from agreement_gen.data.load import read_yaml
from agreement_gen.data.models import SigningRoute, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.labels import status_label
from agreement_gen.pdf.text import page_texts, squashed
from agreement_gen.publish.overview import (
    CSV_NAME,
    INDEX,
    SUMS,
    XLSX_NAME,
    Published,
    index_html,
    overview_csv,
    overview_xlsx,
    portal_file_name,
    sha256sums,
)
from agreement_gen.signing.judgement.trust import trust_roots

BUNDLE = "publish"
EXAMPLE_DATA = "example data"  # a reason in PublishReport.not_published; the others are "status STAGE"
# What a draft or example document prints on every page; a published file must show neither.
MARKINGS = ("ENTWURF", "MUSTER – Beispieldaten")


@dataclass
class PublishReport:
    year: int
    folder: Path
    published: list[Published] = field(default_factory=list)
    not_published: Counter[str] = field(default_factory=Counter)  # reason → number of districts (not_published_text)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.agreement.data.budget or Decimal(0) for p in self.published), Decimal(0))


def _why_not_published(agreement: Agreement) -> str | None:
    """None for a candidate (signed, real data); otherwise the reason it stays out of the bundle."""
    if agreement.data.is_example:
        return EXAMPLE_DATA
    if agreement.data.status is not Status.SIGNED:
        return f"status {agreement.data.status}"
    return None


def not_published_text(counts: Counter[str]) -> str:
    """'25 example data, 1 status draft': how many districts stay out, and why, in the current language."""
    parts = []
    for reason, count in sorted(counts.items()):
        if reason == EXAMPLE_DATA:
            parts.append(_("{count} example data").format(count=count))
        else:
            parts.append(_("{count} status {stage}").format(count=count, stage=status_label(reason.split()[-1])))
    return ", ".join(parts)


def _total_problems(plan: YearPlan, notes: list[str]) -> list[Problem]:
    """The districts' budgets against the year's total, when the year file gives one."""
    expected = plan.fiscal_year.total_budget
    if expected is None:
        return []
    budgets = [a.data.budget for a in plan.agreements]
    known = sum((b for b in budgets if b is not None), Decimal(0))
    open_count = sum(b is None for b in budgets)
    doc, _problems = read_yaml(plan.year_file)
    line = doc.line_of(("total_budget",)) if doc else None

    def problem(message: str) -> list[Problem]:
        return [Problem(plan.year_file, line, "total_budget", message)]

    if open_count:
        if known > expected:
            return problem(
                _("the {count} known budgets already sum to {sum}, more than the year's total of {total}").format(
                    count=len(budgets) - open_count, sum=euro(known), total=euro(expected)
                )
            )
        notes.append(
            _("total_budget not fully checked: {count} district(s) have no budget yet").format(count=open_count)
        )
        return []
    if known != expected:
        return problem(
            _(
                "the {count} districts' budgets sum to {sum}, not to the year's total of {total} "
                "(difference {difference})"
            ).format(count=len(budgets), sum=euro(known), total=euro(expected), difference=euro(abs(known - expected)))
        )
    return []


def _unique_names(candidates: list[Agreement]) -> list[Problem]:
    """Each district once in the bundle: no two published files may share a name."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}  # file name → slug
    for agreement in candidates:
        name = portal_file_name(agreement)
        if name in seen:
            problems.append(
                Problem(
                    agreement.sources[0],
                    None,
                    "designation",
                    _("'{designation}' would be published as {name}, like '{other}'").format(
                        designation=agreement.district.designation, name=name, other=seen[name]
                    ),
                )
            )
        seen[name] = agreement.slug
    return problems


def _checked_pdf(agreement: Agreement, plan: YearPlan, manifest: Manifest, out_dir: Path) -> Published | Problem:
    """The built PDF of one candidate, if the manifest shows it current and the file is the one it hashed."""
    slug = agreement.slug
    where = out_dir / f"{slug}.pdf"

    def problem(message: str) -> Problem:
        return Problem(where, None, None, f"{slug}: {message}")

    record = manifest.districts.get(slug)
    if record is None:
        return problem(_("not built yet (no entry in {manifest}): run `make build` first").format(manifest=MANIFEST))
    if record.stage != record.data_status:
        return problem(
            _(
                "the built document is a '{stage}' preview (build --stage {stage}), not the signed agreement: "
                "run `make build` first"
            ).format(stage=record.stage)
        )
    if record.stage != Status.SIGNED:
        return problem(
            _("built while its data still said '{status}', not the signed agreement: run `make build` first").format(
                status=record.data_status
            )
        )
    if record.example:
        return problem(_("built from example data: run `make build` first"))
    output = record.outputs.get("pdf")
    if output is None:
        return problem(_("built without a PDF (--formats docx): run `make build` first"))
    if record.fingerprint != fingerprint(agreement, input_digests(agreement, plan), set(record.outputs)):
        return problem(
            _("built from other inputs (data, year file, template or generator changed since): run `make build` first")
        )
    path = out_dir / output.file
    try:
        content = path.read_bytes()  # read once: the bytes hashed here are the bytes published
    except OSError as exc:
        message = _("the PDF is missing ({reason}): run `make build` first").format(reason=exc.strerror)
        return Problem(path, None, None, f"{slug}: {message}")
    item = Published(agreement, portal_file_name(agreement), content, output.pages)
    if item.sha256 != output.sha256 or len(content) != output.size:
        message = _("the PDF changed after {manifest} was written: run `make build` first").format(manifest=MANIFEST)
        return Problem(path, None, None, f"{slug}: {message}")
    first_page = page_texts(content, pages=1)[0]
    shown = [marking for marking in MARKINGS if squashed(marking) in first_page]
    if shown:
        message = _("the PDF is marked {markings}: run `make build` first").format(markings=_(" and ").join(shown))
        return Problem(path, None, None, f"{slug}: {message}")
    return item


def _received_pdf(agreement: Agreement, paths: Paths, roots: list[Any]) -> Published | Problem:
    """A digitally signed agreement: the copy `receive` kept, published unchanged if it still validates."""
    from pypdf import PdfReader

    from agreement_gen.signing.judgement import SignatureProblem
    from agreement_gen.signing.receive import check_kept_copy

    try:
        content = check_kept_copy(agreement, paths.counties, roots)
    except SignatureProblem as exc:
        return Problem(agreement.sources[-1], None, "signed_copy", f"{agreement.slug}: {exc}")
    pages = len(PdfReader(io.BytesIO(content)).pages)
    return Published(agreement, portal_file_name(agreement), content, pages, digital=True)


def _is_digital(agreement: Agreement) -> bool:
    copy = agreement.data.signed_copy
    return copy is not None and copy.route is SigningRoute.DIGITAL


def collect(paths: Paths, year: int | None, trust: Sequence[Path] = ()) -> tuple[YearPlan, Manifest, PublishReport]:
    """Every year-level check; returns what to publish, or raises InputError with every reason."""
    plan = plan_year(paths, year)
    resolved = plan.fiscal_year.year
    out_dir = paths.year_out(resolved)
    report = PublishReport(year=resolved, folder=out_dir / BUNDLE)
    manifest = Manifest.load(out_dir, resolved)

    candidates = []
    for agreement in plan.agreements:
        reason = _why_not_published(agreement)
        if reason is None:
            candidates.append(agreement)
        else:
            report.not_published[reason] += 1
    orphans = sorted(set(manifest.districts) - {a.slug for a in plan.agreements})
    if orphans:
        report.notes.append(
            _("{manifest} also lists districts without data for {year}: {slugs}").format(
                manifest=MANIFEST, year=resolved, slugs=", ".join(orphans)
            )
        )

    problems = _total_problems(plan, report.notes) + _unique_names(candidates)
    roots = trust_roots(paths.counties, trust) if any(_is_digital(a) for a in candidates) else []
    for agreement in candidates:
        if _is_digital(agreement):  # what both parties signed, as it came back
            result = _received_pdf(agreement, paths, roots)
        else:  # signed on paper (or recorded by hand): the signed-stage build
            result = _checked_pdf(agreement, plan, manifest, out_dir)
        if isinstance(result, Problem):
            problems.append(result)
        else:
            report.published.append(result)
    if problems:
        raise InputError(problems)
    if not candidates:
        message = _("no signed agreement to publish for {year} ({reasons})").format(
            year=resolved, reasons=not_published_text(report.not_published)
        )
        raise InputError([Problem(None, None, None, message)])
    report.published.sort(key=lambda p: p.file_name.casefold())
    return plan, manifest, report


def _write(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)


def _swap_in(staging: Path, final: Path) -> None:
    """Put the finished bundle in place: old one aside, new one in, old one deleted.

    Between the two renames the folder is briefly absent, never half-filled; if the second
    rename fails, the old bundle is put back.
    """
    backup = None
    if final.exists():
        backup = staging.with_name(f"{staging.name}-old")
        os.rename(final, backup)
    try:
        os.rename(staging, final)
    except BaseException:
        if backup is not None:
            os.rename(backup, final)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


# What the checksums are for, in words a citizen follows (no shell command on a public page).
SUMS_NOTE = (
    "damit lässt sich prüfen, ob eine heruntergeladene Datei unverändert ist: "
    "ihre SHA-256-Prüfsumme muss mit der hier genannten übereinstimmen"
)


def publish(paths: Paths, year: int | None = None, trust: Sequence[Path] = ()) -> PublishReport:
    """Check the year, then write OUT/YEAR/publish/ in one swap. Never builds."""
    plan, _manifest, report = collect(paths, year, trust)
    files: dict[str, bytes] = {item.file_name: item.content for item in report.published}
    files[CSV_NAME] = overview_csv(plan.fiscal_year, report.published)
    downloads = [(CSV_NAME, "Übersicht als CSV-Tabelle", "Semikolon-getrennt, UTF-8")]
    xlsx = overview_xlsx(plan.fiscal_year, report.published)
    if xlsx is None:
        report.notes.append(
            _("{file} skipped: openpyxl is not installed (pip install openpyxl)").format(file=XLSX_NAME)
        )
    else:
        files[XLSX_NAME] = xlsx
        downloads.append((XLSX_NAME, "Übersicht als Excel-Tabelle", ""))
    downloads.append((SUMS, "Prüfsummen (SHA-256) aller Dateien", SUMS_NOTE))
    files[INDEX] = index_html(
        plan.fiscal_year, report.published, districts_in_year=len(plan.agreements), downloads=downloads
    )
    files[SUMS] = sha256sums(files)

    report.folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{BUNDLE}-", dir=report.folder.parent))
    try:
        for name, content in files.items():
            _write(staging / name, content)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the portal's web server must read it
        _swap_in(staging, report.folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.files = sorted(files)
    return report
