"""Each signature's cryptography, checked with pyHanko: intact, valid, its certificate's path and its timestamp.

pyHanko raises on malformed signature data (a certificate that does not match the CMS's signing-
certificate attribute, a declared digest other than the one used); every such failure becomes a
refusal naming the field, never an exception reaching the user.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from agreement_gen.i18n import _
from agreement_gen.signing.judgement.problems import SignatureProblem


@dataclass(frozen=True)
class Checked:
    """What pyHanko found for one signature."""

    field: str
    cert: Any  # asn1crypto certificate of the signer
    chain: tuple[Any, ...]  # every certificate the CMS carries
    intact: bool
    valid: bool
    trusted: bool
    unknown_root: bool  # not trusted only because no path to a trusted root was found
    trust_problem: str | None
    claimed_at: dt.datetime | None  # the signing time the signer's software wrote
    timestamp_at: dt.datetime | None  # the time of a timestamp token whose TSA chains to a trusted root
    timestamp_by: str | None
    untrusted_timestamp: bool  # a timestamp token is there, but its TSA is not trusted (or it is broken)
    digest: str  # the message digest algorithm, e.g. 'sha256'
    mechanism: str  # the signature mechanism, e.g. 'ecdsa', 'sha1_rsa'


@contextmanager
def quiet() -> Iterator[None]:
    """pyHanko logs each failed check with a traceback; the refusal says it in one sentence instead."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _subject_name(cert: Any) -> str:
    name = cert.subject.native.get("common_name")
    if isinstance(name, list):
        name = name[0] if name else None
    return str(name).strip() if name else cert.subject.human_friendly


def check(sig: Any, roots: list[Any]) -> Checked:
    """Validate one embedded signature (pyHanko's EmbeddedPdfSignature); raises SignatureProblem."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    field = sig.field_name
    try:
        claimed = sig.self_reported_timestamp
        # The certificate must have been valid when it signed: judged at the time the signature claims.
        context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=claimed)
        stamps = ValidationContext(trust_roots=roots, allow_fetching=False)
        with quiet():
            status = validate_pdf_signature(sig, context, ts_validation_context=stamps, skip_diff=True)
        chain = tuple(sig.signed_data["certificates"])
        cert = status.signing_cert
        digest = str(status.md_algorithm)
        mechanism = str(status.pkcs7_signature_mechanism)
    except SignatureProblem:
        raise
    except Exception as exc:  # pyHanko's reaction to malformed CMS data: many exception types
        raise SignatureProblem(malformed(field, exc)) from exc
    if cert is None:
        raise SignatureProblem(_("the signature in {field} carries no signer certificate").format(field=field))
    indication = getattr(status, "trust_problem_indic", None)
    chain_certs = tuple(c.chosen if hasattr(c, "chosen") else c for c in chain)
    unknown_root = not status.trusted and _only_root_unknown(sig, roots, claimed, indication, (cert, *chain_certs))
    token = status.timestamp_validity
    good_token = token if token is not None and token.intact and token.valid and token.trusted else None
    return Checked(
        field=field,
        cert=cert,
        chain=chain_certs,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        unknown_root=unknown_root,
        trust_problem=None if indication is None else str(getattr(indication, "name", indication)),
        claimed_at=claimed,
        timestamp_at=good_token.timestamp if good_token is not None else None,
        timestamp_by=_subject_name(good_token.signing_cert)
        if good_token is not None and good_token.signing_cert
        else None,
        untrusted_timestamp=token is not None and good_token is None,
        digest=digest,
        mechanism=mechanism,
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def malformed(field: str, exc: BaseException) -> str:
    """The refusal for signature data pyHanko will not validate: as specific as pyHanko's reason allows."""
    from pyhanko.sign.validation.errors import CMSAlgorithmProtectionError, DisallowedAlgorithmError

    causes = list(_causes(exc))
    indications = {getattr(getattr(e, "ades_subindication", None), "name", "") for e in causes}
    if "NO_SIGNING_CERTIFICATE_FOUND" in indications:
        return _(
            "the signature in {field} is refused: its signed attributes name another certificate than the one "
            "that signed (the signing-certificate attribute), so it is not clear who signed"
        ).format(field=field)
    if any(isinstance(e, CMSAlgorithmProtectionError) for e in causes):
        return _(
            "the signature in {field} is refused: the digest or signature algorithm it declares is not the one "
            "it signed (the CMS algorithm protection attribute), so the signature data was changed after signing"
        ).format(field=field)
    if any(isinstance(e, DisallowedAlgorithmError) for e in causes):
        return _(
            "the signature in {field} is refused: it uses an algorithm that is no longer allowed for signatures"
        ).format(field=field)
    return _(
        "the signature in {field} cannot be validated: its signature data is malformed or inconsistent ({name})"
    ).format(field=field, name=type(exc).__name__)


def _only_root_unknown(
    sig: Any, roots: list[Any], claimed: dt.datetime | None, indication: Any, certs: tuple[Any, ...]
) -> bool:
    """Whether the one thing wrong is that the chain ends in a root nobody here trusts.

    No path was found at all (the root is not in the file), or the path validates once the file's own
    self-signed certificates are taken as roots: then everything but the root is sound.
    """
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if getattr(indication, "name", "") == "NO_CERTIFICATE_CHAIN_FOUND":
        return True
    own_roots = [c for c in certs if c.subject == c.issuer]
    if not own_roots:
        return False
    context = ValidationContext(trust_roots=[*roots, *own_roots], allow_fetching=False, moment=claimed)
    try:
        with quiet():
            return bool(validate_pdf_signature(sig, context, skip_diff=True).trusted)
    except Exception:  # anything going wrong here means: not only the root
        return False
