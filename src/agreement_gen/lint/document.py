"""The template as the editor sees it: paragraphs in order, under their section, and the tags as typed.

Every finding names a place the editor can find in Word ("§ 5, Absatz 3", "Kopfzeile, Tabelle 1,
Zeile 2, Spalte 1") and the words around it, never an XML offset. Each piece of a paragraph's text
remembers the XML element it lives in (the paragraph, a link, a tracked change …), because a tag
spread over two of them is one docxtpl cannot join.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree

from agreement_gen.i18n import _
from agreement_gen.render.sections import TITLE, section_heading

W_P, W_T, W_R, W_TC, W_TR = qn("w:p"), qn("w:t"), qn("w:r"), qn("w:tc"), qn("w:tr")
W_TXBX = qn("w:txbxContent")
MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
BODY_TEXT_LEVEL = 9  # w:outlineLvl 9 is "Textkörper": not a heading
BODY, HEADER, FOOTER = "Haupttext", "Kopfzeile", "Fußzeile"

# What Word's AutoCorrect puts into a tag while one types: Jinja cannot read these …
WORD_TYPOGRAPHY = {"„": '"', "‚": "'", "«": '"', "»": '"', "‹": "'", "›": "'", "–": "-", "—": "-", "…": "..."}
# … and these docxtpl straightens itself (`patch_xml`'s clean_tags), so they only deserve a warning.
STRAIGHTENED = {"“": '"', "”": '"', "‘": "'", "’": "'"}

_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_DOCXTPL_PREFIX = re.compile(r"^(\{%|\{\{)(p|tr|tc|r) ")  # docxtpl's paragraph/row/cell/run tags
DOCXTPL_STATEMENTS = ("vm", "hm", "colspan", "cellbg")  # table tags docxtpl rewrites before Jinja sees them

# A delimiter that does not pair up: (start, end, message), offsets in the paragraph's text.
Unpaired = tuple[int, int, str]


@dataclass(frozen=True)
class Piece:
    """One `w:t` text node of a paragraph: its span in the paragraph's text and its container."""

    start: int
    end: int
    container: Any  # the element holding the run: the paragraph itself, or a link, a tracked change …
    node: Any = None  # the w:t element itself


@dataclass
class Para:
    """A paragraph as the editor sees it in Word."""

    index: int  # position among the part's paragraphs (document order)
    element: Any
    where: str
    text: str
    pieces: list[Piece]
    cell: Any = None  # the table cell (w:tc) it stands in, if any
    outline_level: int | None = None  # 1 for a level-1 heading (Gliederungsebene 1), None for body text
    style: str = ""  # the style's name as Word shows it
    opens_section: bool = False  # the heading of a § (or of another top-level section)

    def near(self, start: int = 0, end: int | None = None, words: int = 4) -> str:
        """Up to `words` words either side of text[start:end], so the editor can search for it."""
        end = len(self.text) if end is None else end
        before = list(re.finditer(r"\S+", self.text[:start]))
        after = list(re.finditer(r"\S+", self.text[end:]))
        first = before[-words].start() if len(before) >= words else 0
        last = end + (after[words - 1].end() if len(after) >= words else len(self.text) - end)
        snippet = " ".join(self.text[first:last].split())
        return ("… " if len(before) > words else "") + snippet + (" …" if len(after) > words else "")


@dataclass(frozen=True)
class Tag:
    """A tag as the editor typed it: `{{ … }}`, `{% … %}` or `{# … #}`, at its span in the paragraph."""

    start: int
    end: int
    text: str

    @property
    def opener(self) -> str:
        return self.text[:2]

    @property
    def docxtpl_kind(self) -> str | None:
        """'p', 'tr', 'tc' or 'r' for docxtpl's special tags ({%p if … %}), else None."""
        match = _DOCXTPL_PREFIX.match(self.text)
        return match.group(2) if match else None

    def jinja(self) -> str:
        """The tag as docxtpl hands it to Jinja: special prefix dropped, typographic quotes straightened."""
        text = _DOCXTPL_PREFIX.sub(r"\1 ", self.text)
        for curly, straight in STRAIGHTENED.items():
            text = text.replace(curly, straight)
        return text

    def keyword(self) -> str:
        """The statement a `{% … %}` tag begins with ('if', 'endfor', …); '' for an empty tag."""
        inner = self.jinja()[2:].rstrip("}%#-+ ").lstrip("-+ ")
        return inner.split(maxsplit=1)[0] if inner else ""


@dataclass
class Part:
    """One XML part docxtpl renders on its own (the body, a header, a footer)."""

    name: str
    order: int
    xml: str
    paragraphs: list[Para]
    tags: dict[int, list[Tag]] = field(default_factory=dict)  # paragraph index → its tags
    damaged: dict[int, list[Tag]] = field(default_factory=dict)  # paragraph index → tags that do not close
    unreadable: set[Tag] = field(default_factory=set)  # tags Jinja cannot read (reported already)
    explained: set[Tag] = field(default_factory=set)  # tags whose damage is reported already (a field in them …)

    def tagged(self) -> Iterator[tuple[Para, list[Tag]]]:
        """The paragraphs that hold tags, in document order, each with its (closed) tags."""
        by_index = {p.index: p for p in self.paragraphs}
        for index, tags in self.tags.items():
            yield by_index[index], tags

    def typed(self, para: Para) -> list[Tag]:
        """All tags of a paragraph, closed and damaged, in the order they were typed."""
        return sorted([*self.tags.get(para.index, []), *self.damaged.get(para.index, [])], key=lambda t: t.start)


def read_parts(tpl: DocxTemplate) -> list[Part]:
    """The body, then every header and footer, named as the editor finds them in Word."""
    document = tpl.docx
    names = Styles(document)
    body_xml = tpl.get_xml()
    parts = [Part(BODY, 0, body_xml, paragraphs(etree.fromstring(body_xml), BODY, names))]
    kinds: dict[str, str] = {}
    for ref in document.element.body.iter(qn("w:headerReference"), qn("w:footerReference")):
        kinds[ref.get(qn("r:id"))] = ref.get(qn("w:type"), "default")
    suffix = {"first": " der ersten Seite", "even": " gerader Seiten"}
    for order, (label, uri) in enumerate(((HEADER, tpl.HEADER_URI), (FOOTER, tpl.FOOTER_URI)), 1):
        for rel_id, part in tpl.get_headers_footers(uri):
            name = label + suffix.get(kinds.get(rel_id, "default"), "")
            xml = tpl.get_part_xml(part)
            parts.append(Part(name, order, xml, paragraphs(etree.fromstring(xml.encode()), name, names)))
    return parts


class Styles:
    """The template's paragraph styles: each one's name as Word shows it ('heading 1', 'Überschrift 1' …)
    and its outline level (Gliederungsebene), inherited along `basedOn`.

    Headings are recognised by outline level, as Word's navigation pane and LibreOffice's PDF export
    do, not by style name: a style of one's own with outline level 1 is a heading, one without is not.
    """

    def __init__(self, document: Any) -> None:
        self.names: dict[str, str] = {}
        self.levels: dict[str, int | None] = {}
        based_on: dict[str, str] = {}
        own: dict[str, int | None] = {}
        self.default = ""
        for style in document.styles.element.iter(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            name = style.find(qn("w:name"))
            self.names[style_id] = name.get(qn("w:val"), "") if name is not None else style_id
            parent = style.find(qn("w:basedOn"))
            if parent is not None:
                based_on[style_id] = parent.get(qn("w:val"))
            own[style_id] = _outline_level(style)
            if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true"):
                self.default = style_id
        for style_id in self.names:
            seen: set[str] = set()
            current: str | None = style_id
            level: int | None = None
            while current and current not in seen:
                seen.add(current)
                if own.get(current) is not None:
                    level = own[current]
                    break
                current = based_on.get(current)
            self.levels[style_id] = level

    def of(self, p: Any) -> tuple[str, int | None]:
        """A paragraph's style name (lower case) and outline level (1-based; None for body text)."""
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        style_id = style.get(qn("w:val")) if style is not None else self.default
        level = _outline_level(p)
        if level is None:
            level = self.levels.get(style_id)
        return self.names.get(style_id, "").lower(), level


def _outline_level(element: Any) -> int | None:
    """w:pPr/w:outlineLvl of a style or paragraph, 1-based; None where absent or body text."""
    found = element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
    if found is None:
        return None
    try:
        value = int(found.get(qn("w:val"), BODY_TEXT_LEVEL))
    except ValueError:
        return None
    return value + 1 if value < BODY_TEXT_LEVEL else None


def text_of(p: Any) -> tuple[str, list[Piece]]:
    """A paragraph's own text and the pieces it is made of."""
    text, pieces = "", []
    for t in p.iter(W_T):
        if next(t.iterancestors(W_P), None) is not p:  # a nested paragraph (text box) is its own
            continue
        run = t.getparent()
        container = run.getparent() if run is not None and run.tag == W_R else run
        pieces.append(Piece(len(text), len(text) + len(t.text or ""), container, t))
        text += t.text or ""
    return text, pieces


def paragraphs(root: Any, part: str, styles: Styles) -> list[Para]:
    """Every paragraph of one part, in document order, named as an editor would find it.

    A paragraph in a text box is "§ 5, Textfeld 1, Absatz 2" (boxes numbered in their section); Word
    keeps each box twice (DrawingML and a VML fallback), and both copies get the same name.
    """
    section = TITLE if part == BODY else part
    counted = 0
    tables: dict[Any, int] = {}
    boxes: dict[Any, int] = {}
    result: list[Para] = []
    for index, p in enumerate(root.iter(W_P)):
        text, pieces = text_of(p)
        cell = next(p.iterancestors(W_TC), None)
        box = next(p.iterancestors(W_TXBX), None)
        style, level = styles.of(p)
        is_heading = level is not None or style == "title"
        if box is not None:
            where = _box_where(section, box, p, boxes)
        elif cell is not None:
            where = _cell_where(section, cell, tables)
        elif part == BODY and (
            (heading := section_heading(text, is_heading=is_heading)) or (level == 1 and text.strip())
        ):
            section = heading or text.strip()
            counted, tables, boxes = 0, {}, {}
            where = section
            result.append(Para(index, p, where, text, pieces, cell, level, style, opens_section=True))
            continue
        elif is_heading and text.strip():
            where = f"{section}, Überschrift"
        elif text.strip():
            counted += 1
            where = f"{section}, Absatz {counted}"
        else:
            where = f"{section}, leerer Absatz" + (f" nach Absatz {counted}" if counted else "")
        result.append(Para(index, p, where, text, pieces, cell, level, style))
    return result


def _box_where(section: str, box: Any, p: Any, boxes: dict[Any, int]) -> str:
    """'§ 5, Textfeld 1, Absatz 2': the DrawingML box and its VML fallback copy share one number."""
    twin = next(box.iterancestors(MC_ALTERNATE), None)
    number = boxes.setdefault(twin if twin is not None else box, len(boxes) + 1)
    own = [q for q in box.iter(W_P) if next(q.iterancestors(W_TXBX), None) is box]
    return f"{section}, Textfeld {number}, Absatz {own.index(p) + 1}"


def _cell_where(section: str, cell: Any, tables: dict[Any, int]) -> str:
    """'§ 5, Tabelle 1, Zeile 2, Spalte 3'; `tables` numbers the section's tables as they are met."""
    row = cell.getparent()
    table = row.getparent()
    number = tables.setdefault(table, len(tables) + 1)
    row_no = [r for r in table if r.tag == W_TR].index(row) + 1
    col_no = [c for c in row if c.tag == W_TC].index(cell) + 1
    return f"{section}, Tabelle {number}, Zeile {row_no}, Spalte {col_no}"


def scan(text: str) -> tuple[list[Tag], list[Unpaired], list[Tag]]:
    """The tags of one paragraph's text, delimiters that do not pair up (start, end, message), and
    the damaged tags themselves (still needed to follow the blocks: a damaged `{%p endfor %` closes one)."""
    tags: list[Tag] = []
    damaged: list[Tag] = []
    problems: list[Unpaired] = []
    opener: str | None = None
    start = 0
    for match in _DELIMITER.finditer(text):
        token = match.group()
        if token in CLOSER:
            if opener == "{#":
                continue  # a comment may contain anything
            if opener is not None:
                snippet = text[start : match.start()].rstrip()
                damaged.append(Tag(start, start + len(snippet), snippet))
                problems.append(
                    (
                        start,
                        match.start(),
                        _("the tag „{tag}“ is not closed before the next tag begins: add {closer}").format(
                            tag=snippet, closer=CLOSER[opener]
                        ),
                    )
                )
            opener, start = token, match.start()
        elif opener is None:
            if token != "#}":
                problems.append(
                    (
                        match.start(),
                        match.end(),
                        _("„{token}“ closes no tag (its opening braces are missing or damaged)").format(token=token),
                    )
                )
        elif token == CLOSER[opener]:
            tags.append(Tag(start, match.end(), text[start : match.end()]))
            opener = None
        elif opener != "{#":
            snippet = text[start : match.end()]
            damaged.append(Tag(start, match.end(), snippet))
            problems.append(
                (
                    start,
                    match.end(),
                    _("the tag „{tag}“ opens with {opener} but closes with {token}; use {closer}").format(
                        tag=snippet, opener=opener, token=token, closer=CLOSER[opener]
                    ),
                )
            )
            opener = None
    if opener is not None:
        snippet = text[start:].rstrip()
        damaged.append(Tag(start, start + len(snippet), snippet))
        message = _("the tag „{tag}“ is never closed: add {closer} at its end").format(
            tag=snippet, closer=CLOSER[opener]
        )
        problems.append((start, len(text), message))
    return tags, problems, damaged


def compact(text: str) -> str:
    """Text without whitespace, docxtpl prefixes and curly quotes: to find a tag in patched XML."""
    text = re.sub(r"(\{%|\{\{)(p|tr|tc|r) ", r"\1", text)
    text = text.replace("{%-", "{%").replace("-%}", "%}")  # docxtpl consumes whitespace control
    for curly, straight in STRAIGHTENED.items():
        text = text.replace(curly, straight)
    return "".join(text.split())
