"""Empty digital signature fields, placed over the signature lines of the rendered PDF.

The positions are read from the PDF itself, not guessed: the template prints, per party, a
place/date line ("____, den ____") and, below the room for the signature, the signatory's
name on a drawn line. The field fills the room between the two, so it sits where a person
would sign on paper. Fields are added with pyHanko (LibreOffice's own form fields cannot
become signature fields, pyHanko#8), both before anyone signs (adding one later would
invalidate the first signature, pyHanko#259).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader

PLACE_DATE_LINE = re.compile(r"^_{3,},\s*den\s*_{3,}$")
MINISTRY_FIELD = "Signatur_Ministerium"
FIELD_WIDTH = 200.0  # points; a little less than one column of the signature table


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    y: float  # baseline, PDF points from the bottom
    size: float


@dataclass(frozen=True)
class SignatureSlot:
    """Where one party signs: a page and a rectangle (x1, y1, x2, y2) in PDF points."""

    field_name: str
    label: str
    page: int
    box: tuple[float, float, float, float]


class FieldPlacementError(ValueError):
    """The signature lines could not be found in the PDF (the template's signature block changed)."""


def text_lines(pdf: bytes, page_index: int) -> list[TextLine]:
    """The text pieces of one page with their positions (as LibreOffice writes them: one per line)."""
    page = PdfReader(io.BytesIO(pdf)).pages[page_index]
    lines: list[TextLine] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            lines.append(TextLine(text.strip(), x, y, size * (tm[3] or 1)))

    page.extract_text(visitor_text=visit)
    return lines


def find_signature_slots(pdf: bytes, district_slug: str, district_label: str) -> list[SignatureSlot]:
    """The ministry's and the district's signing rectangles, left/top one first."""
    page_count = len(PdfReader(io.BytesIO(pdf)).pages)
    for page_index in reversed(range(page_count)):  # the signature block is at the end
        lines = text_lines(pdf, page_index)
        anchors = sorted(
            (line for line in lines if PLACE_DATE_LINE.match(line.text)), key=lambda line: (-line.y, line.x)
        )
        if not anchors:
            continue
        if len(anchors) != 2:
            raise FieldPlacementError(f"expected 2 place/date lines on page {page_index + 1}, found {len(anchors)}")
        slots = []
        names = [(MINISTRY_FIELD, "Unterschrift Ministerium"), (f"Signatur_{district_slug}", district_label)]
        for (field_name, label), anchor in zip(names, anchors, strict=True):
            below = [
                line for line in lines if line.y < anchor.y - 1 and abs(line.x - anchor.x) < 5 and line is not anchor
            ]
            if not below:
                raise FieldPlacementError(f"no name line below the place/date line on page {page_index + 1}")
            name_line = max(below, key=lambda line: line.y)
            bottom = name_line.y + name_line.size + 3  # just above the drawn signature line
            top = anchor.y - 4  # just below the place/date line
            if top - bottom < 20:
                raise FieldPlacementError(f"too little room for a signature on page {page_index + 1}")
            slots.append(SignatureSlot(field_name, label, page_index, (anchor.x, bottom, anchor.x + FIELD_WIDTH, top)))
        return slots
    raise FieldPlacementError("no place/date line ('____, den ____') found: is this a for_signature document?")


def add_signature_fields(pdf: bytes, slots: list[SignatureSlot]) -> bytes:
    """The PDF with one empty signature field per slot (named, with a readable /TU label)."""
    # pyHanko is imported here: it takes ~0.4 s to load, and most builds have no document to sign.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for slot in slots:
        append_signature_field(
            writer,
            SigFieldSpec(
                slot.field_name,
                on_page=slot.page,
                box=tuple(round(v) for v in slot.box),  # type: ignore[arg-type]
                readable_field_name=slot.label,
            ),
        )
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]  # pyHanko leaves this one unannotated
    return out.getvalue()
