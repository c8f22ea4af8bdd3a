"""Who may sign which field: the ministry's signers are configured, a district's follow from its data.

- The ministry's field (`Signatur_Ministerium`): a certificate listed in `counties/trust/signers.yaml`,
  by its SHA-256 fingerprint or by subject attributes (e.g. the ministry's organisation). Nothing
  listed there means nobody may sign for the ministry.
- A district's field (`Signatur_SLUG`): a certificate whose organisation is exactly the district's
  designation ("Landkreis Kassel"; "Landkreis Gießen" is not Kassel), unless the district's master
  data (`counties/districts/SLUG.yaml`, `signers:`) pins other rules; never one of the ministry's.
- The person: the certificate's common name must be the one the data names (the minister in the
  year file, the signatory in the district's file), or a deputy the clerk named (`receive --deputy`).

Each check returns one sentence when the certificate does not fit, or None. The certificate is
pyHanko's (asn1crypto); one from `cryptography` is converted.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from agreement_gen.data.models import District, SignerList, SignerRule
from agreement_gen.i18n import _

TRUST_DIR = "trust"  # counties/trust/: root certificates, and who may sign for the ministry
SIGNERS_FILE = "signers.yaml"


class SignerConfigError(ValueError):
    """counties/trust/signers.yaml cannot be read; the message says why in one sentence."""


def _asn1(cert: Any) -> Any:
    """pyHanko works with asn1crypto certificates; accept `cryptography`'s as well."""
    if hasattr(cert, "public_bytes"):
        from asn1crypto import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        return x509.Certificate.load(cert.public_bytes(Encoding.DER))
    return cert


def fingerprint(cert: Any) -> str:
    """The certificate's SHA-256 fingerprint (of its DER bytes), lower-case hex."""
    return hashlib.sha256(_asn1(cert).dump()).hexdigest()


def normalised(text: str) -> str:
    """Unicode-composed, whitespace collapsed: "Landkreis  Gießen" and its decomposed form are one name."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _attributes(cert: Any, name: str) -> list[str]:
    value = _asn1(cert).subject.native.get(name)
    values = value if isinstance(value, list) else [value] if value else []
    return [normalised(str(v)) for v in values]


def common_name(cert: Any) -> str | None:
    names = _attributes(cert, "common_name")
    return names[0] if names else None


def organizations(cert: Any) -> list[str]:
    return _attributes(cert, "organization_name")


def describe(cert: Any) -> str:
    """How a refusal names a certificate: its common name and organisation."""
    name = common_name(cert) or _asn1(cert).subject.human_friendly
    orgs = organizations(cert)
    return f"'{name}'" + (f" of {', '.join(orgs)}" if orgs else " (no organisation)")


def matches(cert: Any, rule: SignerRule) -> bool:
    """Whether the certificate has everything the rule names."""
    if rule.sha256 is not None and fingerprint(cert) != rule.sha256:
        return False
    if rule.organization is not None and normalised(rule.organization) not in organizations(cert):
        return False
    return rule.common_name is None or normalised(rule.common_name) == common_name(cert)


def ministry_rules(counties: Path) -> list[SignerRule]:
    """The ministry's signers from counties/trust/signers.yaml (none when the file is missing)."""
    from agreement_gen.data.load import read_yaml
    from agreement_gen.data.validate import parse

    path = counties / TRUST_DIR / SIGNERS_FILE
    if not path.is_file():
        return []
    doc, problems = read_yaml(path)
    parsed = parse(doc, SignerList, problems) if doc is not None else None
    if parsed is None:
        raise SignerConfigError(
            _("who may sign for the ministry cannot be read: {problems}").format(problems=problems[0])
        )
    return parsed.ministry


def is_ministry_signer(cert: Any, rules: Iterable[SignerRule]) -> bool:
    return any(matches(cert, rule) for rule in rules)


def ministry_signer_problem(cert: Any, counties: Path) -> str | None:
    """None when the certificate may sign the ministry's field, else the sentence saying why not."""
    try:
        rules = ministry_rules(counties)
    except SignerConfigError as exc:
        return str(exc)
    if not rules:
        return _(
            "nobody is configured to sign for the ministry: list its signing certificates (sha256 or "
            "organization) under 'ministry:' in {value}"
        ).format(value=counties / TRUST_DIR / SIGNERS_FILE)
    if is_ministry_signer(cert, rules):
        return None
    return _("the certificate {describe} is not one of the ministry's signers listed in {value}").format(
        describe=describe(cert), value=counties / TRUST_DIR / SIGNERS_FILE
    )


def district_signer_problem(cert: Any, district: District, counties: Path) -> str | None:
    """None when the certificate belongs to the district, else the sentence saying why not."""
    try:
        ministry = ministry_rules(counties)
    except SignerConfigError as exc:
        return str(exc)
    if is_ministry_signer(cert, ministry):
        return _("the certificate {describe} is one of the ministry's signers, not {designation}'s").format(
            describe=describe(cert), designation=district.designation
        )
    if district.signers:
        if any(matches(cert, rule) for rule in district.signers):
            return None
        return _(
            "the certificate {describe} is none of the signers counties/districts/{slug}.yaml names for {designation}"
        ).format(describe=describe(cert), slug=district.slug, designation=district.designation)
    if normalised(district.designation) in organizations(cert):
        return None
    return _("the certificate {describe} does not belong to {designation} (its organisation must be that)").format(
        describe=describe(cert), designation=district.designation
    )


def person_problem(cert: Any, named: str | None, deputies: Sequence[str], role: str) -> str | None:
    """None when the certificate's holder is the person the data names, or a deputy the clerk named."""
    holder = common_name(cert)
    if holder is None:
        return _("the certificate {describe} names no person (common name)").format(describe=describe(cert))
    wanted = [normalised(name).casefold() for name in ([named] if named else []) + list(deputies)]
    if holder.casefold() in wanted:
        return None
    said = f"the data names '{named}' as {role}" if named else f"the data names nobody as {role}"
    return _(
        "it was signed by '{holder}', but {said}: if '{holder}' signed as deputy, say so with --deputy \"{holder}\""
    ).format(holder=holder, said=said)


def deputy_used(cert: Any, named: str | None, deputies: Sequence[str]) -> str | None:
    """The deputy's name when the holder is not the named person but a deputy the clerk named."""
    holder = common_name(cert)
    if holder is None or (named and normalised(named).casefold() == holder.casefold()):
        return None
    return next((normalised(d) for d in deputies if normalised(d).casefold() == holder.casefold()), None)
