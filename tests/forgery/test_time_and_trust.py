"""When a signature counts as made, and what --accept-untrusted may overrule (issue 16, families 4 and 5);
the honest round with long-term validation data still taken."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from agreement_gen.data.plan import plan_year
from agreement_gen.signing.judgement import SignatureProblem, judge, trust_roots

from ..signing import Authority, make_ca, sign_as
from .conftest import DISTRICT_AT, DISTRICT_FIELD, MINISTRY_FIELD, VALID_FROM, Forge, certificate

pytestmark = pytest.mark.slow  # the session builds Kassel's PDF with LibreOffice once

UNTIL_2032 = (VALID_FROM, dt.datetime(2032, 12, 31, tzinfo=dt.UTC))


def stamper(forge: Forge, when: dt.datetime, trusted: bool = True) -> DummyTimeStamper:
    """A time-stamping authority: under the test's root, or under a root nobody here trusts."""
    ca = forge.pki.ca if trusted else make_ca("Fremde Zeitstempel-CA")
    cert, key = certificate(ca, "Zeitstempeldienst", "Test-TSA", time_stamping=True)
    return DummyTimeStamper(cert, key, SimpleCertificateStore.from_certs([cert, ca.asn1]), fixed_dt=when)


# --- 4. signing dates -----------------------------------------------------------------------------------------


def test_a_claimed_date_in_2031_is_refused(forge: Forge, capsys):
    late = certificate(forge.pki.ca, "Andreas Siebert", "Landkreis Kassel", valid=UNTIL_2032)
    signed = forge.district_signs(forge.ministry_signs(), who=late, when=dt.datetime(2031, 3, 3, 9, tzinfo=dt.UTC))
    err = forge.refused(capsys, signed)
    assert (
        f"the signature in {DISTRICT_FIELD} was made on 2031-03-03 by its signer's own claim, after the day it "
        "was received" in err
    )


def test_an_untrusted_tsa_does_not_give_the_date(forge: Forge, capsys):
    march = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)
    signed = forge.district_signs(forge.ministry_signs(), timestamper=stamper(forge, march, trusted=False))
    code, out, err = forge.receive(capsys, signed)
    assert code == 0, err
    assert f"{DISTRICT_FIELD}: signed 2025-08-11 11:30 according to the signer's own claim (no trusted" in out
    text = forge.data.read_text(encoding="utf-8")
    assert "  signed_on: 2025-08-11\n" in text and "2025-03-03" not in text


def test_a_trusted_tsa_gives_the_date(forge: Forge, capsys):
    stamped = dt.datetime(2025, 8, 12, 7, 15, tzinfo=dt.UTC)
    signed = forge.district_signs(forge.ministry_signs(), timestamper=stamper(forge, stamped))
    code, out, err = forge.receive(capsys, signed)
    assert code == 0, err
    assert f"{DISTRICT_FIELD}: signed 2025-08-12 09:15 according to timestamp by Zeitstempeldienst" in out
    assert "  signed_on: 2025-08-12\n" in forge.data.read_text(encoding="utf-8")


def test_a_signature_before_the_document_was_built_is_refused(forge: Forge):
    march = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)
    signed = forge.district_signs(forge.ministry_signs(), timestamper=stamper(forge, march))
    agreement = next(a for a in plan_year(forge.paths, 2025).agreements if a.slug == "landkreis-kassel")
    roots = trust_roots(forge.paths.counties, [forge.ca_file])
    built = dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC)
    with pytest.raises(SignatureProblem) as refusal:
        judge(signed, agreement, counties=forge.paths.counties, roots=roots, sent_at=built)
    assert str(refusal.value) == (
        f"the signature in {DISTRICT_FIELD} was made on 2025-03-03 by its timestamp (by Zeitstempeldienst), before "
        "the document was built for signature on 2025-06-01"
    )


def test_dates_against_the_order_of_signing_are_refused(forge: Forge, capsys):
    first = forge.sign(forge.sent, MINISTRY_FIELD, forge.pki.ministry, dt.datetime(2025, 8, 11, 9, tzinfo=dt.UTC))
    signed = forge.district_signs(first, when=dt.datetime(2025, 8, 2, 9, tzinfo=dt.UTC))
    err = forge.refused(capsys, signed)
    assert (
        f"the signature in {DISTRICT_FIELD} says it was made on 2025-08-02 09:00, before the one in {MINISTRY_FIELD} "
        "(2025-08-11 09:00) that it was added after" in err
    )


# --- 5. --accept-untrusted overrules an unknown root, nothing else ------------------------------------------------


@pytest.fixture
def stranger_ca():
    return make_ca("Unbekannte CA")


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        (
            "expired",
            "the certificate 'Andreas Siebert' of Landkreis Kassel had expired (2024-12-31) when the signature",
        ),
        ("not yet valid", "the certificate 'Andreas Siebert' of Landkreis Kassel was not yet valid when the signature"),
        (
            "no signing usage",
            f"the certificate 'Andreas Siebert' of Landkreis Kassel in {DISTRICT_FIELD} has no key usage",
        ),
        ("sha1", f"the signature in {DISTRICT_FIELD} relies on SHA-1, which is no longer secure"),
    ],
)
def test_accept_untrusted_does_not_overrule_a_bad_certificate(forge: Forge, capsys, stranger_ca, kind, sentence):
    options: dict = {}
    if kind == "expired":
        who = certificate(
            stranger_ca,
            "Andreas Siebert",
            "Landkreis Kassel",
            valid=(VALID_FROM.replace(year=2024), dt.datetime(2024, 12, 31, tzinfo=dt.UTC)),
        )
    elif kind == "not yet valid":
        who = certificate(
            stranger_ca,
            "Andreas Siebert",
            "Landkreis Kassel",
            valid=(dt.datetime(2025, 9, 1, tzinfo=dt.UTC), UNTIL_2032[1]),
        )
    elif kind == "no signing usage":
        who = certificate(stranger_ca, "Andreas Siebert", "Landkreis Kassel", documents=False)
    else:
        who, options = certificate(stranger_ca, "Andreas Siebert", "Landkreis Kassel"), {"md_algorithm": "sha1"}
    signed = sign_with(forge, who, stranger_ca, **options)
    err = forge.refused(capsys, signed, "--accept-untrusted")
    assert sentence in err
    assert "--accept-untrusted" not in err


def sign_with(forge: Forge, who: tuple, ca: Authority, **options: object) -> bytes:
    """The ministry signs as usual; the district with `who`, issued by `ca`."""
    return sign_as(forge.ministry_signs(), DISTRICT_FIELD, *who, ca, DISTRICT_AT, **options)  # type: ignore[arg-type]


def test_accept_untrusted_takes_an_unknown_root_of_a_sound_certificate(forge: Forge, capsys, stranger_ca):
    who = certificate(stranger_ca, "Andreas Siebert", "Landkreis Kassel")
    signed = sign_with(forge, who, stranger_ca)
    err = forge.refused(capsys, signed)
    assert "is not trusted here" in err and "--accept-untrusted" in err
    code, out, err = forge.receive(capsys, signed, "--accept-untrusted")
    assert code == 0, err
    assert f"accepted untrusted: {DISTRICT_FIELD}" in out


# --- the honest round with long-term validation data -------------------------------------------------------------


def test_validation_data_and_a_document_timestamp_after_the_signatures_are_taken(forge: Forge, capsys):
    both = forge.both()
    reader = PdfFileReader(io.BytesIO(both))
    last = reader.embedded_signatures[-1]
    buffer = io.BytesIO(both)
    context = ValidationContext(trust_roots=[forge.pki.ca.asn1], allow_fetching=False)
    DocumentSecurityStore.add_dss(
        buffer, last.pkcs7_content, certs=[forge.pki.ca.asn1, forge.pki.ministry[0], forge.pki.district[0]]
    )
    out = io.BytesIO()
    tsa = stamper(forge, dt.datetime(2025, 8, 12, 8, tzinfo=dt.UTC))
    signers.PdfTimeStamper(tsa).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(buffer.getvalue())), "sha256", context, output=out
    )
    archived = out.getvalue()
    # ours, two signatures, DSS, the timestamp, and the DSS update pyHanko adds for the timestamp itself
    assert PdfFileReader(io.BytesIO(archived)).xrefs.total_revisions == 6
    code, _, err = forge.receive(capsys, archived)
    assert code == 0, err
    code, _, err = forge.run(capsys, "publish", "--trust", str(forge.ca_file))
    assert code == 0, err
