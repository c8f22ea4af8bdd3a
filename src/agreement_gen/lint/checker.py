"""The entry points, and the order of the checks: each part of the template from Word's damage to
its names, then the document properties, the unused data, and last a sample render."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import Environment
from lxml import etree

from agreement_gen.i18n import _
from agreement_gen.lint.document import Part, read_parts
from agreement_gen.lint.docxtpl_tags import DocxtplTagCheck
from agreement_gen.lint.findings import Finding, Report, Severity, has_errors
from agreement_gen.lint.parsing import PartParser, para_at
from agreement_gen.lint.rendered import RenderedCheck
from agreement_gen.lint.structure import StructureCheck
from agreement_gen.lint.syntax import SyntaxCheck
from agreement_gen.lint.variables import VariableCheck
from agreement_gen.lint.word_damage import WordDamageCheck
from agreement_gen.render.vocabulary import Vocabulary

Render = Callable[[], Sequence[bytes]]


def lint_template(
    template: Path,
    contexts: Sequence[Mapping[str, Any]] = (),
    env: Environment | None = None,
    render: Render | None = None,
    value_sets: Mapping[str, tuple[Any, ...]] | None = None,
) -> list[Finding]:
    """Every problem of the template, errors and warnings, in document order.

    `contexts` are real template contexts (their names are the known names; without any, names
    are not checked); `render`, if given, renders sample agreements, whose text is then searched
    for tags that survived rendering; `value_sets` are the values a name can have (every slug …),
    beyond the fixed ones (`names.VALUE_SETS`).
    """
    from agreement_gen.render.renderer import make_environment

    env = env or make_environment()
    vocabulary = Vocabulary.of(contexts) if contexts else None
    try:
        checker = TemplateChecker(template, vocabulary, env, value_sets)
        parts = read_parts(checker.tpl)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [
            Finding(Severity.ERROR, str(template), _("cannot be opened as a Word document ({error})").format(error=exc))
        ]
    return checker.check(parts, contexts, render)


def lint_plan(plan: Any, *, sample_render: bool = True) -> list[Finding]:
    """The template check for a validated year (`structure.YearPlan`): names from all its agreements,
    and one sample render per status (a tag may hide in a branch only signed documents take)."""
    from agreement_gen.render.context import template_context
    from agreement_gen.render.renderer import TemplateRenderer

    contexts = [template_context(agreement) for agreement in plan.agreements]
    samples = list({agreement.status: agreement for agreement in reversed(plan.agreements)}.values())

    def render() -> list[bytes]:
        renderer = TemplateRenderer(plan.template)
        return [renderer.render(agreement) for agreement in samples]

    return lint_template(
        plan.template, contexts, render=render if sample_render else None, value_sets=data_values(plan)
    )


def data_values(plan: Any) -> dict[str, tuple[Any, ...]]:
    """The values the year's data really has, for names whose set is closed: every district's slug (from
    the files, whatever `--only` chose) and the numbers of the year's Maßnahmenarten."""
    counties = plan.year_file.parent.parent
    slugs = sorted({p.stem for p in (counties / "districts").glob("*.yaml")})
    return {
        "district.slug": tuple(slugs),
        "massnahmen[].number": tuple(sorted(plan.fiscal_year.massnahmenarten)),
    }


class TemplateChecker:
    """The checks of one template, sharing one report, run in the order they build on each other."""

    def __init__(
        self,
        template: Path,
        vocabulary: Vocabulary | None,
        env: Environment,
        value_sets: Mapping[str, tuple[Any, ...]] | None = None,
    ) -> None:
        self.report = Report()
        self.tpl = DocxTemplate(io.BytesIO(template.read_bytes()))
        self.tpl.init_docx()
        self.word_damage = WordDamageCheck(self.report, self.tpl)
        self.docxtpl_tags = DocxtplTagCheck(self.report)
        self.syntax = SyntaxCheck(self.report, env)
        self.parser = PartParser(self.report, env, self.tpl)
        self.variables = VariableCheck(self.report, env, vocabulary, value_sets)
        self.rendered = RenderedCheck(self.report)
        self.structure = StructureCheck(self.report)

    def check(self, parts: list[Part], contexts: Sequence[Mapping[str, Any]], render: Render | None) -> list[Finding]:
        """Every finding of the template, in document order; the sample render only if nothing else is wrong."""
        for part in parts:
            self.check_part(part)
        self.word_damage.page_settings()
        self.structure.check(parts)
        self.variables.check_properties(self.tpl.docx.core_properties)
        self.variables.check_unused()
        if render is not None and not has_errors(self.report.findings):
            self.check_rendering(render, contexts, parts)
        return self.report.in_document_order()

    def check_part(self, part: Part) -> None:
        """Word's damage, docxtpl's special tags and the Jinja syntax first; the names then come from the
        whole part as docxtpl renders it, or, if any of its tags is broken, from its readable tags alone."""
        before = len(self.report.findings)
        self.word_damage.check(part)
        self.docxtpl_tags.check(part)
        syntax_ok = self.syntax.check(part)
        clean = syntax_ok and not self.report.errors_since(before)
        parsed = self.parser.parse_part(part) if clean else self.parser.parse_tags(part)
        if not clean:
            self.variables.analysed_everything = False  # usage is incomplete: no "unused field" warnings
        if parsed is None:
            return
        ast, line_paragraph = parsed
        self.variables.check(part, ast, partial(para_at, part, line_paragraph))

    def check_rendering(self, render: Render, contexts: Sequence[Mapping[str, Any]], parts: list[Part]) -> None:
        try:
            outputs = render()
        except Exception as exc:  # any failure here is a template problem the checks above did not explain
            self.report.error(None, None, _("the template does not render: {error}").format(error=exc))
        else:
            texts = {v for c in contexts for v in _strings(c) if "{" in v or "}" in v}
            self.rendered.check(outputs, parts, texts)


def _strings(value: Any) -> Iterable[str]:
    """Every string in a context, however deeply nested: braces in the data are meant to be printed."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
