"""Issue 15, points 9 and 11: § numbering and references, § headings recognised by outline level,
and a tag formatted in more than one way – each on an edited copy of the real template."""

from __future__ import annotations

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.lint import Finding, Severity, lint_plan

from .editing import paragraph_with, split_run

TEMPLATE = "zielvereinbarung.docx"


def findings_after(project: Paths, edit) -> list[Finding]:
    path = project.templates / TEMPLATE
    document = docx.Document(str(path))
    edit(document)
    document.save(str(path))
    return lint_plan(plan_year(project, 2025), sample_render=False)


def errors(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if f.severity is Severity.ERROR]


def warnings(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if f.severity is Severity.WARNING and f.where != "Daten"]


def delete_section(document, number: int) -> None:
    """Delete § n: its heading and every paragraph up to the next §."""
    body = document.element.body
    heading = next(p for p in document.paragraphs if p.text.strip() == f"§ {number}")
    element = heading._p
    while element is not None:
        following = element.getnext()
        body.remove(element)
        element = following
        if element is None or element.tag != qn("w:p"):
            break
        if "".join(t.text or "" for t in element.iter(qn("w:t"))).strip().startswith("§ "):
            break


def test_the_real_template_is_numbered_and_referenced_consistently(project):
    findings = lint_plan(plan_year(project, 2025), sample_render=False)
    assert errors(findings) == [] and warnings(findings) == []


def test_a_deleted_section_leaves_a_gap_that_is_reported(project):
    found = errors(findings_after(project, lambda d: delete_section(d, 3)))
    assert found == [
        "§ 4 (near „§ 4“): § 4 follows § 2 – § 3 is missing; number the paragraphs § 1, § 2, … without gaps "
        "(and check the references to them)"
    ]


def test_a_reference_to_a_section_that_does_not_exist(project):
    def edit(document) -> None:
        paragraph = paragraph_with(document, "in § 4 genannten")
        run = next(r for r in paragraph.runs if "in § 4 genannten" in r.text)
        run.text = run.text.replace("in § 4 genannten", "in § 9 genannten")

    (line,) = errors(findings_after(project, edit))
    assert line.startswith("§ 6, Absatz 2 (near „… Abweichungen von den in § 9 genannten Haushaltsmitteln")
    assert "„§ 9“ refers to § 9, which this agreement does not have (it has § 1 to § 7)" in line


def test_a_law_is_not_taken_for_a_section(project):
    def edit(document) -> None:
        paragraph = paragraph_with(document, "Unterjährige Abweichungen")
        paragraph.add_run(" Es gilt § 44 LHO.")

    assert errors(findings_after(project, edit)) == []


@pytest.fixture
def own_heading_style():
    def make(document, outline_level: int | None) -> None:
        style = document.styles.add_style("Paragrafenüberschrift", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.font.bold = True
        if outline_level is not None:
            level = OxmlElement("w:outlineLvl")
            level.set(qn("w:val"), str(outline_level - 1))
            style.element.get_or_add_pPr().append(level)
        for paragraph in document.paragraphs:
            if paragraph.text.strip().startswith("§ ") and len(paragraph.text.strip()) <= 4:
                paragraph.style = style

    return make


def test_a_heading_style_without_outline_level_is_a_warning(project, own_heading_style):
    found = warnings(findings_after(project, lambda d: own_heading_style(d, None)))
    assert len(found) == 7  # § 1 … § 7
    assert found[0].startswith(
        "§ 1 (near „§ 1“): this heading has the style „paragrafenüberschrift“, which is no heading"
    )
    assert "LibreOffice: Format › Absatz… › Gliederung & Nummerierung › Gliederungsebene 1" in found[0]


def test_a_heading_style_of_ones_own_with_outline_level_1_is_a_heading(project, own_heading_style):
    def edit(document) -> None:
        own_heading_style(document, 1)
        paragraph = paragraph_with(document, "{{ district.nominative|capfirst }} finanziert")
        run = next(r for r in paragraph.runs if "district.nominative" in r.text)
        run.text = run.text.replace("district.nominative", "district.nominativ")

    findings = findings_after(project, edit)
    assert warnings(findings) == []
    (line,) = errors(findings)
    assert line.startswith("§ 5, Absatz 1 ")  # the § headings still open their sections


def test_a_half_bold_tag_is_a_warning_with_its_place(project):
    def edit(document) -> None:
        split_run(paragraph_with(document, "Ausbildungsstrategie {{ district.genitive }}"), "genitive }}")

    (line,) = warnings(findings_after(project, edit))
    assert line.startswith("Präambel, Absatz 1 (near „… regionalen Arbeitsmarkt- und Ausbildungsstrategie")
    assert "the tag „{{ district.genitive }}“ is formatted in more than one way (partly bold)" in line
