"""What every rendered agreement gets, whatever the editor's Word settings were.

- **No comments.** A Word comment in the master template is a note between editors; docxtpl copies
  it into every agreement, where LibreOffice prints it as a note in the PDF. Comment anchors, the
  reference marks and the comments parts are removed.
- **One header and one footer on every page.** "Different first page" or "different odd and even
  pages" in the header settings would give page 1 (or every even page) a header of its own, without
  ENTWURF, MUSTER or the page number. Every section uses its default header and footer instead.

The template check warns about both in the template (`lint.word_damage`), so the editor knows.
"""

from __future__ import annotations

from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

COMMENT_MARKS = (qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:commentReference"))
# comments.xml and the parts Word 2013+ keeps beside it (their relationship types end like this)
COMMENT_PARTS = ("/comments", "/commentsExtended", "/commentsIds", "/commentsExtensible")
SPECIAL_PAGES = ("first", "even")


def normalise(document: Any) -> None:
    """Remove comments and the first-page/even-page headers and footers from a python-docx Document."""
    roots = [document.element, *(_part_root(part) for part in _header_footer_parts(document))]
    for root in roots:
        strip_comment_marks(root)
    _drop_comment_parts(document.part)
    _same_header_on_every_page(document)


def strip_comment_marks(root: Any) -> None:
    """Comment anchors and reference marks out of one XML part; a run left empty goes too."""
    for mark in list(root.iter(*COMMENT_MARKS)):
        parent = mark.getparent()
        parent.remove(mark)
        if parent.tag == qn("w:r") and all(child.tag == qn("w:rPr") for child in parent):
            parent.getparent().remove(parent)


def _drop_comment_parts(part: Any) -> None:
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith(COMMENT_PARTS) or rel.reltype == RT.COMMENTS:
            del part.rels[rel_id]


def _same_header_on_every_page(document: Any) -> None:
    body = document.element.body
    for sect_pr in body.iter(qn("w:sectPr")):
        for title_pg in sect_pr.findall(qn("w:titlePg")):
            sect_pr.remove(title_pg)
        for ref in [*sect_pr.findall(qn("w:headerReference")), *sect_pr.findall(qn("w:footerReference"))]:
            if ref.get(qn("w:type")) in SPECIAL_PAGES:
                rel_id = ref.get(qn("r:id"))
                sect_pr.remove(ref)
                document.part.drop_rel(rel_id)
    settings = document.settings.element
    for even_odd in settings.findall(qn("w:evenAndOddHeaders")):
        settings.remove(even_odd)


def _header_footer_parts(document: Any) -> list[Any]:
    return [rel.target_part for rel in document.part.rels.values() if rel.reltype in (RT.HEADER, RT.FOOTER)]


def _part_root(part: Any) -> Any:
    return part.element
