"""Where the signing key is: a PKCS#12 file or a PKCS#11 token/HSM, opened once for the whole batch.

The secret (the PKCS#12 password, the token's PIN) is asked for once, never taken from the command
line and never logged. At a terminal it is read without echo; from a pipe (a script, a password
manager: `pass show hmsi/pin | agreement-gen sign`) the first line of standard input is read. A wrong
PIN ends the run after that one try: a token locks after a few wrong PINs, so we never ask again.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agreement_gen.errors import AgreementGenError
from agreement_gen.i18n import _
from agreement_gen.signing.settings import KeySource

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer


class KeyProblem(AgreementGenError):
    """The key cannot be used (wrong PIN or password, no such token or key); nothing was signed."""


@dataclass(frozen=True)
class OpenKey:
    signer: Signer
    certificate: object  # its asn1crypto certificate
    described: str  # "PKCS#11 token 'HMSI', key 'signatur'" – for messages, never the secret


def ask_secret(prompt: str) -> str:
    """The PIN or password: typed without echo at a terminal, else the first line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"{prompt}: ")
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise KeyProblem(_("{prompt} needed, but standard input gave none; nothing was signed").format(prompt=prompt))
    return line.rstrip("\r\n")


def resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


@contextmanager
def open_key(source: KeySource, base: Path, secret: Callable[[str], str] = ask_secret) -> Iterator[OpenKey]:
    """The signer for `source`, with one secret entry; closes the token session afterwards."""
    if source.pkcs12 is not None:
        yield _pkcs12(resolve(source.pkcs12, base), secret)
        return
    assert source.pkcs11 is not None
    with _pkcs11(source, secret) as key:
        yield key


def _pkcs12(path: Path, secret: Callable[[str], str]) -> OpenKey:
    from pyhanko.sign.signers import SimpleSigner

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyProblem(
            _("the PKCS#12 file {file} cannot be read ({reason}); nothing was signed").format(
                file=path, reason=exc.strerror
            )
        ) from exc
    password = secret(_("Password for {file}").format(file=path.name))
    try:
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password.encode("utf-8") or None)
    except ValueError as exc:
        raise KeyProblem(
            f"the PKCS#12 file {path} cannot be opened: wrong password, or not a PKCS#12 file; nothing was signed"
        ) from exc
    return OpenKey(signer, signer.signing_cert, _("PKCS#12 file {file}").format(file=path.name))


@contextmanager
def _pkcs11(source: KeySource, secret: Callable[[str], str]) -> Iterator[OpenKey]:
    from pkcs11 import exceptions as p11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    spec = source.pkcs11
    assert spec is not None
    described = _("PKCS#11 token '{token}', key '{key}'").format(token=spec.token, key=spec.key)
    if not spec.module.is_file():
        raise KeyProblem(_("the PKCS#11 module {module} does not exist; nothing was signed").format(module=spec.module))
    pin = secret(_("PIN for token '{token}'").format(token=spec.token))
    try:
        session = open_pkcs11_session(str(spec.module), token_criteria=TokenCriteria(label=spec.token), user_pin=pin)
    except p11.PinIncorrect as exc:
        raise KeyProblem(
            f"the PIN for token '{spec.token}' is wrong; nothing was signed, and it is not asked again "
            "(the token locks after a few wrong PINs)"
        ) from exc
    except p11.PinLocked as exc:
        raise KeyProblem(
            _("token '{token}' is locked (too many wrong PINs); nothing was signed").format(token=spec.token)
        ) from exc
    except (p11.PKCS11Error, OSError, RuntimeError) as exc:
        # pyHanko reports a missing token as a PKCS11Error whose text names the criteria
        raise KeyProblem(
            _("the {key} cannot be opened ({reason}); nothing was signed").format(
                key=described, reason=exc or type(exc).__name__
            )
        ) from exc
    try:
        key_label, cert_label = spec.key, spec.certificate or spec.key
        signer = PKCS11Signer(session, key_label=key_label, cert_label=cert_label)
        try:
            certificate = signer.signing_cert
        except (p11.PKCS11Error, ValueError, KeyError) as exc:
            raise KeyProblem(
                _("the {key} has no such key with its certificate ({reason}); nothing was signed").format(
                    key=described, reason=exc
                )
            ) from exc
        if certificate.public_key.algorithm == "ec" and _needs_raw_ecdsa(session):
            # many cards and SoftHSM2 sign EC keys only with plain ECDSA: pyHanko then hashes itself
            signer = PKCS11Signer(session, key_label=key_label, cert_label=cert_label, use_raw_mechanism=True)
        yield OpenKey(signer, certificate, described)
    finally:
        session.close()


def _needs_raw_ecdsa(session: object) -> bool:
    from pkcs11 import Mechanism

    mechanisms = session.token.slot.get_mechanisms()  # type: ignore[attr-defined]
    return Mechanism.ECDSA_SHA256 not in mechanisms and Mechanism.ECDSA in mechanisms
