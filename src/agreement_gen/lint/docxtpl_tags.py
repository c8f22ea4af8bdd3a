"""docxtpl's paragraph, row, cell and run tags ({%p %}, {%tr %}, {%tc %}, {%r %}) where they lose text.

docxtpl replaces the whole paragraph (row, cell, run) by such a tag, so anything else in it is
silently dropped from every agreement, and a cell left without any paragraph breaks the document.
"""

from __future__ import annotations

from agreement_gen.i18n import _
from agreement_gen.lint.document import W_P, Para, Part, Tag, text_of
from agreement_gen.lint.findings import Report


class DocxtplTagCheck:
    """Each {%p %}, {%tr %}, {%tc %} and {%r %} tag alone in what docxtpl replaces by it."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def check(self, part: Part) -> None:
        self.misplaced_tags(part)
        self.emptied_cells(part)

    def misplaced_tags(self, part: Part) -> None:
        """Each special tag must have its paragraph, row, cell or run to itself."""
        for para, tags in part.tagged():
            for tag in tags:
                kind = tag.docxtpl_kind
                if kind == "p":
                    self.alone_in_paragraph(part, para, tag, tags)
                elif kind in ("tr", "tc"):
                    self.alone_in_cell_or_row(part, para, tag, kind)
                elif kind == "r":
                    self.alone_in_run(part, para, tag)

    def emptied_cells(self, part: Part) -> None:
        """Table cells every paragraph of which docxtpl removes."""
        for cell in {id(p.cell): p.cell for p in part.paragraphs if p.cell is not None}.values():
            own = [p for p in part.paragraphs if p.cell is cell]
            if own and all(any(t.docxtpl_kind == "p" for t in part.tags.get(p.index, [])) for p in own):
                para = own[0]
                self.report.error(
                    part,
                    para,
                    _(
                        "every paragraph of this table cell is a {%p …%} tag: docxtpl removes them all and leaves the "
                        "cell without a paragraph, which Word refuses to open; use {% … %} inside a paragraph instead"
                    ),
                    para.near(),
                )

    def alone_in_paragraph(self, part: Part, para: Para, tag: Tag, tags: list[Tag]) -> None:
        rest = (para.text[: tag.start] + " " + para.text[tag.end :]).strip()
        if not rest:
            return
        others = [t.text for t in tags if t is not tag]
        if others and not _strip_tags(rest, tags):
            message = _(
                "„{tag}“ shares its paragraph with other text: docxtpl replaces the whole paragraph by the tag, "
                "so the other tag {other} would be lost; put the tag in a paragraph of its own"
            ).format(tag=tag.text, other=others[0])
        else:
            message = _(
                "„{tag}“ shares its paragraph with other text: docxtpl replaces the whole paragraph by the tag, "
                "so „{text}“ would be lost; put the tag in a paragraph of its own"
            ).format(tag=tag.text, text=_shorten(rest))
        self.report.error(part, para, message, para.near(tag.start, tag.end))

    def alone_in_cell_or_row(self, part: Part, para: Para, tag: Tag, kind: str) -> None:
        row = kind == "tr"
        if para.cell is None:
            message = (
                _(
                    "„{tag}“ repeats or hides a table row, so it must stand inside a table; here it is in a normal "
                    "paragraph, where docxtpl would cut out text up to the nearest table; use {{%p …%}} instead"
                )
                if row
                else _(
                    "„{tag}“ repeats or hides a table cell, so it must stand inside a table; here it is in a normal "
                    "paragraph, where docxtpl would cut out text up to the nearest table; use {{%p …%}} instead"
                )
            )
            self.report.error(part, para, message.format(tag=tag.text), para.near(tag.start, tag.end))
            return
        scope = para.cell.getparent() if kind == "tr" else para.cell
        texts = [text_of(p)[0] for p in scope.iter(W_P)]
        rest = " ".join(texts).replace(tag.text, " ", 1).strip()
        if rest:
            message = (
                _(
                    "„{tag}“ shares its table row with other text: docxtpl replaces the whole table row by the tag, "
                    "so „{text}“ would be lost; put the tag in a table row of its own"
                )
                if row
                else _(
                    "„{tag}“ shares its table cell with other text: docxtpl replaces the whole table cell by the tag, "
                    "so „{text}“ would be lost; put the tag in a table cell of its own"
                )
            )
            self.report.error(
                part, para, message.format(tag=tag.text, text=_shorten(rest)), para.near(tag.start, tag.end)
            )

    def alone_in_run(self, part: Part, para: Para, tag: Tag) -> None:
        pieces = [p for p in para.pieces if p.start < tag.end and p.end > tag.start]
        if pieces and (pieces[0].start < tag.start or pieces[-1].end > tag.end):
            self.report.error(
                part,
                para,
                _(
                    "„{tag}“ shares its run (a piece of equally formatted text) with other text, which docxtpl "
                    "would drop; give the tag a formatting of its own or use {code}"
                ).format(tag=tag.text, code="{{ … }}"),
                para.near(tag.start, tag.end),
            )


def _strip_tags(text: str, tags: list[Tag]) -> str:
    for tag in tags:
        text = text.replace(tag.text, " ")
    return text.strip()


def _shorten(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
