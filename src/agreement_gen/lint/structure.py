"""The agreement's structure: § numbering, references to §§, headings, formatting inside tags.

Deleting § 3 in Word leaves "§ 4" … "§ 7" and the sentence "in § 5 vereinbarten Ziele" pointing at
the wrong paragraph; a § heading given a style of one's own without an outline level is no heading
in the PDF (no H1 tag, no bookmark); a tag formatted half bold makes docxtpl print the whole value
bold. None of it stops docxtpl, all of it reaches 26 legal documents.
"""

from __future__ import annotations

import re

from docx.oxml.ns import qn
from lxml import etree

from agreement_gen.i18n import N_, _
from agreement_gen.lint.document import BODY, Para, Part, Piece, Tag
from agreement_gen.lint.findings import Report

_SECTION_NUMBER = re.compile(r"^§\s*(\d+)\s*$")
# "§ 5", "§§ 3 und 4", "§ 4–§ 7", "§§ 2 bis 4" – with what follows, to tell a law's § from ours
_REFERENCE = re.compile(r"§§?\s*\d+[a-z]?(?:\s*(?:,|und|bis|oder|–|-)\s*(?:§\s*)?\d+[a-z]?)*")
_NUMBER = re.compile(r"\d+")
# "§ 44 LHO", "§ 7 Abs. 2 SGB II": a paragraph of a law, not of this agreement
_LAW = re.compile(r"^\s*(?:(?:Abs\.|Absatz|Satz|Nr\.|S\.)\s*\d+[a-z]?\s*)*[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*[A-ZÄÖÜ]")
# run properties that do not change how a value looks
_INVISIBLE_RPR = {qn("w:lang"), qn("w:noProof"), qn("w:rtl"), qn("w:cs"), qn("w:rPrChange")}

FORMAT_WORDS = {
    "b": N_("bold"),
    "i": N_("italic"),
    "u": N_("underlined"),
    "strike": N_("struck through"),
    "color": N_("coloured"),
    "sz": N_("in another size"),
    "rFonts": N_("in another font"),
    "highlight": N_("highlighted"),
    "caps": N_("in capitals"),
    "vertAlign": N_("raised or lowered"),
}
OTHER_FORMAT = N_("formatted differently")


class StructureCheck:
    """§ numbering and references, § headings that are headings, tags formatted one way."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def check(self, parts: list[Part]) -> None:
        body = next((part for part in parts if part.name == BODY), None)
        if body is not None:
            numbers = self.numbering(body)
            self.references(body, numbers)
            self.headings(body)
        for part in parts:
            for para, tags in part.tagged():
                for tag in tags:
                    self.formatting(part, para, tag)

    def numbering(self, body: Part) -> list[int]:
        """The § numbers in order; an error where one is skipped or repeated."""
        headings = [
            (p, int(m.group(1))) for p in body.paragraphs if p.opens_section and (m := _SECTION_NUMBER.match(p.text))
        ]
        numbers: list[int] = []
        for para, number in headings:
            expected = (numbers[-1] + 1) if numbers else 1
            if number != expected:
                if number in numbers:
                    what = _("§ {number} appears a second time").format(number=number)
                elif number > expected:
                    missing = f"§ {expected}" + (f" – § {number - 1}" if number - 1 > expected else "")
                    after = f"§ {numbers[-1]}" if numbers else _("the beginning")
                    what = _("§ {number} follows {after} – {missing} is missing").format(
                        number=number, after=after, missing=missing
                    )
                else:
                    what = _("§ {number} follows § {previous}").format(number=number, previous=numbers[-1])
                self.report.error(
                    body,
                    para,
                    _(
                        "{what}; number the paragraphs § 1, § 2, … without gaps (and check the references to them)"
                    ).format(what=what),
                    para.near(),
                )
            numbers.append(number)
        return numbers

    def references(self, body: Part, numbers: list[int]) -> None:
        """Every "§ n" in the text points at a § of this agreement (unless it names a law: "§ 44 LHO")."""
        if not numbers:
            return
        existing = set(numbers)
        for para in body.paragraphs:
            if para.opens_section:
                continue
            for match in _REFERENCE.finditer(para.text):
                if _LAW.match(para.text[match.end() :]):
                    continue
                missing = [int(n) for n in _NUMBER.findall(match.group()) if int(n) not in existing]
                if missing:
                    listed = ", ".join(f"§ {n}" for n in missing)
                    self.report.error(
                        body,
                        para,
                        _(
                            "„{reference}“ refers to {listed}, which this agreement does not have (it has "
                            "§ {first} to § {last}); correct the reference"
                        ).format(reference=match.group(), listed=listed, first=min(numbers), last=max(numbers)),
                        para.near(match.start(), match.end()),
                    )

    def headings(self, body: Part) -> None:
        """A § heading without an outline level is body text to Word's navigation, LibreOffice and the PDF."""
        for para in body.paragraphs:
            if para.opens_section and para.outline_level is None and para.text.strip():
                style = _("the style „{name}“").format(name=para.style) if para.style else _("its style")
                self.report.warning(
                    body,
                    para,
                    _(
                        "this heading has {style}, which is no heading (no outline level), so the PDF does not tag "
                        "it as a heading; use the style „Überschrift 1“ or give the style outline level 1 "
                        "(Word: Absatz › Gliederungsebene › Ebene 1; LibreOffice: Format › Absatz… › Gliederung & "
                        "Nummerierung › Gliederungsebene 1)"
                    ).format(style=style),
                    para.near(),
                )

    def formatting(self, part: Part, para: Para, tag: Tag) -> None:
        """A tag whose pieces are formatted differently: docxtpl keeps the first piece's formatting only."""
        looks = []
        for piece in para.pieces:
            if piece.start < tag.end and piece.end > tag.start and piece.end > piece.start:
                looks.append(_look(piece))
        if len(set(looks)) < 2:
            return
        names = dict.fromkeys(name for look in looks for name, _ in look)
        differing = [name for name in names if len({dict(look).get(name) for look in looks}) > 1]
        words = list(dict.fromkeys(_(FORMAT_WORDS.get(name, OTHER_FORMAT)) for name in differing))
        self.report.warning(
            part,
            para,
            _(
                "the tag „{tag}“ is formatted in more than one way (partly {how}); every agreement prints the "
                "whole value as its first character is formatted; select the whole tag and give it one formatting"
            ).format(tag=tag.text, how=", ".join(words or [_(OTHER_FORMAT)])),
            para.near(tag.start, tag.end),
        )


def _look(piece: Piece) -> tuple[tuple[str, str], ...]:
    """What the run holding a piece looks like: its visible run properties."""
    node = piece.node
    run = node.getparent() if node is not None else None
    rpr = run.find(qn("w:rPr")) if run is not None else None
    if rpr is None:
        return ()
    return tuple(
        sorted(
            (etree.QName(child).localname, etree.tostring(child, encoding="unicode"))
            for child in rpr
            if child.tag not in _INVISIBLE_RPR
        )
    )
