"""The build command end to end: 26 documents, summaries, exit codes, nothing lost on failure."""

from __future__ import annotations

import docx

from agreement_gen.render.text import paragraphs

from .conftest import reopen_2025


def test_build_writes_26_documents_that_open(project, cli):
    code, out, _ = cli("build", "--formats", "docx")
    assert code == 0
    assert "2025: 26 built, 0 up to date, 0 failed" in out
    files = sorted((project.out / "2025").glob("*.docx"))
    assert len(files) == 26
    for path in files:
        document = docx.Document(str(path))
        assert document.core_properties.title.startswith("Zielvereinbarung AQB 2025 – ")
    assert not list((project.out / "2025").glob(".staging-*")), "staging folder left behind"


def test_only_builds_the_named_districts(project, cli):
    code, out, _ = cli("build", "--only", "fulda,wetterau", "--formats", "docx")
    assert code == 0
    assert sorted(p.name for p in (project.out / "2025").glob("*.docx")) == ["fulda.docx", "wetterau.docx"]
    assert "2 built" in out


def test_stage_override_renders_a_signed_preview(project, cli):
    code, _, _ = cli("build", "--only", "darmstadt-dieburg", "--stage", "for_signature", "--formats", "docx")
    assert code == 0
    text = paragraphs(project.out / "2025" / "darmstadt-dieburg.docx")
    assert "Christel Sprößler" in text
    assert not any("11.08.2025" in line for line in text)


def test_one_failing_district_does_not_stop_the_others(project, cli):
    reopen_2025(project)
    assert cli("build", "--formats", "docx")[0] == 0
    fulda = project.out / "2025" / "fulda.docx"
    before = fulda.read_bytes()
    template = project.templates / "zielvereinbarung.docx"
    document = docx.Document(str(template))
    # Passes the template check (the names exist), fails when Fulda's agreement is rendered.
    document.add_paragraph("{% if district.slug == 'fulda' %}{{ 1 // 0 }}{% endif %}")
    document.save(str(template))

    code, out, _ = cli("build", "--formats", "docx")
    assert code == 1
    assert "25 built, 0 up to date, 1 failed" in out
    assert "fulda: template zielvereinbarung.docx failed: ZeroDivisionError" in out
    assert fulda.read_bytes() == before  # the previous good document is kept


def test_check_writes_nothing(project, cli):
    code, out, _ = cli("check")
    assert code == 0
    assert "26 districts valid" in out
    assert not project.out.exists()


def test_list_shows_status_budget_and_source(cli):
    code, out, _ = cli("list")
    assert code == 0
    assert "darmstadt-dieburg" in out and "1.288.930 Euro" in out and "signed" in out
    assert "26 districts" in out


def test_formats_must_be_known(cli):
    code, _, err = cli("build", "--formats", "docx,odt")
    assert code == 2
    assert "--formats" in err


def test_docx_and_pdf_say_the_same_about_themselves(project, cli):
    """One document_metadata for both formats: title, author, subject, keywords, language, date."""
    import pikepdf

    assert cli("build", "--only", "fulda")[0] == 0
    props = docx.Document(str(project.out / "2025" / "fulda.docx")).core_properties
    assert props.title == "Zielvereinbarung AQB 2025 – Landkreis Fulda"
    assert props.keywords.endswith("; AQB; Hessen; 2025; Landkreis Fulda")
    assert props.language == "de-DE"
    with pikepdf.open(project.out / "2025" / "fulda.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == props.title
        assert meta["dc:creator"] == [props.author]
        assert meta["dc:description"] == props.subject
        assert meta["pdf:Keywords"] == props.keywords
        assert str(pdf.Root.Lang) == props.language
        assert meta["xmp:CreateDate"].startswith(props.created.date().isoformat())
