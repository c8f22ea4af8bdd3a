"""Every signature of a PDF as `verify` reports it: intact, what it covers, what followed, its PAdES level.

A report for people, not the judgement: whether a returned copy is accepted is `judgement/`'s
decision (the same for receive, publish, sign and verify, which prints both).
"""

from __future__ import annotations

import io

from agreement_gen.pdf.checks import Finding


def signature_report(data: bytes, trust_roots: list | None = None) -> list[Finding]:
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
        return [Finding(False, f"signatures cannot be read ({type(exc).__name__})")]
    for sig in signatures:
        context = ValidationContext(trust_roots=trust_roots or [], allow_fetching=False)
        if sig.sig_object_type == "/DocTimeStamp":  # an archival document timestamp (B-LTA), not a party
            findings.append(_document_timestamp(sig, context))
            continue
        try:
            with quiet():
                status = validate_pdf_signature(sig, context)
        except Exception as exc:  # malformed signature data
            findings.append(Finding(False, f"signature '{sig.field_name}' cannot be validated ({type(exc).__name__})"))
            continue
        who = status.signing_cert.subject.human_friendly if status.signing_cert else "unknown signer"
        revision = sig.signed_revision + 1
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        covers = "the whole file" if whole else f"revision {revision} of {revisions}"
        modification = status.modification_level
        after = (
            "nothing changed after it"
            if modification is None or modification is ModificationLevel.NONE
            else f"then {modification.name.lower().replace('_', ' ')}"
        )
        permitted = modification is None or modification <= ModificationLevel.FORM_FILLING
        ok = status.intact and status.valid and permitted and status.docmdp_ok is not False
        findings.append(
            Finding(
                ok,
                f"signature '{sig.field_name}' by {who}: "
                f"{'intact' if status.intact else 'NOT INTACT'}, covers {covers}, {after}",
            )
        )
        if ok and not status.trusted:
            findings.append(
                Finding(False, f"signature '{sig.field_name}': certificate not trusted here ({who})", warning=True)
            )
    from agreement_gen.signing.levels import signature_levels

    for carried in signature_levels(data):  # what the file carries for the archive (PAdES level, timestamp)
        findings.append(Finding(True, f"signature '{carried.field}': {carried.describe()}"))
    return findings


def _document_timestamp(sig: object, context: object) -> Finding:
    from pyhanko.sign.validation import validate_pdf_timestamp

    status = validate_pdf_timestamp(sig, validation_context=context)  # type: ignore[arg-type]
    ok = bool(status.intact and status.valid)
    when = status.timestamp.isoformat(timespec="seconds") if status.timestamp else "?"
    return Finding(
        ok,
        f"document timestamp '{sig.field_name}' of {when}: "  # type: ignore[attr-defined]
        f"{'intact' if status.intact else 'NOT INTACT'}{'' if status.trusted else ', TSA not trusted here'}",
    )
