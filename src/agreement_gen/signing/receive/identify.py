"""Which agreement a returned PDF is: the trace of its first revision, its year and district.

Whether that first revision is the document sent for signature is `signing.record.check_sent`.
"""

from __future__ import annotations

import io

from agreement_gen.data.load import available_years
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.i18n import _
from agreement_gen.pdf.trace import Trace, read_trace
from agreement_gen.signing.judgement.revisions import first_revision
from agreement_gen.signing.receive.receipt import Refusal


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
            raise Refusal(
                _("is {what}, but {folder} has no data for {year}").format(what=what, folder=paths.counties, year=year)
            )
        plans[year] = plan_year(paths, year)
    return plans[year]


def find_agreement(plan: YearPlan, slug: str, what: str) -> Agreement:
    for agreement in plan.agreements:
        if agreement.slug == slug:
            return agreement
    raise Refusal(
        _("is {what}, but {year} has no district '{slug}'").format(what=what, year=plan.fiscal_year.year, slug=slug)
    )
