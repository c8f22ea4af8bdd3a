"""Template check: what an editor broke in Word, each problem in one sentence with where it is.

The master template is edited in Word, by people who do not read Python. Word quietly splits a
tag over several runs, turns "…" into „…“ and `-` into `–`; docxtpl then either joins the
pieces, or produces broken XML, or deletes a paragraph, or leaves the tag as literal text in
26 legal documents. Jinja names problems by XML offset, docxtpl's own
`get_undeclared_template_variables` misses names inside loops and attributes
(python-docx-template#585, #302). So this module reads the template twice:

- as the editor sees it: paragraphs in order, under their section ("§ 5, Absatz 3",
  "Kopfzeile"), the tags as typed, and which XML element each piece of text lives in;
- as docxtpl will see it: its own `patch_xml` preprocessing, parsed by the Jinja environment the
  renderer uses, each line marked with the paragraph it came from, so every variable, filter
  and syntax error points back to a place in Word.

Known names come from real contexts (`vocabulary.Vocabulary`), not from a hand-kept list.
"""

from __future__ import annotations

import difflib
import html
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateSyntaxError, nodes
from lxml import etree

from agreement_gen.models import Kind, Status
from agreement_gen.sections import TITLE, section_heading
from agreement_gen.vocabulary import ITEM, Vocabulary, display_name

W_P, W_T, W_R, W_TC, W_TR, W_TBL = qn("w:p"), qn("w:t"), qn("w:r"), qn("w:tc"), qn("w:tr"), qn("w:tbl")
BODY, HEADER, FOOTER = "Haupttext", "Kopfzeile", "Fußzeile"

# Values a comparison in the template can meaningfully test for: `status == "signd"` is never true.
VALUE_SETS: dict[str, tuple[str, ...]] = {
    "status": tuple(s.value for s in Status),
    "district.kind": tuple(k.value for k in Kind),
}

# What Word's AutoCorrect puts into a tag while one types: Jinja cannot read these …
_WORD_TYPOGRAPHY = {"„": '"', "‚": "'", "«": '"', "»": '"', "‹": "'", "›": "'", "–": "-", "—": "-", "…": "..."}
# … and these docxtpl straightens itself (`patch_xml`'s clean_tags), so they only deserve a warning.
_STRAIGHTENED = {"“": '"', "”": '"', "‘": "'", "’": "'"}

_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_DOCXTPL_PREFIX = re.compile(r"^(\{%|\{\{)(p|tr|tc|r) ")  # docxtpl's paragraph/row/cell/run tags
# Each block statement, and a minimal opening that lets Jinja parse its closing tag on its own.
_OPENINGS = {
    "if": "{% if x %}",
    "for": "{% for x in y %}",
    "macro": "{% macro x() %}",
    "call": "{% call x() %}",
    "filter": "{% filter upper %}",
    "with": "{% with %}",
    "block": "{% block x %}",
    "autoescape": "{% autoescape true %}",
    "raw": "{% raw %}",
    "set": "{% set x %}",
}
_BLOCKS = tuple(k for k in _OPENINGS if k != "set")
_STATEMENTS = (*_BLOCKS, "elif", "else", "set", "include", "import", "from", "extends", "do", "break", "continue")
_DOCXTPL_STATEMENTS = ("vm", "hm", "colspan", "cellbg")  # table tags docxtpl rewrites before Jinja sees them
_REVISIONS = {qn("w:ins"), qn("w:del"), qn("w:moveFrom"), qn("w:moveTo")}
_WRAPPERS = {
    qn("w:hyperlink"): "a link",
    qn("w:ins"): "a tracked insertion",
    qn("w:del"): "a tracked deletion",
    qn("w:moveTo"): "a tracked move",
    qn("w:moveFrom"): "a tracked move",
    qn("w:smartTag"): "a smart tag",
    qn("w:sdtContent"): "a content control",
    qn("w:fldSimple"): "a field",
    qn("w:customXml"): "a custom XML element",
}
_PROPERTIES = (("title", "Titel"), ("subject", "Thema"), ("author", "Autor"), ("comments", "Kommentare"))
_KEEPS_ITEMS = {"sort", "reverse", "list", "selectattr", "rejectattr", "unique"}  # filters that keep a list's items


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (as an editor finds it in Word), the words around it, what to do."""

    severity: Severity
    where: str
    message: str
    near: str = ""
    order: tuple[int, int] = field(default=(99, 0), compare=False, repr=False)

    def __str__(self) -> str:
        near = f" (near „{self.near}“)" if self.near else ""
        return f"{self.where}{near}: {self.message}"


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


# --- the template as the editor sees it -------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One `w:t` text node of a paragraph: its span in the paragraph's text and its container."""

    start: int
    end: int
    container: Any  # the element holding the run: the paragraph itself, or a link, a tracked change …


@dataclass
class Para:
    """A paragraph as the editor sees it in Word."""

    index: int  # position among the part's paragraphs (document order)
    element: Any
    where: str
    text: str
    pieces: list[Piece]
    cell: Any = None  # the table cell (w:tc) it stands in, if any

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
        for curly, straight in _STRAIGHTENED.items():
            text = text.replace(curly, straight)
        return text

    def keyword(self) -> str:
        inner = self.jinja()[2:].rstrip("}%#-+ ").lstrip("-+ ")
        return inner.split(maxsplit=1)[0] if inner else ""


def _style_names(document: Any) -> dict[str, str]:
    names = {}
    for style in document.styles.element.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            names[style.get(qn("w:styleId"))] = name.get(qn("w:val"), "")
    return names


def _style_of(p: Any, names: Mapping[str, str]) -> str:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return names.get(style.get(qn("w:val")), "").lower() if style is not None else ""


def _text_of(p: Any) -> tuple[str, list[Piece]]:
    text, pieces = "", []
    for t in p.iter(W_T):
        if next(t.iterancestors(W_P), None) is not p:  # a nested paragraph (text box) is its own
            continue
        run = t.getparent()
        container = run.getparent() if run is not None and run.tag == W_R else run
        pieces.append(Piece(len(text), len(text) + len(t.text or ""), container))
        text += t.text or ""
    return text, pieces


def _paragraphs(root: Any, part: str, style_names: Mapping[str, str]) -> list[Para]:
    """Every paragraph of one part, in document order, named as an editor would find it."""
    section = TITLE if part == BODY else part
    counted = 0
    tables: dict[Any, int] = {}
    result = []
    for index, p in enumerate(root.iter(W_P)):
        text, pieces = _text_of(p)
        cell = next(p.iterancestors(W_TC), None)
        style = _style_of(p, style_names)
        is_heading = style.startswith(("heading", "title", "überschrift"))
        if cell is not None:
            row = cell.getparent()
            table = row.getparent()
            number = tables.setdefault(table, len(tables) + 1)
            row_no = [r for r in table if r.tag == W_TR].index(row) + 1
            col_no = [c for c in row if c.tag == W_TC].index(cell) + 1
            where = f"{section}, Tabelle {number}, Zeile {row_no}, Spalte {col_no}"
        elif part == BODY and (
            (heading := section_heading(text, is_heading=is_heading))
            or (style in ("heading 1", "überschrift 1") and text.strip())
        ):
            section = heading or text.strip()
            counted, tables = 0, {}
            where = section
        elif is_heading and text.strip():
            where = f"{section}, Überschrift"
        elif text.strip():
            counted += 1
            where = f"{section}, Absatz {counted}"
        else:
            where = f"{section}, leerer Absatz" + (f" nach Absatz {counted}" if counted else "")
        result.append(Para(index, p, where, text, pieces, cell))
    return result


def _scan(text: str) -> tuple[list[Tag], list[tuple[int, int, str]], list[Tag]]:
    """The tags of one paragraph's text, delimiters that do not pair up (start, end, message), and
    the damaged tags themselves (still needed to follow the blocks: a damaged `{%p endfor %` closes one)."""
    tags: list[Tag] = []
    damaged: list[Tag] = []
    problems: list[tuple[int, int, str]] = []
    opener, start = None, 0
    for match in _DELIMITER.finditer(text):
        token = match.group()
        if token in _CLOSER:
            if opener == "{#":
                continue  # a comment may contain anything
            if opener is not None:
                snippet = text[start : match.start()].rstrip()
                damaged.append(Tag(start, start + len(snippet), snippet))
                problems.append(
                    (
                        start,
                        match.start(),
                        f"the tag „{snippet}“ is not closed before the next tag begins: add {_CLOSER[opener]}",
                    )
                )
            opener, start = token, match.start()
        elif opener is None:
            if token != "#}":
                problems.append(
                    (match.start(), match.end(), f"„{token}“ closes no tag (its opening braces are missing or damaged)")
                )
        elif token == _CLOSER[opener]:
            tags.append(Tag(start, match.end(), text[start : match.end()]))
            opener = None
        elif opener != "{#":
            snippet = text[start : match.end()]
            damaged.append(Tag(start, match.end(), snippet))
            problems.append(
                (
                    start,
                    match.end(),
                    f"the tag „{snippet}“ opens with {opener} but closes with {token}; use {_CLOSER[opener]}",
                )
            )
            opener = None
    if opener is not None:
        snippet = text[start:].rstrip()
        damaged.append(Tag(start, start + len(snippet), snippet))
        problems.append((start, len(text), f"the tag „{snippet}“ is never closed: add {_CLOSER[opener]} at its end"))
    return tags, problems, damaged


# --- the checks -------------------------------------------------------------------------------


@dataclass
class _Part:
    """One XML part docxtpl renders on its own (the body, a header, a footer)."""

    name: str
    order: int
    xml: str
    paragraphs: list[Para]
    tags: dict[int, list[Tag]] = field(default_factory=dict)  # paragraph index → its tags
    damaged: dict[int, list[Tag]] = field(default_factory=dict)  # paragraph index → tags that do not close
    unreadable: set[Tag] = field(default_factory=set)  # tags Jinja cannot read (reported already)


class _Checker:
    def __init__(self, template: Path, vocabulary: Vocabulary | None, env: Environment):
        self.template = template
        self.vocabulary = vocabulary
        self.env = env
        self.findings: list[Finding] = []
        self.used: set[str] = set()
        self.analysed_everything = True
        self.tpl = DocxTemplate(io.BytesIO(template.read_bytes()))
        self.tpl.init_docx()

    # reporting
    def add(self, severity: Severity, part: _Part | None, para: Para | None, message: str, near: str = "") -> None:
        where = para.where if para else (part.name if part else "Vorlage")
        order = (part.order if part else 90, para.index if para else 0)
        self.findings.append(Finding(severity, where, message, near, order))

    def error(self, part: _Part | None, para: Para | None, message: str, near: str = "") -> None:
        self.add(Severity.ERROR, part, para, message, near)

    # the parts
    def parts(self) -> list[_Part]:
        document = self.tpl.docx
        names = _style_names(document)
        body_xml = self.tpl.get_xml()
        parts = [_Part(BODY, 0, body_xml, _paragraphs(etree.fromstring(body_xml), BODY, names))]
        kinds = {}
        for ref in document.element.body.iter(qn("w:headerReference"), qn("w:footerReference")):
            kinds[ref.get(qn("r:id"))] = ref.get(qn("w:type"), "default")
        suffix = {"first": " der ersten Seite", "even": " gerader Seiten"}
        for order, (label, uri) in enumerate(((HEADER, self.tpl.HEADER_URI), (FOOTER, self.tpl.FOOTER_URI)), 1):
            for rel_id, part in self.tpl.get_headers_footers(uri):
                name = label + suffix.get(kinds.get(rel_id, "default"), "")
                xml = self.tpl.get_part_xml(part)
                parts.append(_Part(name, order, xml, _paragraphs(etree.fromstring(xml.encode()), name, names)))
        return parts

    # 1. what Word did to the tags
    def word_damage(self, part: _Part) -> None:
        for para in part.paragraphs:
            if "{" not in para.text and "}" not in para.text:
                self.revisions(part, para)
                continue
            tags, problems, damaged = _scan(para.text)
            for start, end, message in problems:
                self.error(part, para, message, para.near(start, end))
            part.tags[para.index] = tags
            part.damaged[para.index] = damaged
            split = [tag for tag in tags if self.split(part, para, tag)]
            for tag in tags:
                self.typography(part, para, tag)
            if not split:  # a split tag already names the tracked change it lies in
                self.revisions(part, para)
            self.unjoinable(part, para, [tag for tag in tags if tag not in split])

    def typography(self, part: _Part, para: Para, tag: Tag) -> None:
        typographic = {**_WORD_TYPOGRAPHY, **_STRAIGHTENED}
        found = list(dict.fromkeys(ch for ch in tag.text if ch in typographic))  # in order, once each
        if not found:
            return
        fixed = tag.text
        for curly, straight in typographic.items():
            fixed = fixed.replace(curly, straight)
        if any(ch in _WORD_TYPOGRAPHY for ch in found):
            advice = [
                what
                for chars, what in (("„“”‚‘’«»‹›", "straight quotes"), ("–—", "a plain hyphen"), ("…", "three dots"))
                if any(ch in chars for ch in found)
            ]
            self.error(
                part,
                para,
                f"Word's AutoCorrect changed the tag „{tag.text}“ ({' '.join(found)}), which Jinja cannot read; "
                f"retype it with {' and '.join(advice)}: {fixed}",
                para.near(tag.start, tag.end),
            )
        else:
            self.add(
                Severity.WARNING,
                part,
                para,
                f"the tag „{tag.text}“ has typographic quotes; they work, but straight ones are safer: {fixed}",
                para.near(tag.start, tag.end),
            )

    def split(self, part: _Part, para: Para, tag: Tag) -> bool:
        """A tag that begins and ends in different containers (a link, a tracked change …) cannot be joined.

        docxtpl joins a split tag by cutting out the XML between its first and its last piece; that
        cut is balanced only when both pieces sit in the same element.
        """
        containers = [p.container for p in para.pieces if p.start < tag.end and p.end > tag.start and p.end > p.start]
        if not containers or containers[0] is containers[-1]:
            return False
        inner = containers[-1] if containers[-1] is not para.element else containers[0]
        what = _WRAPPERS.get(inner.tag, f"a <{etree.QName(inner).localname}> element")
        self.error(
            part,
            para,
            f"the tag „{tag.text}“ is split: part of it lies inside {what}, so docxtpl cannot join it "
            "and the document would break; delete the whole tag and type it again in one go",
            para.near(tag.start, tag.end),
        )
        return True

    def unjoinable(self, part: _Part, para: Para, tags: list[Tag]) -> None:
        """Ask docxtpl itself: after its clean-up, does each tag stand in one piece?"""
        if not tags:
            return
        patched = html.unescape(self.tpl.patch_xml(etree.tostring(para.element, encoding="unicode")))
        compact = _compact(patched)
        for tag in tags:
            if (
                _compact(tag.jinja()) in compact
                or any(ch in _WORD_TYPOGRAPHY for ch in tag.text)
                or tag.keyword() in _DOCXTPL_STATEMENTS
            ):
                continue
            self.error(
                part,
                para,
                f"the tag „{tag.text}“ is interrupted inside Word (by a field, a symbol or hidden text), so docxtpl "
                "cannot join it and it would stay as literal text; delete the whole tag and type it again in one go",
                para.near(tag.start, tag.end),
            )

    def revisions(self, part: _Part, para: Para) -> None:
        if any(el.tag in _REVISIONS for el in para.element.iter()):
            self.error(
                part,
                para,
                "this paragraph has tracked changes, which every agreement would show as revisions; "
                "accept or reject them in Word (Überprüfen › Annehmen) and save",
                para.near(0, 0, words=8),
            )

    # 2. docxtpl's paragraph, row and cell tags
    def structure(self, part: _Part) -> None:
        by_index = {p.index: p for p in part.paragraphs}
        for index, tags in part.tags.items():
            para = by_index[index]
            for tag in tags:
                kind = tag.docxtpl_kind
                if kind == "p":
                    self.alone_in_paragraph(part, para, tag, tags)
                elif kind in ("tr", "tc"):
                    self.alone_in_cell_or_row(part, para, tag, kind)
                elif kind == "r":
                    self.alone_in_run(part, para, tag)
        for cell in {id(p.cell): p.cell for p in part.paragraphs if p.cell is not None}.values():
            own = [p for p in part.paragraphs if p.cell is cell]
            if own and all(any(t.docxtpl_kind == "p" for t in part.tags.get(p.index, [])) for p in own):
                para = own[0]
                self.error(
                    part,
                    para,
                    "every paragraph of this table cell is a {%p …%} tag: docxtpl removes them all and leaves the "
                    "cell without a paragraph, which Word refuses to open; use {% … %} inside a paragraph instead",
                    para.near(),
                )

    def alone_in_paragraph(self, part: _Part, para: Para, tag: Tag, tags: list[Tag]) -> None:
        rest = (para.text[: tag.start] + " " + para.text[tag.end :]).strip()
        if not rest:
            return
        others = [t.text for t in tags if t is not tag]
        lost = f"the other tag {others[0]}" if others and not _strip_tags(rest, tags) else f"„{_shorten(rest)}“"
        self.error(
            part,
            para,
            f"„{tag.text}“ shares its paragraph with other text: docxtpl replaces the whole paragraph by the tag, "
            f"so {lost} would be lost; put the tag in a paragraph of its own",
            para.near(tag.start, tag.end),
        )

    def alone_in_cell_or_row(self, part: _Part, para: Para, tag: Tag, kind: str) -> None:
        what = {"tr": "table row", "tc": "table cell"}[kind]
        if para.cell is None:
            self.error(
                part,
                para,
                f"„{tag.text}“ repeats or hides a {what}, so it must stand inside a table; here it is in a normal "
                f"paragraph, where docxtpl would cut out text up to the nearest table; use {{%p …%}} instead",
                para.near(tag.start, tag.end),
            )
            return
        scope = para.cell.getparent() if kind == "tr" else para.cell
        texts = []
        for p in scope.iter(W_P):
            text, _ = _text_of(p)
            texts.append(text)
        rest = " ".join(texts).replace(tag.text, " ", 1).strip()
        if rest:
            self.error(
                part,
                para,
                f"„{tag.text}“ shares its {what} with other text: docxtpl replaces the whole {what} by the tag, "
                f"so „{_shorten(rest)}“ would be lost; put the tag in a {what} of its own",
                para.near(tag.start, tag.end),
            )

    def alone_in_run(self, part: _Part, para: Para, tag: Tag) -> None:
        pieces = [p for p in para.pieces if p.start < tag.end and p.end > tag.start]
        if pieces and (pieces[0].start < tag.start or pieces[-1].end > tag.end):
            self.error(
                part,
                para,
                f"„{tag.text}“ shares its run (a piece of equally formatted text) with other text, which docxtpl "
                "would drop; give the tag a formatting of its own or use {{ … }}",
                para.near(tag.start, tag.end),
            )

    # 3. Jinja: each tag on its own, then the blocks, then the whole part as docxtpl renders it
    def syntax(self, part: _Part) -> bool:
        by_index = {p.index: p for p in part.paragraphs}
        ok = True
        stack: list[tuple[str, Tag, Para]] = []
        for index, tags in part.tags.items():
            para = by_index[index]
            damaged = part.damaged.get(index, [])
            for tag in sorted([*tags, *damaged], key=lambda t: t.start):
                if tag.opener == "{#":
                    continue
                # A tag Word damaged is reported already; its keyword still opens or closes a block.
                reported = tag in damaged or any(ch in _WORD_TYPOGRAPHY for ch in tag.text)
                message = None if reported else self.tag_syntax(tag)
                if message:
                    self.error(part, para, message, para.near(tag.start, tag.end))
                    ok = False
                if reported or message:
                    part.unreadable.add(tag)
                if tag.opener == "{%" and tag.keyword() in (*_STATEMENTS, *(f"end{k}" for k in _OPENINGS)):
                    ok &= self.block(part, para, tag, stack)
        for keyword, tag, para in stack:
            ok = False
            closer = tag.text[:2] + (tag.docxtpl_kind or "") + f" end{keyword} " + _CLOSER[tag.opener]
            self.error(
                part,
                para,
                f"„{tag.text}“ is never closed: add a paragraph „{closer}“ where the {_block_words(keyword)} ends",
                para.near(tag.start, tag.end),
            )
        return ok

    def tag_syntax(self, tag: Tag) -> str | None:
        if tag.opener == "{%" and tag.keyword() in _DOCXTPL_STATEMENTS:
            return None
        source = tag.jinja()
        if tag.opener == "{%":
            keyword = tag.keyword()
            base = keyword.removeprefix("end")
            if keyword not in _STATEMENTS and not (keyword.startswith("end") and base in _OPENINGS):
                guess = difflib.get_close_matches(keyword, [*_STATEMENTS, *(f"end{b}" for b in _OPENINGS)], n=1)
                hint = f" – did you mean „{guess[0]}“?" if guess else ""
                return f"„{tag.text}“ is not a Jinja statement („{keyword}“ is unknown){hint}"
            if keyword in _BLOCKS or (keyword == "set" and "=" not in source):
                source += "{% end" + keyword + " %}"
            elif keyword in ("elif", "else"):
                source = "{% if x %}" + source + "{% endif %}"
            elif keyword.startswith("end"):
                source = _OPENINGS[base] + source
            elif keyword in ("break", "continue"):
                return None  # only valid inside loops with the loopcontrols extension; Jinja's parse will tell
        try:
            self.env.parse(source)
        except TemplateSyntaxError as exc:
            return f"Jinja cannot read the tag „{tag.text}“: {exc.message}"
        return None

    def block(self, part: _Part, para: Para, tag: Tag, stack: list[tuple[str, Tag, Para]]) -> bool:
        keyword = tag.keyword()
        if keyword in _BLOCKS or (keyword == "set" and "=" not in tag.text):
            stack.append((keyword, tag, para))
        elif keyword in ("elif", "else"):
            allowed = ("if",) if keyword == "elif" else ("if", "for")
            if not stack or stack[-1][0] not in allowed:
                self.error(
                    part,
                    para,
                    f"„{tag.text}“ belongs to an {{% if %}}"
                    + (" or {% for %}" if keyword == "else" else "")
                    + ", but there is no open one before it",
                    para.near(tag.start, tag.end),
                )
                return False
        elif keyword.startswith("end"):
            base = keyword.removeprefix("end")
            if not stack:
                self.error(
                    part,
                    para,
                    f"„{tag.text}“ closes nothing: there is no open {{% {base} … %}} before it",
                    para.near(tag.start, tag.end),
                )
                return False
            open_keyword, open_tag, open_para = stack[-1]
            if open_keyword != base:
                self.error(
                    part,
                    para,
                    f"„{tag.text}“ closes a {base}, but the innermost open block is „{open_tag.text}“ "
                    f"({open_para.where}), which must be closed first with end{open_keyword}",
                    para.near(tag.start, tag.end),
                )
                return False
            stack.pop()
        return True

    def parse_part(self, part: _Part) -> tuple[nodes.Template, list[int]] | None:
        """docxtpl's preprocessed XML of the part, parsed; with the paragraph index of every line."""
        # A marker line before every paragraph and table row survives docxtpl's clean-up (which may
        # delete whole paragraphs and rows), so each line of what Jinja parses names its paragraph.
        marked = []
        position = 0
        number = 0
        for match in re.finditer(r"<w:(p|tr)[ >]", part.xml):
            marked.append(part.xml[position : match.start()].replace("\n", " "))
            marked.append(f"\n<!--¶{number}-->")
            if match.group(1) == "p":
                number += 1
            position = match.start()
        marked.append(part.xml[position:].replace("\n", " "))
        patched = self.tpl.patch_xml("".join(marked))
        line_paragraph = []
        current = 0
        for line in patched.split("\n"):
            found = re.search(r"<!--¶(\d+)-->", line)
            if found:
                current = int(found.group(1))
            line_paragraph.append(current)
        try:
            return self.env.parse(patched), line_paragraph
        except TemplateSyntaxError as exc:
            para = self.para_at(part, line_paragraph, exc.lineno)
            self.error(part, para, f"Jinja cannot read the template here: {exc.message}", para.near() if para else "")
            return None

    def parse_tags(self, part: _Part) -> tuple[nodes.Template, list[int]] | None:
        """When some tags are broken: the readable ones alone, one line per paragraph, so the names
        in the rest of the template are still checked in the same run. None if even that fails."""
        lines, line_paragraph = [], []
        for index, tags in part.tags.items():
            pieces = []
            for tag in sorted([*tags, *part.damaged.get(index, [])], key=lambda t: t.start):
                if tag.opener == "{#":
                    continue
                if tag not in part.unreadable:
                    pieces.append(tag.jinja())
                    continue
                keyword = tag.keyword()  # a stand-in that keeps the blocks balanced and names nothing
                if keyword.startswith("end") or keyword == "else":
                    pieces.append("{% " + keyword + " %}")
                elif keyword == "if":
                    pieces.append("{% if true %}")
                elif keyword == "for":
                    pieces.append("{% for _ in () %}")
            lines.append("".join(pieces))
            line_paragraph.append(index)
        try:
            return self.env.parse("\n".join(lines)), line_paragraph
        except TemplateSyntaxError:
            return None

    @staticmethod
    def para_at(part: _Part, line_paragraph: list[int], lineno: int | None) -> Para | None:
        if not lineno or not part.paragraphs:
            return None
        index = line_paragraph[min(lineno, len(line_paragraph)) - 1]
        return part.paragraphs[min(index, len(part.paragraphs) - 1)]

    # 4. names: variables, filters, tests, compared values
    def names(self, part: _Part | None, ast: nodes.Template, locate: Callable[[int], Para | None]) -> None:
        if self.vocabulary is None:
            return
        analysis = _Names(self.vocabulary, self.env)
        analysis.template(ast)
        self.used |= analysis.used
        for lineno, written, message in analysis.problems:
            para = locate(lineno)
            near = ""
            if para is not None:
                tags = part.tags.get(para.index, []) if part else []
                tag = next((t for t in tags if written and written in t.text), None)
                at = para.text.find(written) if written else -1
                if tag is not None:
                    near = para.near(tag.start, tag.end)
                elif at >= 0:
                    near = para.near(at, at + len(written))
                else:
                    near = para.near(0, 0, words=8)
            self.error(part, para, message, near)

    def properties(self) -> None:
        props = self.tpl.docx.core_properties
        for name, label in _PROPERTIES:
            value = getattr(props, name) or ""
            if "{" not in value:
                continue
            where = f"Dokumenteigenschaften › {label}"
            part = _Part(where, 80, "", [Para(0, None, where, value, [])])
            _, problems, _ = _scan(value)
            for start, end, message in problems:
                self.error(part, part.paragraphs[0], message, part.paragraphs[0].near(start, end))
            try:
                ast = self.env.parse(value)
            except TemplateSyntaxError as exc:
                self.error(part, part.paragraphs[0], f"Jinja cannot read it: {exc.message}", value)
                self.analysed_everything = False
                continue
            self.names(part, ast, lambda _line, part=part: part.paragraphs[0])

    def unused(self, vocabulary: Vocabulary) -> None:
        def covered(name: str) -> bool:
            return any(name == u or name.startswith((u + ".", u + ITEM)) for u in self.used)

        unused = [name for name in vocabulary.leaves() if not covered(name)]
        if unused:
            listed = ", ".join(name for name in unused)
            self.findings.append(
                Finding(
                    Severity.WARNING,
                    "Daten",
                    f"the template uses none of these data fields: {listed} (fine if intended)",
                    order=(95, 0),
                )
            )

    # 5. render once and look for tags left in the output
    def rendered(self, outputs: Sequence[bytes], parts: list[_Part], data_texts: set[str]) -> None:
        from agreement_gen.textconv import document_lines  # only needed here

        reported: set[str] = set()
        for content in outputs:
            for line in document_lines(content):
                for match in re.finditer(r"\{[{%#].{0,60}?(?:[}%#]\}|$)|(?:\}\}|%\})", line):
                    fragment = match.group()
                    if fragment in reported or any(fragment in text for text in data_texts):
                        continue
                    reported.add(fragment)
                    part, para = self.find_text(parts, fragment, line)
                    if para is None and self.find_text(parts, _escaped(fragment), line)[1] is not None:
                        continue  # written as docxtpl's escape {_{ … }_}: printing braces is intended
                    self.error(
                        part,
                        para,
                        f"„{fragment}“ appears literally in the finished agreements: docxtpl did not recognise it as "
                        "a tag; delete it and type it again in one go",
                        para.near(para.text.find(fragment), para.text.find(fragment) + len(fragment)) if para else "",
                    )

    @staticmethod
    def find_text(parts: list[_Part], fragment: str, line: str) -> tuple[_Part | None, Para | None]:
        """The template paragraph holding `fragment` that shares the most words with the rendered line."""
        squeezed = _compact(fragment)
        words = set(line.split())
        candidates = [
            (len(words & set(para.text.split())), -order, part, para)
            for order, part in enumerate(parts)
            for para in part.paragraphs
            if squeezed and squeezed in _compact(para.text)
        ]
        if not candidates:
            return None, None
        best = max(candidates, key=lambda c: (c[0], c[1], -c[3].index))
        return best[2], best[3]


class _Names:
    """Walks a parsed template: which names it reads, and which of them do not exist."""

    def __init__(self, vocabulary: Vocabulary, env: Environment):
        self.vocabulary = vocabulary
        self.env = env
        self.used: set[str] = set()
        self.problems: list[tuple[int, str, str]] = []  # (line, what was written, message)
        self.locals: set[str] = set(env.globals)

    def template(self, ast: nodes.Template) -> None:
        loop_targets = {n.target.name for n in ast.find_all(nodes.For) if isinstance(n.target, nodes.Name)}
        # Names the template assigns itself ({% set %}, macro arguments) are its own business.
        stored = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
        self.locals |= stored - loop_targets
        self.visit(ast, {})

    def problem(self, node: nodes.Node, written: str, message: str) -> None:
        self.problems.append((node.lineno, written, message))

    def visit(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        if isinstance(node, nodes.For):
            iterated = self.resolve(node.iter, scope)  # iterating alone does not "use" the items' fields
            inner: dict[str, str | None] = dict(scope, loop=None)
            if isinstance(node.target, nodes.Name):
                item = iterated + ITEM if iterated else None
                inner[node.target.name] = item if item in self.vocabulary else None
            else:  # for key, value in …
                inner.update((target.name, None) for target in node.target.find_all(nodes.Name))
            for child in node.body:
                self.visit(child, inner)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.else_:
                self.visit(child, scope)
            return
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            path = self.resolve(node, scope)
            if path:
                self.used.add(path)
            return
        if isinstance(node, nodes.Filter | nodes.Test):
            self.check_callable(node)
        if isinstance(node, nodes.Compare):
            self.compare(node, scope)
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def check_callable(self, node: nodes.Filter | nodes.Test) -> None:
        known = self.env.filters if isinstance(node, nodes.Filter) else self.env.tests
        what = "filter" if isinstance(node, nodes.Filter) else "test"
        if node.name not in known:
            guess = difflib.get_close_matches(node.name, list(known), n=1)
            hint = f" – did you mean `{guess[0]}`?" if guess else ""
            self.problem(node, node.name, f"the {what} `{node.name}` does not exist{hint}")

    def resolve(self, node: nodes.Node, scope: dict[str, str | None]) -> str | None:
        """The dotted name an expression reads ('district.genitive', 'massnahmen[].title'), if known."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.locals:
                return None
            if node.name in self.vocabulary:
                return node.name
            self.unknown(node, node.name, node.name, scope)
            return None
        if isinstance(node, nodes.Getattr):
            return self.member(node, self.resolve(node.node, scope), node.attr, scope)
        if isinstance(node, nodes.Getitem):
            base = self.resolve(node.node, scope)
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self.member(node, base, arg.value, scope)
            self.visit(arg, scope)
            if base and isinstance(arg, nodes.Const) and isinstance(arg.value, int) and base + ITEM in self.vocabulary:
                return base + ITEM
            return None
        if isinstance(node, nodes.Filter) and node.name in _KEEPS_ITEMS and node.node is not None:
            self.check_callable(node)
            for child in [*node.args, *node.kwargs]:
                self.visit(child, scope)
            return self.resolve(node.node, scope)
        self.visit(node, scope)
        return None

    def member(self, node: nodes.Node, base: str | None, attr: str, scope: dict[str, str | None]) -> str | None:
        if base is None:
            return None
        path = f"{base}.{attr}"
        if path in self.vocabulary:
            return path
        example = self.vocabulary.examples.get(base)
        if not attr.startswith("_") and example is not None and hasattr(example, attr):
            return None  # a method of the value, e.g. district.name.upper()
        self.unknown(node, _written(node), path, scope)
        return None

    def unknown(self, node: nodes.Node, written: str, path: str, scope: dict[str, str | None]) -> None:
        candidates = {name: name for name in self.vocabulary.examples if ITEM not in name}
        for variable, prefix in scope.items():
            if prefix:
                candidates[variable] = prefix
                for name in self.vocabulary.examples:
                    if name.startswith(prefix + ".") and ITEM not in name[len(prefix) :]:
                        candidates[variable + name[len(prefix) :]] = name
        guess = difflib.get_close_matches(written, list(candidates), n=1, cutoff=0.6)
        hint = f" – did you mean `{guess[0]}`?" if guess else "; docs/redaktion.md lists every variable"
        self.problem(node, written, f"the template uses `{written}`, which does not exist{hint}")

    def compare(self, node: nodes.Compare, scope: dict[str, str | None]) -> None:
        operands = [node.expr, *(op.expr for op in node.ops)]
        for (left, right), op in zip(itertools.pairwise(operands), node.ops, strict=True):
            if op.op in ("eq", "ne"):
                pairs = [(left, right), (right, left)]
            elif op.op in ("in", "notin") and isinstance(right, nodes.List | nodes.Tuple):
                pairs = [(left, right)]  # `district.kind in ["Landkreis", …]`, not a substring test
            else:
                continue
            for name_side, value_side in pairs:
                if isinstance(name_side, nodes.Const | nodes.List | nodes.Tuple):
                    continue
                values = _constants(value_side)
                path = self.quiet_resolve(name_side, scope)
                if path is None or values is None:
                    continue
                for value in values:
                    message = self.impossible(path, value)
                    if message:
                        self.problem(node, _written(name_side), message.replace("NAME", f"`{_written(name_side)}`"))

    def quiet_resolve(self, node: nodes.Node, scope: dict[str, str | None]) -> str | None:
        """Like resolve, without reporting (the name itself is checked when the walk reaches it)."""
        if isinstance(node, nodes.Name):
            name = scope.get(node.name, node.name if node.name not in self.locals else None)
            return name if name in self.vocabulary else None
        if isinstance(node, nodes.Getattr):
            base = self.quiet_resolve(node.node, scope)
            return f"{base}.{node.attr}" if base and f"{base}.{node.attr}" in self.vocabulary else None
        return None

    def impossible(self, path: str, value: Any) -> str | None:
        shown = display_name(path)
        if shown in VALUE_SETS or path in VALUE_SETS:
            allowed = VALUE_SETS.get(path) or VALUE_SETS[shown]
            if value not in allowed:
                guess = difflib.get_close_matches(str(value), allowed, n=1)
                hint = f' – did you mean "{guess[0]}"?' if guess else ""
                return f'NAME is never "{value}"; it is one of {", ".join(repr(a) for a in allowed)}{hint}'
            return None
        example = self.vocabulary.examples.get(path)
        expected, given = _kind(example), _kind(value)
        if expected and given and expected != given:
            shown_value = f'"{value}"' if isinstance(value, str) else str(value).lower()
            return f"NAME is {expected}, so comparing it with {shown_value} is never true"
        return None


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return None


def _constants(node: nodes.Node) -> list[Any] | None:
    if isinstance(node, nodes.Const):
        return [node.value]
    if isinstance(node, nodes.List | nodes.Tuple) and all(isinstance(item, nodes.Const) for item in node.items):
        return [item.value for item in node.items]
    return None


def _written(node: nodes.Node) -> str:
    """An expression as the editor wrote it: 'district.genitve', 'm.titel'."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_written(node.node)}[{node.arg.value!r}]"
    return ""


def _compact(text: str) -> str:
    """Text without whitespace, docxtpl prefixes and curly quotes: to find a tag in patched XML."""
    text = re.sub(r"(\{%|\{\{)(p|tr|tc|r) ", r"\1", text)
    text = text.replace("{%-", "{%").replace("-%}", "%}")  # docxtpl consumes whitespace control
    for curly, straight in _STRAIGHTENED.items():
        text = text.replace(curly, straight)
    return "".join(text.split())


def _escaped(text: str) -> str:
    """docxtpl's way of writing literal braces in a template: {_{ … }_}, {_% … %_}."""
    return text.replace("{{", "{_{").replace("}}", "}_}").replace("{%", "{_%").replace("%}", "%_}")


def _strip_tags(text: str, tags: list[Tag]) -> str:
    for tag in tags:
        text = text.replace(tag.text, " ")
    return text.strip()


def _shorten(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _block_words(keyword: str) -> str:
    return {"if": "conditional part", "for": "repeated part"}.get(keyword, f"{keyword} block")


# --- entry points -----------------------------------------------------------------------------


def lint_template(
    template: Path,
    contexts: Sequence[Mapping[str, Any]] = (),
    env: Environment | None = None,
    render: Callable[[], Sequence[bytes]] | None = None,
) -> list[Finding]:
    """Every problem of the template, errors and warnings, in document order.

    `contexts` are real template contexts (their names are the known names; without any, names
    are not checked); `render`, if given, renders sample agreements, whose text is then searched
    for tags that survived rendering.
    """
    from agreement_gen.render import make_environment

    env = env or make_environment()
    vocabulary = Vocabulary.of(contexts) if contexts else None
    try:
        checker = _Checker(template, vocabulary, env)
        parts = checker.parts()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [Finding(Severity.ERROR, str(template), f"cannot be opened as a Word document ({exc})")]
    for part in parts:
        before = len(checker.findings)
        checker.word_damage(part)
        checker.structure(part)
        syntax_ok = checker.syntax(part)
        clean = syntax_ok and not has_errors(checker.findings[before:])
        parsed = checker.parse_part(part) if clean else checker.parse_tags(part)
        if not clean:
            checker.analysed_everything = False  # usage is incomplete: no "unused field" warnings
        if parsed is None:
            continue
        ast, line_paragraph = parsed
        checker.names(part, ast, lambda line, part=part, lines=line_paragraph: checker.para_at(part, lines, line))
    checker.properties()
    if vocabulary is not None and checker.analysed_everything:
        checker.unused(vocabulary)
    if render is not None and not has_errors(checker.findings):
        try:
            outputs = render()
        except Exception as exc:  # any failure here is a template problem the checks above did not explain
            checker.error(None, None, f"the template does not render: {exc}")
        else:
            texts = {v for c in contexts for v in _strings(c) if "{" in v or "}" in v}
            checker.rendered(outputs, parts, texts)
    return sorted(checker.findings, key=lambda f: f.order)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def lint_plan(plan: Any) -> list[Finding]:
    """The template check for a validated year (`structure.YearPlan`): names from all its agreements,
    and one sample render per status (a tag may hide in a branch only signed documents take)."""
    from agreement_gen.context import template_context
    from agreement_gen.render import TemplateRenderer

    contexts = [template_context(agreement) for agreement in plan.agreements]
    samples = list({agreement.status: agreement for agreement in reversed(plan.agreements)}.values())

    def render() -> list[bytes]:
        renderer = TemplateRenderer(plan.template)
        return [renderer.render(agreement) for agreement in samples]

    return lint_template(plan.template, contexts, render=render)
