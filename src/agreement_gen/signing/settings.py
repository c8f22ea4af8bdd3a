"""`counties/signing.yaml`: which key `agreement-gen sign` uses for each party, and which time-stamping service.

The file is tracked with the data: it names no secret (a PIN or password is asked for when signing),
only where the key is – a PKCS#11 module, token and key label, or a PKCS#12 file – and the URL of the
RFC 3161 time-stamping authority. Options of `sign` override it for one run.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AnyHttpUrl, model_validator

from agreement_gen.data.load import read_yaml
from agreement_gen.data.models import Model
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _

SETTINGS_FILE = "signing.yaml"


class Pkcs11Key(Model):
    """A key on a smart card or HSM, reached through the vendor's PKCS#11 module."""

    module: Path  # e.g. /usr/lib/softhsm/libsofthsm2.so
    token: str  # the token's label
    key: str  # the label of the private key (and of its certificate, unless `certificate` names another)
    certificate: str | None = None


class KeySource(Model):
    """Exactly one of a PKCS#11 key and a PKCS#12 file."""

    pkcs11: Pkcs11Key | None = None
    pkcs12: Path | None = None  # relative paths are read from the counties folder

    @model_validator(mode="after")
    def _one_source(self) -> KeySource:
        if (self.pkcs11 is None) == (self.pkcs12 is None):
            raise ValueError(_("give exactly one key source: 'pkcs11' (token or HSM) or 'pkcs12' (a .p12/.pfx file)"))
        return self


class Timestamping(Model):
    url: AnyHttpUrl | None = None  # RFC 3161 TSA; without one a signature is PAdES B-B
    validation_data: bool = True  # embed certificates and OCSP/CRL answers when reachable (PAdES B-LT)


class SigningSettings(Model):
    ministry: KeySource | None = None
    district: KeySource | None = None
    timestamp: Timestamping = Timestamping()


def load_settings(counties: Path) -> SigningSettings:
    """The settings file, validated; no file means no configured key (options must give one) and no TSA."""
    from agreement_gen.data.validate import parse

    path = counties / SETTINGS_FILE
    if not path.is_file():
        return SigningSettings()
    doc, problems = read_yaml(path)
    settings = parse(doc, SigningSettings, problems) if doc is not None else None
    if problems or settings is None:
        raise InputError(problems or [Problem(path, None, None, _("is not a valid signing configuration"))])
    return settings
