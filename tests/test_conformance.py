"""PDF/A-2b and PDF/UA-1 proven by the validator (page-validation): every PDF, every stage, signed twice."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pikepdf
import pytest

from agreement_gen.cli import run
from agreement_gen.pdf.conformance import (
    BYTERANGE_RULE,
    PDFA,
    PDFUA,
    XMP_RULES,
    byte_ranges_ok,
    stream_length_ok,
    validate_conformance,
    xmp_extensions_ok,
)

from .conftest import build_into
from .helpers import copy_project
from .signing import MINISTRY, make_identity, sign


def _with_signatories(counties: Path) -> None:
    """Every district of 2025 gets a signatory's name and both signing dates, so each can be previewed
    at every stage (the example data leaves them open)."""
    for path in sorted((counties / "2025").glob("[a-z]*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "\n  name:" not in text:
            text = text.replace("\nsignatory:\n", "\nsignatory:\n  name: Erika Mustermann\n", 1)
        if "signed_on:" not in text:
            text = text.replace("\nsignatory:\n", "\nsignatory:\n  signed_on: 2025-08-11\n", 1)
            text += "ministry_signature:\n  signed_on: 2025-08-02\n"
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def stages(built_2025: Path, tmp_path_factory) -> dict[str, Path]:
    """All 26 districts of 2025 at each stage: the drafts of the shared build (25 drafts, and
    Darmstadt-Dieburg built once more with `--stage draft`), and `--stage for_signature` and
    `--stage signed` builds of all 26 from a copy whose districts all name their signatories."""
    root = tmp_path_factory.mktemp("conformance")
    copy_project(root)
    _with_signatories(root / "counties")
    draft = root / "draft"
    draft.mkdir()
    for pdf in built_2025.glob("*.pdf"):
        if pdf.stem != "darmstadt-dieburg":
            shutil.copy(pdf, draft / pdf.name)
    assert build_into(root, root / "dd", "--stage", "draft", "--only", "darmstadt-dieburg") == 0
    shutil.copy(root / "dd" / "2025" / "darmstadt-dieburg.pdf", draft / "darmstadt-dieburg.pdf")
    folders = {"draft": draft}
    for stage in ("for_signature", "signed"):
        out = root / f"build-{stage}"
        assert build_into(root, out, "--stage", stage) == 0, stage
        folders[stage] = out / "2025"
    return folders


def _failures(pdf: Path | bytes) -> dict[str, list[str]]:
    result = validate_conformance(pdf)
    return {v.profile: [str(x) for x in v.failures] + ([v.error] if v.error else []) for v in result.verdicts}


@pytest.mark.slow
def test_all_26_pdfs_pass_both_profiles_at_every_stage(stages):
    """The build's own check already ran the validator; this proves it independently, file by file."""
    for stage, folder in stages.items():
        pdfs = sorted(folder.glob("*.pdf"))
        assert len(pdfs) == 26, stage
        for pdf in pdfs:
            result = validate_conformance(pdf)
            assert result.passed, (stage, pdf.name, _failures(pdf))
            assert not any(v.set_aside for v in result.verdicts), (stage, pdf.name)  # nothing set aside unsigned
            assert result.verdict(PDFA).rules_checked > 100 and result.verdict(PDFUA).rules_checked > 100


def _sign_with_our_appearance(
    pdf: bytes, field: str, cert: object, key: object, text: str, keep_metadata: bool
) -> bytes:
    """Sign `field` with `agreement-gen sign`'s appearance (embedded Liberation Sans); `keep_metadata` as
    `sign` does it (our XMP untouched), otherwise as plain pyHanko does it (XMP re-serialised)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from agreement_gen.signing.appearance import SignatureAppearance
    from agreement_gen.signing.sign import KeepMetadataWriter

    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert])
    )
    writer = (KeepMetadataWriter if keep_metadata else IncrementalPdfFileWriter)(io.BytesIO(pdf))
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256"),
        signer,
        stamp_style=SignatureAppearance(text=text),
    ).sign_pdf(writer, output=out)
    return out.getvalue()


@pytest.mark.slow
def test_a_copy_signed_twice_passes_both_profiles_and_keeps_its_tagging(stages, tmp_path, capsys):
    """The ministry signs as `agreement-gen sign` does, the district with plain pyHanko (which rewrites
    the XMP); both with the embedded-font appearance. Zero failures on both profiles; the widgets stay
    in their Form elements and the page keeps its tab order. Set aside, by name, only divergences (a) and
    (b), and only because our own checks of those clauses pass."""
    for_signature = (stages["for_signature"] / "darmstadt-dieburg.pdf").read_bytes()
    ministry, ministry_key, _ = make_identity("Heike Hofmann", MINISTRY)  # of their parties, as receive wants
    district, district_key, _ = make_identity("Christel Sprößler", "Landkreis Darmstadt-Dieburg")
    text = "Digital signiert von {}, am 2.8.2025"
    once = _sign_with_our_appearance(
        for_signature, "Signatur_Ministerium", ministry, ministry_key, text.format("Heike Hofmann"), True
    )
    twice = _sign_with_our_appearance(
        once, "Signatur_darmstadt-dieburg", district, district_key, text.format("Christel Sprößler"), False
    )

    with pikepdf.open(io.BytesIO(twice)) as doc:
        last = doc.pages[-1].obj
        assert last.Tabs == "/S"
        widgets = [a for a in last.Annots if a.get("/FT") == "/Sig"]
        assert len(widgets) == 2 and all("/StructParent" in w and "/TU" in w and "/V" in w for w in widgets)
        tree = dict(pikepdf.NumberTree(doc.Root.StructTreeRoot.ParentTree).items())
        for widget in widgets:
            form = tree[int(widget.StructParent)]
            assert form.S == "/Form" and form.K.Obj.objgen == widget.objgen
            assert str(form.Alt) == str(widget.TU)

    for pdf in (once, twice):
        result = validate_conformance(pdf)
        assert result.passed, _failures(pdf)
    result = validate_conformance(twice)
    aside = sorted({v.rule for v in result.verdict(PDFA).set_aside})
    xmp = [rule for rule in aside if XMP_RULES.match(rule)]
    assert BYTERANGE_RULE in aside  # (a): the first signature's range ends at its own revision's %%EOF
    assert len(xmp) == 7  # (b): the XMP as pyHanko re-serialised it for the district's signature
    assert aside == sorted([BYTERANGE_RULE, *xmp])
    assert not result.verdict(PDFUA).set_aside

    path = tmp_path / "signed.pdf"
    path.write_bytes(twice)
    capsys.readouterr()
    assert run(["verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"PDF/A-2b: passes all \d+ rules \(known divergences set aside: PDFA2B-SIGNATURE-BYTERANGE-001", out
    )
    assert re.search(r"PDF/UA-1: passes all \d+ rules \(page-validation 0\.11\.0\)", out)


@pytest.mark.slow
def test_verify_prints_the_validators_verdict_per_profile(stages, capsys):
    draft = stages["draft"] / "fulda.pdf"
    capsys.readouterr()
    assert run(["verify", str(draft)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"ok +PDF/A-2b: passes all \d+ rules \(page-validation 0\.11\.0\)", out)
    assert re.search(r"ok +PDF/UA-1: passes all \d+ rules \(page-validation 0\.11\.0\)", out)


@pytest.mark.slow
def test_verify_names_the_clause_an_untagged_line_breaks(stages, tmp_path, capsys):
    """A line drawn outside marked content, as LibreOffice draws borders: 7.1, in plain words, exit 1."""
    source = stages["draft"] / "fulda.pdf"
    with pikepdf.open(source) as doc:
        page = doc.pages[0]
        page.contents_add(doc.make_stream(b"q 0 0 0 RG 1 w 100 100 m 300 100 l S Q"), prepend=False)
        broken = tmp_path / "fulda-line.pdf"
        doc.save(broken)
    capsys.readouterr()
    assert run(["verify", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "FAIL PDF/UA-1: FAILS ISO 14289-1 7.1" in out
    assert "content is neither tagged nor marked as an artifact (PDFUA1-CONTENT-TAGGING-001" in out


@pytest.mark.slow
def test_the_draft_marking_is_read_first_and_pagination_is_typed(stages):
    with pikepdf.open(stages["draft"] / "fulda.pdf") as doc:
        document = doc.Root.StructTreeRoot.K
        document = document[0] if isinstance(document, pikepdf.Array) else document
        first, second = document.K[0], document.K[1]
        assert (first.S, second.S) == ("/P", "/P")  # MUSTER, then ENTWURF, before the title
        assert all(kid.Pg.objgen == doc.pages[0].obj.objgen for kid in (first, second))
        for page in doc.pages:
            content = page.obj.Contents.read_bytes()
            assert b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC" in content
        later = doc.pages[1].obj.Contents.read_bytes()
        assert b"/Artifact <</Type /Pagination /Subtype /Header>> BDC" in later


@pytest.mark.slow
def test_a_screen_reader_meets_one_heading_per_section_a_nested_list_and_no_layout_table(stages):
    from agreement_gen.pdf.marks import structure_texts

    with pikepdf.open(stages["for_signature"] / "darmstadt-dieburg.pdf") as doc:
        elements = list(structure_texts(doc))
        headings = [(kind, text) for kind, text in elements if kind.startswith("/H")]
        assert headings[:3] == [
            ("/H1", "Präambel"),
            ("/H1", "§ 1 Ausbildungs- und Qualifizierungsbudget"),
            ("/H2", "Ziele des Landes"),
        ]
        assert ("/H1", "§ 5 Ziele für die Umsetzung des Landkreises Darmstadt-Dieburg") in headings
        assert len([h for h in headings if h[0] == "/H1"]) == 8  # Präambel and § 1 to § 7, each once

        document = doc.Root.StructTreeRoot.K
        document = document[0] if isinstance(document, pikepdf.Array) else document
        role_map = {str(k): str(v) for k, v in dict(doc.Root.StructTreeRoot.RoleMap).items()}
        kinds = [role_map.get(str(kid.S), str(kid.S)) for kid in document.K]
        assert "/Table" not in kinds  # the signature block is two groups, one per party
        block = document.K[kinds.index("/Div")]
        assert [str(cell.S) for cell in block.K] == ["/Div", "/Div"]
        assert [str(k.S) for k in block.K[0].K][:2] == ["/Unterschrift", "/Form"]  # place/date, then its field

        items = document.K[kinds.index("/L")].K
        assert len(items) == 4  # the four Maßnahmenarten
        second = items[1].K[0]  # LI → LBody: its text, then the projects as a list inside it
        assert str(second.S) == "/LBody" and str(second.K[-1].S) == "/L" and len(second.K[-1].K) == 2
    texts = [text for kind, text in elements]
    assert "2. Ausbildung und Ausbildungscoaching in anerkannten Ausbildungsberufen" in texts


# --- our own checks where page-validation 0.11.0 diverges from veraPDF (fast, no LibreOffice) --------------------


def _xmp(description: str, declared: str) -> bytes:
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:aqb="urn:agreement-gen:aqb:1.0/" {description}/>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:namespaceURI rdf:resource="urn:agreement-gen:aqb:1.0/"/><pdfaSchema:prefix>aqb</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>{declared}</rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag>
</pdfaExtension:schemas></rdf:Description></rdf:RDF></x:xmpmeta>""".encode()


def test_own_xmp_check_reads_pyhankos_attribute_form_and_finds_what_is_undeclared():
    district = '<rdf:li pdfaProperty:name="District" pdfaProperty:valueType="Text"/>'
    assert xmp_extensions_ok(_xmp('aqb:District="fulda"', district)) == ""
    assert xmp_extensions_ok(_xmp('aqb:District="fulda" aqb:Stage="draft"', district)) == (
        "undeclared: {urn:agreement-gen:aqb:1.0/}Stage"
    )
    untyped = '<rdf:li pdfaProperty:name="District"/>'
    assert "District" in xmp_extensions_ok(_xmp('aqb:District="fulda"', untyped))


def _pdf_with_stream(data: bytes) -> tuple[bytes, tuple[int, int]]:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Extra = pdf.make_stream(data)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    with pikepdf.open(io.BytesIO(out.getvalue())) as saved:  # objects are renumbered on saving
        return out.getvalue(), saved.Root.Extra.objgen


def test_own_stream_length_check_accepts_data_ending_in_cr_and_refuses_a_wrong_length():
    data, (number, generation) = _pdf_with_stream(b"0 0 m 10 10 l S\r")
    assert stream_length_ok(data, number, generation) == ""
    wrong = re.sub(rb"/Length \d+", b"/Length 5", data, count=1)
    assert "does not end at an end-of-line before endstream" in stream_length_ok(wrong, number, generation)


def test_own_byte_range_check_accepts_two_signatures_and_refuses_a_range_past_its_revision():
    unsigned, _ = _pdf_with_stream(b"x")
    assert byte_ranges_ok(unsigned) == "no signature with a /ByteRange"
    cert, key, _ = make_identity("Heike Hofmann")
    twice = sign(sign(unsigned, "Erste", cert, key), "Zweite", cert, key)
    assert byte_ranges_ok(twice) == ""
    first = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)", twice)
    assert first is not None
    shorter = str(int(first.group(3)) - 10).rjust(len(first.group(3))).encode()
    tampered = twice[: first.start(3)] + shorter + twice[first.end(3) :]
    assert "does not end at an %%EOF" in byte_ranges_ok(tampered)


# --- a signed copy from other software: validated when received, recorded, shown, claimed only if it passes ----


@pytest.mark.slow
def test_a_returned_copy_is_validated_recorded_shown_and_not_overclaimed(tmp_path, capsys):
    from .round_helpers import send_at
    from .signing import issue, make_ca, sign_as
    from .test_receive import DISTRICT_AT, MINISTRY_AT, SLUG, invoke, make_for_signature

    paths = copy_project(tmp_path)
    make_for_signature(paths.counties)
    assert invoke(paths, capsys, "build", "--only", f"{SLUG},darmstadt-dieburg")[0] == 0
    assert send_at(paths, SLUG) == 0  # the year's record of what went out
    ca = make_ca()
    sent = (paths.out / "2025" / f"{SLUG}.pdf").read_bytes()
    # pyHanko's own embedded-font stamp, as other signing software might leave it: widths in font units
    once = sign_as(sent, "Signatur_Ministerium", *issue(ca, "Heike Hofmann", MINISTRY), ca, MINISTRY_AT)
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(
        sign_as(once, f"Signatur_{SLUG}", *issue(ca, "Andreas Siebert", "Landkreis Kassel"), ca, DISTRICT_AT)
    )
    (tmp_path / "ca.pem").write_bytes(ca.pem)

    code, out, err = invoke(paths, capsys, "receive", str(signed), "--trust", str(tmp_path / "ca.pem"))
    assert code == 0, err
    assert "PDF/A-2b: FAILS ISO 19005-2 6.2.11.5: recorded in signed_copy.conformance" in out
    data = (paths.counties / "2025" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    assert "  conformance:\n    pdfa: fails 6.2.11.5\n    pdfua: fails 7.21\n" in data
    assert "    validator: page-validation 0.11.0\n" in data

    code, out, _ = invoke(paths, capsys, "status")
    assert code == 0
    assert (
        f"{SLUG}: signed copy as received: PDF/A-2b fails 6.2.11.5, PDF/UA-1 fails 7.21 (page-validation 0.11.0)"
        in " ".join(out.split())
    )

    assert invoke(paths, capsys, "build")[0] == 0
    code, _, err = invoke(paths, capsys, "publish", "--trust", str(tmp_path / "ca.pem"))
    assert code == 0, err
    index = (paths.out / "2025" / "publish" / "index.html").read_text(encoding="utf-8")
    flat = " ".join(index.split())
    assert "Die PDF-Dateien sind barrierefrei nach PDF/UA-1 (ISO 14289-1) und für die Langzeitarchivierung" in flat
    assert "Alle PDF-Dateien" not in flat  # not all of them
    assert (
        "<li>Landkreis Kassel: nicht PDF/A-2b (ISO 19005-2, Abschnitt 6.2.11.5); "
        "nicht PDF/UA-1 (ISO 14289-1, Abschnitt 7.21)</li>" in flat
    )
    assert "<li>Landkreis Darmstadt-Dieburg:" not in flat  # our signed-stage build passes both: no exception


# --- marks and headings on the PDF, whatever the template's settings (issue 15, points 5 and 9) -------------------


def _edit_template(templates: Path, part: str, old: str, new: str) -> None:
    import zipfile

    path = templates / "zielvereinbarung.docx"
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                text = data.decode("utf-8")
                assert old in text, (part, old)
                data = text.replace(old, new).encode("utf-8")
            target.writestr(info, data)
    path.write_bytes(out.getvalue())


@pytest.mark.slow
def test_a_first_page_header_setting_still_gives_the_marks_on_every_page(project, cli, capsys):
    """Word's "different first page" (an empty header for page 1): the build's DOCX side keeps one header
    on every page, and the PDF check confirms ENTWURF, MUSTER and the page number on each of them."""
    from agreement_gen.pdf.marks import mark_problems

    _edit_template(project.templates, "word/document.xml", "<w:pgSz ", "<w:titlePg/><w:pgSz ")
    code, out, _ = cli("build", "--only", "fulda")
    assert code == 0, out
    pdf = project.out / "2025" / "fulda.pdf"
    with pikepdf.open(pdf) as doc:
        assert mark_problems(doc, draft=True, example=True) == []
        pages = len(doc.pages)
    capsys.readouterr()
    assert run(["verify", str(pdf)]) == 0
    assert f"markings and page numbers on all {pages} page(s)" in capsys.readouterr().out


@pytest.mark.slow
def test_paragraph_headings_in_a_style_of_their_own_fail_the_build(project, cli):
    """§ headings given a style without an outline level: tagged P in the PDF, so the build says so."""
    _edit_template(
        project.templates,
        "word/styles.xml",
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>',
        '<w:style w:type="paragraph" w:customStyle="1" w:styleId="Paragraph"><w:name w:val="Paragraphenüberschrift"/>',
    )
    _edit_template(project.templates, "word/styles.xml", '<w:outlineLvl w:val="0"/>', "")
    _edit_template(
        project.templates, "word/document.xml", '<w:pStyle w:val="Heading1"/>', '<w:pStyle w:val="Paragraph"/>'
    )
    code, out, _ = cli("build", "--only", "fulda")
    assert code == 1
    text = " ".join(out.split())
    assert "“§ 1” is tagged P, not as a heading: give the § headings an outline level" in text
    assert "no heading is tagged H1" in text
