"""PDF: the rendered DOCX converted by LibreOffice, finished, fitted with signature fields and checked.

Per document: LibreOffice's PDF/A-2b export → (for_signature) two empty signature fields over
the signature lines → metadata completed, export-time stamps made reproducible, tagging completed →
every check of `agreement-gen verify`, the validator's PDF/A-2b and PDF/UA-1 verdicts among them.
Only a PDF that passes is staged for publishing.
"""

from __future__ import annotations

from pathlib import Path

import docx

from agreement_gen.build.builders.base import Builder, BuildProgress, Format, Item, OutputRejected, Step
from agreement_gen.build.libreoffice import LibreOfficeConverter
from agreement_gen.build.manifest import generator_fingerprint
from agreement_gen.data.models import Status
from agreement_gen.data.structure import Agreement
from agreement_gen.i18n import _
from agreement_gen.pdf.checks import failures, verify_pdf
from agreement_gen.pdf.conformance import validate_conformance
from agreement_gen.pdf.content import content_problems, expected_texts
from agreement_gen.pdf.fields import FieldPlacementError, add_signature_fields, find_signature_slots
from agreement_gen.pdf.finish import PdfMetadata, finish_pdf
from agreement_gen.pdf.marks import expected_marks
from agreement_gen.pdf.trace import Trace
from agreement_gen.render.reproducible import build_timestamp

LANGUAGE = "de-DE"


def pdf_metadata(agreement: Agreement, docx_path: Path, fingerprint: str = "") -> PdfMetadata:
    """Title, author and subject as the template's document properties say; keywords from the data;
    the trace (district, year, stage, `fingerprint` of the inputs) that lets `receive` recognise the file."""
    props = docx.Document(str(docx_path)).core_properties
    keywords = "; ".join(
        [
            "Zielvereinbarung",
            "Ausbildungs- und Qualifizierungsbudget",
            "AQB",
            "Hessen",
            str(agreement.year),
            agreement.district.designation,
        ]
    )
    return PdfMetadata(
        title=props.title or agreement.title,
        author=props.author or agreement.fiscal_year.ministry.name,
        subject=props.subject or "",
        keywords=keywords,
        language=LANGUAGE,
        timestamp=build_timestamp(agreement),
        trace=Trace(agreement.slug, agreement.year, agreement.status, fingerprint, generator_fingerprint()),
    )


class PdfBuilder(Builder):
    format = Format.PDF

    def __init__(self, converter: LibreOfficeConverter | None = None):
        # Created now, so LibreOffice is checked and a profile prepared while the DOCX are rendered.
        self._converter = converter or LibreOfficeConverter()

    def build(self, items: list[Item], staging: Path, progress: BuildProgress) -> None:
        items = [item for item in items if Format.DOCX in item.staged]
        if not items:
            return
        converter = self._converter
        raw = staging / "libreoffice"
        raw.mkdir(exist_ok=True)
        by_source = {item.staged[Format.DOCX]: item for item in items}
        # Each PDF is finished as soon as LibreOffice delivers it, while the rest still convert.
        self._convert_and_finish(converter, by_source, raw, staging, progress)

    def close(self, abort: bool = False) -> None:
        self._converter.close(abort=abort)

    def _convert_and_finish(
        self,
        converter: LibreOfficeConverter,
        by_source: dict[Path, Item],
        raw: Path,
        staging: Path,
        progress: BuildProgress,
    ) -> None:
        for converted in converter.convert_iter(list(by_source), raw):
            item = by_source[converted.source]
            slug = item.agreement.slug
            if converted.pdf is None:
                item.fail(converted.error or _("LibreOffice produced no PDF"))
                progress.step(slug, self.format, Step.FAILED)
                continue
            progress.step(slug, self.format, Step.CONVERTED)
            try:
                content = self._finish(item.agreement, converted.source, converted.pdf.read_bytes(), item.fingerprint)
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

    def _finish(self, agreement: Agreement, docx_path: Path, pdf: bytes, fingerprint: str) -> bytes:
        if agreement.status is Status.FOR_SIGNATURE:
            label = f"Unterschrift {agreement.district.designation}"
            pdf = add_signature_fields(pdf, find_signature_slots(pdf, agreement.slug, label))
        meta = pdf_metadata(agreement, docx_path, fingerprint)
        pdf = finish_pdf(pdf, meta)
        problems = [f.message for f in failures(verify_pdf(pdf, expected_title=meta.title))]
        problems += validate_conformance(pdf).problems()  # PDF/A-2b and PDF/UA-1, by the validator
        marks = expected_marks(pdf, draft=agreement.status is Status.DRAFT, example=agreement.data.is_example)
        problems += [p for p in marks if p not in problems]  # the data says what must show, not the file
        problems += content_problems(pdf, expected_texts(agreement))  # the right district and amount
        if problems:
            raise OutputRejected(_("the PDF fails its checks: {problems}").format(problems="; ".join(problems)))
        return pdf
