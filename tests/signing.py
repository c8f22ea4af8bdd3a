"""Throwaway certificates and pyHanko signing, as each party's signing software would do it."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import signers
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")


MINISTRY = "Hessisches Ministerium für Arbeit, Integration, Jugend und Soziales"  # as in counties/trust/signers.yaml


def subject(common_name: str, organization: str | None = None) -> x509.Name:
    """A certificate subject: the holder, and the organisation that says which party they sign for."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def make_identity(
    common_name: str, organization: str | None = None
) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo, bytes]:
    """A self-signed signing certificate and key; returns (certificate, key, certificate as PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = subject(common_name, organization)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=True, sign_documents=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(der_key),
        cert.public_bytes(serialization.Encoding.PEM),
    )


def sign(pdf: bytes, field: str, cert: asn1_x509.Certificate, key: asn1_keys.PrivateKeyInfo) -> bytes:
    """Sign the existing empty `field` (incremental update), with a visible stamp in an embedded font."""
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert])
    )
    style = TextStampStyle(
        stamp_text="Digital signiert: %(signer)s\n%(ts)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT))),
    )
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256"), signer, stamp_style=style
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


# --- a throwaway certification authority, as the parties' real signing certificates would have ----------------

VALID_FROM = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # covers signing times in the fiscal year the tests use


@dataclass(frozen=True)
class Authority:
    """A CA: its certificate (signs the end-entity certificates) and key; `pem` is what `--trust` reads."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    pem: bytes

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))


def _usage(*, sign_certs: bool, sign_documents: bool | None = None) -> x509.KeyUsage:
    """A CA signs certificates; a signer signs documents; a self-signed signer does both."""
    documents = not sign_certs if sign_documents is None else sign_documents
    return x509.KeyUsage(
        digital_signature=documents,
        content_commitment=documents,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs and not documents,
        encipher_only=False,
        decipher_only=False,
    )


def make_ca(common_name: str = "Test-CA agreement-gen") -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_certs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(cert, key, cert.public_bytes(serialization.Encoding.PEM))


def issue(
    ca: Authority, common_name: str, organization: str | None = None
) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    """An end-entity signing certificate for `common_name` (of `organization`), issued by `ca`; returns (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject(common_name, organization))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(der_key),
    )


def sign_as(
    pdf: bytes,
    field: str,
    cert: asn1_x509.Certificate,
    key: asn1_keys.PrivateKeyInfo,
    ca: Authority,
    when: dt.datetime,
    timestamper: object | None = None,
    md_algorithm: str = "sha256",
    signer_type: type[signers.SimpleSigner] = signers.SimpleSigner,
) -> bytes:
    """Sign `field` with a CA-issued certificate (chain embedded) at the signing time `when`.

    pyHanko takes the signing time from the clock; the test sets it, so the dates it expects in
    the data file are fixed ones of the fiscal year, not today's. A `timestamper` (pyHanko's)
    adds a timestamp token from a TSA; `signer_type` may be a forger's variant of pyHanko's signer.
    """

    class _Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return when.astimezone(tz) if tz else when

    signer = signer_type(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert, ca.asn1])
    )
    style = TextStampStyle(
        stamp_text="Digital signiert: %(signer)s\n%(ts)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT))),
    )
    out = io.BytesIO()
    with mock.patch("pyhanko.sign.signers.pdf_signer.datetime", _Clock):
        signers.PdfSigner(
            signers.PdfSignatureMetadata(field_name=field, md_algorithm=md_algorithm),
            signer,
            stamp_style=style,
            timestamper=timestamper,  # type: ignore[arg-type]
        ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()
