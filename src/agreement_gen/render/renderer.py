"""Stage 3 – render: fill the master template for one agreement, in memory.

Rendering happens in a sandboxed, strict Jinja environment: the template (edited by people,
stored in Word) cannot reach Python internals, an unknown variable is an error naming the
variable and the district instead of an empty gap in a legal text, and every value is
XML-escaped, so `Lernen & Arbeiten <plus>` arrives exactly as written.
"""

from __future__ import annotations

import html
import io
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from agreement_gen.data.grammar import capfirst
from agreement_gen.data.structure import Agreement
from agreement_gen.errors import RenderError
from agreement_gen.i18n import _
from agreement_gen.render.context import template_context
from agreement_gen.render.limits import LimitedSandbox, LimitExceededError, render_seconds, time_limit
from agreement_gen.render.metadata import DocumentMetadata, document_metadata
from agreement_gen.render.normalise import normalise
from agreement_gen.render.reproducible import normalize_zip


@dataclass(frozen=True)
class RenderedDocument:
    """A rendered DOCX and what it says about itself (the PDF made from it says the same)."""

    content: bytes
    metadata: DocumentMetadata


class Fields(dict[str, Any]):
    """A context mapping that knows its own name, so a missing field is reported as 'district.genitve'."""

    def __init__(self, path: str, values: dict[str, Any]):
        super().__init__({k: _wrap(f"{path}.{k}", v) for k, v in values.items()})
        self.path = path


def _wrap(path: str, value: Any) -> Any:
    if isinstance(value, dict):
        return Fields(path, value)
    if isinstance(value, list):
        return [_wrap(f"{path}[{i}]", v) for i, v in enumerate(value)]
    return value


class StrictNamedUndefined(StrictUndefined):
    """Says which variable is missing, with its full dotted name where we know it."""

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        owner = self._undefined_obj
        if isinstance(owner, Fields):
            return _("the template uses '{name}', which does not exist").format(name=f"{owner.path}.{name}")
        return _("the template uses '{name}', which does not exist").format(name=name)


class AgreementEnvironment(LimitedSandbox):
    """The sandbox (with limits on time and size, see limits.py), compiling each distinct template text once.

    docxtpl hands every XML part of the document to `from_string` on every render; for 26 (or
    500) documents from one template that is the same few texts again and again, and compiling
    them was most of the rendering time. Compiled templates are immutable and safe to reuse.
    """

    def __init__(self) -> None:
        super().__init__(undefined=StrictNamedUndefined, autoescape=True)
        self.filters["capfirst"] = capfirst
        self._compiled: dict[str, Template] = {}

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


def make_environment() -> SandboxedEnvironment:
    """The Jinja environment every render uses (also used by the template checks)."""
    return AgreementEnvironment()


class TemplateRenderer:
    """Renders agreements from one master template, read from disk once."""

    def __init__(self, template: Path):
        self.template = template
        self._template_bytes = template.read_bytes()
        self._environment = make_environment()

    def _stopped(self, exc: BaseException) -> str:
        return _("template {template} was stopped: {reason}").format(template=self.template.name, reason=exc)

    def render(self, agreement: Agreement) -> bytes:
        """The finished DOCX as bytes. Raises RenderError naming the district on any template problem."""
        return self.render_document(agreement).content

    def render_document(self, agreement: Agreement) -> RenderedDocument:
        """The finished DOCX and its metadata. Raises RenderError naming the district on any template problem."""
        doc = DocxTemplate(io.BytesIO(self._template_bytes))
        context = {k: _wrap(k, v) for k, v in template_context(agreement).items()}
        try:
            with time_limit(render_seconds()):
                doc.render(context, jinja_env=self._environment, autoescape=True)
        except LimitExceededError as exc:
            raise RenderError(agreement.slug, self._stopped(exc)) from None
        except OverflowError as exc:  # the sandbox's own cap: range() with more than 100,000 numbers
            raise RenderError(agreement.slug, self._stopped(exc)) from exc
        except UndefinedError as exc:
            raise RenderError(
                agreement.slug,
                _("{reason} (template {template})").format(reason=exc.message, template=self.template.name),
            ) from exc
        except SecurityError as exc:
            raise RenderError(
                agreement.slug,
                _("template {template} is not allowed to do this: {reason}").format(
                    template=self.template.name, reason=exc
                ),
            ) from exc
        except TemplateSyntaxError as exc:
            near = " ".join(" ".join(getattr(exc, "docx_context", [])).split())[:200]
            raise RenderError(
                agreement.slug,
                _("template {template} has a syntax error: {reason}; near: {near}").format(
                    template=self.template.name, reason=exc.message, near=repr(near)
                ),
            ) from exc
        except TemplateError as exc:
            raise RenderError(
                agreement.slug, _("template {template}: {reason}").format(template=self.template.name, reason=exc)
            ) from exc
        except Exception as exc:  # {{ 1/0 }}, a recursive macro …: this document fails, the build goes on
            raise RenderError(
                agreement.slug,
                _("template {template} failed: {error}: {reason}").format(
                    template=self.template.name, error=type(exc).__name__, reason=exc
                ),
            ) from exc
        normalise(doc.docx)  # no comments, the same header (ENTWURF, page number) on every page
        props = doc.docx.core_properties
        # docxtpl renders these with our autoescaping environment; python-docx escapes again on save.
        rendered = {name: html.unescape(getattr(props, name) or "") for name in ("title", "subject", "author")}
        props.comments = html.unescape(props.comments or "")
        metadata = document_metadata(agreement, **rendered)
        props.title, props.author, props.subject = metadata.title, metadata.author, metadata.subject
        props.keywords = metadata.keywords
        props.language = metadata.language
        # Fixed times and revision: rendering the same inputs twice gives the same bytes.
        props.created = props.modified = metadata.created.replace(tzinfo=None)
        props.last_modified_by = ""
        props.revision = 1
        buffer = io.BytesIO()
        doc.save(buffer)
        return RenderedDocument(normalize_zip(buffer.getvalue(), metadata.created), metadata)
