"""For publish: is the kept copy still what was received, and still valid?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agreement_gen.data.formatting import euro
from agreement_gen.data.models import SignedCopy, SigningRoute, Status
from agreement_gen.data.structure import Agreement
from agreement_gen.i18n import _
from agreement_gen.pdf.text import page_texts, squashed
from agreement_gen.signing.judgement import SignatureProblem, judge
from agreement_gen.signing.receive.identify import read_first_trace
from agreement_gen.signing.receive.receipt import SIGNED_DIR, sha256_hex


def _terms_missing(content: bytes, agreement: Agreement) -> list[str]:
    """The budget and project titles the data gives that the signed PDF does not show."""
    shown = "".join(page_texts(content))
    data = agreement.data
    wanted = [euro(data.budget)] if data.budget is not None else []
    wanted += [title for titles in data.projects.values() for title in titles]
    return [item for item in wanted if squashed(item) not in shown]


def check_kept_copy(agreement: Agreement, counties: Path, roots: list[Any]) -> bytes:
    """The digitally signed copy of a district, re-checked before publishing; raises SignatureProblem."""
    copy: SignedCopy | None = agreement.data.signed_copy
    assert copy is not None and copy.route is SigningRoute.DIGITAL
    path = counties / str(agreement.year) / (copy.file or f"{SIGNED_DIR}/{agreement.slug}.pdf")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SignatureProblem(
            _("its signed PDF {file} is missing ({reason}): receive the signed file again").format(
                file=path, reason=exc.strerror
            )
        ) from exc
    if sha256_hex(content) != copy.sha256:
        raise SignatureProblem(
            _("its signed PDF {file} is not the file received (SHA-256 differs): receive it again").format(file=path)
        )
    trace = read_first_trace(content)
    expected = (agreement.slug, agreement.year, Status.FOR_SIGNATURE)
    if trace is None or (trace.district, trace.year, trace.stage) != expected:
        raise SignatureProblem(
            _("its signed PDF {file} is not the for_signature document of {slug}").format(
                file=path, slug=agreement.slug
            )
        )
    from agreement_gen.signing.record import sent_at

    parties = judge(
        content,
        agreement,
        counties=counties,
        roots=roots,
        accept_untrusted=copy.untrusted_accepted,
        deputies=tuple(copy.deputies),
        sent_at=sent_at(counties, agreement.year, agreement.slug),
        received_on=copy.received_on,
    )
    data = agreement.data
    recorded = (data.ministry_signature.signed_on, data.signatory.signed_on)
    if recorded != (parties.ministry.day, parties.district.day):
        raise SignatureProblem(
            _(
                "the signing dates in the data ({ministry}, {district}) are not those of the signatures "
                "({ministry_signed}, {district_signed})"
            ).format(
                ministry=recorded[0],
                district=recorded[1],
                ministry_signed=parties.ministry.day,
                district_signed=parties.district.day,
            )
        )
    missing = _terms_missing(content, agreement)
    if missing:
        raise SignatureProblem(
            _("the signed PDF does not show {terms} from the data: the data changed after signing").format(
                terms=", ".join(missing)
            )
        )
    return content
