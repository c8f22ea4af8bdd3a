"""Signature data that used to end in a traceback: each is now a refusal, one sentence naming the field."""

from __future__ import annotations

import hashlib
import re

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .conftest import DISTRICT_FIELD, MINISTRY_FIELD, Forge, certificate

pytestmark = pytest.mark.slow  # the session builds Kassel's PDF with LibreOffice once

SHA256 = bytes.fromhex("0609608648016503040201")  # the DER of the OID 2.16.840.1.101.3.4.2.1
SHA512 = bytes.fromhex("0609608648016503040203")


def test_a_document_timestamp_in_a_partys_field_is_refused(forge: Forge, capsys):
    import io

    cert, key = certificate(forge.pki.ca, "Zeitstempeldienst", "Test-TSA", time_stamping=True)
    tsa = DummyTimeStamper(cert, key, SimpleCertificateStore.from_certs([cert, forge.pki.ca.asn1]))
    out = io.BytesIO()
    signers.PdfTimeStamper(tsa, field_name=MINISTRY_FIELD).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(forge.sent)), "sha256", output=out
    )
    err = forge.refused(capsys, forge.district_signs(out.getvalue()))
    assert f"the signature in {MINISTRY_FIELD} is a document timestamp, not a party's signature" in err


class OtherCertificateSigner(signers.SimpleSigner):
    """Signs correctly, but its signing-certificate attribute names another certificate."""

    other: bytes = b""

    async def signed_attrs(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        attrs = await super().signed_attrs(*args, **kwargs)
        for attr in attrs:
            if attr["type"].native == "signing_certificate_v2":
                attr["values"][0]["certs"][0]["cert_hash"] = cms.OctetString(hashlib.sha256(self.other).digest())
        return attrs


def test_a_signing_certificate_attribute_naming_another_certificate_is_refused(forge: Forge, capsys):
    OtherCertificateSigner.other = forge.pki.ministry[0].dump()
    once = forge.ministry_signs()
    signed = forge.district_signs(once, signer_type=OtherCertificateSigner)
    err = forge.refused(capsys, signed)
    assert (
        f"the signature in {DISTRICT_FIELD} is refused: its signed attributes name another certificate than the one "
        "that signed (the signing-certificate attribute), so it is not clear who signed" in err
    )


def test_a_declared_digest_other_than_the_one_used_is_refused(forge: Forge, capsys):
    signed = forge.both()
    contents = [m for m in re.finditer(rb"/Contents <([0-9A-Fa-f]+)>", signed)][-1]
    der = bytes.fromhex(contents.group(1).decode())
    changed = der.replace(SHA256, SHA512, 2)  # SignedData's and SignerInfo's digest algorithm, not the signed ones
    forged = signed[: contents.start(1)] + changed.hex().upper().encode() + signed[contents.end(1) :]
    assert len(forged) == len(signed)
    err = forge.refused(capsys, forged)
    assert (
        f"the signature in {DISTRICT_FIELD} is refused: the digest or signature algorithm it declares is not the one "
        "it signed (the CMS algorithm protection attribute), so the signature data was changed after signing" in err
    )


def test_each_kind_of_malformed_signature_data_has_its_own_sentence():
    from pyhanko.sign.validation.errors import DisallowedAlgorithmError, SignatureValidationError

    from agreement_gen.signing.judgement.crypto import malformed

    def raised(inner: BaseException, outer: type[BaseException] | None = None) -> BaseException:
        try:
            try:
                raise inner
            except BaseException:
                if outer is None:
                    raise
                raise outer("wrapped")  # noqa: B904 – the context is what malformed() follows
        except BaseException as exc:
            return exc

    weak = malformed("F", raised(DisallowedAlgorithmError("md5 is banned", None)))
    assert weak == "the signature in F is refused: it uses an algorithm that is no longer allowed for signatures"
    wrapped = malformed("F", raised(DisallowedAlgorithmError("md5 is banned", None), SignatureValidationError))
    assert wrapped == weak  # found behind pyHanko's wrapping exception, too
    other = malformed("F", raised(KeyError("certificates")))
    assert other == "the signature in F cannot be validated: its signature data is malformed or inconsistent (KeyError)"
