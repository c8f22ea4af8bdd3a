"""The template check: the real template, broken the ways Word breaks it, explained with where it is."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.lint import Severity, lint_plan, lint_template
from agreement_gen.render.context import template_context

from .conftest import ROOT, reopen_2025
from .editing import paragraph_with, replace_in_run, split_run, wrap

TEMPLATE = "zielvereinbarung.docx"


def template_path(project: Paths) -> Path:
    return project.templates / TEMPLATE


def open_template(project: Paths) -> Document:
    return docx.Document(str(template_path(project)))


@pytest.fixture
def check(project: Paths, cli) -> Callable[[Document], tuple[int, str]]:
    """Save the edited template into the project copy and run `agreement-gen check` on it."""

    reopen_2025(project)  # these edits are about Word's damage, not about the signed 2025 wording

    def run(document: Document) -> tuple[int, str]:
        document.save(str(template_path(project)))
        code, out, err = cli("check")
        return code, out + err

    return run


def error_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("✗")]


# --- the unbroken template -----------------------------------------------------------------------


def test_the_real_template_has_no_errors_and_warns_about_unused_fields(cli):
    code, out, _ = cli("check")
    assert code == 0
    assert not error_lines(out)
    assert "! Daten: the template uses none of these data fields: district.slug, district.ags" in out
    assert "26 districts valid, template renders for all" in out


def test_findings_of_the_real_template_are_only_that_warning():
    findings = lint_plan(plan_year(Paths(ROOT / "counties", ROOT / "templates", ROOT / "build"), 2025))
    assert [f.severity for f in findings] == [Severity.WARNING]


# --- names ---------------------------------------------------------------------------------------


def test_misspelt_variable_names_place_and_suggestion(project, check):
    document = open_template(project)
    replace_in_run(document, "{{ district.nominative|capfirst }} finanziert", "{{ district.genitve }} finanziert")
    code, out = check(document)
    assert code == 2
    assert error_lines(out) == [
        "✗ § 5, Absatz 1 (near „{{ district.genitve }} finanziert mit den Mitteln …“): the template uses "
        "`district.genitve`, which does not exist – did you mean `district.genitive`?"
    ]
    assert "nothing was rendered" in out


def test_misspelt_loop_field_is_resolved_against_the_list_items(project, check):
    document = open_template(project)
    replace_in_run(document, "{{ m.title }}", "{{ m.titel }}")
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 5, Absatz 3 ")
    assert "`m.titel`, which does not exist – did you mean `m.title`?" in line


def test_unknown_filter_gets_a_suggestion(project, check):
    document = open_template(project)
    replace_in_run(
        document, "{{ district.nominative|capfirst }} beteiligt", "{{ district.nominative|capfrist }} beteiligt"
    )
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 7, Absatz 1 ")
    assert "the filter `capfrist` does not exist – did you mean `capfirst`?" in line


def test_comparison_with_a_value_that_never_occurs(project, check):
    document = open_template(project)
    header = paragraph_with(document, 'status == "draft"')
    header.runs[0].text = header.runs[0].text.replace('"draft"', '"Entwurf"')
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ Kopfzeile, Absatz 4 ")
    assert "`status` is never \"Entwurf\"; it is one of 'draft', 'for_signature', 'signed'" in line


def test_conditional_paragraph_for_cities_passes(project, check):
    """The guide's example: a paragraph only for kreisfreie Städte."""
    document = open_template(project)
    anchor = paragraph_with(document, "Unterjährige Abweichungen")
    for text in ('{%p if district.kind == "kreisfreie Stadt" %}', "Nur für Städte.", "{%p endif %}"):
        anchor.insert_paragraph_before(text)
    code, out = check(document)
    assert code == 0, out


def test_comparing_the_kind_with_a_misspelt_value(project, check):
    document = open_template(project)
    anchor = paragraph_with(document, "Unterjährige Abweichungen")
    for text in ('{%p if district.kind == "Kreisfreie Stadt" %}', "Nur für Städte.", "{%p endif %}"):
        anchor.insert_paragraph_before(text)
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 6, Absatz 2 ")
    assert 'did you mean "kreisfreie Stadt"?' in line


# --- what Word does to tags ----------------------------------------------------------------------


def test_german_quotes_inside_a_tag(project, check):
    document = open_template(project)
    header = paragraph_with(document, 'status == "draft"')
    header.runs[0].text = header.runs[0].text.replace('"draft"', "„draft“")
    code, out = check(document)
    assert code == 2
    assert error_lines(out) == [
        "✗ Kopfzeile, Absatz 4 (near „{% if status == „draft“ %}ENTWURF{% endif %}“): Word's AutoCorrect changed "
        "the tag „{% if status == „draft“ %}“ („ “), which Jinja cannot read; retype it with straight quotes: "
        '{% if status == "draft" %}'
    ]


def test_english_curly_quotes_are_only_a_warning(project, check):
    document = open_template(project)
    header = paragraph_with(document, 'status == "draft"')
    header.runs[0].text = header.runs[0].text.replace('"draft"', "“draft”")
    code, out = check(document)
    assert code == 0, out
    assert "! Kopfzeile, Absatz 4" in out
    assert "typographic quotes; they work, but straight ones are safer" in out


def test_dash_from_autocorrect(project, check):
    document = open_template(project)
    replace_in_run(document, "{%p endif %}", "{%p endif –%}")
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 2, Absatz 4 ")
    assert "(–), which Jinja cannot read; retype it with a plain hyphen: {%p endif -%}" in line


def test_unclosed_tag(project, check):
    document = open_template(project)
    replace_in_run(document, "{{ budget }}", "{{ budget ")
    code, out = check(document)
    assert code == 2
    assert error_lines(out) == [
        "✗ § 4, Absatz 2 (near „{{ budget“): the tag „{{ budget“ is never closed: add }} at its end"
    ]


def test_closing_braces_without_opening(project, check):
    document = open_template(project)
    replace_in_run(document, "{{ grant_authority }}", "{ grant_authority }}")
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 5, Absatz 8 (near „… }} vom { grant_authority }} erlassenen – Bescheides.“)")
    assert "„}}“ closes no tag" in line


def test_jinja_syntax_error_in_a_tag(project, check):
    document = open_template(project)
    header = paragraph_with(document, 'status == "draft"')
    header.runs[0].text = header.runs[0].text.replace('status == "draft"', 'status = "draft"')
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ Kopfzeile, Absatz 4 ")
    assert 'Jinja cannot read the tag „{% if status = "draft" %}“' in line


def test_block_never_closed(project, check):
    document = open_template(project)
    endif = paragraph_with(document, "{%p endif %}")
    endif._p.getparent().remove(endif._p)
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 2, Absatz 2 (near „{%p if migration_clause %}“)")
    assert "is never closed: add a paragraph „{%p endif %}“ where the conditional part ends" in line


def test_split_tag_that_docxtpl_joins_is_fine(project, check):
    """Different formatting on the same level: docxtpl's patch_xml joins the pieces."""
    document = open_template(project)
    split_run(paragraph_with(document, "Ausbildungsstrategie {{ district.genitive }}"), "genitive }}")
    code, out = check(document)
    assert code == 0, out


def test_split_tag_inside_a_tracked_change(project, check):
    """Track changes on, the end of the tag retyped: Word puts the new run inside <w:ins>."""
    document = open_template(project)
    _, second = split_run(paragraph_with(document, "Ausbildungsstrategie {{ district.genitive }}"), "genitive }}")
    wrap(second, "w:ins", **{"w:id": "1", "w:author": "Redaktion", "w:date": "2026-01-05T10:00:00Z"})
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith(
        "✗ Präambel, Absatz 1 (near „… regionalen Arbeitsmarkt- und Ausbildungsstrategie {{ district.genitive }}. Die"
    )
    assert "part of it lies inside a tracked insertion, so docxtpl cannot join it" in line


def test_split_tag_inside_a_link(project, check):
    document = open_template(project)
    paragraph = paragraph_with(document, "Ausbildungsstrategie {{ district.genitive }}")
    _, second = split_run(paragraph, "genitive }}")
    r_id = document.part.relate_to("https://www.arbeitswelt.hessen.de", RT.HYPERLINK, is_external=True)
    wrap(second, "w:hyperlink", **{"r:id": r_id})
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ Präambel, Absatz 1 ")
    assert "part of it lies inside a link" in line


def test_a_field_inside_a_tag_is_named(project, check):
    """`{` + a field + `{ district.genitive }}`: Word shows one tag, docxtpl sees none."""
    document = open_template(project)
    paragraph = paragraph_with(document, "{{ signatures.district.title }}")
    paragraph.clear()
    paragraph.add_run("{")
    for kind in ("begin", None, "end"):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.text = " SEQ x "
            run._r.append(instr)
    paragraph.add_run("{ signatures.district.title }}")
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 7, Tabelle 1, Zeile 1, Spalte 2 ")
    assert "a Word field (SEQ) lies inside the tag „{{ signatures.district.title }}“" in line


def test_tracked_changes_anywhere(project, check):
    document = open_template(project)
    paragraph = paragraph_with(document, "Unterjährige Abweichungen")
    wrap(paragraph.runs[0]._r, "w:ins", **{"w:id": "7", "w:author": "Redaktion", "w:date": "2026-01-05T10:00:00Z"})
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 6, Absatz 2 (near „Unterjährige Abweichungen von den in § 4 genannten …“)")
    assert "tracked changes" in line


# --- docxtpl's paragraph and row tags ------------------------------------------------------------


def test_paragraph_tag_sharing_its_paragraph_with_text(project, check):
    document = open_template(project)
    paragraph = paragraph_with(document, "Unterjährige Abweichungen")
    paragraph.runs[0].text = "{%p if is_example %}" + paragraph.runs[0].text
    endif = copy.deepcopy(paragraph._p)
    paragraph._p.addnext(endif)
    Paragraph(endif, paragraph._parent).text = "{%p endif %}"
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 6, Absatz 2 (near „{%p if is_example %}Unterjährige Abweichungen von den …“)")
    assert "shares its paragraph with other text: docxtpl replaces the whole paragraph by the tag" in line
    assert "so „Unterjährige Abweichungen von den in § 4 genannten …“ would be lost" in line


def test_paragraph_tags_as_the_only_paragraphs_of_a_cell(project, check):
    document = open_template(project)
    cell = document.tables[0].rows[0].cells[1]
    for paragraph in cell.paragraphs[2:]:
        paragraph._p.getparent().remove(paragraph._p)
    cell.paragraphs[0].text = "{%p if is_example %}"
    cell.paragraphs[1].text = "{%p endif %}"
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ § 7, Tabelle 1, Zeile 1, Spalte 2 ")
    assert "leaves the cell without a paragraph, which Word refuses to open" in line


def test_row_tag_sharing_its_row_with_text(project, check):
    document = open_template(project)
    cell = document.tables[0].rows[0].cells[0]
    cell.paragraphs[1].text = "{%tr if is_example %}"
    code, out = check(document)
    assert code == 2
    lines = error_lines(out)
    assert lines[0].startswith("✗ § 7, Tabelle 1, Zeile 1, Spalte 1 ")
    assert "shares its table row with other text" in lines[0]


def test_row_tag_outside_a_table(project, check):
    document = open_template(project)
    replace_in_run(document, "{%p if migration_clause %}", "{%tr if migration_clause %}")
    code, out = check(document)
    assert code == 2
    assert any(line.startswith("✗ § 2, Absatz 2 ") and "must stand inside a table" in line for line in error_lines(out))


# --- properties, several problems at once -------------------------------------------------------


def test_document_properties_are_checked(project, check):
    document = open_template(project)
    document.core_properties.title = "Zielvereinbarung AQB {{ fiscal_yaer }}"
    code, out = check(document)
    assert code == 2
    (line,) = error_lines(out)
    assert line.startswith("✗ Dokumenteigenschaften › Titel ")
    assert "did you mean `fiscal_year`?" in line


def test_every_problem_is_reported_in_one_run_in_document_order(project, check):
    document = open_template(project)
    replace_in_run(document, "{{ budget }}", "{{ budgte }}")
    replace_in_run(document, "{{ m.title }}", "{{ m.titel }}")
    header = paragraph_with(document, 'status == "draft"')
    header.runs[0].text = header.runs[0].text.replace('"draft"', "„draft“")
    code, out = check(document)
    assert code == 2
    places = [line.split(" (near")[0] for line in error_lines(out)]
    assert places == ["✗ § 4, Absatz 2", "✗ § 5, Absatz 3", "✗ Kopfzeile, Absatz 4"]
    assert "did you mean `budget`?" in out


# --- the rendered sample -------------------------------------------------------------------------


def rendered_with(text: str) -> bytes:
    """A stand-in for a rendered agreement whose text still holds `text`."""
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_tag_left_in_the_rendered_text_is_found_in_the_template(project):
    plan = plan_year(project, 2025)
    contexts = [template_context(a) for a in plan.agreements]
    render = lambda: [rendered_with("Ziele für die Umsetzung {{ district.genitive }}")]  # noqa: E731
    (finding,) = [f for f in lint_template(plan.template, contexts, render=render) if f.severity is Severity.ERROR]
    assert finding.where == "§ 5, Überschrift"
    assert finding.message.startswith("„{{ district.genitive }}“ appears literally in the finished agreements")


def test_a_template_that_does_not_render_is_an_error(project):
    plan = plan_year(project, 2025)

    def render() -> list[bytes]:
        raise ValueError("broken XML")

    findings = lint_template(plan.template, [template_context(plan.agreements[0])], render=render)
    assert [str(f) for f in findings if f.severity is Severity.ERROR] == [
        "Vorlage: the template does not render: broken XML"
    ]
