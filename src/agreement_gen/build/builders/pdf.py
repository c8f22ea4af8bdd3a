"""PDF: the rendered DOCX converted by LibreOffice, finished, fitted with signature fields and checked.

Per document: LibreOffice's PDF/A-2b export → (for_signature) two empty signature fields over
the signature lines → metadata completed, export-time stamps made reproducible, tagging completed →
every check of `agreement-gen verify`, the validator's PDF/A-2b and PDF/UA-1 verdicts among them.
Only a PDF that passes is staged for publishing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from agreement_gen.build.builders.base import Builder, BuildProgress, Format, Item, OutputRejected, Step
from agreement_gen.build.libreoffice import LibreOfficeConverter
from agreement_gen.build.manifest import generator_fingerprint
from agreement_gen.data.models import Status
from agreement_gen.i18n import _
from agreement_gen.pdf.checks import failures, verify_pdf
from agreement_gen.pdf.conformance import validate_conformance
from agreement_gen.pdf.content import content_problems, expected_texts
from agreement_gen.pdf.fields import FieldPlacementError, add_signature_fields, find_signature_slots
from agreement_gen.pdf.finish import finish_pdf
from agreement_gen.pdf.trace import Trace
from agreement_gen.render.metadata import DocumentMetadata


class PdfBuilder(Builder):
    format = Format.PDF

    def __init__(self, converter: LibreOfficeConverter | None = None):
        # LibreOffice is checked and starts up from the converter's creation on, while the DOCX are rendered.
        self._converter = converter or LibreOfficeConverter()
        self._validator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-validator")

    def build(self, items: list[Item], staging: Path, progress: BuildProgress) -> None:
        # The PDF says what its DOCX says about itself (render/metadata.py): only rendered items go on.
        by_source = {
            item.staged[Format.DOCX]: (item, item.metadata)
            for item in items
            if Format.DOCX in item.staged and item.metadata is not None
        }
        if not by_source:
            return
        converter = self._converter
        raw = staging / "libreoffice"
        raw.mkdir(exist_ok=True)
        # Each PDF is finished as soon as LibreOffice delivers it, while the rest still convert.
        self._convert_and_finish(converter, by_source, raw, staging, progress)

    def close(self, abort: bool = False) -> None:
        self._validator.shutdown(wait=True, cancel_futures=True)
        self._converter.close(abort=abort)

    def _convert_and_finish(
        self,
        converter: LibreOfficeConverter,
        by_source: dict[Path, tuple[Item, DocumentMetadata]],
        raw: Path,
        staging: Path,
        progress: BuildProgress,
    ) -> None:
        for converted in converter.convert_iter(list(by_source), raw):
            item, meta = by_source[converted.source]
            slug = item.agreement.slug
            if converted.pdf is None:
                item.fail(converted.error or _("LibreOffice produced no PDF"))
                progress.step(slug, self.format, Step.FAILED)
                continue
            progress.step(slug, self.format, Step.CONVERTED)
            try:
                content = self._finish(item, meta, converted.pdf.read_bytes())
            except FieldPlacementError as exc:
                item.fail(_("cannot place the signature fields: {reason}").format(reason=exc))
            except OutputRejected as exc:
                item.fail(exc.reason)
            except ValueError as exc:  # a PDF LibreOffice wrote that cannot be finished: the district fails alone
                item.fail(_("the PDF cannot be finished: {reason}").format(reason=exc))
            else:
                target = staging / f"{slug}.pdf"
                target.write_bytes(content)
                item.staged[self.format] = target
            progress.step(slug, self.format, Step.CHECKED if item.ok else Step.FAILED)

    def _finish(self, item: Item, meta: DocumentMetadata, pdf: bytes) -> bytes:
        agreement = item.agreement
        if agreement.status is Status.FOR_SIGNATURE:
            label = f"Unterschrift {agreement.district.designation}"
            pdf = add_signature_fields(pdf, find_signature_slots(pdf, agreement.slug, label))
        trace = Trace(agreement.slug, agreement.year, agreement.status, item.fingerprint, generator_fingerprint())
        pdf = finish_pdf(pdf, meta, trace)
        # The validator (PDF/A-2b, PDF/UA-1) runs in Rust without the GIL: beside our own checks.
        conformance = self._validator.submit(validate_conformance, pdf)
        # The data says which markings must show, not the file.
        draft, example = agreement.status is Status.DRAFT, agreement.data.is_example
        findings = verify_pdf(pdf, expected_title=meta.title, draft=draft, example=example)
        problems = [f.message for f in failures(findings)]
        problems += content_problems(pdf, expected_texts(agreement))  # the right district and amount
        problems += conformance.result().problems()
        if problems:
            raise OutputRejected(_("the PDF fails its checks: {problems}").format(problems="; ".join(problems)))
        return pdf
