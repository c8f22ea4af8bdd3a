"""DOCX: the master template rendered per district, checked to open before it is kept."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from agreement_gen.build.builders.base import Builder, BuildProgress, Format, Item, OutputRejected, Step
from agreement_gen.errors import RenderError
from agreement_gen.i18n import _
from agreement_gen.render.renderer import TemplateRenderer


def check_docx(content: bytes) -> None:
    """Raise OutputRejected unless `content` opens as a Word document with text in it."""
    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise OutputRejected(_("the rendered DOCX does not open: {reason}").format(reason=exc)) from exc
    if not any(p.text.strip() for p in document.paragraphs):
        raise OutputRejected(_("the rendered DOCX has no text"))


class DocxBuilder(Builder):
    format = Format.DOCX

    def __init__(self, template: Path):
        self.renderer = TemplateRenderer(template)

    def build(self, items: list[Item], staging: Path, progress: BuildProgress) -> None:
        for item in items:
            slug = item.agreement.slug
            try:
                rendered = self.renderer.render_document(item.agreement)
                check_docx(rendered.content)
            except (RenderError, OutputRejected) as exc:
                item.fail(exc.reason)
                progress.step(slug, self.format, Step.FAILED)
                continue
            target = staging / f"{slug}.docx"
            target.write_bytes(rendered.content)
            item.staged[self.format] = target
            item.metadata = rendered.metadata
            progress.step(slug, self.format, Step.RENDERED)
