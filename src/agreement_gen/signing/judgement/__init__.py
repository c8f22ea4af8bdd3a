"""The one judgement of a returned PDF, for receive, publish, verify and sign: is it exactly what both parties signed?

The file we send out has one revision and two empty signature fields. Each party signs in an
incremental update, so the file that comes back is our file byte for byte, followed by revisions
that may do nothing but fill those two fields (and add long-term validation data). `judge` checks,
in this order, and raises `SignatureProblem` with one sentence at the first reason to refuse
(structure first, then the signatures' integrity, which explains any later finding, then the rest):

- structure.py: every revision read strictly, refusing what readers could read differently;
- changes.py: what the revisions after ours change, allowed only when a signature needs it (xmp.py
  compares metadata by meaning);
- crypto.py: exactly two party signatures, one in `Signatur_Ministerium`, one in `Signatur_SLUG`,
  each intact and valid (pyHanko), no document timestamp in either field;
- identity.py: each certificate sound at signing time (validity, key usage, no SHA-1), trusted
  (or, with `accept_untrusted`, only its root unknown), of its field's party and person (parties.py),
  and not the same certificate in both fields;
- dates.py: each signing time from a trusted timestamp or the signer's claim, within the window;
- rendering.py: every page, rendered by poppler and by PDFium, identical to our revision outside the
  two signature fields, and reading the same.

trust.py loads the trusted roots; revisions.py cuts out our revision; verdict.py is what comes back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agreement_gen.data.structure import Agreement
from agreement_gen.i18n import _
from agreement_gen.signing import parties
from agreement_gen.signing.judgement import changes, crypto, dates, identity, rendering
from agreement_gen.signing.judgement.problems import NotSignedByBoth, SignatureProblem, UntrustedSignature
from agreement_gen.signing.judgement.revisions import first_revision
from agreement_gen.signing.judgement.structure import Document
from agreement_gen.signing.judgement.trust import trust_roots
from agreement_gen.signing.judgement.verdict import LOCAL_TIME, Signature, SignedParties

__all__ = [
    "LOCAL_TIME",
    "NotSignedByBoth",
    "Signature",
    "SignatureProblem",
    "SignedParties",
    "UntrustedSignature",
    "district_field",
    "first_revision",
    "judge",
    "trust_roots",
]


def district_field(slug: str) -> str:
    return f"Signatur_{slug}"


def _signatures(content: bytes) -> tuple[Any, list[Any]]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        with crypto.quiet():
            reader = PdfFileReader(io.BytesIO(content), strict=False)
            return reader, list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko's reaction to a malformed file: many exception types
        raise SignatureProblem(
            _("is not a readable PDF ({name}: {exc})").format(name=type(exc).__name__, exc=exc)
        ) from exc


def _party_signatures(signatures: list[Any], wanted: tuple[str, str]) -> list[Any]:
    """The two parties' signatures, one in each of our fields; document timestamps elsewhere are left alone."""
    for sig in signatures:
        if sig.field_name in wanted and sig.sig_object_type != "/Sig":
            raise SignatureProblem(
                _("the signature in {field_name} is a document timestamp, not a party's signature").format(
                    field_name=sig.field_name
                )
            )
    ours = [sig for sig in signatures if sig.sig_object_type == "/Sig"]
    names = [sig.field_name for sig in ours]
    if not ours:
        raise NotSignedByBoth(_("carries no signature: both parties must sign before it comes back"))
    if len(ours) == 1:
        raise NotSignedByBoth(
            _("carries only one signature (in {names}): both parties must sign before it comes back").format(
                names=names[0]
            )
        )
    if sorted(names) != sorted(wanted):
        raise SignatureProblem(
            _("carries signatures in {items}, not exactly one in each of {items2}").format(
                items=", ".join(names), items2=" and ".join(wanted)
            )
        )
    return ours


def judge(
    content: bytes,
    agreement: Agreement,
    *,
    counties: Path,
    roots: list[Any],
    accept_untrusted: bool = False,
    deputies: Sequence[str] = (),
    sent_at: dt.datetime | None = None,
    received_on: dt.date | None = None,
) -> SignedParties:
    """Both parties' signatures, judged; raises SignatureProblem with the first reason to refuse."""
    from agreement_gen.pdf.fields import MINISTRY_FIELD

    received_on = received_on or dt.datetime.now(LOCAL_TIME).date()
    wanted = (MINISTRY_FIELD, district_field(agreement.slug))
    document = Document(content)  # our own strict reading first: pyHanko then reads a sane file
    _reader, signatures = _signatures(content)
    ours = _party_signatures(signatures, wanted)

    checked = {}
    for sig in ours:  # integrity first: a broken signature explains any other finding
        result = crypto.check(sig, roots)
        if not (result.intact and result.valid):
            name = parties.common_name(result.cert) or result.cert.subject.human_friendly
            raise SignatureProblem(
                _("the signature in {field_name} ({name}) is broken: the file changed after it was signed").format(
                    field_name=sig.field_name, name=name
                )
            )
        checked[sig.field_name] = (sig, result)

    try:
        revisions = changes.Review(document, wanted).run()
    except changes.ChangeProblem as exc:
        raise changes.ChangeProblem(
            _(
                "was changed after it left us beyond filling in the signature fields (a page, text or annotation "
                "was added or altered): {reason}"
            ).format(reason=exc)
        ) from exc
    seen = {(r.field, r.revision) for r in revisions if r.kind == "/Sig"}
    if seen != {(sig.field_name, sig.signed_revision) for sig in ours}:
        raise SignatureProblem(_("its signatures are not where its revisions put them"))

    problem = identity.same_certificate_problem(checked[wanted[0]][1], checked[wanted[1]][1])
    if problem:
        raise SignatureProblem(problem)

    made: dict[str, Signature] = {}
    for field in wanted:
        sig, result = checked[field]
        at, by = dates.signing_time(result)
        problem = identity.name_problem(result) or identity.soundness_problem(result, at)
        if problem:
            raise SignatureProblem(problem)
        identity.trust_problem(result, accept_untrusted)
        problem = identity.party_problem(result, field, agreement, counties, deputies)
        if problem:
            raise SignatureProblem(problem)
        problem = dates.window_problem(field, at, by, sent_at, received_on)
        if problem:
            raise SignatureProblem(problem)
        named = (
            agreement.fiscal_year.ministry.minister.name if field == MINISTRY_FIELD else agreement.data.signatory.name
        )
        made[field] = Signature(
            field=field,
            signer=parties.common_name(result.cert) or result.cert.subject.human_friendly,
            subject=result.cert.subject.human_friendly,
            signed_at=at,
            trusted=result.trusted,
            timestamped_by=by,
            revision=sig.signed_revision,
            fingerprint=parties.fingerprint(result.cert),
            deputy=parties.deputy_used(result.cert, named, deputies),
        )
    signed = SignedParties(ministry=made[wanted[0]], district=made[wanted[1]])
    first, second = signed.in_order
    problem = dates.order_problem((first.field, first.signed_at), (second.field, second.signed_at))
    if problem:
        raise SignatureProblem(problem)
    rendering.compare(first_revision(content), content, wanted)  # last: the slowest check
    return signed
