"""Every signature of a PDF as `verify` reports it: intact, what it covers, what followed, its PAdES level.

A report for people, not the judgement: whether a returned copy is accepted is `judgement/`'s
decision (the same for receive, publish, sign and verify, which prints both).
"""

from __future__ import annotations

import io
from typing import Any

from agreement_gen.i18n import N_, _
from agreement_gen.pdf.checks import Finding

# What pyHanko's modification levels mean, as the report says "then …" (see ModificationLevel).
MODIFICATIONS = {
    "LTA_UPDATES": N_("lta updates"),
    "FORM_FILLING": N_("form filling"),
    "ANNOTATIONS": N_("annotations"),
    "OTHER": N_("other"),
}


def signature_report(data: bytes, trust_roots: list[Any] | None = None) -> list[Finding]:
    """Every signature: intact, which revision it covers, and whether what followed was permitted."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from agreement_gen.signing.judgement.crypto import quiet

    findings: list[Finding] = []
    try:
        with quiet():
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = reader.embedded_signatures
            revisions = reader.xrefs.total_revisions
    except Exception as exc:  # pyHanko's reaction to a malformed file: many exception types
        return [Finding(False, _("signatures cannot be read ({error})").format(error=type(exc).__name__))]
    for sig in signatures:
        context = ValidationContext(trust_roots=trust_roots or [], allow_fetching=False)
        if sig.sig_object_type == "/DocTimeStamp":  # an archival document timestamp (B-LTA), not a party
            findings.append(_document_timestamp(sig, context))
            continue
        try:
            with quiet():
                status = validate_pdf_signature(sig, context)
        except Exception as exc:  # malformed signature data
            findings.append(
                Finding(
                    False,
                    _("signature '{field}' cannot be validated ({error})").format(
                        field=sig.field_name, error=type(exc).__name__
                    ),
                    signature=True,
                )
            )
            continue
        who = status.signing_cert.subject.human_friendly if status.signing_cert else _("unknown signer")
        revision = sig.signed_revision + 1
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        modification = status.modification_level
        if modification is None or modification is ModificationLevel.NONE:
            after = _("nothing changed after it")
        else:
            changes = MODIFICATIONS.get(modification.name)
            after = _("then {changes}").format(
                changes=_(changes) if changes else modification.name.lower().replace("_", " ")
            )
        permitted = modification is None or modification <= ModificationLevel.FORM_FILLING
        ok = status.intact and status.valid and permitted and status.docmdp_ok is not False
        if whole:
            said = (
                _("signature '{field}' by {signer}: intact, covers the whole file, {after}")
                if status.intact
                else _("signature '{field}' by {signer}: NOT INTACT, covers the whole file, {after}")
            )
        else:
            said = (
                _("signature '{field}' by {signer}: intact, covers revision {revision} of {revisions}, {after}")
                if status.intact
                else _(
                    "signature '{field}' by {signer}: NOT INTACT, covers revision {revision} of {revisions}, {after}"
                )
            )
        findings.append(
            Finding(
                ok,
                said.format(field=sig.field_name, signer=who, revision=revision, revisions=revisions, after=after),
                signature=True,
            )
        )
        if ok and not status.trusted:
            findings.append(
                Finding(
                    False,
                    _("signature '{field}': certificate not trusted here ({signer})").format(
                        field=sig.field_name, signer=who
                    ),
                    warning=True,
                    signature=True,
                )
            )
    from agreement_gen.signing.levels import signature_levels

    for carried in signature_levels(data):  # what the file carries for the archive (PAdES level, timestamp)
        findings.append(
            Finding(
                True,
                _("signature '{field}': {level}").format(field=carried.field, level=carried.describe()),
                signature=True,
            )
        )
    return findings


def _document_timestamp(sig: object, context: object) -> Finding:
    from pyhanko.sign.validation import validate_pdf_timestamp

    status = validate_pdf_timestamp(sig, validation_context=context)  # type: ignore[arg-type]
    ok = bool(status.intact and status.valid)
    when = status.timestamp.isoformat(timespec="seconds") if status.timestamp else "?"
    if status.intact:
        said = (
            _("document timestamp '{field}' of {when}: intact")
            if status.trusted
            else _("document timestamp '{field}' of {when}: intact, TSA not trusted here")
        )
    else:
        said = (
            _("document timestamp '{field}' of {when}: NOT INTACT")
            if status.trusted
            else _("document timestamp '{field}' of {when}: NOT INTACT, TSA not trusted here")
        )
    return Finding(ok, said.format(field=sig.field_name, when=when))  # type: ignore[attr-defined]
