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
from agreement_gen.lint.findings import Report

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


class WordDamageCheck:
    """Split, interrupted and autocorrected tags, and tracked changes, paragraph by paragraph."""

    def __init__(self, report: Report, tpl: DocxTemplate) -> None:
        self.report = report
        self.tpl = tpl  # docxtpl's own clean-up (`patch_xml`) decides whether a tag can be joined

    def check(self, part: Part) -> None:
        """Read every paragraph's tags into `part`, and report what Word did to them."""
        for para in part.paragraphs:
            if "{" not in para.text and "}" not in para.text:
                self.revisions(part, para)
                continue
            tags = self.read_tags(part, para)
            split = [tag for tag in tags if self.split(part, para, tag)]
            for tag in tags:
                self.typography(part, para, tag)
            if not split:  # a split tag already names the tracked change it lies in
                self.revisions(part, para)
            self.unjoinable(part, para, [tag for tag in tags if tag not in split])

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
            advice = [
                what
                for chars, what in (("„“”‚‘’«»‹›", "straight quotes"), ("–—", "a plain hyphen"), ("…", "three dots"))
                if any(ch in chars for ch in found)
            ]
            self.report.error(
                part,
                para,
                f"Word's AutoCorrect changed the tag „{tag.text}“ ({' '.join(found)}), which Jinja cannot read; "
                f"retype it with {' and '.join(advice)}: {fixed}",
                para.near(tag.start, tag.end),
            )
        else:
            self.report.warning(
                part,
                para,
                f"the tag „{tag.text}“ has typographic quotes; they work, but straight ones are safer: {fixed}",
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
        what = _WRAPPERS.get(inner.tag, f"a <{etree.QName(inner).localname}> element")
        self.report.error(
            part,
            para,
            f"the tag „{tag.text}“ is split: part of it lies inside {what}, so docxtpl cannot join it "
            "and the document would break; delete the whole tag and type it again in one go",
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
                f"the tag „{tag.text}“ is interrupted inside Word (by a field, a symbol or hidden text), so docxtpl "
                "cannot join it and it would stay as literal text; delete the whole tag and type it again in one go",
                para.near(tag.start, tag.end),
            )

    def revisions(self, part: Part, para: Para) -> None:
        if any(el.tag in _REVISIONS for el in para.element.iter()):
            self.report.error(
                part,
                para,
                "this paragraph has tracked changes, which every agreement would show as revisions; "
                "accept or reject them in Word (Überprüfen › Annehmen) and save",
                para.near(0, 0, words=8),
            )
