"""Issue 15: what the template check refuses never reaches a document, whichever command is used.

Each test damages a copy of the real master template the way Word (or an editor in Word) does,
then runs the command an editor would run next: build, preview, diff.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pikepdf
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.lint import Severity, lint_plan
from agreement_gen.render.renderer import TemplateRenderer
from agreement_gen.render.text import header_text

from .conftest import reopen_2025
from .editing import paragraph_with, replace_in_run, split_run, wrap
from .helpers import snapshot

TEMPLATE = "zielvereinbarung.docx"


def edited(project: Paths, edit) -> None:
    path = project.templates / TEMPLATE
    document = docx.Document(str(path))
    edit(document)
    document.save(str(path))


def unknown_variable(document) -> None:
    replace_in_run(document, "{{ district.nominative|capfirst }} finanziert", "{{ district.genitve }} finanziert")


@pytest.fixture(autouse=True)
def open_2025(project: Paths) -> None:
    reopen_2025(project)  # these edits are about the gate; the closed 2025 template: test_closed_template.py


@pytest.fixture
def built(project: Paths, cli) -> dict[str, bytes]:
    """Earlier good outputs of two districts; returns their bytes."""
    assert cli("build", "--only", "fulda,stadt-kassel", "--formats", "docx")[0] == 0
    return snapshot(project.out)


# --- one gate for every path ---------------------------------------------------------------------


def test_build_runs_the_template_check_first_and_writes_nothing(project, cli, built):
    edited(project, unknown_variable)
    code, _, err = cli("build", "--only", "fulda,stadt-kassel", "--formats", "docx")
    assert code == 2
    assert "invalid input – 1 problem, nothing was written" in err
    assert "zielvereinbarung.docx: § 5, Absatz 1 (near „{{ district.genitve }} finanziert" in err
    assert "did you mean `district.genitive`?" in err
    assert snapshot(project.out) == built


def test_preview_and_diff_stop_on_the_same_error(project, cli):
    edited(project, unknown_variable)
    code, out, err = cli("preview", "fulda")
    assert code == 2 and out == ""
    assert "§ 5, Absatz 1" in err and "`district.genitve`, which does not exist" in err
    code, out, err = cli("diff", "--year", "2025", "--against", "2025")
    assert code == 2 and "`district.genitve`, which does not exist" in err


def test_wrong_case_of_a_kind_stops_the_build(project, cli, built):
    """`== "Kreisfreie Stadt"` would silently drop the clause from all five cities."""
    edited(
        project,
        lambda d: d.add_paragraph('{% if district.kind == "Kreisfreie Stadt" %}Die Stadt stimmt sich ab.{% endif %}'),
    )
    code, _, err = cli("build", "--only", "stadt-kassel", "--formats", "docx")
    assert code == 2
    assert '`district.kind` is never "Kreisfreie Stadt"' in err and 'did you mean "kreisfreie Stadt"?' in err
    assert snapshot(project.out) == built


def test_a_misspelt_slug_is_found_with_a_suggestion(project, cli):
    edited(project, lambda d: d.add_paragraph('{%p if district.slug in ["fulda", "giesen"] %}'))
    edited(project, lambda d: d.add_paragraph("Nur in Fulda und Gießen."))
    edited(project, lambda d: d.add_paragraph("{%p endif %}"))
    code, out, _ = cli("check")
    assert code == 2
    assert '`district.slug` is never "giesen"' in out and 'did you mean "giessen"?' in out
    assert '"fulda" ' not in out.split("never")[0]  # the existing slug is not reported


def test_tracked_changes_stop_the_build_and_say_how_in_word_and_libreoffice(project, cli, built):
    def track(document) -> None:
        paragraph = paragraph_with(document, "Unterjährige Abweichungen")
        attributes = {"w:id": "7", "w:author": "Redaktion", "w:date": "2026-01-05T10:00:00Z"}
        wrap(paragraph.runs[0]._r, "w:ins", **attributes)

    edited(project, track)
    code, _, err = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 2
    assert "§ 6, Absatz 2 (near „Unterjährige Abweichungen von den in § 4 genannten …“)" in err
    assert "Word: Überprüfen › Annehmen › Alle Änderungen annehmen" in err
    assert "LibreOffice: Bearbeiten › Änderungen verfolgen › Verwalten… › Alle annehmen" in err
    assert snapshot(project.out) == built


def test_tracked_formatting_changes_count_too(project, cli):
    def track(document) -> None:
        run = paragraph_with(document, "Unterjährige Abweichungen").runs[0]
        change = OxmlElement("w:rPrChange")
        change.set(qn("w:id"), "8")
        change.set(qn("w:author"), "Redaktion")
        change.append(OxmlElement("w:rPr"))
        run._r.get_or_add_rPr().append(change)
        run.bold = True

    edited(project, track)
    code, out, _ = cli("check")
    assert code == 2
    assert "§ 6, Absatz 2" in out and "tracked changes" in out


def test_a_link_ending_inside_a_tag_never_gives_a_broken_docx(project, cli, built):
    def link(document) -> None:
        paragraph = paragraph_with(document, "Ausbildungsstrategie {{ district.genitive }}")
        _, second = split_run(paragraph, "genitive }}")
        r_id = document.part.relate_to("https://www.arbeitswelt.hessen.de", RT.HYPERLINK, is_external=True)
        wrap(second, "w:hyperlink", **{"r:id": r_id})

    edited(project, link)
    code, _, err = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 2
    assert "Präambel, Absatz 1" in err and "part of it lies inside a link" in err
    assert snapshot(project.out) == built


def field_run(kind: str | None, instruction: str = " PAGE ") -> object:
    run = OxmlElement("w:r")
    if kind:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run.append(char)
    else:
        instr = OxmlElement("w:instrText")
        instr.text = instruction
        run.append(instr)
    return run


def test_a_field_inside_a_tag_is_named_with_its_place(project, cli):
    """Word: Einfügen › Schnellbausteine › Feld in the middle of `{{ budget }}` – Jinja would say
    "expected token 'end of print statement'"."""

    def field(document) -> None:
        paragraph = paragraph_with(document, "{{ budget }}")
        run = next(r for r in paragraph.runs if "{{ budget }}" in r.text)
        before, after = run.text.split("{{ budget }}")
        run.text = before + "{{ budget "
        tail = paragraph.add_run(" }}" + after)._r
        result = paragraph.add_run("1")._r
        anchor = run._r
        for element in (field_run("begin"), field_run(None), field_run("separate"), result, field_run("end"), tail):
            anchor.addnext(element)
            anchor = element

    edited(project, field)
    code, out, _ = cli("check")
    assert code == 2
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("✗")]
    assert len(lines) == 1, out
    assert lines[0].startswith("✗ § 4")
    assert "a Word field (PAGE) lies inside the tag „{{ budget 1 }}“" in lines[0]
    assert "end of print statement" not in out


def test_an_invisible_soft_hyphen_is_named_as_such(project, cli):
    edited(project, lambda d: replace_in_run(d, "district.genitive }}.", "district.geni\xadtive }}."))
    code, out, _ = cli("check")
    assert code == 2
    assert "contains an invisible soft hyphen (after „district.geni“)" in out
    assert "LibreOffice: Ansicht › Formatierungszeichen" in out
    assert "unexpected char" not in out


# --- comments never reach an agreement ----------------------------------------------------------


def add_comment(document, text: str, anchor: str) -> None:
    paragraph = paragraph_with(document, anchor)
    document.add_comment(paragraph.runs, text=text, author="Redaktion", initials="R")


def test_comments_are_a_warning_and_removed_from_every_output(project, cli):
    edited(project, lambda d: add_comment(d, "Bitte mit dem Referat abstimmen", "Unterjährige Abweichungen"))
    code, out, _ = cli("check")
    assert code == 0
    assert "! § 6, Absatz 2" in out and "a Word comment „Bitte mit dem Referat abstimmen“ is anchored here" in out
    assert cli("build", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    with zipfile.ZipFile(project.out / "2025" / "darmstadt-dieburg.docx") as archive:
        names = archive.namelist()
        xml = archive.read("word/document.xml").decode()
    assert not [name for name in names if "comment" in name.lower()]
    assert "comment" not in xml.lower() and "Bitte mit dem Referat" not in xml


# --- the same header on every page ---------------------------------------------------------------


def different_first_page(document) -> None:
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Zielvereinbarung"  # no ENTWURF, no page number


def test_different_first_page_is_a_warning_and_every_page_keeps_its_marks(project, cli):
    edited(project, different_first_page)
    code, out, _ = cli("check")
    assert code == 0
    assert "! Seitenlayout" in out and "„Erste Seite anders“" in out
    plan = plan_year(project, 2025, ["fulda"])
    content = TemplateRenderer(plan.template).render(plan.agreements[0])
    document = docx.Document(io.BytesIO(content))
    assert not document.sections[0].different_first_page_header_footer
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert 'w:type="first"' not in xml
    assert "ENTWURF" in header_text(content) and "MUSTER" in header_text(content)


def test_even_page_headers_are_not_used_either(project):
    def even(document) -> None:
        document.settings.odd_and_even_pages_header_footer = True
        document.sections[0].even_page_header.paragraphs[0].text = "gerade Seite"

    edited(project, even)
    findings = lint_plan(plan_year(project, 2025))
    assert any("Gerade und ungerade Seiten anders" in f.message for f in findings if f.severity is Severity.WARNING)
    plan = plan_year(project, 2025, ["fulda"])
    content = TemplateRenderer(plan.template).render(plan.agreements[0])
    assert not docx.Document(io.BytesIO(content)).settings.odd_and_even_pages_header_footer
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert 'w:type="even"' not in archive.read("word/document.xml").decode()


@pytest.mark.slow
def test_a_comment_never_reaches_the_pdf(project, cli):
    """LibreOffice prints a DOCX comment as a note in the PDF: the built PDF has neither note nor text."""
    edited(project, lambda d: add_comment(d, "Nur intern: Betrag prüfen", "Unterjährige Abweichungen"))
    code, out, err = cli("build", "--only", "darmstadt-dieburg")
    assert code == 0, out + err
    with pikepdf.open(project.out / "2025" / "darmstadt-dieburg.pdf") as pdf:
        subtypes = [str(a.get("/Subtype")) for page in pdf.pages for a in page.get("/Annots", [])]
    assert "/Text" not in subtypes and "/Popup" not in subtypes
    text = "".join(page.extract_text() for page in PdfReader(project.out / "2025" / "darmstadt-dieburg.pdf").pages)
    assert "Zielsteuerung" in text  # § 6, where the comment was anchored
    assert "Betrag prüfen" not in text and "Nur intern" not in text


def test_text_beside_a_paragraph_tag_stops_the_build(project, cli, built):
    """docxtpl would silently drop „Nur für Städte:“ from every agreement."""
    edited(project, lambda d: d.add_paragraph('Nur für Städte: {%p if district.kind == "kreisfreie Stadt" %}'))
    edited(project, lambda d: d.add_paragraph("Die Stadt stimmt sich ab."))
    edited(project, lambda d: d.add_paragraph("{%p endif %}"))
    code, _, err = cli("build", "--only", "stadt-kassel", "--formats", "docx")
    assert code == 2
    assert "shares its paragraph with other text" in err and "„Nur für Städte:“ would be lost" in err
    assert snapshot(project.out) == built


def test_a_massnahmenart_number_the_year_does_not_have(project, cli):
    edited(
        project,
        lambda d: d.add_paragraph(
            "{% for m in massnahmen %}{% if m.number == 5 %}{{ m.title }}{% endif %}{% endfor %}"
        ),
    )
    code, out, _ = cli("check")
    assert code == 2
    assert '`m.number` is never "5"; it is one of 1, 2, 3, 4' in out


def test_check_speaks_german_to_the_editor(project, cli, monkeypatch):
    """The same findings as in English, as German sentences: a misspelt name, a loop never closed, a value never met."""

    def damage(document) -> None:
        unknown_variable(document)
        document.add_paragraph('{% if status == "signd" %}Unterschrieben.{% endif %}')
        document.sections[0].footer.add_paragraph("{%p for m in massnahmen %}")

    edited(project, damage)
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    code, out, _ = cli("check")
    text = " ".join(out.split())
    assert code == 2
    assert (
        "§ 5, Absatz 1 (bei „{{ district.genitve }} finanziert" in text
        and "die Vorlage verwendet `district.genitve`, das es nicht gibt – meinten Sie `district.genitive`?" in text
    )
    assert (
        "„{%p for m in massnahmen %}“ wird nie geschlossen: einen Absatz „{%p endfor %}“ einfügen, "
        "wo der wiederholte Teil endet" in text
    )
    assert '`status` ist nie "signd", sondern immer eines von ' in text and 'meinten Sie "signed"?' in text
    assert "Fehler, es wurde nichts erzeugt – sie in Word beheben, speichern und check erneut ausführen" in text
    assert "does not exist" not in text and "never closed" not in text and "near „" not in text
