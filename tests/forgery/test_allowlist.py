"""The allowlist of changes after our revision (changes.py) and XMP compared by meaning (xmp.py), rule by rule.

Fast: each file is a small hand-written PDF with our form (two empty signature fields, metadata, two pages),
followed by incremental updates written here byte by byte – what signing software writes, and what a forger
writes instead. The signature bytes themselves are not checked here (crypto.py does that); only what each
revision adds and changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zlib

import pytest
from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from agreement_gen.signing.judgement import changes, xmp
from agreement_gen.signing.judgement.changes import ChangeProblem, Review, Signed
from agreement_gen.signing.judgement.structure import Document

from ..signing import make_ca, make_identity, sign
from .conftest import DISTRICT_FIELD, MINISTRY_FIELD
from .updates import stream, tail, update

WANTED = (MINISTRY_FIELD, DISTRICT_FIELD)
RANGE = b"[0 ~~~~~~~~~~ ~~~~~~~~~~ ~~~~~~~~~~]"  # filled in once the revision's bytes are known
ID = b"<00112233445566778899aabbccddeeff>"

# --- our revision: the form our documents have ------------------------------------------------------------------

DC = "http://purl.org/dc/elements/1.1/"
AQB = "urn:agreement-gen:aqb:1.0/"
PACKET = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
  xmlns:dc="{DC}" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<pdf:Producer>LibreOffice 24.2</pdf:Producer>
<xmp:CreatorTool>Writer</xmp:CreatorTool>
<xmp:CreateDate>2025-07-30T12:00:00+00:00</xmp:CreateDate>
<xmp:ModifyDate>2025-07-30T12:00:00+00:00</xmp:ModifyDate>
<xmp:MetadataDate>2025-07-30T12:00:00+00:00</xmp:MetadataDate>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Zielvereinbarung AQB 2025 – Landkreis Kassel</rdf:li>
<rdf:li xml:lang="de-DE">Zielvereinbarung</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>Ministerium</rdf:li><rdf:li>Landkreis Kassel</rdf:li></rdf:Seq></dc:creator>
<dc:subject><rdf:Bag><rdf:li>AQB</rdf:li><rdf:li>Hessen</rdf:li></rdf:Bag></dc:subject>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:aqb="{AQB}">
<aqb:District>landkreis-kassel</aqb:District>
<aqb:FiscalYear>2025</aqb:FiscalYear>
<aqb:Stage>for_signature</aqb:Stage>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()

METADATA = stream(PACKET, b"/Type /Metadata /Subtype /XML ", compress=False)
AP_EMPTY = b" /AP << /N 14 0 R >>"
MINISTRY_BODY = (
    b"<< /FT /Sig /T (Signatur_Ministerium) /Type /Annot /Subtype /Widget /F 132 /Rect [71 323 271 363] /P 6 0 R%s >>"
)
DISTRICT_NAME = b"<" + ("\ufeff" + DISTRICT_FIELD).encode("utf-16-be").hex().encode() + b">"  # a UTF-16 text string
DISTRICT_BODY = (
    b"<< /FT /Sig /T " + DISTRICT_NAME + b" /Type /Annot /Subtype /Widget /F 132 /Rect [321 323 521 363] /P 6 0 R%s >>"
)
FORM = b"<< /Fields [7 0 R 8 0 R]%s >>"
PAGE_1 = b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 9 0 R%s >>"
PAGE_2 = b"<< /Type /Page /Parent 10 0 R /MediaBox [0 0 595 842] /Contents [12 0 R 13 0 R]%s >>"
INFO = b"<< /Title (Zielvereinbarung AQB 2025) /Producer (LibreOffice 24.2) /CreationDate (D:20250730120000Z) >>"
CATALOG = b"<< /Type /Catalog /Pages 3 0 R /AcroForm 4 0 R /Metadata 5 0 R%s >>"
OURS = {
    1: CATALOG % b"",
    2: INFO,
    3: b"<< /Type /Pages /Kids [6 0 R 10 0 R] /Count 2 >>",
    4: FORM % b"",
    5: METADATA,
    6: PAGE_1 % b" /Annots [7 0 R 8 0 R]",
    7: MINISTRY_BODY % AP_EMPTY,
    8: DISTRICT_BODY % AP_EMPTY,
    9: stream(b"BT /F1 12 Tf 72 720 Td (Budget 968.700 Euro) Tj ET"),
    10: b"<< /Type /Pages /Parent 3 0 R /Kids [11 0 R] /Count 1 >>",
    11: PAGE_2 % b"",
    12: stream(b"BT /F1 12 Tf 72 720 Td (Seite 2) Tj ET"),
    13: stream(b"BT /F1 12 Tf 72 700 Td (Unterschriften) Tj ET"),
    14: stream(b"", b"/Type /XObject /Subtype /Form /BBox [0 0 200 40] /Resources << >> ", compress=False),
}
SIZE = len(OURS) + 1  # the first number a revision after ours may add


def ours(**changed: bytes) -> bytes:
    """Our revision, with objects replaced by number (`o3=b'...'`) to model other first revisions."""
    objects = OURS | {int(key[1:]): body for key, body in changed.items()}
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[num] for num in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 2 0 R /ID [%s %s] >>\n" % (len(objects) + 1, ID, ID)
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % at)


def revise(pdf: bytes, *objects: tuple[int, bytes]) -> bytes:
    """`pdf` plus one revision writing `objects`; each signature's /ByteRange then covers it but its /Contents."""
    out = update(pdf, list(objects))
    for match in reversed(list(re.finditer(re.escape(RANGE) + rb" /Contents (<[0-9a-f]*>)", out))):
        start, end = match.span(1)
        ranges = b"[0 %10d %10d %10d]" % (start, end, len(out) - end)
        out = out[: match.start()] + ranges + out[match.start() + len(RANGE) :]
    return out


def signature(kind: bytes = b"Sig", subfilter: bytes = b"ETSI.CAdES.detached", extra: bytes = b"") -> bytes:
    return (
        b"<< /Type /%s /Filter /Adobe.PPKLite /SubFilter /%s /M (D:20250802100000Z)%s /ByteRange %s /Contents <%s> >>"
        % (
            kind,
            subfilter,
            extra,
            RANGE,
            b"00" * 64,
        )
    )


def look(extra: bytes = b"") -> bytes:
    """A signature appearance: a form XObject."""
    return stream(b"q 0 0 1 rg 0 0 200 40 re f Q", b"/Type /XObject /Subtype /Form /BBox [0 0 200 40] %s" % extra)


def field_body(field: str, extra: bytes) -> tuple[int, bytes]:
    return (7, MINISTRY_BODY % extra) if field == MINISTRY_FIELD else (8, DISTRICT_BODY % extra)


def signed(
    pdf: bytes,
    field: str = MINISTRY_FIELD,
    *more: tuple[int, bytes],
    value: bytes | None = None,
    appearance: bytes | None = None,
    fill: bytes | None = None,
    form: bytes | None = b" /SigFlags 3",
) -> bytes:
    """A revision signing `field` as signing software does: /V and /AP /N new, the form's /SigFlags set."""
    new = tail(pdf).size
    objects = [
        field_body(field, fill if fill is not None else b" /V %d 0 R /AP << /N %d 0 R >>" % (new, new + 1)),
        (new, value or signature()),
        (new + 1, appearance or look()),
    ]
    if form is not None:
        objects.append((4, FORM % form))
    return revise(pdf, *objects, *more)


def both() -> bytes:
    return signed(signed(ours()), DISTRICT_FIELD, form=None)


def review(pdf: bytes) -> list[Signed]:
    return changes.review(pdf, WANTED)


def refused(pdf: bytes) -> str:
    with pytest.raises(ChangeProblem) as caught:
        review(pdf)
    return str(caught.value)


# --- what signing writes is taken ---------------------------------------------------------------------------------


def test_our_revision_alone_has_nothing_to_judge():
    assert review(ours()) == []


def test_both_signatures_in_turn_are_taken_and_reported():
    assert review(both()) == [Signed(1, MINISTRY_FIELD, "/Sig", False), Signed(2, DISTRICT_FIELD, "/Sig", False)]


def test_the_district_may_sign_first_and_without_touching_the_form():
    first = signed(ours(), DISTRICT_FIELD, form=None)
    assert review(signed(first)) == [Signed(1, DISTRICT_FIELD, "/Sig", False), Signed(2, MINISTRY_FIELD, "/Sig", False)]


@pytest.mark.parametrize("flags", [b"1", b"3"])
def test_the_forms_signature_flags_may_be_set(flags):
    assert review(signed(ours(), form=b" /SigFlags " + flags))[0].field == MINISTRY_FIELD


@functools.cache
def by_pyhanko() -> bytes:
    """Both fields signed by pyHanko (one throwaway identity for both: only the changes matter here).

    pyHanko writes the field name back as a literal string, so the district's field is one already.
    """
    cert, key, _pem = make_identity("Heike Hofmann")
    plain = ours(o8=DISTRICT_BODY.replace(DISTRICT_NAME, f"({DISTRICT_FIELD})".encode()) % AP_EMPTY)
    return sign(sign(plain, MINISTRY_FIELD, cert, key), DISTRICT_FIELD, cert, key)


def test_pyhankos_own_signatures_are_taken():
    """Real signing software: pyHanko's signature, stamp with an embedded font, /Info and XMP updates."""
    assert review(by_pyhanko()) == [
        Signed(1, MINISTRY_FIELD, "/Sig", False),
        Signed(2, DISTRICT_FIELD, "/Sig", False),
    ]


def test_an_appearance_with_new_resources_is_taken():
    new = SIZE + 2
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Widths %d 0 R >>" % (new + 1)
    resources = b"/Resources << /Font << /F1 %d 0 R /F2 9 0 R >> /ProcSet [/PDF /Text] >> " % new
    pdf = signed(ours(), MINISTRY_FIELD, (new, font), (new + 1, b"[500 600 700]"), appearance=look(resources))
    assert review(pdf) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]


def test_a_signature_without_a_new_appearance_is_taken():
    pdf = revise(ours(), field_body(MINISTRY_FIELD, b" /V %d 0 R" % SIZE + AP_EMPTY), (SIZE, signature()))
    assert review(pdf) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]


@pytest.mark.parametrize(
    "value",
    [
        signature(subfilter=b"adbe.pkcs7.detached"),
        signature().replace(b"/Type /Sig ", b""),  # /Type is optional in a signature dictionary
        signature(extra=b" /Name (Heike Hofmann) /Reason (Zustimmung) /Location (Wiesbaden) /ContactInfo (0611)"),
        signature(extra=b" /Prop_Build << /App << /Name /pyHanko >> >> /Prop_AuthTime 0 /Prop_AuthType /PIN"),
    ],
    ids=["pkcs7", "no-type", "descriptive", "build-properties"],
)
def test_each_signature_dictionary_signing_software_writes_is_taken(value):
    assert review(signed(ours(), value=value)) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]


@pytest.mark.parametrize("version", [b"1.7", b"2.0"])
def test_the_pdf_version_may_be_raised_or_restated(version):
    pdf = signed(ours(), MINISTRY_FIELD, (1, CATALOG % (b" /Version /" + version)))
    assert review(pdf)[0].field == MINISTRY_FIELD


@pytest.mark.parametrize(
    "extensions",
    [
        b"<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >>",
        b"<< /ESIC [<< /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 2 /URL (https://x) "
        b"/ExtensionRevision (1) >>] /ADBE << /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 8 >> >>",
    ],
)
def test_developer_extension_levels_are_taken(extensions):
    pdf = signed(ours(), MINISTRY_FIELD, (1, CATALOG % (b" /Extensions " + extensions)))
    assert review(pdf)[0].field == MINISTRY_FIELD


@pytest.mark.parametrize(
    "info",
    [
        INFO.replace(b"(LibreOffice 24.2)", b"(pyHanko 0.38.0)"),
        INFO.replace(b">>", b"/ModDate (D:20250802100000+02'00') >>"),
        INFO.replace(b">>", b"/ModDate (D:2025) >>"),
        INFO.replace(b">>", b"/ModDate (D:20250802100000Z) >>"),
        INFO.replace(b"(LibreOffice 24.2)", b"(" + b"p" * 256 + b")"),
    ],
    ids=["producer", "moddate-offset", "moddate-year", "moddate-utc", "producer-256"],
)
def test_the_information_signing_software_updates_is_taken(info):
    assert review(signed(ours(), MINISTRY_FIELD, (2, info)))[0].field == MINISTRY_FIELD


# --- a document timestamp ------------------------------------------------------------------------------------------


def timestamped(
    pdf: bytes, *, field: bytes | None = None, annots: bytes | None = None, value: bytes | None = None
) -> bytes:
    """A revision adding an invisible document-timestamp field to the form and page 2."""
    new = tail(pdf).size
    body = (
        field
        or b"<< /FT /Sig /T (Zeitstempel) /Type /Annot /Subtype /Widget /F 132 /Rect [0 0 0 0] /P 11 0 R /V %d 0 R >>"
    )
    objects = [
        (new, body % (new + 1) if b"%d" in body else body),
        (new + 1, value or signature(b"DocTimeStamp", b"ETSI.RFC3161")),
        (4, FORM.replace(b"8 0 R]", b"8 0 R %d 0 R]" % new) % b" /SigFlags 3"),
    ]
    if annots != b"":  # else the page does not list it
        objects.append((11, PAGE_2 % (b" /Annots [%d 0 R]" % new if annots is None else annots)))
    return revise(pdf, *objects)


def test_a_document_timestamp_after_the_signatures_is_taken():
    assert review(timestamped(both()))[-1] == Signed(3, "Zeitstempel", "/DocTimeStamp", False)


def test_a_document_timestamp_may_leave_out_its_rectangle_and_carry_an_appearance():
    new = tail(both()).size
    body = (
        b"<< /FT /Sig /T (Zeitstempel) /TU (Zeit) /Type /Annot /Subtype /Widget /F 132 /P 11 0 R /V %d 0 R "
        b"/AP << /N %d 0 R >> >>" % (new + 1, new + 2)
    )
    pdf = revise(
        both(),
        (new, body),
        (new + 1, signature(b"DocTimeStamp", b"ETSI.RFC3161")),
        (new + 2, look()),
        (4, FORM.replace(b"8 0 R]", b"8 0 R %d 0 R]" % new) % b" /SigFlags 3"),
        (11, PAGE_2 % (b" /Annots [%d 0 R]" % new)),
    )
    assert review(pdf)[-1] == Signed(3, "Zeitstempel", "/DocTimeStamp", False)


def test_a_document_timestamp_annotates_a_page_with_annotations_after_them():
    new = tail(both()).size
    pdf = revise(
        both(),
        (new, b"<< /FT /Sig /T (Zeitstempel) /Rect [5 7 5 7] /P 6 0 R /V %d 0 R >>" % (new + 1)),
        (new + 1, signature(b"DocTimeStamp", b"ETSI.RFC3161")),
        (4, FORM.replace(b"8 0 R]", b"8 0 R %d 0 R]" % new) % b" /SigFlags 3"),
        (6, PAGE_1 % (b" /Annots [7 0 R 8 0 R %d 0 R]" % new)),
    )
    assert review(pdf)[-1] == Signed(3, "Zeitstempel", "/DocTimeStamp", False)


# --- validation data -------------------------------------------------------------------------------------------------


def der_material() -> tuple[bytes, bytes, bytes, bytes]:
    """A certificate, a CRL, an OCSP response and a CMS structure, each as DER, as /DSS holds them."""
    ca = make_ca()
    now = dt.datetime(2025, 8, 12, tzinfo=dt.UTC)
    certificate = ca.cert.public_bytes(serialization.Encoding.DER)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=7))
        .sign(ca.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    info = cms.ContentInfo({"content_type": "data", "content": b"timestamp"}).dump()
    return certificate, crl, response.public_bytes(serialization.Encoding.DER), info


CERT, CRL, OCSP, TOKEN = der_material()
VRI_KEY = b"A" * 40


def with_dss(pdf: bytes, dss: bytes, *streams: bytes, catalog: bytes | None = None) -> bytes:
    """A revision adding /DSS (object SIZE') and its streams (numbered after it, `%(n)d` in `dss` → stream n)."""
    new = tail(pdf).size
    numbers = {f"s{i}": new + 1 + i for i in range(len(streams))}
    objects = [(new, dss.replace(b"@", b"%d" % new) % {k.encode(): v for k, v in numbers.items()})]
    objects += [(new + 1 + i, body) for i, body in enumerate(streams)]
    return revise(pdf, (1, catalog or CATALOG % (b" /DSS %d 0 R" % new)), *objects)


FULL_DSS = (
    b"<< /Type /DSS /Certs [%(s0)d 0 R] /OCSPs [%(s1)d 0 R] /CRLs [%(s2)d 0 R] /VRI << /"
    + VRI_KEY
    + b" << /Type /VRI /Cert [%(s0)d 0 R] /OCSP [%(s1)d 0 R] /CRL [%(s2)d 0 R] /TS %(s3)d 0 R /TU (D:20250812) >> >> >>"
)


def test_validation_data_of_every_kind_is_taken():
    pdf = with_dss(both(), FULL_DSS, stream(CERT), stream(OCSP), stream(CRL), stream(TOKEN, compress=False))
    assert review(pdf)[-1] == Signed(3, None, None, True)


def test_validation_data_in_containers_of_their_own_is_taken_and_may_grow():
    n = tail(both()).size  # /DSS; its containers and streams follow
    dss = b"<< /Certs %(s0)d 0 R /OCSPs %(s1)d 0 R /CRLs %(s2)d 0 R /VRI %(s3)d 0 R >>"
    containers = [
        b"[%d 0 R]" % (n + 5),
        b"[%d 0 R]" % (n + 6),
        b"[%d 0 R]" % (n + 7),
        b"<< /%s %d 0 R >>" % (VRI_KEY, n + 8),
    ]
    first = with_dss(both(), dss, *containers, stream(CERT), stream(OCSP), stream(CRL), b"<< /Cert %d 0 R >>" % (n + 1))
    assert review(first)[-1] == Signed(3, None, None, True)
    grown = revise(  # a new list of certificates, the earlier one left as it was
        first,
        (n, b"<< /Certs %d 0 R >>" % (n + 9)),
        (n + 9, b"[%d 0 R %d 0 R]" % (n + 5, n + 10)),
        (n + 10, stream(CERT)),
    )
    assert review(grown)[-1] == Signed(4, None, None, True)
    changed = revise(first, (n, b"<< /Certs %d 0 R >>" % (n + 1)), (n + 1, b"[%d 0 R]" % (n + 5)))
    assert (
        refused(changed)
        == f"revision 4 changes object {n + 1} (the validation data (/DSS)), which no signature changes"
    )


def test_validation_data_may_come_with_a_signature():
    new = tail(ours()).size
    dss = b"<< /Certs [%d 0 R] >>" % (new + 3)
    pdf = signed(
        ours(), MINISTRY_FIELD, (1, CATALOG % (b" /DSS %d 0 R" % (new + 2))), (new + 2, dss), (new + 3, stream(CERT))
    )
    assert review(pdf) == [Signed(1, MINISTRY_FIELD, "/Sig", True)]


def test_pyhankos_validation_data_is_taken():
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    pdf = by_pyhanko()
    buffer = io.BytesIO(pdf)
    last = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1]
    DocumentSecurityStore.add_dss(
        buffer, last.pkcs7_content, certs=[last.signer_cert], crls=[asn1_crl.CertificateList.load(CRL)]
    )
    assert review(buffer.getvalue())[-1] == Signed(3, None, None, True)


# --- our revision must be the form we send -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        {"o1": b"<< /Type /Catalog /Pages 3 0 R /Metadata 5 0 R >>"},
        {"o1": CATALOG.replace(b"4 0 R", b"<< /Fields [7 0 R 8 0 R] >>") % b""},
        {"o4": b"[7 0 R 8 0 R]"},
    ],
    ids=["no-form", "direct-form", "form-not-a-dictionary"],
)
def test_a_first_revision_without_our_form_is_refused(changed):
    with pytest.raises(ChangeProblem) as caught:
        Review(Document(ours(**changed)), WANTED)
    assert str(caught.value) == "its first revision does not have the form our documents have"


@pytest.mark.parametrize(
    "changed",
    [
        {"o4": b"<< /Fields [7 0 R] >>"},
        {"o4": b"<< /DA (/Helv 0 Tf 0 g) >>"},
        {"o4": b"<< /Fields [7 0 R 9 0 R] >>"},
        {"o4": b"<< /Fields [7 0 R << /T (Signatur_landkreis-kassel) >>] >>"},
        {"o8": DISTRICT_BODY.replace(DISTRICT_NAME, b"(Signatur_fulda)") % b""},
        {
            "o8": DISTRICT_BODY.replace(DISTRICT_NAME, b"<FEFF0053D800>") % b""
        },  # not valid UTF-16: read, not a traceback
        {"o8": DISTRICT_BODY.replace(DISTRICT_NAME, b"(" + DISTRICT_FIELD.encode() + b"x)") % b""},
        {"o8": DISTRICT_BODY.replace(DISTRICT_NAME, b"/" + DISTRICT_FIELD.encode()).replace(b"/T ", b"/TU ") % b""},
    ],
    ids=["one-field", "no-fields", "a-stream", "direct-field", "other-name", "bad-utf16", "longer-name", "no-name"],
)
def test_a_first_revision_without_our_two_fields_is_refused(changed):
    with pytest.raises(ChangeProblem) as caught:
        Review(Document(ours(**changed)), WANTED)
    assert str(caught.value) == (
        "its first revision does not have the two fields Signatur_Ministerium and Signatur_landkreis-kassel"
    )


def test_a_form_whose_field_list_is_an_object_of_its_own_is_read():
    base = ours(o4=b"<< /Fields 15 0 R >>", o15=b"[7 0 R 8 0 R]")
    assert review(signed(base, form=None)) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]


def test_the_pages_are_numbered_in_reading_order_through_the_page_tree():
    """Page 2 sits in a nested page tree node and draws with two content streams."""
    for num, page in ((9, 1), (12, 2), (13, 2)):
        pdf = signed(ours(), MINISTRY_FIELD, (num, stream(b"0 0 0 rg 0 0 595 842 re f")))
        assert refused(pdf) == (
            f"revision 1 changes object {num} (the text and drawing of page {page}), which no signature changes"
        )


@pytest.mark.parametrize(
    ("num", "body", "named"),
    [
        (6, PAGE_1 % b" /Annots [7 0 R 8 0 R] /Rotate 90", "/Rotate of object 6 (page 1)"),
        (11, PAGE_2.replace(b"[12 0 R 13 0 R]", b"[13 0 R 12 0 R]") % b"", "/Contents of object 11 (page 2)"),
    ],
)
def test_a_page_changed_beyond_its_annotations_is_refused(num, body, named):
    assert refused(signed(ours(), MINISTRY_FIELD, (num, body))) == (
        f"revision 1 changes {named}, which no signature changes"
    )


@pytest.mark.parametrize(
    ("num", "body", "described"),
    [
        (3, b"<< /Type /Pages /Kids [10 0 R 6 0 R] /Count 2 >>", "object 3 (the page tree)"),
        (10, b"<< /Type /Pages /Parent 3 0 R /Kids [11 0 R 11 0 R] /Count 2 >>", "object 10"),
        (14, look(), "object 14"),
    ],
)
def test_any_other_object_of_ours_changed_is_refused_and_named(num, body, described):
    assert refused(signed(ours(), MINISTRY_FIELD, (num, body))) == (
        f"revision 1 changes {described}, which no signature changes"
    )


def test_an_entry_of_the_page_tree_that_is_no_page_is_skipped():
    """A page tree listing something other than pages (null, a stream, a dictionary without /Kids): skipped."""
    tree = b"<< /Type /Pages /Kids [6 0 R null 9 0 R 2 0 R 10 0 R] /Count 2 >>"
    plain = OURS[3].ljust(len(tree))  # pikepdf, which writes the update, refuses such a tree: it comes in after
    pdf = signed(ours(o3=plain), MINISTRY_FIELD, (13, stream(b"0 0 0 rg 0 0 595 842 re f"))).replace(plain, tree)
    assert refused(pdf) == "revision 1 changes object 13 (the text and drawing of page 2), which no signature changes"


def test_a_page_tree_that_loops_is_read_once():
    """A first revision not built by us may have a page tree that contains itself: read, not looped forever."""
    loop = b"<< /Type /Pages /Parent 3 0 R /Kids [11 0 R 10 0 R 3 0 R 6 0 R] /Count 1 >>"
    plain = OURS[10].ljust(len(loop))  # pikepdf, which writes the update, refuses the loop: it comes in after
    pdf = signed(ours(o10=plain), MINISTRY_FIELD, (13, stream(b"0 0 0 rg 0 0 595 842 re f"))).replace(plain, loop)
    assert refused(pdf) == "revision 1 changes object 13 (the text and drawing of page 2), which no signature changes"


# --- each revision must sign, timestamp or add validation data, and nothing else --------------------------------------


def test_a_revision_that_only_updates_the_information_is_refused():
    pdf = revise(ours(), (2, INFO.replace(b"(LibreOffice 24.2)", b"(pyHanko)")))
    assert refused(pdf) == "revision 1 carries no signature, document timestamp or validation data"


def test_a_revision_filling_both_fields_is_refused():
    new = SIZE + 2
    pdf = signed(
        ours(),
        MINISTRY_FIELD,
        field_body(DISTRICT_FIELD, b" /V %d 0 R" % new + AP_EMPTY),
        (new, signature()),
    )
    assert refused(pdf) == "revision 1 fills two signature fields at once"


def test_a_new_object_no_signature_uses_is_refused():
    pdf = signed(ours(), MINISTRY_FIELD, (SIZE + 2, stream(b"0 0 0 rg 0 0 595 842 re f")), (SIZE + 3, b"(x)"))
    assert refused(pdf) == f"revision 1 adds object {SIZE + 2}, which no signature uses"


def test_a_new_object_an_existing_one_points_at_is_still_unused():
    """Reachability counts from what a signature adds, not from objects the revision may not change."""
    new = SIZE + 2
    pdf = signed(ours(), MINISTRY_FIELD, (new, b"<< /Secret (x) >>"), appearance=look(b"/Resources << /X 9 0 R >> "))
    assert refused(pdf) == f"revision 1 adds object {new}, which no signature uses"


def test_a_signed_field_may_not_be_changed_again():
    again = revise(both(), field_body(MINISTRY_FIELD, b" /V %d 0 R /AP << /N %d 0 R >>" % (SIZE, SIZE + 1)))
    assert refused(again) == "revision 3 changes the field Signatur_Ministerium after it was signed"


@pytest.mark.parametrize(
    ("part", "role"),
    [
        (0, "the signature value of Signatur_Ministerium"),
        (1, "the appearance of the signature in Signatur_Ministerium"),
    ],
)
def test_what_a_signature_added_may_not_be_changed_later(part, role):
    body = signature() if part == 0 else look()
    later = signed(signed(ours()), DISTRICT_FIELD, (SIZE + part, body.replace(RANGE, b"[0 1 2 3]")), form=None)
    assert refused(later) == f"revision 2 changes object {SIZE + part} ({role}), which no signature changes"


def test_a_resource_of_an_appearance_may_not_be_changed_later():
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    first = signed(
        ours(),
        MINISTRY_FIELD,
        (SIZE + 2, font),
        appearance=look(b"/Resources << /Font << /F1 %d 0 R >> >> " % (SIZE + 2)),
    )
    later = signed(first, DISTRICT_FIELD, (SIZE + 2, font.replace(b"Helvetica", b"Courier")), form=None)
    assert refused(later) == (
        f"revision 2 changes object {SIZE + 2} (the appearance of the signature in Signatur_Ministerium), "
        "which no signature changes"
    )


# --- the field ---------------------------------------------------------------------------------------------------------


def test_a_field_replaced_by_something_else_is_refused():
    assert refused(revise(ours(), (7, b"[1 2 3]"))) == "revision 1 replaces the field Signatur_Ministerium"


def test_a_field_changed_beyond_value_and_appearance_is_refused():
    fill = b" /V %d 0 R /AP << /N %d 0 R >> /Ff 1 /Lock 9 0 R" % (SIZE, SIZE + 1)
    assert refused(signed(ours(), fill=fill)) == (
        "revision 1 changes /Ff, /Lock of object 7 (the field Signatur_Ministerium), which no signature changes"
    )


def test_a_field_given_only_an_appearance_is_refused():
    pdf = revise(ours(), field_body(DISTRICT_FIELD, b" /AP << /N %d 0 R >>" % SIZE), (SIZE, look()))
    assert refused(pdf) == "revision 1 changes the field Signatur_landkreis-kassel without signing it"


@pytest.mark.parametrize(
    ("appearance", "sentence"),
    [
        (b" /AP << /N %d 0 R /D %d 0 R >>" % (SIZE + 1, SIZE + 1), "appearances other than one normal one"),
        (b" /AP [%d 0 R]" % (SIZE + 1), "appearances other than one normal one"),
        (b" /AP << /N 14 0 R /X 1 >>", "appearances other than one normal one"),
        (AP_EMPTY.replace(b"14", b"9"), "an object that is not new in it"),
        (b" /AP << /N %d 0 R >>" % SIZE, "an object that is not new in it"),  # the signature value itself
    ],
    ids=["two-appearances", "not-a-dictionary", "two-keys", "existing", "the-signature-itself"],
)
def test_a_signature_appearance_must_be_one_new_normal_one(appearance, sentence):
    pdf = signed(ours(), fill=b" /V %d 0 R" % SIZE + appearance)
    named = (
        "gives the field Signatur_Ministerium"
        if "normal" in sentence
        else "gives the appearance of Signatur_Ministerium"
    )
    assert refused(pdf) == f"revision 1 {named} {sentence}"


@pytest.mark.parametrize(
    "appearance",
    [
        b"<< /Type /XObject /Subtype /Form >>",
        stream(b"", b"/Type /XObject /Subtype /Image /Width 1 /Height 1 "),
        stream(b"", b"/Type /XObject "),
    ],
    ids=["no-stream", "image", "no-subtype"],
)
def test_a_signature_appearance_must_be_a_form_xobject(appearance):
    assert refused(signed(ours(), appearance=appearance)) == (
        "revision 1's appearance of Signatur_Ministerium is not a form XObject"
    )


# --- the signature dictionary --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fill", [b" /V 9 0 R", b" /V << /Type /Sig >>"], ids=["existing", "direct"])
def test_a_signature_value_must_be_a_new_object(fill):
    pdf = revise(ours(), field_body(MINISTRY_FIELD, fill))
    assert refused(pdf) == "revision 1 gives the value of Signatur_Ministerium an object that is not new in it"


@pytest.mark.parametrize(
    "value",
    [signature(b"DocTimeStamp", b"ETSI.RFC3161"), signature(b"Annot"), b"[0 1 2]", stream(b"x")],
    ids=["timestamp", "other-type", "array", "stream"],
)
def test_a_party_field_filled_with_something_other_than_a_signature_is_refused(value):
    assert refused(signed(ours(), value=value)) == (
        "revision 1 fills Signatur_Ministerium with something other than a Sig dictionary"
    )


def test_a_certification_signature_is_refused_naming_its_extra_entries():
    value = signature(extra=b" /Reference [<< /TransformMethod /DocMDP >>] /Cert (x)")
    assert refused(signed(ours(), value=value)) == (
        "revision 1's signature in Signatur_Ministerium carries /Cert, /Reference, which an approval signature "
        "does not (a certification or field lock, say)"
    )


@pytest.mark.parametrize("subfilter", [b"adbe.x509.rsa_sha1", b"ETSI.RFC3161", b"ETSI.CAdES.detachedX"])
def test_a_signature_in_another_format_is_refused(subfilter):
    assert refused(signed(ours(), value=signature(subfilter=subfilter))) == (
        f"revision 1's signature in Signatur_Ministerium has the format {subfilter.decode()}"
    )


@pytest.mark.parametrize(
    "value",
    [
        signature().replace(RANGE, b"[0 0 0 0]"),
        b"<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents 5 >>",
        signature().replace(b" /ByteRange " + RANGE, b""),
    ],
    ids=["wrong-range", "contents-not-a-string", "no-range"],
)
def test_a_signature_that_does_not_cover_its_revision_is_refused(value):
    assert refused(signed(ours(), value=value)) == (
        "revision 1's signature in Signatur_Ministerium does not cover exactly its revision (its /ByteRange)"
    )


@pytest.mark.parametrize("shift", [(1, 0, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)])
def test_a_byte_range_one_byte_off_is_refused(shift):
    pdf = signed(ours())
    match = list(re.finditer(rb"/ByteRange \[0 +(\d+) +(\d+) +(\d+)\]", pdf))[-1]
    numbers = [int(n) + d for n, d in zip(match.groups(), shift, strict=True)]
    forged = pdf[: match.start()] + b"/ByteRange [0 %10d %10d %10d]" % tuple(numbers) + pdf[match.end() :]
    assert refused(forged) == (
        "revision 1's signature in Signatur_Ministerium does not cover exactly its revision (its /ByteRange)"
    )


def test_a_byte_range_covering_a_later_revision_is_refused():
    """The range must end where the signature's own revision ends, not where the file does."""
    pdf = signed(ours())
    later = signed(pdf, DISTRICT_FIELD, form=None)
    match = next(re.finditer(rb"/ByteRange \[0 +(\d+) +(\d+) +(\d+)\]", later))
    start, end = int(match.group(1)), int(match.group(2))
    forged = (
        later[: match.start()]
        + b"/ByteRange [0 %10d %10d %10d]" % (start, end, len(later) - end)
        + later[match.end() :]
    )
    assert refused(forged) == (
        "revision 1's signature in Signatur_Ministerium does not cover exactly its revision (its /ByteRange)"
    )


def test_a_signature_value_with_new_objects_of_its_own_is_taken():
    new = SIZE + 2
    value = signature(extra=b" /Prop_Build %d 0 R" % new)
    pdf = signed(
        ours(),
        MINISTRY_FIELD,
        (new, b"<< /Filter << /Name /Adobe.PPKLite >> /App [%d 0 R] >>" % (new + 1)),
        (new + 1, b"(pyHanko)"),
        value=value,
    )
    assert review(pdf) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]
    later = signed(pdf, DISTRICT_FIELD, (new + 1, b"(Acrobat)"), form=None)
    assert refused(later) == (
        f"revision 2 changes object {new + 1} (the signature value of Signatur_Ministerium), which no signature changes"
    )


# --- the catalog, the information, the form -------------------------------------------------------------------------


def test_a_catalog_replaced_by_something_else_is_refused():
    assert refused(signed(ours(), MINISTRY_FIELD, (1, b"[1 0 R]"))) == "revision 1 replaces the document catalog"


@pytest.mark.parametrize(
    ("catalog", "keys"),
    [
        (CATALOG % b" /OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "/OpenAction"),
        (CATALOG.replace(b"/AcroForm 4 0 R", b"/AcroForm 2 0 R") % b" /Names 9 0 R", "/AcroForm, /Names"),
    ],
)
def test_a_catalog_changed_beyond_what_signing_sets_is_refused(catalog, keys):
    pdf = signed(ours(), MINISTRY_FIELD, (1, catalog))
    assert refused(pdf) == f"revision 1 changes {keys} of object 1 (the document catalog), which no signature changes"


def test_metadata_removed_from_the_catalog_is_refused():
    pdf = signed(ours(), MINISTRY_FIELD, (1, CATALOG.replace(b" /Metadata 5 0 R", b"") % b""))
    assert refused(pdf) == "revision 1 gives the document's metadata an object that is not new in it"


@pytest.mark.parametrize("version", [b"1.6", b"3.0", b"1.10", b"2.0.1"])
def test_a_lower_or_unknown_pdf_version_is_refused(version):
    pdf = signed(ours(), MINISTRY_FIELD, (1, CATALOG % (b" /Version /" + version)))
    assert refused(pdf) == f"revision 1 sets the PDF version to {version.decode()}"


@pytest.mark.parametrize(
    ("extensions", "sentence"),
    [
        (b"[/ADBE]", "sets developer extensions that are not a dictionary"),
        (
            b"<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 /OpenAction 9 0 R >> >>",
            "sets a developer extension /ADBE beyond a version level",
        ),
        (b"<< /ADBE [<< /ExtensionLevel 8 >> (x)] >>", "sets a developer extension /ADBE beyond a version level"),
        (b"<< /ESIC /Level >>", "sets a developer extension /ESIC beyond a version level"),
        (b"<< /ADBE << /Type /Action /ExtensionLevel 8 >> >>", "sets a developer extension /ADBE of another type"),
        (
            b"<< /ADBE [<< /ExtensionLevel 8 >> << /Type /Catalog >>] >>",
            "sets a developer extension /ADBE of another type",
        ),
    ],
    ids=["array", "extra-key", "entry-not-a-dictionary", "name", "other-type", "other-type-in-list"],
)
def test_developer_extensions_beyond_a_version_level_are_refused(extensions, sentence):
    pdf = signed(ours(), MINISTRY_FIELD, (1, CATALOG % (b" /Extensions " + extensions)))
    assert refused(pdf) == f"revision 1 {sentence}"


def test_information_replaced_by_something_else_is_refused():
    assert refused(signed(ours(), MINISTRY_FIELD, (2, b"[(Title)]"))) == "revision 1 replaces the document information"


def test_information_changed_beyond_producer_and_date_is_refused():
    info = INFO.replace(b"(Zielvereinbarung AQB 2025)", b"(Vertrag)").replace(
        b">>", b"/Author (X) /ModDate (D:2025) >>"
    )
    assert refused(signed(ours(), MINISTRY_FIELD, (2, info))) == (
        "revision 1 changes /Author, /Title of object 2 (the document information), which no signature changes"
    )


@pytest.mark.parametrize(
    ("info", "key"),
    [
        (INFO.replace(b"(LibreOffice 24.2)", b"/pyHanko"), "Producer"),
        (INFO.replace(b"(LibreOffice 24.2)", b"(" + b"p" * 257 + b")"), "Producer"),
        (INFO.replace(b"/Producer (LibreOffice 24.2) ", b""), "Producer"),
        (INFO.replace(b">>", b"/ModDate 20250802 >>"), "ModDate"),
    ],
    ids=["name", "257-bytes", "removed", "number"],
)
def test_information_set_to_something_odd_is_refused(info, key):
    assert refused(signed(ours(), MINISTRY_FIELD, (2, info))) == (
        f"revision 1 sets the document information's /{key} to something odd"
    )


@pytest.mark.parametrize(
    "date", [b"2025-08-02", b"D:202", b"D:20250802100000Z00 ", b"D:20250802100000+02'00'x", b"xD:2025"]
)
def test_a_modification_date_that_is_no_date_is_refused(date):
    info = INFO.replace(b">>", b"/ModDate (" + date + b") >>")
    assert refused(signed(ours(), MINISTRY_FIELD, (2, info))) == (
        "revision 1 sets the document information's /ModDate to no date"
    )


def test_a_form_replaced_by_something_else_is_refused():
    assert refused(signed(ours(), MINISTRY_FIELD, (4, b"[7 0 R 8 0 R]"), form=None)) == "revision 1 replaces the form"


def test_a_form_changed_beyond_flags_and_fields_is_refused():
    assert refused(signed(ours(), form=b" /SigFlags 3 /NeedAppearances true /DA (/Helv 0 Tf)")) == (
        "revision 1 changes /DA, /NeedAppearances of object 4 (the form), which no signature changes"
    )


@pytest.mark.parametrize("flags", [b"2", b"0", b"7", b"/3"])
def test_other_signature_flags_are_refused(flags):
    assert refused(signed(ours(), form=b" /SigFlags " + flags)) == (
        f"revision 1 sets the form's /SigFlags to {flags.decode().strip('/')}"
    )


@pytest.mark.parametrize(
    "fields",
    [b"[8 0 R 7 0 R]", b"[7 0 R]", b"8 0 R", b"[8 0 R 7 0 R %d 0 R]"],
    ids=["reordered", "removed", "not-a-list", "reordered-and-added"],
)
def test_form_fields_removed_or_reordered_are_refused(fields):
    form = FORM.replace(b"[7 0 R 8 0 R]", fields.replace(b"%d", b"%d" % SIZE) if b"%d" in fields else fields)
    assert refused(signed(ours(), MINISTRY_FIELD, (4, form % b" /SigFlags 3"), form=None)) == (
        "revision 1 removes or reorders the form's fields"
    )


# --- a new field: only an invisible document timestamp ----------------------------------------------------------------

TS_FIELD = b"<< /FT /Sig /T (Zeitstempel) /Type /Annot /Subtype /Widget /F 132 /Rect %s /P 11 0 R /V %%d 0 R%s >>"


@pytest.mark.parametrize(
    ("field", "sentence"),
    [
        (b"<< /FT /Tx /T (Betrag) /Rect [0 0 0 0] /V %d 0 R >>", "adds a form field that is not a signature field"),
        (b"<< /T (Zeitstempel) /Rect [0 0 0 0] /V %d 0 R >>", "adds a form field that is not a signature field"),
        (b"[/Sig %d 0 R]", "adds a form field that is not a signature field"),
        (
            TS_FIELD % (b"[100 400 400 460]", b""),
            "adds a visible signature field Zeitstempel (only document timestamps, which are invisible, may be added)",
        ),
        (
            TS_FIELD % (b"[0 0 0 10]", b""),
            "adds a visible signature field Zeitstempel (only document timestamps, which are invisible, may be added)",
        ),
        (
            TS_FIELD % (b"[0 0 10 0]", b""),
            "adds a visible signature field Zeitstempel (only document timestamps, which are invisible, may be added)",
        ),
        (
            TS_FIELD % (b"[0 0 0]", b""),
            "adds a visible signature field Zeitstempel (only document timestamps, which are invisible, may be added)",
        ),
        (
            TS_FIELD % (b"[0 0 0 0 0]", b""),
            "adds a visible signature field Zeitstempel (only document timestamps, which are invisible, may be added)",
        ),
        (
            TS_FIELD % (b"0", b""),
            "adds a visible signature field Zeitstempel (only document timestamps, which are invisible, may be added)",
        ),
        (TS_FIELD.replace(b" /V %%d 0 R", b"") % (b"[0 0 0 0]", b""), "adds an empty signature field Zeitstempel"),
        (
            TS_FIELD % (b"[0 0 0 0]", b" /Ff 2 /A << /S /JavaScript >>"),
            "changes /A, /Ff of object {new} (the new field Zeitstempel), which no signature changes",
        ),
    ],
    ids=[
        "text-field",
        "no-type",
        "array",
        "visible",
        "height",
        "width",
        "short-rect",
        "long-rect",
        "rect-number",
        "empty",
        "extra-keys",
    ],
)
def test_a_new_field_other_than_an_invisible_timestamp_is_refused(field, sentence):
    sentence = sentence.format(new=tail(both()).size)
    assert refused(timestamped(both(), field=field)) == f"revision 3 {sentence}"


def test_a_timestamp_field_must_be_new():
    pdf = timestamped(both())
    new = tail(both()).size
    again = revise(pdf, (4, FORM.replace(b"8 0 R]", b"8 0 R %d 0 R %d 0 R]" % (new, new)) % b" /SigFlags 3"))
    assert refused(again) == "revision 4 gives a new form field an object that is not new in it"


def test_a_timestamp_field_must_hold_a_document_timestamp():
    assert refused(timestamped(both(), value=signature())) == (
        "revision 3 fills Zeitstempel with something other than a DocTimeStamp dictionary"
    )
    untyped = signature(b"DocTimeStamp", b"ETSI.RFC3161").replace(b"/Type /DocTimeStamp ", b"")
    assert refused(timestamped(both(), value=untyped)) == (
        "revision 3 fills Zeitstempel with something other than a DocTimeStamp dictionary"
    )
    assert refused(timestamped(both(), value=signature(b"DocTimeStamp"))) == (
        "revision 3's signature in Zeitstempel has the format ETSI.CAdES.detached"
    )


def test_a_timestamp_field_appearance_must_be_a_form_xobject():
    field = TS_FIELD % (b"[0 0 0 0]", b" /AP << /N 9 0 R >>")
    assert refused(timestamped(both(), field=field)) == (
        "revision 3 gives the appearance of Zeitstempel an object that is not new in it"
    )


def test_a_timestamp_field_missing_from_the_page_is_refused():
    assert refused(timestamped(both(), annots=b"")) == (
        "revision 3 adds an annotation to a page that is not a document timestamp's"
    )


def test_a_new_annotation_that_is_no_timestamp_field_is_refused():
    new = tail(both()).size
    pdf = revise(
        both(),
        (11, PAGE_2 % (b" /Annots [%d 0 R]" % new)),
        (new, b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] >>"),
    )
    assert refused(pdf) == "revision 3 adds an annotation to a page that is not a document timestamp's"


@pytest.mark.parametrize(
    ("annots", "sentence"),
    [
        (b" /Annots [8 0 R 7 0 R]", "removes or reorders the annotations of object 6 (page 1)"),
        (b" /Annots [7 0 R]", "removes or reorders the annotations of object 6 (page 1)"),
        (b"", "removes or reorders the annotations of object 6 (page 1)"),
        (b" /Annots 9 0 R", "removes or reorders the annotations of object 6 (page 1)"),
        (b" /Annots [7 0 R 8 0 R << /Subtype /Link >>]", "adds an annotation to object 6 (page 1) that is no field"),
    ],
    ids=["reordered", "removed", "all-removed", "not-a-list", "direct"],
)
def test_page_annotations_may_only_grow_by_fields(annots, sentence):
    assert refused(signed(ours(), MINISTRY_FIELD, (6, PAGE_1 % annots))) == f"revision 1 {sentence}"


def test_a_page_replaced_by_something_else_is_refused():
    assert refused(signed(ours(), MINISTRY_FIELD, (11, b"[12 0 R]"))) == "revision 1 replaces object 11 (page 2)"


# --- metadata: the same meaning, new dates and producer ----------------------------------------------------------------

RESTYLED = f"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="pyHanko 0.38.0"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
  xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:aqb="{AQB}" pdfaid:part="2" pdfaid:conformance="B"
  pdf:Producer="LibreOffice 24.2; pyHanko 0.38.0" xmp:CreatorTool="Writer" xmp:CreateDate="2025-07-30T12:00:00+00:00"
  xmp:ModifyDate="2025-08-02T10:00:00+00:00" aqb:District="landkreis-kassel" aqb:FiscalYear=" 2025 "
  aqb:Stage="for_signature">
<dc:subject xmlns:dc="{DC}"><rdf:Bag><rdf:li>Hessen</rdf:li><rdf:li>AQB</rdf:li></rdf:Bag></dc:subject>
<dc:creator xmlns:dc="{DC}"><rdf:Seq><rdf:li>Ministerium</rdf:li><rdf:li>Landkreis Kassel</rdf:li></rdf:Seq></dc:creator>
<dc:title xmlns:dc="{DC}"><rdf:Alt><rdf:li xml:lang="de-DE">Zielvereinbarung</rdf:li>
<rdf:li xml:lang="x-default"> Zielvereinbarung AQB 2025 – Landkreis Kassel </rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>""".encode()


def metadata(packet: bytes, extra: bytes = b"/Type /Metadata /Subtype /XML ", compress: bool = True) -> bytes:
    return stream(packet, extra, compress=compress)


def test_metadata_rewritten_in_another_style_with_new_dates_is_taken():
    pdf = signed(ours(), MINISTRY_FIELD, (5, metadata(RESTYLED)))
    assert review(pdf) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]


def test_new_metadata_may_replace_ours_and_be_updated_again():
    new = SIZE + 2
    first = signed(
        ours(), MINISTRY_FIELD, (1, CATALOG.replace(b"5 0 R", b"%d 0 R" % new) % b""), (new, metadata(RESTYLED))
    )
    assert review(first) == [Signed(1, MINISTRY_FIELD, "/Sig", False)]
    again = signed(first, DISTRICT_FIELD, (new, metadata(PACKET, compress=False)), form=None)
    assert review(again)[1] == Signed(2, DISTRICT_FIELD, "/Sig", False)
    changed = signed(first, DISTRICT_FIELD, (new, metadata(PACKET.replace(b"Writer", b"Word"))), form=None)
    assert refused(changed) == "revision 2's metadata changes xmp:CreatorTool, which signing does not change"


def test_new_metadata_that_says_something_else_is_refused():
    new = SIZE + 2
    catalog = CATALOG.replace(b"5 0 R", b"%d 0 R" % new) % b""
    pdf = signed(ours(), MINISTRY_FIELD, (1, catalog), (new, metadata(RESTYLED.replace(b"for_signature", b"signed"))))
    assert refused(pdf) == "revision 1's metadata changes aqb:Stage, which signing does not change"


def test_metadata_where_we_had_none_is_refused():
    bare = ours(o1=CATALOG.replace(b" /Metadata 5 0 R", b"") % b"")
    pdf = signed(
        bare, MINISTRY_FIELD, (1, CATALOG.replace(b"5 0 R", b"%d 0 R" % (SIZE + 2)) % b""), (SIZE + 2, metadata(PACKET))
    )
    assert refused(pdf) == "revision 1's metadata replaces metadata that was not there"


@pytest.mark.parametrize(
    ("packet", "changed"),
    [
        (PACKET.replace(b"landkreis-kassel", b"fulda"), "aqb:District"),
        (PACKET.replace(b"Landkreis Kassel</rdf:li>\n", b"Fulda</rdf:li>\n"), "dc:title"),
        (
            PACKET.replace(b"<pdfaid:part>2</pdfaid:part>", b"<pdfaid:part>3</pdfaid:part>"),
            "http://www.aiim.org/pdfa/ns/id/:part",
        ),
        (PACKET.replace(b"<xmp:CreateDate>2025-07-30", b"<xmp:CreateDate>2025-08-30"), "xmp:CreateDate"),
        (PACKET.replace(b"<pdf:Producer>", b"<pdf:Keywords>Budget</pdf:Keywords><pdf:Producer>"), "pdf:Keywords"),
        (
            PACKET.replace(b"Writer", b"Word").replace(b"2025</aqb:FiscalYear>", b"2026</aqb:FiscalYear>"),
            "xmp:CreatorTool, aqb:FiscalYear",
        ),
    ],
    ids=["district", "title", "pdfa-part", "create-date", "added", "two"],
)
def test_metadata_changed_in_meaning_is_refused_naming_the_properties(packet, changed):
    pdf = signed(ours(), MINISTRY_FIELD, (5, metadata(packet)))
    assert refused(pdf) == f"revision 1's metadata changes {changed}, which signing does not change"


@pytest.mark.parametrize(
    "body",
    [
        metadata(PACKET, b"/Type /Metadata /Subtype /XML /Foo 1 "),
        metadata(PACKET, b"/Type /Metadata /Subtype /XML /DecodeParms << >> "),
        b"<< /Type /Metadata >>",
    ],
    ids=["extra-key", "decode-parameters", "no-stream"],
)
def test_metadata_that_is_not_a_plain_stream_is_refused(body):
    assert refused(signed(ours(), MINISTRY_FIELD, (5, body))) == "revision 1's metadata is not a plain metadata stream"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            stream(PACKET, b"/Type /Metadata /Filter /ASCIIHexDecode ", compress=False),
            "is encoded in a way signing software does not use (ASCIIHexDecode)",
        ),
        (
            stream(PACKET, b"/Type /Metadata /Filter [/FlateDecode /ASCII85Decode] ", compress=False),
            "is encoded in a way signing software does not use (['FlateDecode', 'ASCII85Decode'])",
        ),
        (
            stream(b"not deflated", b"/Filter /FlateDecode ", compress=False),
            "cannot be decoded (Error -3 while decompressing data: incorrect header check)",
        ),
        (
            stream(zlib.compress(b" " * 10_000_001), b"/Filter [/FlateDecode] ", compress=False),
            "decodes to more than 10000000 bytes",
        ),
        (metadata(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"), "has no RDF"),
    ],
    ids=["hex", "two-filters", "not-deflated", "too-large", "no-rdf"],
)
def test_metadata_we_cannot_read_is_refused_saying_why(body, reason):
    assert refused(signed(ours(), MINISTRY_FIELD, (5, body))) == f"revision 1's metadata {reason}"


def test_metadata_in_a_list_of_one_flate_filter_is_read():
    body = stream(zlib.compress(RESTYLED), b"/Type /Metadata /Filter [/FlateDecode] ", compress=False)
    assert review(signed(ours(), MINISTRY_FIELD, (5, body)))[0].field == MINISTRY_FIELD


def test_metadata_of_exactly_the_limit_decodes():
    padded = RESTYLED.replace(b"<?xpacket end", b" " * (10_000_000 - len(RESTYLED)) + b"<?xpacket end")
    assert len(padded) == 10_000_000
    with pytest.raises(ChangeProblem) as caught:
        review(signed(ours(), MINISTRY_FIELD, (5, metadata(padded))))
    assert str(caught.value) == "revision 1's metadata is larger than 1000000 bytes"  # decoded, then judged as XMP


# --- validation data: certificates, OCSP responses and CRLs that parse as such -------------------------------------------

DSS_WHAT = "revision 3's validation data (/DSS)"


@pytest.mark.parametrize(
    ("dss", "streams", "sentence"),
    [
        (
            b"<< /Certs [%(s0)d 0 R] /JavaScript (x) >>",
            [stream(CERT)],
            "holds more than certificates, OCSP responses and CRLs",
        ),
        (b"[%(s0)d 0 R]", [stream(CERT)], "holds more than certificates, OCSP responses and CRLs"),
        (b"<< /Certs [%(s0)d 0 R] >>", [stream(CRL)], "holds bytes that are not a Certificate (ValueError)"),
        (b"<< /OCSPs [%(s0)d 0 R] >>", [stream(CERT)], "holds bytes that are not a OCSPResponse (ValueError)"),
        (b"<< /CRLs [%(s0)d 0 R] >>", [stream(OCSP)], "holds bytes that are not a CertificateList (ValueError)"),
        (
            b"<< /CRLs [%(s0)d 0 R] >>",
            [stream(CRL + b"\x00")],
            "holds bytes that are not a CertificateList (ValueError)",
        ),
        (b"<< /Certs [%(s0)d 0 R] >>", [b"(certificate)"], "holds an entry that is not a stream"),
        (b"<< /Certs [(certificate)] >>", [], "holds an entry that is not a stream"),
        (
            b"<< /Certs [%(s0)d 0 R] >>",
            [stream(CERT, b"/DecodeParms << /Predictor 12 >> ")],
            "is encoded in a way signing software does not use (FlateDecode)",
        ),
        (b"<< /VRI [%(s0)d 0 R] >>", [stream(CERT)], "has a /VRI that is not a dictionary"),
        (
            b"<< /VRI << /" + VRI_KEY.lower() + b" << >> >> >>",
            [],
            "has a /VRI entry /" + VRI_KEY.lower().decode() + " that does not name a signature",
        ),
        (
            b"<< /VRI << /" + VRI_KEY[:-1] + b" << >> >> >>",
            [],
            "has a /VRI entry /" + VRI_KEY[:-1].decode() + " that does not name a signature",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b"0 << >> >> >>",
            [],
            "has a /VRI entry /" + VRI_KEY.decode() + "0 that does not name a signature",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b" [%(s0)d 0 R] >> >>",
            [stream(CERT)],
            "has a /VRI entry /" + VRI_KEY.decode() + " that does not name a signature",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b" << /Cert [%(s0)d 0 R] /URI (x) >> >> >>",
            [stream(CERT)],
            "'s /VRI entry holds more than validation data",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b" << /Cert [%(s0)d 0 R] >> >> >>",
            [stream(CRL)],
            "holds bytes that are not a Certificate (ValueError)",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b" << /OCSP [%(s0)d 0 R] >> >> >>",
            [stream(CERT)],
            "holds bytes that are not a OCSPResponse (ValueError)",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b" << /CRL [%(s0)d 0 R] >> >> >>",
            [stream(OCSP)],
            "holds bytes that are not a CertificateList (ValueError)",
        ),
        (
            b"<< /VRI << /" + VRI_KEY + b" << /TS %(s0)d 0 R >> >> >>",
            [stream(CERT)],
            "holds bytes that are not a ContentInfo (ValueError)",
        ),
    ],
    ids=[
        "extra-key",
        "not-a-dictionary",
        "crl-as-cert",
        "cert-as-ocsp",
        "ocsp-as-crl",
        "trailing-byte",
        "string",
        "direct-string",
        "predictor",
        "vri-array",
        "vri-lowercase",
        "vri-short",
        "vri-long",
        "vri-entry-array",
        "vri-extra-key",
        "vri-cert",
        "vri-ocsp",
        "vri-crl",
        "vri-ts",
    ],
)
def test_validation_data_beyond_what_it_may_hold_is_refused(dss, streams, sentence):
    err = refused(with_dss(both(), dss, *streams))
    assert err.startswith(DSS_WHAT) and err == DSS_WHAT + ("" if sentence.startswith("'s") else " ") + sentence


def test_validation_data_must_be_an_object_of_its_own():
    pdf = revise(both(), (1, CATALOG % b" /DSS << /Certs [] >>"))
    assert refused(pdf) == "revision 3's validation data (/DSS) is not an object of its own"


def test_validation_data_may_not_grow_by_other_things_later():
    first = with_dss(both(), b"<< /Certs [%(s0)d 0 R] >>", stream(CERT))
    num = tail(both()).size
    later = revise(first, (num, b"<< /Certs [%d 0 R] /Perms << >> >>" % (num + 1)))
    assert refused(later) == "revision 4's validation data (/DSS) holds more than certificates, OCSP responses and CRLs"
    cert = revise(first, (num + 1, stream(b"Zahlung an Konto DE00")))
    assert (
        refused(cert) == f"revision 4 changes object {num + 1} (the validation data (/DSS)), which no signature changes"
    )


def test_a_validation_stream_listed_twice_is_read_once_and_taken():
    dss = b"<< /Certs [%(s0)d 0 R %(s0)d 0 R] /VRI << /" + VRI_KEY + b" << /Cert [%(s0)d 0 R] >> >> >>"
    assert review(with_dss(both(), dss, stream(CERT)))[-1] == Signed(3, None, None, True)


# --- XMP by meaning ----------------------------------------------------------------------------------------------------

RDF_OPEN = (
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" '
    b'xmlns:aqb="urn:agreement-gen:aqb:1.0/" xmlns:ex="http://example.org/ns/">'
)


def rdf(*descriptions: bytes) -> bytes:
    """An rdf:RDF with descriptions of the document, as a bare packet."""
    return RDF_OPEN + b"".join(descriptions) + b"</rdf:RDF>"


def about(body: bytes, attributes: bytes = b"") -> bytes:
    return b'<rdf:Description rdf:about=""%s>%s</rdf:Description>' % (attributes, body)


def test_our_packet_and_pyhankos_restyling_say_the_same():
    assert xmp.changed_properties(PACKET, RESTYLED) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (about(b"<aqb:District>kassel</aqb:District>"), about(b"", b' aqb:District="kassel"')),
        (
            about(b"<aqb:District>kassel</aqb:District>") + about(b"<aqb:Stage>sent</aqb:Stage>"),
            about(b"<aqb:Stage>sent</aqb:Stage><aqb:District>kassel</aqb:District>"),
        ),
        (about(b"<aqb:District>\n  kassel </aqb:District>"), about(b"<aqb:District>kassel</aqb:District>")),
        (about(b'<ex:link rdf:resource=" http://x/ "/>'), about(b'<ex:link rdf:resource="http://x/"></ex:link>')),
        (
            about(b'<ex:s rdf:parseType="Resource"><ex:a>1</ex:a><ex:b>2</ex:b></ex:s>'),
            about(b'<ex:s><rdf:Description ex:b="2"><ex:a>1</ex:a></rdf:Description></ex:s>'),
        ),
        (
            about(b'<ex:s rdf:parseType="Resource" ex:a="1"><ex:b>2</ex:b></ex:s>'),
            about(b'<ex:s ex:b=" 2 " ex:a="1"/>'),
        ),
        (about(b'<ex:s ex:a="1" xml:lang="de"/>'), about(b'<ex:s rdf:parseType="Resource"><ex:a>1</ex:a></ex:s>')),
        (
            about(b'<ex:s><rdf:Description xml:lang="de" ex:a="1"/></ex:s>'),
            about(b'<ex:s><rdf:Description ex:a="1"/></ex:s>'),
        ),
        (
            about(
                b"<dc:title><rdf:Alt><rdf:li xml:lang='de'>T</rdf:li><rdf:li xml:lang='x-default'>D</rdf:li></rdf:Alt></dc:title>"
            ),
            about(
                b"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>D</rdf:li><rdf:li xml:lang='de'>T</rdf:li></rdf:Alt></dc:title>"
            ),
        ),
        (
            about(b"<dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>"),
            about(b"<dc:subject><rdf:Bag><rdf:li>b</rdf:li><rdf:li> a</rdf:li></rdf:Bag></dc:subject>"),
        ),
        (
            about(b"<ex:list><rdf:Seq><rdf:li rdf:parseType='Resource'><ex:a>1</ex:a></rdf:li></rdf:Seq></ex:list>"),
            about(b"<ex:list><rdf:Seq><rdf:li ex:a='1'/></rdf:Seq></ex:list>"),
        ),
        (
            about(b"<aqb:Stage>sent</aqb:Stage>"),
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            + rdf(b'<rdf:Description rdf:about="" aqb:Stage="sent"/>')
            + b"</x:xmpmeta>",
        ),
        (about(b"<aqb:Stage>sent</aqb:Stage>"), rdf(b'<rdf:Description aqb:Stage="sent"/>')),
        (about(b"<aqb:Note/>"), about(b"<aqb:Note> </aqb:Note>")),
    ],
    ids=[
        "attribute",
        "merged",
        "whitespace",
        "resource",
        "nested-resource",
        "resource-attributes",
        "qualifier-lang",
        "description-lang",
        "alt-order",
        "bag-order",
        "seq-of-resources",
        "wrapped",
        "no-about",
        "empty",
    ],
)
def test_rdf_styles_read_as_equal(before, after):
    before = before if before.startswith(b"<x:") or before.startswith(RDF_OPEN) else rdf(before)
    after = after if after.startswith((b"<x:", RDF_OPEN)) else rdf(after)
    assert xmp.statements(before) == xmp.statements(after)
    assert xmp.changed_properties(before, after) == []


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        (
            b"<dc:creator><rdf:Seq><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Seq></dc:creator>",
            b"<dc:creator><rdf:Seq><rdf:li>b</rdf:li><rdf:li>a</rdf:li></rdf:Seq></dc:creator>",
            ["dc:creator"],
        ),
        (
            b"<dc:creator><rdf:Seq><rdf:li>a</rdf:li></rdf:Seq></dc:creator>",
            b"<dc:creator><rdf:Bag><rdf:li>a</rdf:li></rdf:Bag></dc:creator>",
            ["dc:creator"],
        ),
        (
            b"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>T</rdf:li></rdf:Alt></dc:title>",
            b"<dc:title><rdf:Alt><rdf:li xml:lang='de'>T</rdf:li></rdf:Alt></dc:title>",
            ["dc:title"],
        ),
        (
            b"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>T</rdf:li></rdf:Alt></dc:title>",
            b"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>T</rdf:li><rdf:li xml:lang='x-default'>T</rdf:li></rdf:Alt></dc:title>",
            ["dc:title"],
        ),
        (
            b"<ex:s rdf:parseType='Resource'><ex:a>1</ex:a></ex:s>",
            b"<ex:s rdf:parseType='Resource'><ex:a>2</ex:a></ex:s>",
            ["http://example.org/ns/:s"],
        ),
        (b"<ex:s ex:a='1'/>", b"<ex:s ex:b='1'/>", ["http://example.org/ns/:s"]),
        (b"<aqb:Stage>sent</aqb:Stage>", b"<aqb:Stage>sent</aqb:Stage><aqb:Stage>sent</aqb:Stage>", ["aqb:Stage"]),
        (b"<aqb:Stage>sent</aqb:Stage>", b"", ["aqb:Stage"]),
        (
            b"",
            b"<pdf:Keywords>x</pdf:Keywords><xmp:Label>y</xmp:Label><dc:rights>z</dc:rights>",
            ["pdf:Keywords", "xmp:Label", "dc:rights"],
        ),
    ],
    ids=[
        "seq-order",
        "seq-to-bag",
        "lang",
        "alt-repeated",
        "resource-value",
        "qualifier-name",
        "repeated",
        "removed",
        "added",
    ],
)
def test_a_change_in_meaning_is_named(before, after, changed):
    assert xmp.changed_properties(rdf(about(before)), rdf(about(after))) == changed


def test_exactly_the_dates_and_producer_signing_updates_are_left_out():
    before = about(
        b"<xmp:ModifyDate>2025-07-30</xmp:ModifyDate><xmp:MetadataDate>2025-07-30</xmp:MetadataDate>"
        b"<pdf:Producer>LibreOffice</pdf:Producer>"
    )
    after = about(b"", b' xmp:ModifyDate="2025-08-02" xmp:MetadataDate="2025-08-02" pdf:Producer="pyHanko"')
    assert xmp.changed_properties(rdf(before), rdf(after)) == []
    assert xmp.changed_properties(rdf(before), rdf(about(b""))) == []  # and may leave them out
    for other in (
        b"xmp:CreateDate",
        b"xmp:CreatorTool",
        b"pdf:Keywords",
        b"pdf:PDFVersion",
        b"dc:date",
        b"xmp:Producer",
    ):
        tag = other
        one, two = b"<%s>1</%s>" % (tag, tag), b"<%s>2</%s>" % (tag, tag)
        name = other.decode()
        assert xmp.changed_properties(rdf(about(one)), rdf(about(two))) == [name], name


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"<rdf:RDF", "is not well-formed XML (unclosed token: line 1, column 0)"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x/>', "declares a document type or entities"),
        (b"<!DOCTYPE rdf:RDF>" + rdf(about(b"")), "declares a document type or entities"),
        (b'<x><!ENTITY a "b"></x>', "declares a document type or entities"),
        (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><x:other/></x:xmpmeta>', "has no RDF"),
        (b"<rdf:RDF xmlns:rdf='urn:not-rdf'/>", "has no RDF"),
        (
            rdf(b'<rdf:Description rdf:about="urn:other"><aqb:Stage>x</aqb:Stage></rdf:Description>'),
            "describes something other than the document ({http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description)",
        ),
        (
            rdf(b"<aqb:Stage>x</aqb:Stage>"),
            "describes something other than the document ({urn:agreement-gen:aqb:1.0/}Stage)",
        ),
        (
            rdf(about(b"<ex:s><ex:a>1</ex:a><ex:b>2</ex:b></ex:s>")),
            "the property {http://example.org/ns/}s has a structure XMP does not define",
        ),
        (
            rdf(about(b"<ex:s><ex:a>1</ex:a></ex:s>")),
            "the property {http://example.org/ns/}s has a structure XMP does not define",
        ),
        (
            rdf(about(b"<ex:s><rdf:Seq/><rdf:Seq/></ex:s>")),
            "the property {http://example.org/ns/}s has a structure XMP does not define",
        ),
        (
            rdf(about(b"<ex:s><rdf:List/></ex:s>")),
            "the property {http://example.org/ns/}s has a structure XMP does not define",
        ),
        (
            rdf(about(b"<ex:s><rdf:Seq><rdf:li><ex:a>1</ex:a></rdf:li></rdf:Seq></ex:s>")),
            "the property {http://www.w3.org/1999/02/22-rdf-syntax-ns#}li has a structure XMP does not define",
        ),
    ],
    ids=[
        "unclosed",
        "doctype",
        "doctype-alone",
        "entity",
        "no-rdf",
        "rdf-of-another-namespace",
        "about-other",
        "not-a-description",
        "two-children",
        "undescribed-child",
        "two-containers",
        "unknown-container",
        "li-structure",
    ],
)
def test_a_packet_we_cannot_read_says_why(packet, reason):
    with pytest.raises(xmp.XmpError) as caught:
        xmp.changed_properties(rdf(about(b"")), packet)
    assert str(caught.value) == reason
    with pytest.raises(xmp.XmpError):
        xmp.changed_properties(packet, rdf(about(b"")))


def test_a_packet_of_up_to_a_million_bytes_is_read():
    packet = rdf(about(b"<aqb:Stage>x</aqb:Stage>"))
    padded = packet.replace(b"</rdf:RDF>", b" " * (1_000_000 - len(packet)) + b"</rdf:RDF>")
    assert len(padded) == 1_000_000
    assert xmp.changed_properties(packet, padded) == []
    with pytest.raises(xmp.XmpError) as caught:
        xmp.statements(padded + b" ")
    assert str(caught.value) == "is larger than 1000000 bytes"


def test_statements_are_a_multiset_of_predicates_and_values():
    packet = rdf(
        about(b"<dc:subject><rdf:Bag><rdf:li>b</rdf:li><rdf:li>a</rdf:li></rdf:Bag></dc:subject>", b' aqb:Stage="x"'),
        about(b"<aqb:Stage>x</aqb:Stage><ex:s ex:a='1'/>"),
    )
    bag = f"{{{xmp.RDF}}}Bag"
    assert xmp.statements(packet) == {
        (f"{{{AQB}}}Stage", "x"): 2,
        (f"{{{DC}}}subject", (bag, ((None, "a"), (None, "b")))): 1,
        ("{http://example.org/ns/}s", ("node", (("{http://example.org/ns/}a", "1"),))): 1,
    }


@pytest.mark.parametrize(
    "body",
    [
        b'<aqb:District aqb:x="1">fulda</aqb:District>',
        b'<aqb:District rdf:resource="kassel">fulda</aqb:District>',
        b'<aqb:District rdf:resource="kassel"><aqb:x>1</aqb:x></aqb:District>',
        b'<aqb:District rdf:parseType="Resource"><aqb:x>1</aqb:x>fulda</aqb:District>',
        b"<aqb:District>fulda<rdf:Seq><rdf:li>kassel</rdf:li></rdf:Seq></aqb:District>",
        b"<aqb:District><rdf:Seq>fulda<rdf:li>kassel</rdf:li></rdf:Seq></aqb:District>",
        b"<aqb:District><rdf:Seq><rdf:li>kassel</rdf:li>fulda</rdf:Seq></aqb:District>",
        b"<aqb:District><rdf:Description>fulda<aqb:x>1</aqb:x></rdf:Description></aqb:District>",
    ],
    ids=[
        "qualified",
        "resource",
        "resource-children",
        "parse-type",
        "before-container",
        "in-container",
        "after-item",
        "description",
    ],
)
def test_text_beside_a_structure_is_refused_not_overlooked(body):
    """A reader may show the text, we would compare the structure: such a packet is not read at all."""
    with pytest.raises(xmp.XmpError) as caught:
        xmp.statements(rdf(about(body)))
    assert re.fullmatch(
        r"the property \{(urn:agreement-gen:aqb:1.0/|http://www.w3.org/1999/02/22-rdf-syntax-ns#)\}(District|Description) has a structure XMP does not define",
        str(caught.value),
    )


def test_text_in_a_description_of_the_document_is_refused():
    with pytest.raises(xmp.XmpError, match="has a structure XMP does not define"):
        xmp.statements(rdf(about(b"fulda<aqb:Stage>x</aqb:Stage>")))


def test_values_of_different_kinds_are_compared_without_a_traceback():
    """A property given as text and as a resource, items with and without a language: sorted all the same."""
    mixed = about(
        b"<ex:s>1</ex:s><ex:s ex:a='1'/><dc:subject><rdf:Bag><rdf:li xml:lang='de'>a</rdf:li><rdf:li>b</rdf:li>"
        b"</rdf:Bag></dc:subject>"
    )
    reordered = about(
        b"<dc:subject><rdf:Bag><rdf:li>b</rdf:li><rdf:li xml:lang='de'>a</rdf:li></rdf:Bag></dc:subject>"
        b"<ex:s ex:a='1'/><ex:s>1</ex:s>"
    )
    assert xmp.changed_properties(rdf(mixed), rdf(reordered)) == []
    assert xmp.changed_properties(rdf(mixed), rdf(about(b"<ex:s>1</ex:s>"))) == [
        "http://example.org/ns/:s",
        "dc:subject",
    ]


def test_replaced_metadata_may_not_be_changed_later():
    new = SIZE + 2
    first = signed(
        ours(), MINISTRY_FIELD, (1, CATALOG.replace(b"5 0 R", b"%d 0 R" % new) % b""), (new, metadata(RESTYLED))
    )
    ours_changed = signed(first, DISTRICT_FIELD, (5, metadata(PACKET.replace(b"kassel", b"fulda"))), form=None)
    assert refused(ours_changed) == "revision 2 changes object 5 (the document's metadata), which no signature changes"
    newer = tail(first).size + 2
    second = signed(
        first,
        DISTRICT_FIELD,
        (1, CATALOG.replace(b"5 0 R", b"%d 0 R" % newer) % b""),
        (newer, metadata(PACKET)),
        form=None,
    )
    assert review(second)[1] == Signed(2, DISTRICT_FIELD, "/Sig", False)
    third = revise(second, (new, metadata(PACKET.replace(b"kassel", b"fulda"))))
    assert refused(third) == f"revision 3 changes object {new} (the document's metadata), which no signature changes"


def test_two_document_timestamps_in_one_revision_are_refused():
    """Each on its own page: both annotations are fields of the revision, but one revision signs once."""
    new = tail(both()).size
    pdf = revise(
        both(),
        (new, b"<< /FT /Sig /T (Zeit1) /Rect [0 0 0 0] /P 6 0 R /V %d 0 R >>" % (new + 1)),
        (new + 1, signature(b"DocTimeStamp", b"ETSI.RFC3161")),
        (new + 2, b"<< /FT /Sig /T (Zeit2) /Rect [0 0 0 0] /P 11 0 R /V %d 0 R >>" % (new + 3)),
        (new + 3, signature(b"DocTimeStamp", b"ETSI.RFC3161")),
        (4, FORM.replace(b"8 0 R]", b"8 0 R %d 0 R %d 0 R]" % (new, new + 2)) % b" /SigFlags 3"),
        (6, PAGE_1 % (b" /Annots [7 0 R 8 0 R %d 0 R]" % new)),
        (11, PAGE_2 % (b" /Annots [%d 0 R]" % (new + 2))),
    )
    assert refused(pdf) == "revision 3 fills two signature fields at once"


def test_replaced_validation_data_may_not_be_changed_later():
    first = with_dss(both(), b"<< /Certs [%(s0)d 0 R] >>", stream(CERT))
    old = tail(both()).size
    second = with_dss(first, b"<< /CRLs [%(s0)d 0 R] >>", stream(CRL))
    assert review(second)[-1] == Signed(4, None, None, True)
    changed = revise(second, (old, b"<< /Certs [] >>"))
    assert (
        refused(changed) == f"revision 5 changes object {old} (the validation data (/DSS)), which no signature changes"
    )


def test_metadata_compared_with_an_earlier_packet_we_cannot_read_is_refused():
    hex_packet = stream(PACKET.hex().encode(), b"/Type /Metadata /Filter /ASCIIHexDecode ", compress=False)
    pdf = signed(ours(o5=hex_packet), MINISTRY_FIELD, (5, metadata(RESTYLED)))
    assert refused(pdf) == "revision 1's metadata is encoded in a way signing software does not use (ASCIIHexDecode)"
