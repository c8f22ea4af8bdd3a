"""Where each district stands in the signing round: the overview a ministry clerk asks for.

Read only, from what is already there: the data (stage, and what the next stage lacks, by the
same rules a build applies – readiness.py), the manifest (was a PDF for signature built), the
`signed_copy` record or the kept file (when it came back) and the last bundle's SHA256SUMS
(is it published).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from agreement_gen.build import plan_year
from agreement_gen.config import Paths
from agreement_gen.manifest import Manifest
from agreement_gen.models import Status
from agreement_gen.overview import SUMS, portal_file_name
from agreement_gen.pdf.conformance import recorded_conformance
from agreement_gen.publish import BUNDLE
from agreement_gen.readiness import readiness
from agreement_gen.receive import signed_path
from agreement_gen.signing.judgement.verdict import LOCAL_TIME
from agreement_gen.structure import Agreement

# readiness items ("signatory.signed_on missing") in the words of the signing round
_SHORT = {
    "budget missing": "budget",
    "signatory.name missing": "signatory",
    "signatory.signed_on missing": "signatures",
    "ministry_signature.signed_on missing": "signatures",
    "real figures missing (source: example stays draft)": "real figures (example data)",
}


@dataclass(frozen=True)
class DistrictProgress:
    slug: str
    designation: str
    stage: Status
    missing: tuple[str, ...]
    received: str  # "2025-08-11 (digital)", or "" while nothing came back
    published: bool
    conformance: str = ""  # what receive recorded of a digital copy's PDF/A-2b and PDF/UA-1 ("" if nothing)


def _published_names(folder: Path) -> set[str]:
    try:
        lines = (folder / SUMS).read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.split("  ", 1)[1] for line in lines if "  " in line}


def _received(agreement: Agreement, counties: Path) -> str:
    copy = agreement.data.signed_copy
    if copy is not None:
        return f"{copy.received_on} ({copy.route})"
    for scan in (False, True):  # a file kept without a record: its modification time is the best we know
        path = signed_path(counties, agreement.year, agreement.slug, scan=scan)
        if path.is_file():
            return f"{dt.datetime.fromtimestamp(path.stat().st_mtime, LOCAL_TIME).date()} (file)"
    return "entered by hand" if agreement.data.status is Status.SIGNED else ""


def progress(paths: Paths, year: int | None) -> tuple[int, list[DistrictProgress]]:
    """The fiscal year and one line per district, in slug order."""
    plan = plan_year(paths, year)
    resolved = plan.fiscal_year.year
    out_dir = paths.year_out(resolved)
    manifest = Manifest.load(out_dir, resolved)
    published = _published_names(out_dir / BUNDLE)
    lines = []
    for agreement in plan.agreements:
        missing = [_SHORT.get(item, item.removesuffix(" missing")) for item in readiness(agreement).missing]
        record = manifest.districts.get(agreement.slug)
        if agreement.data.status is Status.FOR_SIGNATURE and not (record and record.sent_for_signature):
            missing.insert(0, "PDF for signature not built")
        lines.append(
            DistrictProgress(
                slug=agreement.slug,
                designation=agreement.district.designation,
                stage=agreement.data.status,
                missing=tuple(dict.fromkeys(missing)),
                received=_received(agreement, paths.counties),
                published=portal_file_name(agreement) in published,
                conformance=recorded_conformance(agreement.data.signed_copy),
            )
        )
    return resolved, lines
