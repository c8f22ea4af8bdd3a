"""The signature judgement's parts, each called directly on small real PDFs and certificates (fast).

A two-page PDF with our two signature fields is written here with pikepdf – no LibreOffice – and signed
by the forgery corpus' test PKI with pyHanko, so `judge` and its parts see real signatures; `Checked`
variants are the one pyHanko produced with one thing changed. Every refusal is asserted as the clerk
reads it (English), with the field, page, engine or day it names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import logging
import shutil
import types
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import algos as asn1_algos
from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pikepdf import Array, Dictionary, Name, String
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation.errors import CMSAlgorithmProtectionError, SignatureValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.structure import Agreement
from agreement_gen.signing import parties
from agreement_gen.signing.judgement import (
    NotSignedByBoth,
    SignatureProblem,
    UntrustedSignature,
    _signatures,
    crypto,
    dates,
    district_field,
    identity,
    judge,
    rendering,
    trust_roots,
)
from agreement_gen.signing.judgement.crypto import Checked
from agreement_gen.signing.judgement.rendering import Page, RenderingProblem

from ..conftest import ROOT
from ..signing import MINISTRY, issue, make_ca, sign_as, subject
from ..test_receive import make_for_signature
from .conftest import DISTRICT_AT, DISTRICT_FIELD, MINISTRY_AT, MINISTRY_FIELD, VALID_FROM, Pki, certificate
from .test_malformed import SHA256, SHA512, OtherCertificateSigner
from .updates import BLACK_BOX, page_objects, stream, update

FIELDS = (MINISTRY_FIELD, DISTRICT_FIELD)
Box = tuple[float, float, float, float]
FIELD_RECTS: tuple[tuple[str, int, Box], ...] = (
    (MINISTRY_FIELD, 1, (20, 10, 90, 40)),
    (DISTRICT_FIELD, 1, (110, 10, 190, 40)),
)
DISTRICT_WHO = "'Andreas Siebert' of Landkreis Kassel"
DISTRICT_SUBJECT = "Organization: Landkreis Kassel, Common Name: Andreas Siebert"
UTC = dt.UTC
RECEIVED = dt.date(2025, 8, 11)  # the day the judgement runs in most tests


# --- a small agreement-shaped PDF: two pages of 200 x 100 points, both fields on page 2 -------------------------


def document(
    pages: int = 2,
    *,
    drawn: dict[int, bytes] | None = None,
    fields: tuple[tuple[str, int, Box], ...] = FIELD_RECTS,
    height: int = 100,
) -> bytes:
    """Our revision in miniature: text on each page, `drawn` added to a page's content, the empty fields."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for index in range(pages):
        page = pdf.add_blank_page(page_size=(200, height))
        page.Resources = Dictionary(Font=Dictionary(F1=font))
        text = b"BT /F1 12 Tf 10 70 Td (Seite %d: 1.000 Euro) Tj ET\n" % (index + 1)
        page.Contents = pdf.make_stream(text + (drawn or {}).get(index, b""))
    widgets = []
    for name, index, rect in fields:
        page = pdf.pages[index].obj
        widget = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot, Subtype=Name.Widget, FT=Name.Sig, T=String(name), Rect=Array(list(rect)), F=4, P=page
            )
        )
        page.Annots = pdf.make_indirect(Array([*page.get("/Annots", []), widget]))
        widgets.append(widget)
    pdf.Root.AcroForm = pdf.make_indirect(Dictionary(Fields=Array(widgets)))
    with pdf.open_metadata() as meta:
        meta["dc:title"] = "Zielvereinbarung Landkreis Kassel"
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


@functools.cache
def honest_round() -> tuple[Pki, bytes, bytes]:
    """The PKI, our blank revision and both parties' signatures on it, made once per process.

    pyHanko alone makes them (no code under test), so a runner that forks one process per mutant
    makes them once, before forking; `pki` here stands in for the conftest's fixture of the same name.
    """
    ca = make_ca()
    pki = Pki(ca, issue(ca, "Heike Hofmann", MINISTRY), issue(ca, "Andreas Siebert", "Landkreis Kassel"))
    blank = document()
    once = sign_as(blank, MINISTRY_FIELD, *pki.ministry, pki.ca, MINISTRY_AT)  # the ministry on 2 August,
    return pki, blank, sign_as(once, DISTRICT_FIELD, *pki.district, pki.ca, DISTRICT_AT)  # the district on 11


@pytest.fixture(scope="session")
def pki() -> Pki:
    return honest_round()[0]


@pytest.fixture(scope="session")
def blank() -> bytes:
    return honest_round()[1]


@pytest.fixture(scope="session")
def both() -> bytes:
    return honest_round()[2]


def embedded(pdf: bytes, field: str) -> object:
    return next(s for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures if s.field_name == field)


@pytest.fixture(scope="session")
def district_checked(both: bytes, pki: Pki) -> Checked:
    """What pyHanko finds for the district's honest signature; the unit tests vary one thing of it."""
    return crypto.check(embedded(both, DISTRICT_FIELD), [pki.ca.asn1])


@pytest.fixture(scope="session")
def counties(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's data with Landkreis Kassel out for signature (signatory Andreas Siebert); read only."""
    root = tmp_path_factory.mktemp("units") / "counties"
    shutil.copytree(ROOT / "counties", root)
    make_for_signature(root)
    return root


@pytest.fixture(scope="session")
def kassel(counties: Path) -> Agreement:
    paths = Paths(counties=counties, templates=ROOT / "templates", out=counties.parent / "build")
    return next(a for a in plan_year(paths, 2025).agreements if a.slug == "landkreis-kassel")


def stamper(ca: object, when: dt.datetime) -> DummyTimeStamper:
    cert, key = certificate(ca, "Zeitstempeldienst", "Test-TSA", time_stamping=True)  # type: ignore[arg-type]
    return DummyTimeStamper(cert, key, SimpleCertificateStore.from_certs([cert, ca.asn1]), fixed_dt=when)  # type: ignore[attr-defined]


def with_usage(ca: object, usage: x509.KeyUsage | None) -> asn1_x509.Certificate:
    """Andreas Siebert's certificate with the given key usage (None: no key usage extension at all)."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject("Andreas Siebert", "Landkreis Kassel"))
        .issuer_name(ca.cert.subject)  # type: ignore[attr-defined]
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(dt.datetime(2032, 1, 1, tzinfo=dt.UTC))
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    cert = builder.sign(ca.key, hashes.SHA256())  # type: ignore[attr-defined]
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def usage(*, digital_signature: bool = False, non_repudiation: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature, non_repudiation, True, False, False, False, False, False, False)


def sha1_signed(cert: asn1_x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey) -> asn1_x509.Certificate:
    """`cert` signed again by its issuer with ECDSA over SHA-1 (which `cryptography` no longer builds)."""
    algorithm = asn1_algos.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"})
    tbs = cert["tbs_certificate"].copy()
    tbs["signature"] = algorithm
    value = issuer_key.sign(tbs.dump(force=True), ec.ECDSA(hashes.SHA1()))
    return asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm, "signature_value": value})


# --- judge: the honest round, judged first (it runs every part once) ---------------------------------------------


def judged(pdf: bytes, kassel: Agreement, counties: Path, pki: Pki, **options: object):  # type: ignore[no-untyped-def]
    options.setdefault("received_on", RECEIVED)
    return judge(pdf, kassel, counties=counties, roots=[pki.ca.asn1], **options)  # type: ignore[arg-type]


def refusal_of(pdf: bytes, kassel: Agreement, counties: Path, pki: Pki, **options: object) -> SignatureProblem:
    with pytest.raises(SignatureProblem) as refusal:
        judged(pdf, kassel, counties, pki, **options)
    return refusal.value


def test_the_honest_round_is_judged_signature_by_signature(both: bytes, kassel: Agreement, counties: Path, pki: Pki):
    signed = judged(both, kassel, counties, pki, sent_at=dt.datetime(2025, 7, 30, 8, tzinfo=UTC))
    ministry, district = signed.ministry, signed.district
    assert (ministry.field, ministry.signer, ministry.signed_at, ministry.revision) == (
        MINISTRY_FIELD,
        "Heike Hofmann",
        MINISTRY_AT,
        1,
    )
    assert ministry.subject == f"Organization: {MINISTRY}; Common Name: Heike Hofmann"
    assert (district.field, district.signer, district.signed_at, district.revision) == (
        DISTRICT_FIELD,
        "Andreas Siebert",
        DISTRICT_AT,
        2,
    )
    assert district.subject == DISTRICT_SUBJECT
    for signature, (cert, _key) in ((ministry, pki.ministry), (district, pki.district)):
        assert signature.trusted is True and signature.timestamped_by is None and signature.deputy is None
        assert signature.fingerprint == parties.fingerprint(cert)


# --- dates.py: which time counts, and the window ----------------------------------------------------------------


def test_a_trusted_timestamp_gives_the_signing_time(district_checked: Checked):
    stamped = dt.datetime(2025, 8, 12, 7, 15, tzinfo=UTC)
    changed = dataclasses.replace(district_checked, timestamp_at=stamped, timestamp_by="Zeitstempeldienst")
    assert dates.signing_time(changed) == (stamped, "Zeitstempeldienst")


def test_without_a_timestamp_the_signers_claim_counts(district_checked: Checked):
    assert dates.signing_time(district_checked) == (DISTRICT_AT, None)


def test_a_signature_that_does_not_say_when_is_refused(district_checked: Checked):
    with pytest.raises(SignatureProblem) as refusal:
        dates.signing_time(dataclasses.replace(district_checked, claimed_at=None))
    assert str(refusal.value) == f"the signature in {DISTRICT_FIELD} does not say when it was made"


SENT = dt.datetime(2025, 6, 1, 22, 30, tzinfo=UTC)  # 2 June 00:30 in Hesse


def test_a_signature_made_the_moment_the_document_was_built_is_taken():
    assert dates.window_problem(DISTRICT_FIELD, SENT, None, SENT, RECEIVED) is None


def test_a_signature_a_second_before_the_document_was_built_is_refused():
    problem = dates.window_problem(DISTRICT_FIELD, SENT - dt.timedelta(seconds=1), None, SENT, RECEIVED)
    assert problem == (
        f"the signature in {DISTRICT_FIELD} was made on 2025-06-02 by its signer's own claim, before the document "
        "was built for signature on 2025-06-02"
    )


def test_a_day_before_the_document_was_built_names_the_timestamp():
    problem = dates.window_problem(MINISTRY_FIELD, SENT - dt.timedelta(days=1), "Zeitstempeldienst", SENT, RECEIVED)
    assert problem == (
        f"the signature in {MINISTRY_FIELD} was made on 2025-06-01 by its timestamp (by Zeitstempeldienst), before "
        "the document was built for signature on 2025-06-02"
    )


def test_without_a_record_of_sending_any_earlier_day_is_taken():
    assert dates.window_problem(DISTRICT_FIELD, dt.datetime(2020, 1, 1, tzinfo=UTC), None, None, RECEIVED) is None


def test_the_last_second_of_the_day_received_in_hesse_is_taken():
    last = dt.datetime(2025, 8, 11, 21, 59, 59, tzinfo=UTC)  # 23:59:59 in Hesse
    assert dates.window_problem(DISTRICT_FIELD, last, None, SENT, RECEIVED) is None


def test_the_day_after_the_day_received_in_hesse_is_refused():
    midnight = dt.datetime(2025, 8, 11, 22, 0, tzinfo=UTC)  # 12 August in Hesse, still 11 August in UTC
    problem = dates.window_problem(DISTRICT_FIELD, midnight, None, SENT, RECEIVED)
    assert problem == (
        f"the signature in {DISTRICT_FIELD} was made on 2025-08-12 by its signer's own claim, after the day it was "
        "received (2025-08-11)"
    )
    stamped = dates.window_problem(DISTRICT_FIELD, midnight, "Zeitstempeldienst", None, RECEIVED)
    assert stamped == (
        f"the signature in {DISTRICT_FIELD} was made on 2025-08-12 by its timestamp (by Zeitstempeldienst), after "
        "the day it was received (2025-08-11)"
    )


def test_two_signatures_at_the_same_minute_are_in_order():
    assert dates.order_problem((MINISTRY_FIELD, MINISTRY_AT), (DISTRICT_FIELD, MINISTRY_AT)) is None
    assert dates.order_problem((MINISTRY_FIELD, MINISTRY_AT), (DISTRICT_FIELD, DISTRICT_AT)) is None


def test_a_later_revision_claiming_an_earlier_time_is_refused():
    earlier = MINISTRY_AT - dt.timedelta(minutes=1)
    problem = dates.order_problem((MINISTRY_FIELD, MINISTRY_AT), (DISTRICT_FIELD, earlier))
    assert problem == (
        f"the signature in {DISTRICT_FIELD} says it was made on 2025-08-02 09:59, before the one in {MINISTRY_FIELD} "
        "(2025-08-02 10:00) that it was added after"
    )


# --- identity.py: a sound certificate ----------------------------------------------------------------------------

START = dt.datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
END = dt.datetime(2025, 9, 30, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def spring_to_autumn(pki: Pki) -> asn1_x509.Certificate:
    return certificate(pki.ca, "Andreas Siebert", "Landkreis Kassel", valid=(START, END))[0]


def test_a_certificate_is_sound_from_its_first_to_its_last_second(
    district_checked: Checked, spring_to_autumn: asn1_x509.Certificate
):
    checked = dataclasses.replace(district_checked, cert=spring_to_autumn)
    assert identity.soundness_problem(checked, START) is None
    assert identity.soundness_problem(checked, END) is None


def test_a_second_before_its_validity_is_refused(district_checked: Checked, spring_to_autumn: asn1_x509.Certificate):
    checked = dataclasses.replace(district_checked, cert=spring_to_autumn)
    assert identity.soundness_problem(checked, START - dt.timedelta(days=1)) == (
        f"the certificate {DISTRICT_WHO} was not yet valid when the signature in {DISTRICT_FIELD} says it was made "
        "(2025-02-28)"
    )
    assert "was not yet valid" in (identity.soundness_problem(checked, START - dt.timedelta(seconds=1)) or "")


def test_a_second_after_its_validity_is_refused(district_checked: Checked, spring_to_autumn: asn1_x509.Certificate):
    checked = dataclasses.replace(district_checked, cert=spring_to_autumn)
    expired = (
        f"the certificate {DISTRICT_WHO} had expired (2025-09-30) when the signature in {DISTRICT_FIELD} says it "
        "was made"
    )
    assert identity.soundness_problem(checked, END + dt.timedelta(seconds=1)) == expired
    assert identity.soundness_problem(checked, END + dt.timedelta(days=1)) == expired


@pytest.mark.parametrize(
    ("key_usage", "sound"),
    [
        (usage(digital_signature=True), True),
        (usage(non_repudiation=True), True),
        (usage(), False),  # key encipherment only
        (None, False),  # no key usage at all
    ],
    ids=["digital signature", "non-repudiation", "encipherment only", "none"],
)
def test_a_key_usage_for_signing_is_required(
    district_checked: Checked, pki: Pki, key_usage: x509.KeyUsage | None, sound: bool
):
    checked = dataclasses.replace(district_checked, cert=with_usage(pki.ca, key_usage))
    problem = identity.soundness_problem(checked, DISTRICT_AT)
    if sound:
        assert problem is None
    else:
        assert problem == f"the certificate {DISTRICT_WHO} in {DISTRICT_FIELD} has no key usage for signing documents"


SHA1_REFUSAL = f"the signature in {DISTRICT_FIELD} relies on SHA-1, which is no longer secure"


@pytest.mark.parametrize("change", [{"digest": "sha1"}, {"mechanism": "sha1_rsa"}, {"mechanism": "SHA1_RSA"}], ids=str)
def test_sha1_as_the_signatures_digest_is_refused(district_checked: Checked, change: dict[str, str]):
    assert identity.soundness_problem(district_checked, DISTRICT_AT) is None
    assert identity.soundness_problem(dataclasses.replace(district_checked, **change), DISTRICT_AT) == SHA1_REFUSAL


class GenericRsaSigner(signers.SimpleSigner):
    """pyHanko's signer with the mechanism RSASSA-PKCS1-v1_5 named without its hash (as many tokens write
    it): only the digest algorithm says which hash was signed."""

    def __init__(self, **kwargs: object) -> None:
        mechanism = asn1_algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
        super().__init__(signature_mechanism=mechanism, **kwargs)  # type: ignore[arg-type]


def rsa_district_identity(pki: Pki) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    """Andreas Siebert's certificate for an RSA key, issued by the test CA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject("Andreas Siebert", "Landkreis Kassel"))
        .issuer_name(pki.ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(dt.datetime(2032, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True, non_repudiation=True), critical=True)
        .sign(pki.ca.key, hashes.SHA256())
    )
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)), asn1_keys.PrivateKeyInfo.load(der)


@pytest.mark.parametrize(("md", "refusal"), [("sha1", SHA1_REFUSAL), ("sha256", None)])
def test_an_rsa_signature_whose_mechanism_names_no_hash_is_judged_by_its_digest(blank, pki, md, refusal):
    cert, key = rsa_district_identity(pki)
    signed = sign_as(
        blank, DISTRICT_FIELD, cert, key, pki.ca, DISTRICT_AT, md_algorithm=md, signer_type=GenericRsaSigner
    )
    checked = crypto.check(embedded(signed, DISTRICT_FIELD), [pki.ca.asn1])
    assert (checked.intact, checked.valid, checked.digest, checked.mechanism) == (True, True, md, "rsassa_pkcs1v15")
    assert identity.soundness_problem(checked, DISTRICT_AT) == refusal


def test_sha1_in_the_signers_certificate_is_refused(district_checked: Checked, pki: Pki):
    cert = sha1_signed(district_checked.cert, pki.ca.key)
    assert str(cert.hash_algo) == "sha1"
    checked = dataclasses.replace(district_checked, cert=cert)
    assert identity.soundness_problem(checked, DISTRICT_AT) == SHA1_REFUSAL


def test_sha1_in_an_intermediate_certificate_is_refused(district_checked: Checked, pki: Pki):
    intermediate = sha1_signed(pki.ministry[0], pki.ca.key)
    checked = dataclasses.replace(district_checked, chain=(*district_checked.chain, intermediate))
    assert identity.soundness_problem(checked, DISTRICT_AT) == SHA1_REFUSAL


def named(checked: Checked, pki: Pki, common_name: str, organization: str = "Landkreis Kassel") -> Checked:
    """`checked` with a certificate for another holder's name (its signature is not looked at here)."""
    cert = issue(pki.ca, common_name, organization)[0]
    return dataclasses.replace(checked, cert=cert)


@pytest.mark.parametrize(
    ("common_name", "organization", "code"),
    [
        ("Andreas\x00Siebert", "Landkreis Kassel", "0000"),
        ("Andreas Siebert\x1f", "Landkreis Kassel", "001F"),
        ("Andreas\x7fSiebert", "Landkreis Kassel", "007F"),
        ("Andreas\x80Siebert", "Landkreis Kassel", "0080"),
        ("Andreas\x9fSiebert", "Landkreis Kassel", "009F"),
        ("Andreas Siebert", "Landkreis\x0aKassel", "000A"),  # in the organisation too: the whole subject counts
        ("Andreas \u061cSiebert", "Landkreis Kassel", "061C"),
        ("Andreas \u200eSiebert", "Landkreis Kassel", "200E"),
        ("Andreas \u200fSiebert", "Landkreis Kassel", "200F"),
        ("Andreas \u202aSiebert", "Landkreis Kassel", "202A"),
        ("Andreas \u202eSiebert", "Landkreis Kassel", "202E"),
        ("Andreas \u2066Siebert", "Landkreis Kassel", "2066"),
        ("Andreas \u2069Siebert", "Landkreis Kassel", "2069"),
    ],
)
def test_a_holder_name_with_a_character_no_name_holds_is_refused_naming_the_first(
    district_checked: Checked, pki: Pki, common_name: str, organization: str, code: str
):
    checked = named(district_checked, pki, common_name, organization)
    assert identity.name_problem(checked) == (
        f"the certificate in {DISTRICT_FIELD} names its holder with the character U+{code}, which no name holds; "
        "it is not taken"
    )


@pytest.mark.parametrize(
    "common_name",
    ["Andreas Siebert", "Zoë Ünal-Çelik", "Łukasz Żółć", "Ἀνδρέας", "Андрей", "José\u00a0María", "A\u200dB"],
)
def test_a_holder_name_of_letters_from_any_script_is_taken(district_checked: Checked, pki: Pki, common_name: str):
    assert identity.name_problem(named(district_checked, pki, common_name)) is None


def test_a_self_signed_root_signed_with_sha1_is_not_held_against_the_signature(district_checked: Checked, pki: Pki):
    """A root's own signature is never checked (it is trusted as such), so its hash does not matter."""
    root = sha1_signed(pki.ca.asn1, pki.ca.key)
    checked = dataclasses.replace(district_checked, chain=(root,))
    assert identity.soundness_problem(checked, DISTRICT_AT) is None


# --- identity.py: trusted, or only its root unknown ---------------------------------------------------------------


def test_a_trusted_certificate_needs_nothing_more(district_checked: Checked):
    assert identity.trust_problem(district_checked, accept_untrusted=False) is None


def test_an_unknown_root_is_refused_unless_accepted(district_checked: Checked):
    unknown = dataclasses.replace(district_checked, trusted=False, unknown_root=True)
    with pytest.raises(UntrustedSignature) as refusal:
        identity.trust_problem(unknown, accept_untrusted=False)
    assert str(refusal.value) == (
        f"the signature in {DISTRICT_FIELD} is intact, but its certificate ({DISTRICT_SUBJECT}) is not trusted "
        "here: give its root with --trust CERT (or put it into counties/trust/)"
    )
    assert identity.trust_problem(unknown, accept_untrusted=True) is None


@pytest.mark.parametrize(
    ("indication", "words"),
    [
        ("REVOKED", "is revoked"),
        ("EXPIRED", "had expired"),
        ("NOT_YET_VALID", "was not yet valid"),
        ("OUT_OF_BOUNDS_NO_POE", "was outside its validity period"),
        ("OUT_OF_BOUNDS_NOT_REVOKED", "was outside its validity period"),
        ("CHAIN_CONSTRAINTS_FAILURE", "breaks the constraints of its certificate chain"),
        ("CRYPTO_CONSTRAINTS_FAILURE", "uses an algorithm that is no longer acceptable"),
        ("CRYPTO_CONSTRAINTS_FAILURE_NO_POE", "uses an algorithm that is no longer acceptable"),
        ("SIG_CONSTRAINTS_FAILURE", "lacks a key usage for signing documents"),
        ("GENERIC", "fails validation (GENERIC)"),
        (None, "fails validation (None)"),
    ],
)
def test_accept_untrusted_does_not_overrule_a_failed_validation(
    district_checked: Checked, indication: str | None, words: str
):
    failed = dataclasses.replace(district_checked, trusted=False, unknown_root=False, trust_problem=indication)
    for accept in (False, True):
        with pytest.raises(SignatureProblem) as refusal:
            identity.trust_problem(failed, accept_untrusted=accept)
        assert type(refusal.value) is SignatureProblem  # not the UntrustedSignature the option overrules
        assert str(refusal.value) == f"the certificate in {DISTRICT_FIELD} ({DISTRICT_SUBJECT}) {words}"


# --- identity.py: of its field's party and person ------------------------------------------------------------------


def test_each_party_in_its_own_field_is_taken(district_checked: Checked, pki: Pki, kassel: Agreement, counties: Path):
    ministry = dataclasses.replace(district_checked, cert=pki.ministry[0], field=MINISTRY_FIELD)
    assert identity.party_problem(ministry, MINISTRY_FIELD, kassel, counties, ()) is None
    assert identity.party_problem(district_checked, DISTRICT_FIELD, kassel, counties, ()) is None


def test_a_district_certificate_in_the_ministry_field_is_refused(
    district_checked: Checked, kassel: Agreement, counties: Path
):
    assert identity.party_problem(district_checked, MINISTRY_FIELD, kassel, counties, ()) == (
        f"the signature in {MINISTRY_FIELD} is not its party's: the certificate {DISTRICT_WHO} is not one of the "
        f"ministry's signers listed in {counties / 'trust/signers.yaml'}"
    )


def test_a_ministry_certificate_in_the_district_field_is_refused(pki: Pki, district_checked, kassel, counties):
    ministry = dataclasses.replace(district_checked, cert=pki.ministry[0])
    assert identity.party_problem(ministry, DISTRICT_FIELD, kassel, counties, ()) == (
        f"the signature in {DISTRICT_FIELD} is not its party's: the certificate 'Heike Hofmann' of {MINISTRY} is one "
        "of the ministry's signers, not Landkreis Kassel's"
    )


@pytest.mark.parametrize(
    ("field", "organization", "named", "role"),
    [
        (MINISTRY_FIELD, MINISTRY, "Heike Hofmann", "the minister (in the year file)"),
        (DISTRICT_FIELD, "Landkreis Kassel", "Andreas Siebert", "the district's signatory"),
    ],
)
def test_another_person_of_the_party_needs_the_clerks_word(
    district_checked: Checked,
    pki: Pki,
    kassel: Agreement,
    counties: Path,
    field: str,
    organization: str,
    named: str,
    role: str,
):
    deputy = dataclasses.replace(district_checked, cert=pki.person("Eva Vertreterin", organization)[0], field=field)
    assert identity.party_problem(deputy, field, kassel, counties, ()) == (
        f"the signature in {field} is not its party's: it was signed by 'Eva Vertreterin', but the data names "
        f"'{named}' as {role}: if 'Eva Vertreterin' signed as deputy, say so with --deputy \"Eva Vertreterin\""
    )
    assert identity.party_problem(deputy, field, kassel, counties, ["Eva Vertreterin"]) is None


def test_one_certificate_in_both_fields_is_refused(district_checked: Checked, pki: Pki):
    ministry = dataclasses.replace(district_checked, cert=pki.ministry[0], field=MINISTRY_FIELD)
    assert identity.same_certificate_problem(ministry, district_checked) is None
    same = dataclasses.replace(district_checked, field=MINISTRY_FIELD)
    assert identity.same_certificate_problem(same, district_checked) == (
        f"one certificate ({DISTRICT_WHO}) signed both {MINISTRY_FIELD} and {DISTRICT_FIELD}: each party signs "
        "with its own"
    )


# --- trust.py: the roots -------------------------------------------------------------------------------------------


def test_roots_come_from_the_trust_folder_in_name_order_then_from_the_options(tmp_path: Path):
    authorities = {name: make_ca(f"CA {name}") for name in ("a", "b", "c", "d")}
    folder = tmp_path / "counties" / "trust"
    folder.mkdir(parents=True)
    (folder / "b.pem").write_bytes(authorities["b"].pem)
    (folder / "a.CRT").write_bytes(authorities["a"].pem)  # the suffix in any case
    (folder / "c.cer").write_bytes(authorities["c"].asn1.dump())  # DER
    (folder / "signers.yaml").write_text("ministry: []\n", encoding="utf-8")  # not a certificate: not read
    extra = tmp_path / "d.pem"
    extra.write_bytes(authorities["d"].pem)
    roots = trust_roots(tmp_path / "counties", [extra])
    assert [r.subject.human_friendly for r in roots] == [
        "Common Name: CA a",
        "Common Name: CA b",
        "Common Name: CA c",
        "Common Name: CA d",
    ]
    assert [r.subject.human_friendly for r in trust_roots(None, [extra])] == ["Common Name: CA d"]
    assert trust_roots(tmp_path / "elsewhere") == []  # no trust folder: no roots


@pytest.mark.parametrize(("content", "reason"), [(b"no certificate", "Insufficient data"), (None, "No such file")])
def test_an_unreadable_trust_certificate_is_refused(tmp_path: Path, content: bytes | None, reason: str):
    path = tmp_path / "root.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SignatureProblem) as refusal:
        trust_roots(None, [path])
    assert str(refusal.value).startswith(f"the trust certificate {path} cannot be read (")
    assert reason in str(refusal.value)


# --- crypto.py: what pyHanko finds -------------------------------------------------------------------------------


def test_an_honest_signature_is_intact_valid_and_trusted(district_checked: Checked, pki: Pki):
    assert district_checked.field == DISTRICT_FIELD
    assert district_checked.cert.dump() == pki.district[0].dump()
    assert pki.ca.asn1.dump() in [c.dump() for c in district_checked.chain]
    assert (district_checked.intact, district_checked.valid, district_checked.trusted) == (True, True, True)
    assert (district_checked.unknown_root, district_checked.trust_problem) == (False, None)
    assert district_checked.claimed_at == DISTRICT_AT
    assert (district_checked.timestamp_at, district_checked.timestamp_by) == (None, None)
    assert district_checked.untrusted_timestamp is False
    assert (district_checked.digest, district_checked.mechanism) == ("sha256", "sha256_ecdsa")


def test_a_root_nobody_here_trusts_is_only_an_unknown_root(both: bytes, pki: Pki):
    checked = crypto.check(embedded(both, MINISTRY_FIELD), [])
    assert (checked.intact, checked.valid, checked.trusted, checked.unknown_root) == (True, True, False, True)
    assert checked.trust_problem == "NO_CERTIFICATE_CHAIN_FOUND"
    assert checked.field == MINISTRY_FIELD and checked.claimed_at == MINISTRY_AT


def test_an_expired_certificate_under_a_trusted_root_is_not_an_unknown_root(blank: bytes, pki: Pki):
    old = certificate(
        pki.ca, "Andreas Siebert", "Landkreis Kassel", valid=(VALID_FROM, dt.datetime(2025, 4, 1, tzinfo=UTC))
    )
    signed = sign_as(blank, DISTRICT_FIELD, *old, pki.ca, DISTRICT_AT)
    checked = crypto.check(embedded(signed, DISTRICT_FIELD), [pki.ca.asn1])
    assert (checked.intact, checked.trusted, checked.unknown_root) == (True, False, False)
    assert checked.trust_problem == "OUT_OF_BOUNDS_NO_POE"  # "was outside its validity period"


def test_a_certificate_expired_since_it_signed_is_still_trusted(blank: bytes, pki: Pki):
    """Validity is judged at the time the signature claims, not today: agreements outlive certificates."""
    summer = certificate(pki.ca, "Andreas Siebert", "Landkreis Kassel", valid=(VALID_FROM, END))
    signed = sign_as(blank, DISTRICT_FIELD, *summer, pki.ca, DISTRICT_AT)
    checked = crypto.check(embedded(signed, DISTRICT_FIELD), [pki.ca.asn1])
    assert (checked.trusted, checked.unknown_root, checked.trust_problem) == (True, False, None)


def leaf_only(pdf: bytes, who: tuple, when: dt.datetime = DISTRICT_AT) -> bytes:
    """Signed in the district's field by signing software that embeds the signer's certificate only, no chain."""
    return sign_as(pdf, DISTRICT_FIELD, *who, types.SimpleNamespace(asn1=who[0]), when)  # type: ignore[arg-type]


def test_a_file_without_the_chain_has_an_unknown_root_unless_the_certificate_is_unsound(blank: bytes, pki: Pki):
    checked = crypto.check(embedded(leaf_only(blank, pki.district), DISTRICT_FIELD), [])
    assert (checked.trusted, checked.unknown_root, checked.trust_problem) == (False, True, "NO_CERTIFICATE_CHAIN_FOUND")
    old = certificate(pki.ca, "Andreas Siebert", "Landkreis Kassel", valid=(VALID_FROM, START))
    checked = crypto.check(embedded(leaf_only(blank, old), DISTRICT_FIELD), [pki.ca.asn1])
    assert (checked.trusted, checked.unknown_root) == (False, False)


def test_a_root_named_like_ours_with_another_key_is_an_unknown_root(blank: bytes, pki: Pki):
    """A forger's CA may copy our root's name: its chain fails against ours, but is sound on its own."""
    twin = make_ca()  # the test root's name, another key
    assert twin.cert.subject == pki.ca.cert.subject
    sound = certificate(twin, "Andreas Siebert", "Landkreis Kassel")
    checked = crypto.check(
        embedded(sign_as(blank, DISTRICT_FIELD, *sound, twin, DISTRICT_AT), DISTRICT_FIELD), [pki.ca.asn1]
    )
    assert (checked.trusted, checked.unknown_root) == (False, True)
    assert checked.trust_problem == "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    with pytest.raises(UntrustedSignature):
        identity.trust_problem(checked, accept_untrusted=False)
    early = certificate(
        twin, "Andreas Siebert", "Landkreis Kassel", valid=(dt.datetime(2025, 9, 1, tzinfo=UTC), END.replace(year=2032))
    )
    checked = crypto.check(
        embedded(sign_as(blank, DISTRICT_FIELD, *early, twin, DISTRICT_AT), DISTRICT_FIELD), [pki.ca.asn1]
    )
    assert (checked.trusted, checked.unknown_root) == (False, False)  # not yet valid when it signed: not only the root


@pytest.mark.parametrize("trusted", [True, False])
def test_only_a_trusted_tsa_gives_the_time(blank: bytes, pki: Pki, trusted: bool):
    stamped = dt.datetime(2025, 8, 12, 7, 15, tzinfo=UTC)
    authority = pki.ca if trusted else make_ca("Fremde Zeitstempel-CA")
    signed = sign_as(blank, DISTRICT_FIELD, *pki.district, pki.ca, DISTRICT_AT, timestamper=stamper(authority, stamped))
    checked = crypto.check(embedded(signed, DISTRICT_FIELD), [pki.ca.asn1])
    assert checked.claimed_at == DISTRICT_AT and checked.trusted
    if trusted:
        assert (checked.timestamp_at, checked.timestamp_by, checked.untrusted_timestamp) == (
            stamped,
            "Zeitstempeldienst",
            False,
        )
    else:
        assert (checked.timestamp_at, checked.timestamp_by, checked.untrusted_timestamp) == (None, None, True)


def test_a_signing_certificate_attribute_naming_another_certificate_names_the_field(blank: bytes, pki: Pki):
    OtherCertificateSigner.other = pki.ministry[0].dump()
    signed = sign_as(blank, DISTRICT_FIELD, *pki.district, pki.ca, DISTRICT_AT, signer_type=OtherCertificateSigner)
    with pytest.raises(SignatureProblem) as refusal:
        crypto.check(embedded(signed, DISTRICT_FIELD), [pki.ca.asn1])
    assert str(refusal.value) == (
        f"the signature in {DISTRICT_FIELD} is refused: its signed attributes name another certificate than the one "
        "that signed (the signing-certificate attribute), so it is not clear who signed"
    )


def contents_changed(pdf: bytes, old: bytes, new: bytes) -> bytes:
    """The last signature's CMS with `old` replaced by `new` (same length): the forger edits signature data."""
    start = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    end = pdf.index(b">", start)
    der = bytes.fromhex(pdf[start:end].decode())
    changed = der.replace(old, new, 2).hex().encode()
    return pdf[:start] + changed + pdf[start + len(changed) :]


def test_a_declared_digest_other_than_the_one_used_names_the_field(blank: bytes, pki: Pki):
    signed = sign_as(blank, DISTRICT_FIELD, *pki.district, pki.ca, DISTRICT_AT)
    with pytest.raises(SignatureProblem) as refusal:
        crypto.check(embedded(contents_changed(signed, SHA256, SHA512), DISTRICT_FIELD), [pki.ca.asn1])
    assert str(refusal.value) == (
        f"the signature in {DISTRICT_FIELD} is refused: the digest or signature algorithm it declares is not the one "
        "it signed (the CMS algorithm protection attribute), so the signature data was changed after signing"
    )


def raised_in(exc: BaseException, outer: BaseException) -> BaseException:
    """`outer`, raised while handling `exc` (so `exc` is its context, as pyHanko's wrapping leaves it)."""
    try:
        try:
            raise exc
        except BaseException:
            raise outer  # noqa: B904 – the implicit context is what malformed() follows
    except BaseException as caught:
        return caught


def test_malformed_finds_the_reason_behind_pyhankos_wrapping():
    from pyhanko.sign.ades.report import AdESIndeterminate

    wrapped = raised_in(CMSAlgorithmProtectionError("digest"), SignatureValidationError("wrapped"))
    assert "the CMS algorithm protection attribute" in crypto.malformed("F", wrapped)
    who = SignatureValidationError("who", ades_subindication=AdESIndeterminate.NO_SIGNING_CERTIFICATE_FOUND)
    assert "(the signing-certificate attribute)" in crypto.malformed("F", raised_in(who, ValueError("outer")))
    other = SignatureValidationError("other", ades_subindication=AdESIndeterminate.GENERIC)
    assert crypto.malformed("F", other) == (
        "the signature in F cannot be validated: its signature data is malformed or inconsistent "
        "(SignatureValidationError)"
    )


def test_malformed_follows_a_cycle_of_causes_once():
    first, second = ValueError("one"), KeyError("two")
    first.__cause__, second.__context__ = second, first
    assert crypto.malformed("F", first).endswith("is malformed or inconsistent (ValueError)")
    assert list(crypto._causes(first)) == [first, second]


def test_quiet_silences_pyhanko_only_while_it_lasts():
    logger = logging.getLogger("pyhanko")
    before = logger.level
    logger.setLevel(logging.INFO)
    try:
        with pytest.raises(RuntimeError), crypto.quiet():
            assert logger.level == logging.CRITICAL
            raise RuntimeError("a failed check")
        assert logger.level == logging.INFO
    finally:
        logger.setLevel(before)


def test_a_tsa_is_named_by_its_common_name_or_its_whole_subject(pki: Pki):
    def issued(name: x509.Name) -> asn1_x509.Certificate:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(pki.ca.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(VALID_FROM)
            .not_valid_after(dt.datetime(2032, 1, 1, tzinfo=UTC))
            .sign(pki.ca.key, hashes.SHA256())
        )
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    cn = x509.oid.NameOID.COMMON_NAME
    o = x509.oid.NameOID.ORGANIZATION_NAME
    assert crypto._subject_name(issued(subject(" Zeitstempeldienst ", "Test-TSA"))) == "Zeitstempeldienst"
    two = x509.Name([x509.NameAttribute(cn, "Erster Dienst"), x509.NameAttribute(cn, "Zweiter Dienst")])
    assert crypto._subject_name(issued(two)) == "Erster Dienst"
    nameless = issued(x509.Name([x509.NameAttribute(o, "Test-TSA")]))
    assert crypto._subject_name(nameless) == "Organization: Test-TSA"


# --- rendering.py: the pieces --------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:This document has 2 form widget")  # the forged widgets are in no form
def test_field_boxes_are_our_two_fields_on_their_page():
    pdf = document(height=120)
    with pikepdf.open(io.BytesIO(pdf)) as doc:  # a field of another name, and another kind of annotation
        page = doc.pages[1].obj
        for kind, name in ((Name.Sig, "Signatur_Fremd"), (Name.Tx, MINISTRY_FIELD)):
            page.Annots.append(
                doc.make_indirect(Dictionary(Subtype=Name.Widget, FT=kind, T=String(name), Rect=[0, 0, 200, 120]))
            )
        page.Annots[1].Rect = Array([190, 40, 110, 10])  # corners in any order
        doc.pages[0].MediaBox = Array([0, 20, 200, 100])
        out = io.BytesIO()
        doc.save(out)
    boxes, heights = rendering.field_boxes(out.getvalue(), FIELDS)
    assert boxes == {1: [(20.0, 10.0, 90.0, 40.0), (110.0, 10.0, 190.0, 40.0)]}
    assert heights == [80.0, 120.0]


def test_a_fields_pixels_with_the_margin_and_cut_at_the_page_edge():
    page = Page(width=167, height=83, stride=501, pixel=3, data=b"", text="")
    # 24..96 x 12..48 points at 60 dpi (5/6 pixel per point) is 20..80 x 43..73 pixels, y counted from the top
    assert rendering._excluded([(24, 12, 96, 48)], 100, page) == [(18, 41, 83, 76)]
    assert rendering._excluded([(0, 0, 200, 100), (1, 1, 2, 2)], 100, page) == [(0, 0, 167, 83), (0, 79, 4, 83)]
    assert rendering._excluded([], 100, page) == []


def image(width: int = 4, height: int = 3, *, changed: tuple[int, int] | None = None, padding: bytes = b"") -> Page:
    """A grey image, one pixel (x, y) black; rows padded as PDFium pads them."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x80" * 3 * width)
        if changed and changed[1] == y:
            row[3 * changed[0] : 3 * changed[0] + 3] = b"\x00\x00\x00"
        rows.append(bytes(row) + padding)
    return Page(width, height, 3 * width + len(padding), 3, b"".join(rows), "")


HOLE = (1, 1, 3, 2)  # columns 1 and 2 of row 1


@pytest.mark.parametrize(
    ("pixel", "differs"),
    [((1, 1), False), ((2, 1), False), ((0, 1), True), ((3, 1), True), ((1, 0), True), ((1, 2), True)],
)
def test_only_pixels_inside_a_field_may_change(pixel: tuple[int, int], differs: bool):
    assert rendering._differs(image(), image(changed=pixel), [HOLE]) is differs


def test_one_colour_of_the_first_pixel_of_a_row_with_a_field_is_seen():
    grey = image()
    row = 3 * 4  # bytes per row
    changed = grey.data[:row] + b"\x81" + grey.data[row + 1 :]  # row 1 has the field HOLE
    assert rendering._differs(grey, dataclasses.replace(grey, data=changed), [HOLE]) is True


def test_identical_images_and_row_padding_do_not_differ():
    assert rendering._differs(image(), image(), []) is False
    assert rendering._differs(image(padding=b"\x00"), image(padding=b"\xff"), []) is False


@pytest.mark.parametrize("size", [(5, 3), (4, 4)])
def test_images_of_another_size_differ(size: tuple[int, int]):
    assert rendering._differs(image(), image(*size), []) is True


def test_images_of_another_layout_differ():
    assert rendering._differs(image(), image(padding=b"\x00"), []) is True
    grey = image()
    assert rendering._differs(grey, dataclasses.replace(grey, pixel=4), []) is True


def test_a_field_inside_another_or_overlapping_it():
    assert rendering._differs(image(), image(changed=(3, 1)), [(0, 1, 4, 2), (1, 1, 2, 2)]) is False
    assert rendering._differs(image(), image(changed=(2, 1)), [(0, 1, 2, 2), (1, 1, 3, 2)]) is False
    assert rendering._differs(image(), image(changed=(3, 1)), [(0, 1, 2, 2), (1, 1, 3, 2)]) is True


def test_ppm_images_are_read_and_anything_else_refused(tmp_path: Path):
    good = tmp_path / "good.ppm"
    good.write_bytes(b"P6\n3 2\n255\n" + bytes(range(18)))
    assert rendering._ppm(good) == (3, 2, bytes(range(18)))
    bad = tmp_path / "bad.ppm"
    bad.write_bytes(b"P5\n3 2\n255\n" + bytes(6))
    with pytest.raises(RenderingProblem) as refusal:
        rendering._ppm(bad)
    assert str(refusal.value) == "cannot be rendered by pdftoppm (unreadable image)"


def test_poppler_words_inside_a_field_and_its_margin_are_left_out():
    words = "".join(
        f'<word xMin="{x}" yMin="{y}" xMax="99" yMax="99">{word}</word>'
        for x, y, word in [
            (10, 20, "Budget"),
            (18, 70, "links"),  # x 18 = 20 - margin, y 70 = 30 from the bottom: inside
            (17.5, 70, "daneben"),
            (50, 58, "oben"),  # 42 from the bottom = 40 + margin: inside
            (50, 57.5, "darüber"),
            (92, 92, "rechts"),  # 8 from the bottom, x 92 = 90 + margin: inside
            (92.5, 92, "weiter"),
            (50, 92.5, "unten"),  # 7.5 from the bottom: below the margin
            (100, 20, "Tom &amp; Jerry"),
        ]
    )
    html = f'<doc><page width="200" height="100">{words}</page><page width="200" height="100">'
    html += '<word xMin="30" yMin="80" xMax="99" yMax="99">zwei</word></page></doc>'
    pages = rendering._poppler_words(html, {0: [(20, 10, 90, 40)]}, [100.0, 100.0])
    assert pages == ["Budget daneben darüber weiter unten Tom & Jerry", "zwei"]


def test_an_engine_s_outputs_come_back_in_order():
    assert rendering._run_all([["printf", "eins"], ["printf", "zwei"]]) == [b"eins", b"zwei"]


def test_a_missing_engine_is_named():
    with pytest.raises(RenderingProblem) as refusal:
        rendering._run_all([["printf", "x"], ["agreement-gen-no-such-engine", "-v"]])
    assert str(refusal.value) == (
        "cannot be rendered: agreement-gen-no-such-engine is missing (No such file or directory)"
    )


def test_a_failing_engine_is_named_and_leaves_no_process_behind(tmp_path: Path):
    pid_file = tmp_path / "pid"
    slow = ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 30"]
    with pytest.raises(RenderingProblem) as refusal:
        rendering._run_all([["sh", "-c", f"until [ -s {pid_file} ]; do sleep 0.05; done; exit 3"], slow])
    assert str(refusal.value) == "cannot be rendered by sh (exit 3)"
    assert not Path(f"/proc/{pid_file.read_text().strip()}").exists()


def test_an_engine_over_its_time_is_stopped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(rendering, "TIMEOUT", 0.5)
    with pytest.raises(RenderingProblem) as refusal:
        rendering._run_all([["sleep", "30"]])
    assert str(refusal.value) == "cannot be rendered within 0.5 s (sleep)"


def test_both_engines_read_every_page(blank: bytes):
    boxes, heights = rendering.field_boxes(blank, FIELDS)
    [pages] = rendering.poppler([blank], boxes, heights)
    assert [p.text for p in pages] == ["Seite 1: 1.000 Euro", "Seite 2: 1.000 Euro"]
    assert [(p.width, p.height, p.stride, p.pixel) for p in pages] == [(167, 84, 501, 3)] * 2
    assert pages[0].data != pages[1].data and len(pages[0].data) == 501 * 84
    seen = rendering.pdfium(blank)
    assert [p.text for p in seen] == ["Seite 1: 1.000 Euro", "Seite 2: 1.000 Euro"]
    assert [(p.width, p.height, p.stride, p.pixel) for p in seen] == [(167, 84, 501, 3)] * 2
    assert seen[0].data != seen[1].data


def test_at_most_fifty_pages_are_rendered():
    long = document(52)
    boxes, heights = rendering.field_boxes(long, FIELDS)
    [pages] = rendering.poppler([long], boxes, heights)
    assert len(pages) == 50 and pages[-1].text == "Seite 50: 1.000 Euro"
    seen = rendering.pdfium(long)
    assert len(seen) == 50 and seen[-1].text == "Seite 50: 1.000 Euro"


def test_what_pdfium_cannot_open_is_refused():
    with pytest.raises(RenderingProblem) as refusal:
        rendering.pdfium(b"%PDF-1.7\nnothing else")
    assert str(refusal.value).startswith("cannot be opened by PDFium (Failed to load document")


# --- rendering.compare: what is shown is what was signed -----------------------------------------------------------


def test_the_same_document_passes_both_engines(blank: bytes, both: bytes):
    assert rendering.compare(blank, blank, FIELDS) is None
    assert rendering.compare(blank, both, FIELDS) is None  # only the two fields changed


def test_drawing_inside_a_field_and_its_margin_is_the_signatures_business(blank: bytes):
    inside = b"q 0 g 21 11 68 28 re f 91 11 0.8 28 re f Q\n"  # in the field; a thin bar in its right margin
    assert rendering.compare(blank, document(drawn={1: inside}), FIELDS) is None


@pytest.mark.parametrize(("page", "where"), [(0, b"30 15 40 20"), (1, b"94 11 1 28"), (1, b"21 45 68 1")])
def test_drawing_outside_the_fields_names_the_page(blank: bytes, page: int, where: bytes):
    forged = document(drawn={page: b"q 0 g " + where + b" re f Q\n"})
    with pytest.raises(RenderingProblem) as refusal:
        rendering.compare(blank, forged, FIELDS)
    assert str(refusal.value) == (
        f"page {page + 1} looks different in poppler from what we built, outside the signature fields"
    )


def test_other_words_name_the_page(blank: bytes):
    forged = document(drawn={1: b"BT 3 Tr /F1 10 Tf 100 80 Td (2.000) Tj ET\n"})  # invisible text
    with pytest.raises(RenderingProblem) as refusal:
        rendering.compare(blank, forged, FIELDS)
    assert str(refusal.value) == "page 2 reads differently in poppler from what we built"


def test_words_hidden_under_a_field_are_read_by_pdfium(blank: bytes):
    forged = document(drawn={1: b"BT /F1 8 Tf 30 20 Td (2.000) Tj ET\n"})  # poppler leaves words in a field out
    with pytest.raises(RenderingProblem) as refusal:
        rendering.compare(blank, forged, FIELDS)
    assert str(refusal.value) == "page 2 reads differently in PDFium from what we built"


def test_another_number_of_pages_is_refused(blank: bytes):
    with pytest.raises(RenderingProblem) as refusal:
        rendering.compare(blank, document(3), FIELDS)
    assert str(refusal.value) == "shows 3 pages in poppler, but we built 2"


# --- judge: the whole judgement on real signatures ----------------------------------------------------------------


def test_the_day_received_defaults_to_today(both: bytes, kassel: Agreement, counties: Path, pki: Pki):
    assert judge(both, kassel, counties=counties, roots=[pki.ca.asn1]).district.signed_at == DISTRICT_AT
    tomorrow = dt.datetime.now(UTC) + dt.timedelta(days=2)
    once = sign_as(document(), MINISTRY_FIELD, *pki.ministry, pki.ca, MINISTRY_AT)
    future = sign_as(once, DISTRICT_FIELD, *pki.district, pki.ca, tomorrow)
    with pytest.raises(SignatureProblem) as refusal:
        judge(future, kassel, counties=counties, roots=[pki.ca.asn1])
    assert "after the day it was received" in str(refusal.value)


def test_the_district_may_sign_first(blank: bytes, kassel: Agreement, counties: Path, pki: Pki):
    once = sign_as(blank, DISTRICT_FIELD, *pki.district, pki.ca, MINISTRY_AT)
    signed = judged(sign_as(once, MINISTRY_FIELD, *pki.ministry, pki.ca, DISTRICT_AT), kassel, counties, pki)
    assert (signed.district.revision, signed.ministry.revision) == (1, 2)
    late = sign_as(once, MINISTRY_FIELD, *pki.ministry, pki.ca, MINISTRY_AT - dt.timedelta(hours=1))
    assert str(refusal_of(late, kassel, counties, pki)) == (
        f"the signature in {MINISTRY_FIELD} says it was made on 2025-08-02 09:00, before the one in {DISTRICT_FIELD} "
        "(2025-08-02 10:00) that it was added after"
    )


def test_a_pdf_pyhanko_cannot_read_is_refused():
    with pytest.raises(SignatureProblem) as refusal:
        _signatures(b"%PDF-1.7\n")
    assert str(refusal.value) == "is not a readable PDF (PdfReadError: Could not read malformed PDF file)"
    assert district_field("landkreis-kassel") == DISTRICT_FIELD


def test_unsigned_and_half_signed_copies_are_a_stage_not_a_fault(blank: bytes, kassel, counties: Path, pki: Pki):
    with pytest.raises(NotSignedByBoth) as refusal:
        judged(blank, kassel, counties, pki)
    assert str(refusal.value) == "carries no signature: both parties must sign before it comes back"
    once = sign_as(blank, DISTRICT_FIELD, *pki.district, pki.ca, DISTRICT_AT)
    with pytest.raises(NotSignedByBoth) as refusal:
        judged(once, kassel, counties, pki)
    assert str(refusal.value) == (
        f"carries only one signature (in {DISTRICT_FIELD}): both parties must sign before it comes back"
    )


def test_a_signature_in_another_field_is_refused(blank: bytes, kassel: Agreement, counties: Path, pki: Pki):
    once = sign_as(blank, MINISTRY_FIELD, *pki.ministry, pki.ca, MINISTRY_AT)
    elsewhere = sign_as(once, "Signatur_Fremd", *pki.district, pki.ca, DISTRICT_AT)
    problem = refusal_of(elsewhere, kassel, counties, pki)
    assert type(problem) is SignatureProblem
    assert str(problem) == (
        f"carries signatures in {MINISTRY_FIELD}, Signatur_Fremd, not exactly one in each of {MINISTRY_FIELD} and "
        f"{DISTRICT_FIELD}"
    )


def document_timestamp(pdf: bytes, pki: Pki, field: str | None = None) -> bytes:
    cert, key = certificate(pki.ca, "Zeitstempeldienst", "Test-TSA", time_stamping=True)
    tsa = DummyTimeStamper(cert, key, SimpleCertificateStore.from_certs([cert, pki.ca.asn1]))
    out = io.BytesIO()
    signers.PdfTimeStamper(tsa, field_name=field).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", output=out
    )
    return out.getvalue()


def test_a_document_timestamp_counts_only_outside_the_parties_fields(
    blank: bytes, both: bytes, kassel: Agreement, counties: Path, pki: Pki
):
    signed = judged(document_timestamp(both, pki), kassel, counties, pki)
    assert (signed.ministry.revision, signed.district.revision) == (1, 2)
    stamped = document_timestamp(blank, pki, MINISTRY_FIELD)
    forged = sign_as(stamped, DISTRICT_FIELD, *pki.district, pki.ca, DISTRICT_AT)
    assert str(refusal_of(forged, kassel, counties, pki)) == (
        f"the signature in {MINISTRY_FIELD} is a document timestamp, not a party's signature"
    )


def test_a_signature_broken_by_a_later_change_names_its_field_and_signer(
    both: bytes, kassel: Agreement, counties: Path, pki: Pki
):
    year = both.rindex(b"/M (D\\0722025") + len(b"/M (D\\072202")  # the district's signing time, as written
    forged = both[:year] + b"6" + both[year + 1 :]  # 2026: same length, same structure
    assert str(refusal_of(forged, kassel, counties, pki)) == (
        f"the signature in {DISTRICT_FIELD} (Andreas Siebert) is broken: the file changed after it was signed"
    )


def test_a_signature_value_changed_in_the_cms_is_broken(both: bytes, kassel: Agreement, counties: Path, pki: Pki):
    """The digest still matches (intact), but the signature over it does not (not valid)."""
    start = both.rindex(b"/Contents <") + len(b"/Contents <")
    der = bytes.fromhex(both[start : both.index(b">", start)].decode())
    value = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signature"].native
    forged = contents_changed(both, value, value[:-1] + bytes([value[-1] ^ 1]))
    checked = crypto.check(embedded(forged, DISTRICT_FIELD), [pki.ca.asn1])
    assert (checked.intact, checked.valid) == (True, False)
    assert str(refusal_of(forged, kassel, counties, pki)) == (
        f"the signature in {DISTRICT_FIELD} (Andreas Siebert) is broken: the file changed after it was signed"
    )


def test_a_trusted_timestamp_gives_the_time_judged(blank: bytes, kassel: Agreement, counties: Path, pki: Pki):
    stamped = dt.datetime(2025, 8, 12, 7, 15, tzinfo=UTC)
    signed = signed_by_district(blank, pki, pki.district, timestamper=stamper(pki.ca, stamped))
    district = judged(signed, kassel, counties, pki, received_on=dt.date(2025, 8, 12)).district
    assert (district.signed_at, district.timestamped_by) == (stamped, "Zeitstempeldienst")
    problem = refusal_of(signed, kassel, counties, pki)  # received on 11 August, the day before the timestamp
    assert str(problem) == (
        f"the signature in {DISTRICT_FIELD} was made on 2025-08-12 by its timestamp (by Zeitstempeldienst), after "
        "the day it was received (2025-08-11)"
    )


def test_a_revision_changing_a_page_is_refused_naming_it(both: bytes, kassel: Agreement, counties: Path, pki: Pki):
    _page, content = page_objects(both)[0]
    with pikepdf.open(io.BytesIO(both)) as doc:
        data = doc.get_object((content, 0)).read_bytes()
    forged = update(both, [(content, stream(data + BLACK_BOX))])
    assert str(refusal_of(forged, kassel, counties, pki)) == (
        "was changed after it left us beyond filling in the signature fields (a page, text or annotation was added "
        f"or altered): revision 3 changes object {content} (the text and drawing of page 1), which no signature "
        "changes"
    )


def test_one_certificate_in_both_fields_is_refused_by_judge(blank: bytes, kassel, counties: Path, pki: Pki):
    once = sign_as(blank, MINISTRY_FIELD, *pki.ministry, pki.ca, MINISTRY_AT)
    twice = sign_as(once, DISTRICT_FIELD, *pki.ministry, pki.ca, DISTRICT_AT)
    assert str(refusal_of(twice, kassel, counties, pki)).startswith(
        f"one certificate ('Heike Hofmann' of {MINISTRY}) signed both {MINISTRY_FIELD} and {DISTRICT_FIELD}"
    )


def signed_by_district(blank: bytes, pki: Pki, who: tuple, ca: object | None = None, **options: object) -> bytes:
    once = sign_as(blank, MINISTRY_FIELD, *pki.ministry, pki.ca, MINISTRY_AT)
    return sign_as(once, DISTRICT_FIELD, *who, ca or pki.ca, DISTRICT_AT, **options)  # type: ignore[arg-type]


def test_judge_refuses_an_expired_certificate_even_when_untrusted_is_accepted(
    blank: bytes, kassel: Agreement, counties: Path, pki: Pki
):
    stranger = make_ca("Unbekannte CA")
    old = certificate(
        stranger, "Andreas Siebert", "Landkreis Kassel", valid=(VALID_FROM, dt.datetime(2025, 4, 1, tzinfo=UTC))
    )
    forged = signed_by_district(blank, pki, old, stranger)
    problem = refusal_of(forged, kassel, counties, pki, accept_untrusted=True)
    assert str(problem) == (
        f"the certificate {DISTRICT_WHO} had expired (2025-04-01) when the signature in {DISTRICT_FIELD} says it was "
        "made"
    )


def test_judge_takes_an_unknown_root_only_when_accepted(blank: bytes, kassel: Agreement, counties: Path, pki: Pki):
    stranger = make_ca("Unbekannte CA")
    forged = signed_by_district(blank, pki, certificate(stranger, "Andreas Siebert", "Landkreis Kassel"), stranger)
    assert isinstance(refusal_of(forged, kassel, counties, pki), UntrustedSignature)
    signed = judged(forged, kassel, counties, pki, accept_untrusted=True)
    assert (signed.district.trusted, signed.ministry.trusted) == (False, True)


def test_judge_refuses_another_party_and_names_a_deputy(blank: bytes, kassel: Agreement, counties: Path, pki: Pki):
    giessen = signed_by_district(blank, pki, pki.person("Andreas Siebert", "Landkreis Gießen"))
    assert str(refusal_of(giessen, kassel, counties, pki)).startswith(
        f"the signature in {DISTRICT_FIELD} is not its party's: the certificate 'Andreas Siebert' of Landkreis Gießen"
    )
    deputy = signed_by_district(blank, pki, pki.person("Eva Vertreterin", "Landkreis Kassel"))
    signed = judged(deputy, kassel, counties, pki, deputies=["Eva Vertreterin", "Heike Hofmann"])
    assert (signed.district.deputy, signed.ministry.deputy) == ("Eva Vertreterin", None)  # the minister is no deputy


def test_judge_refuses_a_signature_outside_the_window(both: bytes, kassel: Agreement, counties: Path, pki: Pki):
    early = refusal_of(both, kassel, counties, pki, sent_at=MINISTRY_AT + dt.timedelta(minutes=1))
    assert str(early) == (
        f"the signature in {MINISTRY_FIELD} was made on 2025-08-02 by its signer's own claim, before the document "
        "was built for signature on 2025-08-02"
    )
    with pytest.raises(SignatureProblem) as refusal:
        judge(both, kassel, counties=counties, roots=[pki.ca.asn1], received_on=dt.date(2025, 8, 10))
    assert str(refusal.value) == (
        f"the signature in {DISTRICT_FIELD} was made on 2025-08-11 by its signer's own claim, after the day it was "
        "received (2025-08-10)"
    )
