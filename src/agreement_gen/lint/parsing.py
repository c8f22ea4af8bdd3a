"""The template as docxtpl will see it: its own `patch_xml` preprocessing, parsed by the Jinja
environment the renderer uses, each line marked with the paragraph it came from, so every variable,
filter and syntax error points back to a place in Word."""

from __future__ import annotations

import re

from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateSyntaxError, nodes

from agreement_gen.i18n import _
from agreement_gen.lint.document import Para, Part, Tag
from agreement_gen.lint.findings import Report

# A parsed part, and the paragraph index of each of the parsed source's lines.
Parsed = tuple[nodes.Template, list[int]]

_MARKER = re.compile(r"<!--¶(\d+)-->")


class PartParser:
    """Parses a part for the name check: as docxtpl renders it, or its readable tags alone."""

    def __init__(self, report: Report, env: Environment, tpl: DocxTemplate) -> None:
        self.report = report
        self.env = env
        self.tpl = tpl

    def parse_part(self, part: Part) -> Parsed | None:
        """docxtpl's preprocessed XML of the part, parsed; with the paragraph index of every line."""
        patched = self.tpl.patch_xml(_marked(part.xml))
        line_paragraph: list[int] = []
        current = 0
        for line in patched.split("\n"):
            found = _MARKER.search(line)
            if found:
                current = int(found.group(1))
            line_paragraph.append(current)
        try:
            return self.env.parse(patched), line_paragraph
        except TemplateSyntaxError as exc:
            para = para_at(part, line_paragraph, exc.lineno)
            self.report.error(
                part,
                para,
                _("Jinja cannot read the template here: {error}").format(error=exc.message),
                para.near() if para else "",
            )
            return None

    def parse_tags(self, part: Part) -> Parsed | None:
        """When some tags are broken: the readable ones alone, one line per paragraph, so the names
        in the rest of the template are still checked in the same run. None if even that fails."""
        lines: list[str] = []
        line_paragraph: list[int] = []
        for para, _tags in part.tagged():
            pieces: list[str] = []
            for tag in part.typed(para):
                if tag.opener == "{#":
                    continue
                source = tag.jinja() if tag not in part.unreadable else _stand_in(tag)
                if source is not None:
                    pieces.append(source)
            lines.append("".join(pieces))
            line_paragraph.append(para.index)
        try:
            return self.env.parse("\n".join(lines)), line_paragraph
        except TemplateSyntaxError:
            return None


def para_at(part: Part, line_paragraph: list[int], lineno: int | None) -> Para | None:
    """The paragraph a line of the parsed source came from."""
    if not lineno or not part.paragraphs:
        return None
    index = line_paragraph[min(lineno, len(line_paragraph)) - 1]
    return part.paragraphs[min(index, len(part.paragraphs) - 1)]


def _marked(xml: str) -> str:
    """The part's XML on one line per paragraph and table row, each line opened by its paragraph's number."""
    # A marker line before every paragraph and table row survives docxtpl's clean-up (which may
    # delete whole paragraphs and rows), so each line of what Jinja parses names its paragraph.
    marked: list[str] = []
    position = 0
    number = 0
    for match in re.finditer(r"<w:(p|tr)[ >]", xml):
        marked.append(xml[position : match.start()].replace("\n", " "))
        marked.append(f"\n<!--¶{number}-->")
        if match.group(1) == "p":
            number += 1
        position = match.start()
    marked.append(xml[position:].replace("\n", " "))
    return "".join(marked)


def _stand_in(tag: Tag) -> str | None:
    """For a tag Jinja cannot read: a stand-in that keeps the blocks balanced and names nothing."""
    keyword = tag.keyword()
    if keyword.startswith("end") or keyword == "else":
        return "{% " + keyword + " %}"
    if keyword == "if":
        return "{% if true %}"
    if keyword == "for":
        return "{% for _ in () %}"
    return None
