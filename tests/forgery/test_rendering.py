"""What is shown is what was signed: two engines compare every page of our revision and of the returned file."""

from __future__ import annotations

import io

import pikepdf
import pytest

from agreement_gen.signing.judgement import first_revision
from agreement_gen.signing.judgement.rendering import RenderingProblem, compare, field_boxes, pdfium

from .conftest import DISTRICT_FIELD, MINISTRY_FIELD, Forge
from .updates import BLACK_BOX, page_objects, stream, update

pytestmark = pytest.mark.slow  # the session builds Kassel's PDF with LibreOffice once
FIELDS = (MINISTRY_FIELD, DISTRICT_FIELD)


def drawn_over(pdf: bytes, page: int, drawing: bytes) -> bytes:
    _, content = page_objects(pdf)[page]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        data = doc.get_object((content, 0)).read_bytes()
    return update(pdf, [(content, stream(data + drawing))])


def test_the_signatures_appearances_are_all_that_changes(forge: Forge):
    signed = forge.both()
    compare(first_revision(signed), signed, FIELDS)  # no exception: only the two fields look different
    boxes, _ = field_boxes(first_revision(signed), FIELDS)
    assert [len(b) for b in boxes.values()] == [2]  # both fields on the last page


def test_a_box_drawn_over_the_text_is_seen(forge: Forge):
    signed = forge.both()
    with pytest.raises(RenderingProblem) as refusal:
        compare(first_revision(signed), drawn_over(signed, 0, BLACK_BOX), FIELDS)
    assert str(refusal.value) == "page 1 looks different in poppler from what we built, outside the signature fields"


def test_invisible_text_is_read(forge: Forge):
    signed = forge.both()
    hidden = b"\nBT 3 Tr /F1 10 Tf 100 100 Td (Budget 2.152.600 Euro) Tj ET\n"
    with pikepdf.open(io.BytesIO(signed)) as doc:
        font = next(iter(doc.pages[1].Resources.Font.keys()))
    with pytest.raises(RenderingProblem) as refusal:
        compare(first_revision(signed), drawn_over(signed, 1, hidden.replace(b"/F1", font.encode())), FIELDS)
    assert str(refusal.value) == "page 2 reads differently in poppler from what we built"


def test_pdfium_sees_it_too(forge: Forge):
    signed = forge.both()
    before = pdfium(first_revision(signed))
    after = pdfium(drawn_over(signed, 0, BLACK_BOX))
    assert before[0].data != after[0].data and before[1].data == after[1].data
