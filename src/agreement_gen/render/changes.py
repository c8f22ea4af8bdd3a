"""One changed stretch of an agreement's text, said in a few words ("'im Herbst' → 'im Frühjahr'").

Shared by the editors' diff (every district's agreement before and after an edit) and the closed
template's check (the kept template against the one in templates/).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from agreement_gen.i18n import _
from agreement_gen.render.sections import (
    FOOTER_PREFIX,
    FOOTNOTE_PREFIX,
    HEADER_PREFIX,
    PROPERTIES_PREFIX,
    TEXTBOX_PREFIX,
)

CONTEXT_WORDS = 1  # words of unchanged text shown before a changed piece in the summary ('im Herbst')


@dataclass(frozen=True)
class Change:
    """One changed stretch of paragraphs, district words replaced by placeholders."""

    section: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    moved_from: str = ""  # a paragraph moved unchanged: the section it was in ('§ 3'); `section` is where it is now

    @property
    def key(self) -> tuple[object, ...]:
        """What makes two districts' changes "the same": for an edited paragraph, its edited words.

        The words are compared with every case form as one placeholder ‹district›: a city's
        genitive and dative read alike ("der Stadt Kassel"), so which case a form stands for
        cannot be told from the text. Only an edit of the case itself needs the case names.
        """
        if self.moved_from:
            return (self.section, "moved", self.moved_from, tuple(map(any_case, self.new)))
        if len(self.old) == len(self.new) == 1:
            words = tuple(word_changes(any_case(self.old[0]), any_case(self.new[0])))
            return (self.section, words or tuple(word_changes(self.old[0], self.new[0])))
        return (self.section, tuple(map(any_case, self.old)), tuple(map(any_case, self.new)))

    @property
    def summary(self) -> str:
        """The changed words with one word before them: 'im Herbst' → 'im Frühjahr'."""
        old, new = [unmarked(line) for line in self.old], [unmarked(line) for line in self.new]
        if self.moved_from:
            return _("moved {text} from {section}").format(text=quote(" ".join(new)), section=self.moved_from)
        if not old:
            return f"added {quote(' '.join(new))}"
        if not new:
            return f"removed {quote(' '.join(old))}"
        pieces = word_changes(" ".join(old), " ".join(new))
        shown = "; ".join(f"{quote(a)} → {quote(b)}" for a, b in pieces[:3])
        return shown + ("; …" if len(pieces) > 3 else "")


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.split(), new.split()
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        before = a[max(0, i1 - CONTEXT_WORDS) : i1]
        pieces.append((" ".join(before + a[i1:i2]), " ".join(before + b[j1:j2])))
    return pieces


def any_case(line: str) -> str:
    """‹district.dative› → ‹district›, ‹district.genitive|capfirst› → ‹district|capfirst›."""
    return re.sub(r"‹district\.(?:nominative|genitive|dative|accusative)(\|capfirst)?›", r"‹district\1›", line)


def unmarked(line: str) -> str:
    for prefix in (HEADER_PREFIX, FOOTER_PREFIX, PROPERTIES_PREFIX, TEXTBOX_PREFIX, FOOTNOTE_PREFIX):
        line = line.removeprefix(prefix)
    return line


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return "'" + (text if len(text) <= limit else text[: limit - 1].rstrip() + "…") + "'"
