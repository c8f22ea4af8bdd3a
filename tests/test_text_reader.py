"""Issue 15, points 4–6: everything a reader sees is in the text we compare – text boxes, every kind of
header and footer, footnotes – and fields are compared as fields, so saving in LibreOffice is no change."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.lint import Severity, lint_plan
from agreement_gen.render.renderer import TemplateRenderer
from agreement_gen.render.text import lines, paragraphs, words

from .conftest import REFERENCE, ROOT, reopen_2025
from .editing import libreoffice_save, paragraph_with

TEMPLATE = "zielvereinbarung.docx"
NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word"'
)


def text_box_run(text: str) -> object:
    """A floating text box as Word 2010+ writes it: DrawingML, with a VML copy for older readers."""
    content = f'<w:txbxContent><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:txbxContent>'
    return parse_xml(
        f'<w:r {NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>3600000</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="1800000" cy="540000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapSquare wrapText="bothSides"/>'
        '<wp:docPr id="101" name="Textfeld 1"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1800000" cy="540000"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f"<wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict>"
        '<v:shape id="Textfeld1" type="#_x0000_t202" style="position:absolute;width:141.75pt;height:42.5pt">'
        f'<v:textbox>{content}</v:textbox><w10:wrap type="square"/></v:shape></w:pict></mc:Fallback>'
        "</mc:AlternateContent></w:r>"
    )


def with_text_box(path: Path, anchor: str, text: str) -> None:
    document = docx.Document(str(path))
    paragraph = paragraph_with(document, anchor)
    paragraph._p.append(text_box_run(text))
    document.save(str(path))


def render(project: Paths, slug: str) -> bytes:
    plan = plan_year(project, 2025, [slug])
    return TemplateRenderer(plan.template).render(plan.agreements[0])


# --- text boxes ----------------------------------------------------------------------------------


def test_a_text_box_is_read_once_after_its_paragraph(project):
    with_text_box(project.templates / TEMPLATE, "Unterjährige Abweichungen", "Stand: {{ district.seat }}")
    body = paragraphs(render(project, "darmstadt-dieburg"))
    boxes = [line for line in body if line.startswith("[Textfeld]")]
    assert boxes == ["[Textfeld] Stand: Darmstadt"]  # DrawingML and VML copy: read once
    anchor = next(i for i, line in enumerate(body) if line.startswith("Unterjährige Abweichungen"))
    assert body[anchor + 1] == "[Textfeld] Stand: Darmstadt"


def test_the_reference_comparison_sees_a_text_box(project):
    """A box added to the signed agreement's template: its words are no longer the reference's."""
    reference = words(REFERENCE.read_text(encoding="utf-8").replace("**", ""))
    assert words(" ".join(paragraphs(render(project, "darmstadt-dieburg")))) == reference
    with_text_box(project.templates / TEMPLATE, "Unterjährige Abweichungen", "Zusatz")
    assert words(" ".join(paragraphs(render(project, "darmstadt-dieburg")))) != reference


def test_diff_shows_a_text_box_added_to_every_agreement(project, cli):
    reopen_2025(project)
    root = project.counties.parent
    identity = ["-c", "user.name=R", "-c", "user.email=r@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    subprocess.run(["git", *identity, "commit", "-qm", "start"], cwd=root, check=True)
    with_text_box(project.templates / TEMPLATE, "Unterjährige Abweichungen", "Hinweis im Kasten")
    code, out, _ = cli("diff")
    assert code == 0
    assert "26 of 26 agreements change, 1 distinct change(s)" in out
    assert "26 districts: § 6, Textfeld added 'Hinweis im Kasten'" in out


def test_a_typo_in_a_text_box_is_located_in_the_box(project):
    reopen_2025(project)
    with_text_box(project.templates / TEMPLATE, "Unterjährige Abweichungen", "Stand: {{ district.sitz }}")
    errors = [f for f in lint_plan(plan_year(project, 2025)) if f.severity is Severity.ERROR]
    assert [f.where for f in errors] == ["§ 6, Textfeld 1, Absatz 1"]  # once, though Word keeps the box twice
    assert "`district.sitz`, which does not exist" in errors[0].message


# --- headers, footers, footnotes, fields ---------------------------------------------------------


def test_first_page_headers_and_footnotes_are_in_the_text(project):
    path = project.templates / TEMPLATE
    document = docx.Document(str(path))
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Zielvereinbarung – erste Seite"
    document.save(str(path))
    found = lines(path)
    assert "[Kopfzeile] Zielvereinbarung – erste Seite" in found
    assert '[Kopfzeile] {% if status == "draft" %}ENTWURF{% endif %}' in found


def test_page_numbers_are_compared_as_fields_not_as_their_cached_digits(project):
    path = project.templates / TEMPLATE
    before = lines(path)
    document = docx.Document(str(path))
    footer = document.sections[0].footer.paragraphs[0]
    for run in footer.runs:
        if run.text == "1":
            run.text = "3"  # what LibreOffice caches after laying out three pages
    document.save(str(path))
    assert lines(path) == before
    assert before[-1] == "[Fußzeile] Seite ‹PAGE› von ‹NUMPAGES›"


# --- LibreOffice: open and save, no edit ----------------------------------------------------------


@pytest.fixture(scope="module")
def libreoffice_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("libreoffice")
    shutil.copy(ROOT / "templates" / TEMPLATE, folder / TEMPLATE)
    return libreoffice_save(folder / TEMPLATE, folder)


@pytest.mark.slow
def test_libreoffice_open_and_save_is_no_change(project, cli, libreoffice_copy):
    root = project.counties.parent
    identity = ["-c", "user.name=R", "-c", "user.email=r@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    subprocess.run(["git", *identity, "commit", "-qm", "start"], cwd=root, check=True)
    template = project.templates / TEMPLATE
    assert template.read_bytes() != libreoffice_copy.read_bytes()
    shutil.copy(libreoffice_copy, template)

    code, out, _ = cli("diff")
    assert code == 0
    assert out.strip() == "No changes: the 26 agreements read the same (HEAD → working tree, 2025)."
    code, out, _ = cli("check")  # the closed 2025 template: the same text, so not an edit
    assert code == 0, out
    assert not [line for line in out.splitlines() if line.strip().startswith("✗")]


@pytest.mark.slow
def test_the_reference_still_matches_after_a_libreoffice_save(project, libreoffice_copy):
    shutil.copy(libreoffice_copy, project.templates / TEMPLATE)
    reference = words(REFERENCE.read_text(encoding="utf-8").replace("**", ""))
    assert words(" ".join(paragraphs(render(project, "darmstadt-dieburg")))) == reference
