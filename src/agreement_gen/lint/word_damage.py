"""What Word did to the tags while the editor typed: split them, curled their quotes, tracked changes.

Word quietly splits a tag over several runs, turns "…" into „…“ and `-` into `–`; docxtpl then
either joins the pieces, or produces broken XML, or leaves the tag as literal text in every
agreement. This check also reads each paragraph's tags for the checks after it (`Part.tags`).
"""

from __future__ import annotations

import html

from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree

from agreement_gen.i18n import N_, _
from agreement_gen.lint.document import (
    DOCXTPL_STATEMENTS,
    STRAIGHTENED,
    WORD_TYPOGRAPHY,
    Para,
    Part,
    Tag,
    compact,
    scan,
)
from agreement_gen.lint.findings import Finding, Report, Severity

_REVISIONS = {
    qn("w:ins"),
    qn("w:del"),
    qn("w:moveFrom"),
    qn("w:moveTo"),
    qn("w:rPrChange"),
    qn("w:pPrChange"),
    qn("w:tblPrChange"),
    qn("w:trPrChange"),
    qn("w:tcPrChange"),
}
# Where an editor accepts tracked changes and switches recording off, in both programs.
ACCEPT_CHANGES = N_(
    "accept or reject them and switch recording off, then save – Word: Überprüfen › Annehmen › Alle Änderungen "
    "annehmen, then Überprüfen › Änderungen nachverfolgen; LibreOffice: Bearbeiten › Änderungen verfolgen › "
    "Verwalten… › Alle annehmen, then Bearbeiten › Änderungen verfolgen › Aufzeichnen"
)
SHOW_HIDDEN = N_("show hidden characters (Word: Start › ¶; LibreOffice: Ansicht › Formatierungszeichen)")
# Characters one cannot see in Word that make a tag unreadable for Jinja.
INVISIBLE = {
    "\xad": N_("an invisible soft hyphen"),
    "\u200b": N_("an invisible zero-width space"),
    "\u2060": N_("an invisible word joiner"),
    "\ufeff": N_("an invisible zero-width no-break space"),
    "\xa0": N_("a non-breaking space"),
    "\u202f": N_("a narrow non-breaking space"),
    "\u2011": N_("a non-breaking hyphen"),
}
_FIELD_MARKS = (qn("w:fldChar"), qn("w:fldSimple"))
_COMMENT_MARKS = (qn("w:commentRangeStart"), qn("w:commentReference"))
# What part of a split tag lies inside ("… part of it lies inside a link").
_WRAPPERS = {
    qn("w:hyperlink"): N_("a link"),
    qn("w:ins"): N_("a tracked insertion"),
    qn("w:del"): N_("a tracked deletion"),
    qn("w:moveTo"): N_("a tracked move"),
    qn("w:moveFrom"): N_("a tracked move"),
    qn("w:smartTag"): N_("a smart tag"),
    qn("w:sdtContent"): N_("a content control"),
    qn("w:fldSimple"): N_("a field"),
    qn("w:customXml"): N_("a custom XML element"),
}
# How to retype a tag AutoCorrect changed ("retype it with straight quotes and a plain hyphen").
_RETYPE = (
    ("„“”‚‘’«»‹›", N_("straight quotes")),
    ("–—", N_("a plain hyphen")),
    ("…", N_("three dots")),
)


class WordDamageCheck:
    """Split, interrupted and autocorrected tags, and tracked changes, paragraph by paragraph."""

    def __init__(self, report: Report, tpl: DocxTemplate) -> None:
        self.report = report
        self.tpl = tpl  # docxtpl's own clean-up (`patch_xml`) decides whether a tag can be joined
        self.comment_texts = _comment_texts(tpl)
        self.comments_seen: set[str | None] = set()

    def check(self, part: Part) -> None:
        """Read every paragraph's tags into `part`, and report what Word did to them."""
        for para in part.paragraphs:
            self.comments(part, para)
            if "{" not in para.text and "}" not in para.text:
                self.revisions(part, para)
                continue
            tags = self.read_tags(part, para)
            split = [tag for tag in tags if self.split(part, para, tag)]
            for tag in tags:
                if tag not in split and not self.fields_inside(part, para, tag):
                    self.invisible(part, para, tag)
                self.typography(part, para, tag)
            if not split:  # a split tag already names the tracked change it lies in
                self.revisions(part, para)
            self.unjoinable(part, para, [tag for tag in tags if tag not in split and tag not in part.explained])

    def comments(self, part: Part, para: Para) -> None:
        """A Word comment: removed from every agreement (normalise.py), said once where it is anchored."""
        for mark in para.element.iter(*_COMMENT_MARKS):
            comment_id = mark.get(qn("w:id"))
            if comment_id in self.comments_seen:
                continue
            self.comments_seen.add(comment_id)
            text = " ".join(self.comment_texts.get(comment_id, "").split())
            shown = " „" + text[:60] + ("…" if len(text) > 60 else "") + "“" if text else ""
            self.report.warning(
                part,
                para,
                _(
                    "a Word comment{shown} is anchored here; comments are removed from every agreement and never "
                    "printed; delete it once it is settled (Word: Überprüfen › Löschen; LibreOffice: right-click "
                    "the comment › Kommentar löschen)"
                ).format(shown=shown),
                para.near(0, 0, words=8),
            )

    def fields_inside(self, part: Part, para: Para, tag: Tag) -> bool:
        """A Word field (page number, date, cross-reference …) inside a tag: its result joins the tag's text."""
        names = [name for offset, name in _field_offsets(para) if tag.start < offset < tag.end]
        if not names:
            return False
        part.explained.add(tag)
        self.report.error(
            part,
            para,
            _(
                "a Word field ({fields}) lies inside the tag „{tag}“, so its result becomes part of the tag; "
                "delete the whole tag and type it again without the field (to see fields, Word: Alt+F9; "
                "LibreOffice: Ansicht › Feldnamen)"
            ).format(fields=", ".join(dict.fromkeys(names)), tag=tag.text),
            para.near(tag.start, tag.end),
        )
        return True

    def invisible(self, part: Part, para: Para, tag: Tag) -> None:
        """A soft hyphen, a non-breaking space … in a tag: Jinja cannot read it, and the editor cannot see it."""
        for offset, char in enumerate(tag.text):
            what = INVISIBLE.get(char)
            if what is None:
                continue
            part.explained.add(tag)
            before = tag.text[:offset].split()[-1] if tag.text[:offset].split() else tag.text[:offset]
            fixed = "".join(" " if c in "\xa0\u202f" else "-" if c == "\u2011" else c for c in tag.text)
            fixed = "".join(c for c in fixed if c not in INVISIBLE)
            self.report.error(
                part,
                para,
                _(
                    "the tag „{tag}“ contains {what} (after „{before}“), which Jinja cannot read; {show} and "
                    "delete it, or delete the whole tag and type it again"
                ).format(tag=fixed, what=_(what), before=before, show=_(SHOW_HIDDEN)),
                para.near(tag.start, tag.end),
            )
            return

    def read_tags(self, part: Part, para: Para) -> list[Tag]:
        """The paragraph's tags, remembered in `part` with the damaged ones; braces that do not pair up reported."""
        tags, problems, damaged = scan(para.text)
        for start, end, message in problems:
            self.report.error(part, para, message, para.near(start, end))
        part.tags[para.index] = tags
        part.damaged[para.index] = damaged
        return tags

    def typography(self, part: Part, para: Para, tag: Tag) -> None:
        typographic = {**WORD_TYPOGRAPHY, **STRAIGHTENED}
        found = list(dict.fromkeys(ch for ch in tag.text if ch in typographic))  # in order, once each
        if not found:
            return
        fixed = tag.text
        for curly, straight in typographic.items():
            fixed = fixed.replace(curly, straight)
        if any(ch in WORD_TYPOGRAPHY for ch in found):
            advice = [_(what) for chars, what in _RETYPE if any(ch in chars for ch in found)]
            how = advice[0]
            for more in advice[1:]:
                how = _("{first} and {second}").format(first=how, second=more)
            self.report.error(
                part,
                para,
                _(
                    "Word's AutoCorrect changed the tag „{tag}“ ({characters}), which Jinja cannot read; "
                    "retype it with {how}: {fixed}"
                ).format(tag=tag.text, characters=" ".join(found), how=how, fixed=fixed),
                para.near(tag.start, tag.end),
            )
        else:
            self.report.warning(
                part,
                para,
                _("the tag „{tag}“ has typographic quotes; they work, but straight ones are safer: {fixed}").format(
                    tag=tag.text, fixed=fixed
                ),
                para.near(tag.start, tag.end),
            )

    def split(self, part: Part, para: Para, tag: Tag) -> bool:
        """A tag that begins and ends in different containers (a link, a tracked change …) cannot be joined.

        docxtpl joins a split tag by cutting out the XML between its first and its last piece; that
        cut is balanced only when both pieces sit in the same element.
        """
        containers = [p.container for p in para.pieces if p.start < tag.end and p.end > tag.start and p.end > p.start]
        if not containers or containers[0] is containers[-1]:
            return False
        inner = containers[-1] if containers[-1] is not para.element else containers[0]
        wrapper = _WRAPPERS.get(inner.tag)
        what = _(wrapper) if wrapper else _("a <{element}> element").format(element=etree.QName(inner).localname)
        self.report.error(
            part,
            para,
            _(
                "the tag „{tag}“ is split: part of it lies inside {what}, so docxtpl cannot join it "
                "and the document would break; delete the whole tag and type it again in one go"
            ).format(tag=tag.text, what=what),
            para.near(tag.start, tag.end),
        )
        return True

    def unjoinable(self, part: Part, para: Para, tags: list[Tag]) -> None:
        """Ask docxtpl itself: after its clean-up, does each tag stand in one piece?"""
        if not tags:
            return
        patched = compact(html.unescape(self.tpl.patch_xml(etree.tostring(para.element, encoding="unicode"))))
        for tag in tags:
            if (
                compact(tag.jinja()) in patched
                or any(ch in WORD_TYPOGRAPHY for ch in tag.text)
                or tag.keyword() in DOCXTPL_STATEMENTS
            ):
                continue
            self.report.error(
                part,
                para,
                _(
                    "the tag „{tag}“ is interrupted inside Word (by a field, a symbol or hidden text), so docxtpl "
                    "cannot join it and it would stay as literal text; delete the whole tag and type it again in one go"
                ).format(tag=tag.text),
                para.near(tag.start, tag.end),
            )

    def page_settings(self) -> None:
        """ "Different first page" / "different odd and even pages": every agreement ignores those headers."""
        document = self.tpl.docx
        first = any(_on(el) for el in document.element.body.iter(qn("w:titlePg")))
        even = any(_on(el) for el in document.settings.element.iter(qn("w:evenAndOddHeaders")))
        settings = [
            (
                first,
                _("„Erste Seite anders“ (different first page)"),
                "Erste Seite anders",
                "Gleicher Inhalt auf erster Seite",
            ),
            (
                even,
                _("„Gerade und ungerade Seiten anders“ (different odd and even pages)"),
                "Gerade & ungerade Seiten anders",
                "Gleicher Inhalt links/rechts",
            ),
        ]
        for on, what, word, libreoffice in settings:
            if on:
                self.report.findings.append(
                    Finding(
                        Severity.WARNING,
                        "Seitenlayout",
                        _(
                            "the header settings say {what}; every agreement shows the normal header and footer on "
                            "every page instead (ENTWURF, MUSTER and the page number must be on every page), so that "
                            "other header and footer is not used; switch it off (Word: Kopfzeile bearbeiten › {word}; "
                            "LibreOffice: Format › Seitenvorlage… › Kopfzeile › {libreoffice})"
                        ).format(what=what, word=word, libreoffice=libreoffice),
                        order=(89, 0),
                    )
                )

    def revisions(self, part: Part, para: Para) -> None:
        if any(el.tag in _REVISIONS for el in para.element.iter()):
            self.report.error(
                part,
                para,
                _("this paragraph has tracked changes, which every agreement would show as revisions; {how}").format(
                    how=_(ACCEPT_CHANGES)
                ),
                para.near(0, 0, words=8),
            )


def _field_offsets(para: Para) -> list[tuple[int, str]]:
    """Where in the paragraph's text each Word field begins, with its name (PAGE, DATE, REF …)."""
    found: list[tuple[int, str]] = []
    offset = 0
    pending: int | None = None  # a complex field whose name (its instrText) is still to come
    for element in para.element.iter():
        if element.tag == qn("w:t") and next(element.iterancestors(qn("w:p")), None) is para.element:
            offset += len(element.text or "")
        elif element.tag == qn("w:fldSimple"):
            found.append((offset, _field_name(element.get(qn("w:instr"), ""))))
        elif element.tag == qn("w:fldChar") and element.get(qn("w:fldCharType")) == "begin":
            pending = offset
        elif element.tag == qn("w:instrText") and pending is not None:
            found.append((pending, _field_name(element.text or "")))
            pending = None
    if pending is not None:
        found.append((pending, _("field")))
    return found


def _on(element: etree._Element) -> bool:
    """A Word on/off property: present means on, unless w:val says otherwise."""
    return element.get(qn("w:val"), "true") not in ("0", "false", "off")


def _field_name(instruction: str) -> str:
    words = instruction.split()
    return words[0].upper() if words else _("field")


def _comment_texts(tpl: DocxTemplate) -> dict[str, str]:
    """Comment id → its text, read from the comments part."""
    texts: dict[str, str] = {}
    for rel in tpl.docx.part.rels.values():
        if not rel.reltype.endswith("/comments") or rel.is_external:
            continue
        root = etree.fromstring(rel.target_part.blob)
        for comment in root.iter(qn("w:comment")):
            texts[comment.get(qn("w:id"))] = "".join(t.text or "" for t in comment.iter(qn("w:t")))
    return texts
