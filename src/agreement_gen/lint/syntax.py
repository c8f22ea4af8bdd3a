"""Jinja syntax, tag by tag: each tag parsed on its own, then the blocks followed across paragraphs.

Parsing the whole part only tells the first error, at a line of preprocessed XML; parsing each
tag alone (with a minimal opening or closing around it) names every broken tag where it is, and
following the blocks names the `{% if %}` that is never closed and the `{% endfor %}` too many.
"""

from __future__ import annotations

import difflib

from jinja2 import Environment, TemplateSyntaxError

from agreement_gen.i18n import _
from agreement_gen.lint.document import CLOSER, DOCXTPL_STATEMENTS, WORD_TYPOGRAPHY, Para, Part, Tag
from agreement_gen.lint.findings import Report

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
_CLOSINGS = tuple(f"end{k}" for k in _OPENINGS)

# An open block: its keyword, the tag that opened it, and that tag's paragraph.
OpenBlock = tuple[str, Tag, Para]


class SyntaxCheck:
    """Every tag readable by Jinja, every block opened and closed in the right order."""

    def __init__(self, report: Report, env: Environment) -> None:
        self.report = report
        self.env = env

    def check(self, part: Part) -> bool:
        """Every tag of the part readable and every block closed; tags Jinja cannot read go to `part.unreadable`."""
        ok = True
        stack: list[OpenBlock] = []
        for para, _tags in part.tagged():
            for tag in part.typed(para):
                if tag.opener == "{#":
                    continue
                # A tag Word damaged is reported already; its keyword still opens or closes a block.
                reported = (
                    tag in part.damaged.get(para.index, [])
                    or tag in part.explained
                    or any(ch in WORD_TYPOGRAPHY for ch in tag.text)
                )
                message = None if reported else self.tag_syntax(tag)
                if message:
                    self.report.error(part, para, message, para.near(tag.start, tag.end))
                    ok = False
                if reported or message:
                    part.unreadable.add(tag)
                if tag.opener == "{%" and tag.keyword() in (*_STATEMENTS, *_CLOSINGS):
                    ok &= self.block(part, para, tag, stack)
        return self.all_closed(part, stack) and ok

    def tag_syntax(self, tag: Tag) -> str | None:
        """What Jinja says about the tag read on its own, or None if it reads."""
        if tag.opener == "{%":
            if tag.keyword() in DOCXTPL_STATEMENTS:
                return None
            unknown = _unknown_statement(tag)
            if unknown:
                return unknown
        source = _standalone(tag)
        if source is None:
            return None
        try:
            self.env.parse(source)
        except TemplateSyntaxError as exc:
            return _("Jinja cannot read the tag „{tag}“: {error}").format(tag=tag.text, error=exc.message)
        return None

    def block(self, part: Part, para: Para, tag: Tag, stack: list[OpenBlock]) -> bool:
        """Follow one block tag: open a block, continue the open one, or close it. False if out of place."""
        keyword = tag.keyword()
        if keyword in _BLOCKS or (keyword == "set" and "=" not in tag.text):
            stack.append((keyword, tag, para))
        elif keyword in ("elif", "else"):
            allowed = ("if",) if keyword == "elif" else ("if", "for")
            if not stack or stack[-1][0] not in allowed:
                message = (
                    _("„{tag}“ belongs to an {{% if %}} or {{% for %}}, but there is no open one before it")
                    if keyword == "else"
                    else _("„{tag}“ belongs to an {{% if %}}, but there is no open one before it")
                )
                self.report.error(part, para, message.format(tag=tag.text), para.near(tag.start, tag.end))
                return False
        elif keyword.startswith("end"):
            return self.close(part, para, tag, stack)
        return True

    def close(self, part: Part, para: Para, tag: Tag, stack: list[OpenBlock]) -> bool:
        base = tag.keyword().removeprefix("end")
        if not stack:
            self.report.error(
                part,
                para,
                _("„{tag}“ closes nothing: there is no open {{% {keyword} … %}} before it").format(
                    tag=tag.text, keyword=base
                ),
                para.near(tag.start, tag.end),
            )
            return False
        open_keyword, open_tag, open_para = stack[-1]
        if open_keyword != base:
            self.report.error(
                part,
                para,
                _(
                    "„{tag}“ closes a {keyword}, but the innermost open block is „{open}“ ({where}), which must be "
                    "closed first with end{open_keyword}"
                ).format(
                    tag=tag.text, keyword=base, open=open_tag.text, where=open_para.where, open_keyword=open_keyword
                ),
                para.near(tag.start, tag.end),
            )
            return False
        stack.pop()
        return True

    def all_closed(self, part: Part, stack: list[OpenBlock]) -> bool:
        """Report the blocks still open at the end of the part, with the closing tag to add."""
        for keyword, tag, para in stack:
            closer = tag.text[:2] + (tag.docxtpl_kind or "") + f" end{keyword} " + CLOSER[tag.opener]
            self.report.error(part, para, _never_closed(keyword, tag.text, closer), para.near(tag.start, tag.end))
        return not stack


def _unknown_statement(tag: Tag) -> str | None:
    keyword = tag.keyword()
    base = keyword.removeprefix("end")
    if keyword not in _STATEMENTS and not (keyword.startswith("end") and base in _OPENINGS):
        guess = difflib.get_close_matches(keyword, [*_STATEMENTS, *(f"end{b}" for b in _OPENINGS)], n=1)
        if guess:
            return _("„{tag}“ is not a Jinja statement („{keyword}“ is unknown) – did you mean „{guess}“?").format(
                tag=tag.text, keyword=keyword, guess=guess[0]
            )
        return _("„{tag}“ is not a Jinja statement („{keyword}“ is unknown)").format(tag=tag.text, keyword=keyword)
    return None


def _standalone(tag: Tag) -> str | None:
    """The tag as Jinja source that parses on its own if the tag is right; None: nothing to parse."""
    source = tag.jinja()
    if tag.opener != "{%":
        return source
    keyword = tag.keyword()
    if keyword in _BLOCKS or (keyword == "set" and "=" not in source):
        return source + "{% end" + keyword + " %}"
    if keyword in ("elif", "else"):
        return "{% if x %}" + source + "{% endif %}"
    if keyword.startswith("end"):
        return _OPENINGS[keyword.removeprefix("end")] + source
    if keyword in ("break", "continue"):
        return None  # only valid inside loops with the loopcontrols extension; Jinja's parse will tell
    return source


def _never_closed(keyword: str, tag: str, closer: str) -> str:
    """A block left open: the closing tag to add, where the conditional or repeated part ends."""
    if keyword == "if":
        message = _("„{tag}“ is never closed: add a paragraph „{closer}“ where the conditional part ends")
    elif keyword == "for":
        message = _("„{tag}“ is never closed: add a paragraph „{closer}“ where the repeated part ends")
    else:
        message = _("„{tag}“ is never closed: add a paragraph „{closer}“ where the {keyword} block ends")
    return message.format(tag=tag, closer=closer, keyword=keyword)
