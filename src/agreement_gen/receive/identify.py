"""Which agreement a returned PDF is, and whether its first revision is the build we sent for signature."""

from __future__ import annotations

import io

from agreement_gen.build import plan_year
from agreement_gen.config import Paths
from agreement_gen.load import available_years
from agreement_gen.manifest import MANIFEST, Manifest, input_digests
from agreement_gen.pdf.trace import Trace, read_trace
from agreement_gen.receive.receipt import Refusal, sha256_hex
from agreement_gen.signing.judgement.revisions import first_revision
from agreement_gen.structure import Agreement, YearPlan


def read_first_trace(content: bytes) -> Trace | None:
    """The trace in the XMP of the file's first revision – the part we wrote, whatever signers did after."""
    return revision_trace(first_revision(content))


def revision_trace(revision: bytes) -> Trace | None:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(revision)) as doc:
            metadata = doc.Root.get("/Metadata")
            return read_trace(metadata.read_bytes()) if isinstance(metadata, pikepdf.Stream) else None
    except pikepdf.PdfError:
        return None


def year_plan(paths: Paths, year: int, plans: dict[int, YearPlan], what: str) -> YearPlan:
    if year not in plans:
        if year not in available_years(paths.counties):
            raise Refusal(f"is {what}, but {paths.counties} has no data for {year}")
        plans[year] = plan_year(paths, year)
    return plans[year]


def find_agreement(plan: YearPlan, slug: str, what: str) -> Agreement:
    for agreement in plan.agreements:
        if agreement.slug == slug:
            return agreement
    raise Refusal(f"is {what}, but {plan.fiscal_year.year} has no district '{slug}'")


def match_build(paths: Paths, plan: YearPlan, agreement: Agreement, first: bytes, trace: Trace) -> list[str]:
    """The first revision must be a for_signature PDF we built for this district, from today's inputs."""
    year_out = paths.year_out(agreement.year)
    districts = Manifest.load(year_out, agreement.year).districts
    record = districts.get(agreement.slug)
    sent = record.sent_for_signature if record else []
    digest = sha256_hex(first)
    entry = next((e for e in sent if e.sha256 == digest), None)
    if entry is None:
        for slug, other in districts.items():
            if slug != agreement.slug and any(digest == e.sha256 for e in other.sent_for_signature):
                raise Refusal(f"is the document built for {slug}, although its metadata names {agreement.slug}")
        if any(e.fingerprint == trace.fingerprint for e in sent):
            raise Refusal(
                "was changed before it was signed: its first revision is not byte for byte the document we built "
                "for signature"
            )
        raise Refusal(
            f"is not a document we sent for signature: {year_out / MANIFEST} records no for_signature PDF of "
            f"{agreement.slug} with this content"
        )
    current = input_digests(agreement, plan)
    names = entry.inputs.keys() | current.keys()
    changed = sorted(name for name in names if entry.inputs.get(name) != current.get(name))
    year_file = f"{plan.year_file.parent.name}/{plan.year_file.name}"
    terms = [name for name in changed if name != year_file]
    if terms:
        raise Refusal(
            f"is an earlier version: {', '.join(terms)} changed since it was built; have the current version "
            "signed, or restore what it was built from"
        )
    if changed:
        return [f"{year_file} changed since this version was built; the signed file keeps the text as it was then"]
    return []
