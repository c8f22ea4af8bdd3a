"""PDF output with LibreOffice: PDF/A-2b, tagged, de-DE, fonts embedded, signable, and the DOCX's words."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from agreement_gen.cli import run
from agreement_gen.pdf.checks import failures, verify_pdf
from agreement_gen.pdf.fields import PLACE_DATE_LINE, text_lines
from agreement_gen.render.text import paragraphs, words
from agreement_gen.signing.report import signature_report

from .conftest import build_into
from .signing import MINISTRY, make_identity, sign

pytestmark = pytest.mark.slow

MARKINGS = ("MUSTER – Beispieldaten, kein gültiger Vertrag", "ENTWURF")
GLYPH_TOKENS = {"-", "–", "•"}  # list bullets: "- " in the DOCX text, a drawn "–" in the PDF


@pytest.fixture(scope="module")
def built(built_2025: Path) -> Path:
    """All 26 districts of 2025 built once (DOCX + PDF) into a temporary output folder."""
    return built_2025


@pytest.fixture(scope="module")
def for_signature(built: Path) -> Path:
    """Darmstadt-Dieburg previewed at stage for_signature."""
    root = built.parents[1]
    out = root / "build-for-signature"
    code = build_into(root, out, "--only", "darmstadt-dieburg", "--stage", "for_signature")
    assert code == 0
    return out / "2025" / "darmstadt-dieburg.pdf"


def comparable(text: str) -> list[str]:
    """Words split after hyphens too: LibreOffice may break a line after "OloV-" in "OloV-Steuerungsgruppen"."""
    return [part for w in words(text) if w not in GLYPH_TOKENS for part in re.split(r"(?<=-)(?=.)", w)]


def pdf_words(path: Path) -> list[str]:
    """The body words of a PDF: header markings and the "Seite X von Y" footer removed."""
    lines = []
    for page in PdfReader(str(path)).pages:
        for line in page.extract_text().splitlines():
            stripped = line.strip()
            if stripped in MARKINGS or (stripped.startswith("Seite ") and " von " in stripped):
                continue
            lines.append(stripped)
    return comparable(" ".join(lines))


def docx_words(path: Path) -> list[str]:
    return comparable(" ".join(paragraphs(path)))


def test_26_pdfs_pass_every_check(built):
    pdfs = sorted(built.glob("*.pdf"))
    assert len(pdfs) == 26
    for pdf in pdfs:
        findings = verify_pdf(pdf.read_bytes())
        assert not failures(findings), (pdf.name, [str(f) for f in findings])


def test_pdfa_identification_language_and_title(built):
    with pikepdf.open(built / "darmstadt-dieburg.pdf") as doc:
        meta = doc.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == "Zielvereinbarung AQB 2025 – Landkreis Darmstadt-Dieburg"
        assert str(doc.docinfo["/Title"]) == meta["dc:title"]
        assert str(doc.Root.Lang) == "de-DE"
        assert doc.Root.ViewerPreferences.DisplayDocTitle
        assert "/StructTreeRoot" in doc.Root and doc.Root.MarkInfo.Marked
        assert str(doc.docinfo["/Author"]) == "Hessisches Ministerium für Arbeit, Integration, Jugend und Soziales"
        assert "Ausbildungs- und Qualifizierungsbudget" in str(doc.docinfo["/Subject"])
        assert "AQB" in str(doc.docinfo["/Keywords"]) and "Landkreis Darmstadt-Dieburg" in str(doc.docinfo["/Keywords"])


def test_every_font_is_embedded_says_pdffonts(built):
    for name in ("darmstadt-dieburg.pdf", "frankfurt.pdf"):
        out = subprocess.run(["pdffonts", str(built / name)], capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows, out
        for row in rows:
            assert "Liberation" in row and row.split()[-5] == "yes", row  # column "emb"


def test_qpdf_finds_no_structural_errors(built):
    result = subprocess.run(["qpdf", "--check", str(built / "wiesbaden.pdf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("slug", ["darmstadt-dieburg", "frankfurt", "hochtaunus", "offenbach"])
def test_pdf_text_is_the_docx_text(built, slug):
    assert pdf_words(built / f"{slug}.pdf") == docx_words(built / f"{slug}.docx")


def test_signed_reference_shows_places_dates_names_and_no_fields(built):
    text = " ".join(page.extract_text() for page in PdfReader(str(built / "darmstadt-dieburg.pdf")).pages)
    assert "Wiesbaden, den 2.8.2025" in text and "Darmstadt, den 11.08.2025" in text
    assert "Heike Hofmann" in text and "Christel Sprößler" in text
    assert "ENTWURF" not in text and "MUSTER" not in text
    with pikepdf.open(built / "darmstadt-dieburg.pdf") as doc:
        assert "/AcroForm" not in doc.Root


def test_draft_shows_entwurf_and_muster_on_every_page(built):
    pages = PdfReader(str(built / "fulda.pdf")).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        assert "ENTWURF" in text, number
        assert "MUSTER – Beispieldaten" in text, number
        assert f"Seite {number} von {len(pages)}" in text


def test_for_signature_has_two_fields_over_the_signature_lines(for_signature):
    data = for_signature.read_bytes()
    with pikepdf.open(io.BytesIO(data)) as doc:
        last = len(doc.pages) - 1
        widgets = {
            str(a.T): [float(v) for v in a.Rect] for a in doc.pages[last].get("/Annots", []) if a.get("/FT") == "/Sig"
        }
        assert "/NeedAppearances" not in doc.Root.AcroForm
    assert set(widgets) == {"Signatur_Ministerium", "Signatur_darmstadt-dieburg"}
    lines = text_lines(data, last)
    anchors = sorted((line for line in lines if PLACE_DATE_LINE.match(line.text)), key=lambda line: line.x)
    names = {line.text: line for line in lines if line.text in ("Heike Hofmann", "Christel Sprößler")}
    for field, anchor, name in zip(
        ("Signatur_Ministerium", "Signatur_darmstadt-dieburg"),
        anchors,
        ("Heike Hofmann", "Christel Sprößler"),
        strict=True,
    ):
        x1, y1, x2, y2 = widgets[field]
        assert abs(x1 - anchor.x) < 2, field  # starts where the column's text starts
        assert names[name].y < y1 < y2 < anchor.y, field  # between the place/date line and the name
        assert y2 - y1 >= 25 and x2 - x1 >= 150, field
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert text.count(", den ___") == 2  # blank lines for place and date


def test_both_parties_sign_one_after_the_other_and_both_stay_valid(for_signature, tmp_path):
    ministry_cert, ministry_key, _ = make_identity("Heike Hofmann", MINISTRY)
    district_cert, district_key, _ = make_identity("Christel Sprößler", "Landkreis Darmstadt-Dieburg")
    once = sign(for_signature.read_bytes(), "Signatur_Ministerium", ministry_cert, ministry_key)
    twice = sign(once, "Signatur_darmstadt-dieburg", district_cert, district_key)

    reader = PdfFileReader(io.BytesIO(twice))
    first, second = reader.embedded_signatures
    context = ValidationContext(trust_roots=[ministry_cert, district_cert], allow_fetching=False)
    status1 = validate_pdf_signature(first, context)
    status2 = validate_pdf_signature(second, context)
    assert first.field_name == "Signatur_Ministerium" and second.field_name == "Signatur_darmstadt-dieburg"
    assert status1.intact and status1.valid and status1.trusted
    assert status1.coverage.name == "ENTIRE_REVISION"
    assert status1.modification_level == ModificationLevel.FORM_FILLING  # only the second signature followed
    assert status2.intact and status2.valid and status2.trusted
    assert status2.coverage.name == "ENTIRE_FILE"
    assert status2.modification_level == ModificationLevel.NONE

    # still PDF/A after each signature, and `verify` agrees
    for pdf in (once, twice):
        assert not failures(verify_pdf(pdf) + signature_report(pdf, trust_roots=[ministry_cert, district_cert]))
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(twice)
    assert run(["verify", str(signed)]) == 0  # untrusted here, but intact: a warning, not a failure


def test_verify_fails_a_tampered_signed_file(for_signature, tmp_path, capsys):
    cert, key, _ = make_identity("Heike Hofmann")
    signed = sign(for_signature.read_bytes(), "Signatur_Ministerium", cert, key)
    position = signed.index(b"Zielvereinbarung AQB 2025")
    tampered = signed[:position] + b"Zielvereinbarung AQB 2026" + signed[position + 25 :]
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    assert run(["verify", str(path)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_rebuilding_all_26_gives_byte_identical_files(built, tmp_path):
    root = built.parents[1]
    code = build_into(root, tmp_path)
    assert code == 0
    names = sorted(p.name for p in built.glob("*.*") if p.suffix in (".docx", ".pdf"))
    assert len(names) == 52
    for name in names:
        assert (tmp_path / "2025" / name).read_bytes() == (built / name).read_bytes(), name
