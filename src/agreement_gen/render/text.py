"""A DOCX as plain text, in reading order: the one reader behind every text comparison.

Tests (the reference comparison), `preview`, `diff`, the textconv for git and the signing round's
comparison of sent and signed documents all read documents here, so everything a reader sees is in
the text they compare:

- body paragraphs and table cells in document order (the signature table's left cell before its
  right one, as a reader reads it); bulleted paragraphs start with "- " as in the reference text;
- text boxes and shapes' text, right after the paragraph they are anchored in, marked "[Textfeld] "
  (Word writes each box twice, as DrawingML and as a VML fallback: it is read once);
- headers and footers of every kind (first page, even pages, each read once), and footnotes;
- fields as fields: a page number, a page count or a date is `‹PAGE›`, `‹NUMPAGES›`, `‹DATE›`, not
  the digits Word or LibreOffice last cached (which change with every save); other fields (a
  cross-reference, a link) are read as the text they show;
- tracked insertions as text, tracked deletions not (the template check refuses both anyway).

Only python-docx and lxml are used: git runs the textconv once per file version, and it must be quick.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

from agreement_gen.render.sections import (
    FOOTER_PREFIX,
    FOOTNOTE_PREFIX,
    HEADER_PREFIX,
    PROPERTIES_PREFIX,
    TEXTBOX_PREFIX,
)

PROPERTIES = (("title", "Titel"), ("subject", "Thema"), ("author", "Autor"), ("comments", "Kommentare"))

# Fields whose shown result is the program's bookkeeping (page, count, date), not the author's text.
VOLATILE_FIELDS = {
    "PAGE",
    "NUMPAGES",
    "SECTIONPAGES",
    "SECTION",
    "PAGEREF",
    "DATE",
    "TIME",
    "SAVEDATE",
    "PRINTDATE",
    "CREATEDATE",
    "EDITTIME",
    "FILENAME",
    "FILESIZE",
    "NUMWORDS",
    "NUMCHARS",
    "REVNUM",
    "LASTSAVEDBY",
    "DOCPROPERTY",
    "INFO",
}

W_P, W_TBL, W_TR, W_TC, W_R, W_T = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r"), qn("w:t")
W_TXBX = qn("w:txbxContent")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = {qn("w:del"), qn("w:moveFrom"), qn("w:delText"), qn("w:pPr"), qn("w:rPr"), W_TXBX, _MC_FALLBACK}
_CHARS = {qn("w:tab"): "\t", qn("w:ptab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}


def _open(source: bytes | Path) -> Any:
    data = source.read_bytes() if isinstance(source, Path) else source
    return docx.Document(io.BytesIO(data))


# --- one paragraph ---------------------------------------------------------------------------------


class _Fields:
    """The complex fields (fldChar begin … separate … end) open at this point of a paragraph."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []  # [instruction so far, showing the result?]

    def hides_result(self) -> bool:
        return any(result and _is_volatile(instr) for instr, result in self.stack)


def _is_volatile(instruction: str) -> bool:
    words = instruction.split()
    return bool(words) and words[0].upper() in VOLATILE_FIELDS


def _field_mark(instruction: str) -> str:
    return f"‹{instruction.split()[0].upper()}›"


def paragraph_text(p: Any) -> str:
    """A paragraph's own text (not that of the text boxes anchored in it), fields as fields."""
    out: list[str] = []
    fields = _Fields()

    def walk(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED or not isinstance(tag, str):
                continue
            if tag == W_T:
                if not fields.hides_result():
                    out.append(child.text or "")
            elif tag in _CHARS:
                if not fields.hides_result():
                    out.append(_CHARS[tag])
            elif tag == qn("w:fldChar"):
                kind = child.get(qn("w:fldCharType"))
                if kind == "begin":
                    fields.stack.append(["", False])
                elif kind == "separate" and fields.stack:
                    fields.stack[-1][1] = True
                elif kind == "end" and fields.stack:
                    instruction, _ = fields.stack.pop()
                    if _is_volatile(instruction) and not fields.hides_result():
                        out.append(_field_mark(instruction))
            elif tag == qn("w:instrText"):
                if fields.stack and not fields.stack[-1][1]:
                    fields.stack[-1][0] += child.text or ""
            elif tag == qn("w:fldSimple"):
                instruction = child.get(qn("w:instr"), "")
                if _is_volatile(instruction):
                    if not fields.hides_result():
                        out.append(_field_mark(instruction))
                else:
                    walk(child)
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _text_boxes(p: Any) -> list[Any]:
    """The text boxes anchored in paragraph `p` (each once: the VML fallback copies are skipped)."""
    boxes = []
    for box in p.iter(W_TXBX):
        if next(box.iterancestors(W_P), None) is not p:
            continue  # anchored in a paragraph of another box: read with that box
        if any(a.tag == _MC_FALLBACK for a in box.iterancestors()):
            continue
        boxes.append(box)
    return boxes


# --- stories: the body, a header, a footnote, a text box -------------------------------------------


def _story(root: Any, bullets: set[str], prefix: str = "") -> Iterator[str]:
    """Every paragraph of a story (body, header, cell, box) in reading order, boxes after their anchor."""
    for child in root:
        if child.tag == W_P:
            text = paragraph_text(child)
            style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            if style is not None and style.get(qn("w:val")) in bullets:
                text = "- " + text
            yield prefix + text
            for box in _text_boxes(child):
                yield from _story(box, bullets, prefix or TEXTBOX_PREFIX)
        elif child.tag == W_TBL:
            for row in child.iter(W_TR):
                if next(row.iterancestors(W_TBL), None) is not child:
                    continue  # a row of a nested table: read with its cell
                for cell in row:
                    if cell.tag != W_TC or _continues_merge(cell):
                        continue
                    yield from _story(cell, bullets, prefix)
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"), qn("w:ins"), qn("w:moveTo")):
            yield from _story(child, bullets, prefix)


def _continues_merge(cell: Any) -> bool:
    """A cell that only continues a vertically merged cell above it (its text is read there)."""
    merge = cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return merge is not None and merge.get(qn("w:val"), "continue") == "continue"


def _bullet_styles(document: Any) -> set[str]:
    """Ids of the styles whose name starts with 'List Bullet' (the reference writes them as '- ')."""
    ids = set()
    for style in document.styles.element.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None and name.get(qn("w:val"), "").startswith("List Bullet"):
            ids.add(style.get(qn("w:styleId")))
    return ids


def _body_paragraphs(document: Any) -> list[str]:
    return list(_story(document.element.body, _bullet_styles(document)))


def paragraphs(source: bytes | Path) -> list[str]:
    """The body's paragraphs as text, text boxes included, empty ones kept (they separate blocks)."""
    return _body_paragraphs(_open(source))


def _headers_footers(document: Any) -> tuple[list[Any], list[Any]]:
    """Every header and every footer part in use (first page, default, even pages), each once."""
    headers: list[Any] = []
    footers: list[Any] = []
    seen: set[int] = set()
    for section in document.sections:
        for kinds, found in (
            (("first_page_header", "header", "even_page_header"), headers),
            (("first_page_footer", "footer", "even_page_footer"), footers),
        ):
            for kind in kinds:
                story = getattr(section, kind)
                if not story.is_linked_to_previous and id(story.part) not in seen:
                    seen.add(id(story.part))
                    found.append(story)
    return headers, footers


def _story_lines(story: Any, bullets: set[str], prefix: str) -> list[str]:
    return [prefix + line for line in _story(story._element, bullets) if line.strip()]


def header_text(source: bytes | Path) -> str:
    """Text of every header of the document, of every kind (markings such as ENTWURF live there)."""
    document = _open(source)
    bullets = _bullet_styles(document)
    headers, _ = _headers_footers(document)
    return "\n".join(line for header in headers for line in _story(header._element, bullets))


def footnotes(document: Any) -> list[str]:
    """Each footnote and endnote as one line, in the order of their parts."""
    lines = []
    bullets = _bullet_styles(document)
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in (RT.FOOTNOTES, RT.ENDNOTES):
            continue
        root = etree.fromstring(rel.target_part.blob)
        for note in root.iter(qn("w:footnote"), qn("w:endnote")):
            if note.get(qn("w:type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            text = " ".join(line for line in _story(note, bullets) if line.strip())
            if text.strip():
                lines.append(FOOTNOTE_PREFIX + text.strip())
    return lines


def lines(source: bytes | Path) -> list[str]:
    """Document properties, headers, the body, footnotes, then footers: all a reader sees, as lines.

    Header and footer lines are marked "[Kopfzeile] "/"[Fußzeile] ", properties "[Eigenschaften] ",
    footnotes "[Fußnote] ", text boxes "[Textfeld] ", so a change there is shown where it is.
    """
    document = _open(source)
    props = document.core_properties
    result = [f"{PROPERTIES_PREFIX}{label}: {value}" for name, label in PROPERTIES if (value := getattr(props, name))]
    bullets = _bullet_styles(document)
    headers, footers = _headers_footers(document)
    for header in headers:
        result += _story_lines(header, bullets, HEADER_PREFIX)
    result += _body_paragraphs(document)
    result += footnotes(document)
    for footer in footers:
        result += _story_lines(footer, bullets, FOOTER_PREFIX)
    return result


def words(text: str) -> list[str]:
    """Whitespace-separated words: the unit the reference comparison uses."""
    return text.split()
