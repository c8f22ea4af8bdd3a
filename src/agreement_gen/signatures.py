"""What makes a returned PDF a validly signed agreement, judged with pyHanko.

The file we send out has one revision and two empty signature fields. Each party signs in an
incremental update, so the file that comes back is our file byte for byte, followed by two
revisions that may do nothing but fill those two fields. That is what is checked here, for
`receive` (before a copy is taken) and again for `publish` (before it goes out):

- our revision is the first one, and its bytes are cut out for the caller to compare;
- exactly two signatures, one in `Signatur_Ministerium`, one in `Signatur_SLUG`;
- each intact and cryptographically valid, and nothing after our revision or after either
  signature but the filling of signature fields (pyHanko's difference analysis: a page, text or
  annotation added later is caught here);
- each certificate chaining to a trusted root, unless the caller accepts untrusted ones.

Every refusal is a `SignatureProblem` with one sentence a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from agreement_gen.errors import AgreementGenError

if TYPE_CHECKING:
    from pyhanko.sign.diff_analysis import StandardDiffPolicy

# Signing times are recorded as the date in Hesse: a signature at 23:30 UTC on 1 August is one of 2 August.
LOCAL_TIME = ZoneInfo("Europe/Berlin")
TRUST_DIR = "trust"  # counties/trust/: the root certificates `receive` and `publish` trust by default
CERT_SUFFIXES = (".pem", ".crt", ".cer")


class SignatureProblem(AgreementGenError):
    """A returned PDF is not a validly signed agreement; the message says why in one sentence."""


class UntrustedSignature(SignatureProblem):
    """An intact signature whose certificate chains to none of the trusted roots."""


@dataclass(frozen=True)
class Signature:
    """One party's signature as read from the file."""

    field: str
    signer: str  # the certificate's common name (or its whole subject when it has none)
    subject: str
    signed_at: dt.datetime  # from a timestamp token when there is one, else the time the signer reported
    trusted: bool

    @property
    def day(self) -> dt.date:
        return self.signed_at.astimezone(LOCAL_TIME).date()


@dataclass(frozen=True)
class SignedParties:
    ministry: Signature
    district: Signature


def district_field(slug: str) -> str:
    return f"Signatur_{slug}"


def trust_roots(counties: Path, extra: Iterable[Path] = ()) -> list:
    """Root certificates from counties/trust/ (*.pem, *.crt, *.cer) and from --trust, as pyHanko wants them."""
    from pyhanko.keys import load_certs_from_pemder

    folder = counties / TRUST_DIR
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in CERT_SUFFIXES) if folder.is_dir() else []
    files += list(extra)
    try:
        return list(load_certs_from_pemder([str(path) for path in files]))
    except (OSError, ValueError) as exc:
        raise SignatureProblem(f"a trust certificate cannot be read ({exc})") from exc


def first_revision(content: bytes) -> bytes:
    """The bytes of the file's oldest revision: up to its %%EOF marker and the line end after it."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        start = reader.xrefs.get_startxref_for_revision(0)
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        raise SignatureProblem(f"is not a readable PDF ({exc})") from exc
    end = content.find(b"%%EOF", start)
    if end < 0:
        raise SignatureProblem("is not a readable PDF (its first revision has no end marker)")
    end += len(b"%%EOF")
    if content[end : end + 2] == b"\r\n":
        return content[: end + 2]
    return content[: end + 1] if content[end : end + 1] in (b"\n", b"\r") else content[:end]


def _who(status: object) -> tuple[str, str]:
    cert = getattr(status, "signing_cert", None)
    if cert is None:
        return "unknown signer", "unknown subject"
    subject = cert.subject.human_friendly
    name = cert.subject.native.get("common_name")
    if isinstance(name, list):
        name = name[0] if name else None
    return (str(name).strip() if name else subject), subject


def _signing_time(status: object) -> dt.datetime | None:
    token = getattr(status, "timestamp_validity", None)
    if token is not None and getattr(token, "timestamp", None) is not None:
        return token.timestamp
    return getattr(status, "signer_reported_dt", None)


def _policy_since_ours() -> StandardDiffPolicy:
    """pyHanko's standard difference rules, applied from our revision on.

    They judge what follows a signature, where the form's /SigFlags is already set; from our
    unsigned revision on, the first signature sets it, which is part of signing, not a change.
    """
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, FormUpdatingRule, StandardDiffPolicy
    from pyhanko.sign.diff_analysis.constants import ACROFORM_EXEMPT_STRICT_COMPARISON

    standard = DEFAULT_DIFF_POLICY.form_rule
    assert standard is not None
    return StandardDiffPolicy(
        global_rules=DEFAULT_DIFF_POLICY.global_rules,
        form_rule=FormUpdatingRule(
            field_rules=standard.field_rules,
            ignored_acroform_keys=ACROFORM_EXEMPT_STRICT_COMPARISON | {"/SigFlags"},
        ),
    )


@contextmanager
def _quiet() -> Iterator[None]:
    """pyHanko logs each suspicious change with a traceback; the refusal says it in one sentence instead."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def validate_signed_copy(content: bytes, slug: str, roots: list, accept_untrusted: bool = False) -> SignedParties:
    """Both parties' signatures, validated; raises SignatureProblem with the first reason to refuse."""
    with _quiet():
        return _validate(content, slug, roots, accept_untrusted)


def _validate(content: bytes, slug: str, roots: list, accept_untrusted: bool) -> SignedParties:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from agreement_gen.pdf.fields import MINISTRY_FIELD

    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as exc:
        raise SignatureProblem(f"is not a readable PDF ({exc})") from exc
    wanted = (MINISTRY_FIELD, district_field(slug))
    names = [sig.field_name for sig in signatures]
    if not signatures:
        raise SignatureProblem("carries no signature: both parties must sign before it comes back")
    if len(signatures) == 1:
        raise SignatureProblem(
            f"carries only one signature (in {names[0]}): both parties must sign before it comes back"
        )
    if sorted(names) != sorted(wanted):
        raise SignatureProblem(
            f"carries signatures in {', '.join(names)}, not exactly one in each of {' and '.join(wanted)}"
        )

    checked = []
    for sig in signatures:  # integrity first: a broken signature explains any other finding
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots, allow_fetching=False))
        name, subject = _who(status)
        if not (status.intact and status.valid):
            raise SignatureProblem(
                f"the signature in {sig.field_name} ({name}) is broken: the file changed after it was signed"
            )
        checked.append((sig.field_name, status, name, subject))

    since_ours = _policy_since_ours().review_file(reader, 0)
    if isinstance(since_ours, SuspiciousModification) or since_ours.modification_level > ModificationLevel.FORM_FILLING:
        raise SignatureProblem(
            "was changed after it left us beyond filling in the signature fields (a page, text or annotation "
            "was added or altered)"
        )

    parties: dict[str, Signature] = {}
    for field, status, name, subject in checked:
        level = status.modification_level
        if level is None or level > ModificationLevel.FORM_FILLING or status.docmdp_ok is False:
            raise SignatureProblem(
                f"after the signature in {field} ({name}) the file was changed beyond filling in a "
                "signature field (a page, text or annotation was added or altered)"
            )
        if not status.trusted and not accept_untrusted:
            raise UntrustedSignature(
                f"the signature in {field} is intact, but its certificate ({subject}) is not trusted here: "
                f"give its root with --trust CERT (or put it into counties/{TRUST_DIR}/)"
            )
        signed_at = _signing_time(status)
        if signed_at is None:
            raise SignatureProblem(f"the signature in {field} ({name}) does not say when it was made")
        parties[field] = Signature(field, name, subject, signed_at, bool(status.trusted))
    return SignedParties(ministry=parties[wanted[0]], district=parties[wanted[1]])
