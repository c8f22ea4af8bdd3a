"""The last resort: render sample agreements and look for tags left in their text.

Whatever docxtpl did not recognise as a tag ends up literally in every agreement; the checks before
this one explain most such cases, this one catches the rest and traces each back to its paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agreement_gen.i18n import _
from agreement_gen.lint.document import Para, Part, compact
from agreement_gen.lint.findings import Report

# Something that looks like a tag, or what is left of one, in a line of the rendered text.
_LEFTOVER = re.compile(r"\{[{%#].{0,60}?(?:[}%#]\}|$)|(?:\}\}|%\})")


class RenderedCheck:
    """Tags that survived rendering, traced back to the template paragraph they came from."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def check(self, outputs: Sequence[bytes], parts: list[Part], data_texts: set[str]) -> None:
        """Report each tag-like fragment of the rendered `outputs` once; braces that come from the data
        (`data_texts`) or from docxtpl's escapes are meant to be there."""
        from agreement_gen.render.text import lines as document_lines  # only needed here

        reported: set[str] = set()
        for content in outputs:
            for line in document_lines(content):
                for match in _LEFTOVER.finditer(line):
                    fragment = match.group()
                    if fragment in reported or any(fragment in text for text in data_texts):
                        continue
                    reported.add(fragment)
                    self.leftover(parts, fragment, line)

    def leftover(self, parts: list[Part], fragment: str, line: str) -> None:
        part, para = _find_text(parts, fragment, line)
        if para is None and _find_text(parts, _escaped(fragment), line)[1] is not None:
            return  # written as docxtpl's escape {_{ … }_}: printing braces is intended
        self.report.error(
            part,
            para,
            _(
                "„{fragment}“ appears literally in the finished agreements: docxtpl did not recognise it as "
                "a tag; delete it and type it again in one go"
            ).format(fragment=fragment),
            para.near(para.text.find(fragment), para.text.find(fragment) + len(fragment)) if para else "",
        )


def _find_text(parts: list[Part], fragment: str, line: str) -> tuple[Part | None, Para | None]:
    """The template paragraph holding `fragment` that shares the most words with the rendered line."""
    squeezed = compact(fragment)
    words = set(line.split())
    candidates = [
        (len(words & set(para.text.split())), -order, part, para)
        for order, part in enumerate(parts)
        for para in part.paragraphs
        if squeezed and squeezed in compact(para.text)
    ]
    if not candidates:
        return None, None
    best = max(candidates, key=lambda c: (c[0], c[1], -c[3].index))
    return best[2], best[3]


def _escaped(text: str) -> str:
    """docxtpl's way of writing literal braces in a template: {_{ … }_}, {_% … %_}."""
    return text.replace("{{", "{_{").replace("}}", "}_}").replace("{%", "{_%").replace("%}", "%_}")
