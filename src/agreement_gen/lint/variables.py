"""Names in the template: unknown variables, filters and tests, impossible comparisons, unused data.

Without real contexts (no vocabulary) names are not checked at all. The "unused data field"
warning is given only when every part could be analysed: a part with broken tags is analysed from
its readable tags alone, and a field used only in a broken tag would look unused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, nodes

from agreement_gen.i18n import _
from agreement_gen.lint.document import Para, Part, scan
from agreement_gen.lint.findings import Finding, Report, Severity
from agreement_gen.lint.names import NameAnalysis
from agreement_gen.render.vocabulary import ITEM, Vocabulary

_PROPERTIES = (("title", "Titel"), ("subject", "Thema"), ("author", "Autor"), ("comments", "Kommentare"))


class VariableCheck:
    """The names of every part and of the document properties; collects the names used."""

    def __init__(
        self,
        report: Report,
        env: Environment,
        vocabulary: Vocabulary | None,
        value_sets: Mapping[str, tuple[Any, ...]] | None = None,
    ) -> None:
        self.report = report
        self.env = env
        self.vocabulary = vocabulary
        self.value_sets = value_sets
        self.used: set[str] = set()
        self.analysed_everything = True

    def check(self, part: Part | None, ast: nodes.Template, locate: Callable[[int], Para | None]) -> None:
        """Report every name of `ast` that does not exist, at the paragraph `locate` finds for its line."""
        if self.vocabulary is None:
            return
        analysis = NameAnalysis(self.vocabulary, self.env, self.value_sets)
        analysis.template(ast)
        self.used |= analysis.used
        for lineno, written, message in analysis.problems:
            para = locate(lineno)
            near = _near(part, para, written) if para is not None else ""
            self.report.error(part, para, message, near)

    def check_properties(self, properties: Any) -> None:
        """The document properties (Titel, Thema …), which docxtpl renders like the text."""
        for name, label in _PROPERTIES:
            value = getattr(properties, name) or ""
            if "{" not in value:
                continue
            where = f"Dokumenteigenschaften › {label}"
            part = Part(where, 80, "", [Para(0, None, where, value, [])])
            para = part.paragraphs[0]
            problems = scan(value)[1]
            for start, end, message in problems:
                self.report.error(part, para, message, para.near(start, end))
            try:
                ast = self.env.parse(value)
            except TemplateSyntaxError as exc:
                self.report.error(part, para, _("Jinja cannot read it: {error}").format(error=exc.message), value)
                self.analysed_everything = False
                continue
            self.check(part, ast, _always(para))

    def check_unused(self) -> None:
        """One warning listing the data fields the template never reads (only if all of it was analysed)."""
        if self.vocabulary is None or not self.analysed_everything:
            return

        def covered(name: str) -> bool:
            return any(name == u or name.startswith((u + ".", u + ITEM)) for u in self.used)

        unused = [name for name in self.vocabulary.leaves() if not covered(name)]
        if unused:
            listed = ", ".join(name for name in unused)
            self.report.findings.append(
                Finding(
                    Severity.WARNING,
                    "Daten",
                    _("the template uses none of these data fields: {fields} (fine if intended)").format(fields=listed),
                    order=(95, 0),
                )
            )


def _near(part: Part | None, para: Para, written: str) -> str:
    """The words around the tag (or the text) holding the name, so the editor can search for it."""
    tags = part.tags.get(para.index, []) if part else []
    tag = next((t for t in tags if written and written in t.text), None)
    at = para.text.find(written) if written else -1
    if tag is not None:
        return para.near(tag.start, tag.end)
    if at >= 0:
        return para.near(at, at + len(written))
    return para.near(0, 0, words=8)


def _always(para: Para) -> Callable[[int], Para | None]:
    """A `locate` for text of one paragraph: every line of it is in `para`."""
    return lambda _line: para
