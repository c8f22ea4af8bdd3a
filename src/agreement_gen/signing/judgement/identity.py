"""Whose signature it is: a sound certificate, trusted (or an unknown root the clerk accepts), of the right party.

`--accept-untrusted` overrules one thing only: that no path leads from an otherwise sound certificate
to a trusted root. A certificate out of its validity period at signing time, without a key usage for
signing, or with SHA-1 anywhere is refused whatever the options, and the sentence does not suggest it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agreement_gen.data.structure import Agreement
from agreement_gen.i18n import _
from agreement_gen.signing import parties
from agreement_gen.signing.judgement.crypto import Checked
from agreement_gen.signing.judgement.problems import SignatureProblem, UntrustedSignature

SIGNING_USAGES = {"digital_signature", "non_repudiation"}
TRUST_WORDS = {
    "REVOKED": "is revoked",
    "EXPIRED": "had expired",
    "NOT_YET_VALID": "was not yet valid",
    "OUT_OF_BOUNDS_NO_POE": "was outside its validity period",
    "OUT_OF_BOUNDS_NOT_REVOKED": "was outside its validity period",
    "CHAIN_CONSTRAINTS_FAILURE": "breaks the constraints of its certificate chain",
    "CRYPTO_CONSTRAINTS_FAILURE": "uses an algorithm that is no longer acceptable",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "uses an algorithm that is no longer acceptable",
    "SIG_CONSTRAINTS_FAILURE": "lacks a key usage for signing documents",
}


# What a holder's name has no business holding: C0 and C1 control characters and DEL, which our data
# cannot record and a terminal would act on, and the bidirectional controls that make a name read
# otherwise than it is written ("Hofmann" shown for a name that ends in "nnamfoH").
_NOT_IN_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def name_problem(checked: Checked) -> str | None:
    """A certificate whose subject holds a character no name holds: refused, naming the character."""
    bad = _NOT_IN_A_NAME.search(checked.cert.subject.human_friendly)
    if bad is None:
        return None
    return _(
        "the certificate in {field} names its holder with the character U+{code}, which no name holds; it is not taken"
    ).format(field=checked.field, code=f"{ord(bad.group()):04X}")


def _is_self_signed(cert: Any) -> bool:
    return bool(cert.subject == cert.issuer)


def soundness_problem(checked: Checked, at: dt.datetime) -> str | None:
    """What makes the certificate unfit to sign at `at`, trusted root or not."""
    cert = checked.cert
    who = parties.describe(cert)
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    if at < start:
        return _(
            "the certificate {who} was not yet valid when the signature in {field} says it was made ({at:%Y-%m-%d})"
        ).format(who=who, field=checked.field, at=at)
    if at > end:
        return _(
            "the certificate {who} had expired ({end:%Y-%m-%d}) when the signature in {field} says it was made"
        ).format(who=who, end=end, field=checked.field)
    usage = set(cert.key_usage_value.native) if cert.key_usage_value is not None else set()
    if not usage & SIGNING_USAGES:
        return _("the certificate {who} in {field} has no key usage for signing documents").format(
            who=who, field=checked.field
        )
    sha1 = "sha1" in checked.digest.lower() or "sha1" in checked.mechanism.lower()
    sha1 = sha1 or any("sha1" in str(c.hash_algo).lower() for c in (cert, *checked.chain) if not _is_self_signed(c))
    if sha1:
        return _("the signature in {field} relies on SHA-1, which is no longer secure").format(field=checked.field)
    return None


def trust_problem(checked: Checked, accept_untrusted: bool) -> None:
    """Raise unless the certificate chains to a trusted root (or only its root is unknown and that is accepted)."""
    if checked.trusted:
        return
    who = checked.cert.subject.human_friendly
    if checked.unknown_root:
        if accept_untrusted:
            return
        raise UntrustedSignature(
            _(
                "the signature in {field} is intact, but its certificate ({who}) is not trusted here: "
                "give its root with --trust CERT (or put it into counties/trust/)"
            ).format(field=checked.field, who=who)
        )
    words = TRUST_WORDS.get(checked.trust_problem or "", f"fails validation ({checked.trust_problem})")
    raise SignatureProblem(
        _("the certificate in {field} ({who}) {words}").format(field=checked.field, who=who, words=words)
    )


def party_problem(
    checked: Checked, field: str, agreement: Agreement, counties: Path, deputies: Sequence[str]
) -> str | None:
    """Whether the certificate in `field` belongs to the party of that field, and to the person named."""
    from agreement_gen.pdf.fields import MINISTRY_FIELD

    cert = checked.cert
    named: str | None  # a district's signatory may not be named yet
    if field == MINISTRY_FIELD:
        problem = parties.ministry_signer_problem(cert, counties)
        named, role = agreement.fiscal_year.ministry.minister.name, "the minister (in the year file)"
    else:
        problem = parties.district_signer_problem(cert, agreement.district, counties)
        named, role = agreement.data.signatory.name, "the district's signatory"
    if problem is None:
        problem = parties.person_problem(cert, named, deputies, role)
    return f"the signature in {field} is not its party's: {problem}" if problem else None


def same_certificate_problem(ministry: Checked, district: Checked) -> str | None:
    if parties.fingerprint(ministry.cert) == parties.fingerprint(district.cert):
        return _("one certificate ({describe}) signed both {field} and {field2}: each party signs with its own").format(
            describe=parties.describe(ministry.cert), field=ministry.field, field2=district.field
        )
    return None
