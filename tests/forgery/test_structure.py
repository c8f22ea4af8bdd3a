"""Forgeries without any key: parser differentials, objects no signature needs, metadata and unsigned bytes.

Each file is built here: signed by the test PKI with pyHanko, then changed with a hand-written incremental
update. Each must be refused with exit 2 and one sentence, counties/ byte for byte as before.
"""

from __future__ import annotations

import io
import re
import zlib

import pikepdf
import pytest

from .conftest import MINISTRY_FIELD, Forge
from .updates import BLACK_BOX, appearance_of, object_body, offset_of, page_objects, stream, tail, update

pytestmark = pytest.mark.slow  # the session builds Kassel's PDF with LibreOffice once


def forged_content(pdf: bytes, num: int) -> bytes:
    """Object `num`'s content stream with something drawn on top."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        data = doc.get_object((num, 0)).read_bytes()
    return stream(data + BLACK_BOX)


def duplicate(pdf: bytes, num: int, forged: bytes, more: list[tuple[int, bytes]] = ()) -> bytes:  # type: ignore[assignment]
    """The forger's trick: object `num` twice in one table, first the forgery, then the original's offset."""
    return update(pdf, [(num, forged), *more], extra_entries=[(num, offset_of(pdf, num))])


# --- 1. a duplicate cross-reference entry: pyHanko sees the original, qpdf and poppler the forgery -------------------


def test_a_duplicate_entry_after_the_signatures_is_refused(forge: Forge, capsys):
    signed = forge.both()
    _, content = page_objects(signed)[0]
    forged = duplicate(signed, content, forged_content(signed, content))
    with pikepdf.open(io.BytesIO(forged)) as doc:  # the attack is real: qpdf shows the forgery
        assert doc.pages[0].Contents.read_bytes().endswith(BLACK_BOX)
    err = forge.refused(capsys, forged)
    assert f"lists object {content} twice in one cross-reference section (readers disagree which counts)" in err


def test_a_duplicate_entry_between_the_signatures_is_refused(forge: Forge, capsys):
    once = forge.ministry_signs()
    _, content = page_objects(once)[0]
    forged = forge.district_signs(duplicate(once, content, forged_content(once, content)))
    err = forge.refused(capsys, forged)
    assert f"lists object {content} twice in one cross-reference section" in err


def test_a_duplicate_page_dictionary_is_refused(forge: Forge, capsys):
    signed = forge.both()
    page, content = page_objects(signed)[0]
    new = tail(signed).size
    body = object_body(signed, page).replace(b"%d 0 R" % content, b"%d 0 R" % new)
    forged = duplicate(signed, page, body, more=[(new, forged_content(signed, content))])
    err = forge.refused(capsys, forged)
    assert f"lists object {page} twice in one cross-reference section" in err


def test_a_duplicate_signature_appearance_is_refused(forge: Forge, capsys):
    signed = forge.both()
    appearance = appearance_of(signed, MINISTRY_FIELD)
    body = object_body(signed, appearance)
    with pikepdf.open(io.BytesIO(signed)) as doc:
        drawn = doc.get_object((appearance, 0)).read_bytes()
    forged = duplicate(signed, appearance, body.replace(zlib.compress(drawn), zlib.compress(drawn + BLACK_BOX)))
    err = forge.refused(capsys, forged)
    assert f"lists object {appearance} twice in one cross-reference section" in err


# --- the same changes written plainly: refused as changes no signature makes -------------------------------------


def test_a_changed_page_is_refused_naming_the_page(forge: Forge, capsys):
    signed = forge.both()
    _, content = page_objects(signed)[0]
    err = forge.refused(capsys, update(signed, [(content, forged_content(signed, content))]))
    assert f"revision 3 changes object {content} (the text and drawing of page 1), which no signature changes" in err


def test_a_changed_signature_appearance_is_refused(forge: Forge, capsys):
    signed = forge.both()
    appearance = appearance_of(signed, MINISTRY_FIELD)
    err = forge.refused(capsys, update(signed, [(appearance, object_body(signed, appearance))]))
    assert (
        f"revision 3 changes object {appearance} (the appearance of the signature in {MINISTRY_FIELD}), "
        "which no signature changes" in err
    )


def test_an_entry_pointing_into_an_earlier_revision_is_refused(forge: Forge, capsys):
    signed = forge.both()
    _, content = page_objects(signed)[0]
    info = 2
    forged = update(signed, [(info, object_body(signed, info))], extra_entries=[(content, offset_of(signed, info))])
    err = forge.refused(capsys, forged)
    assert f"revision 3's cross-reference entry for object {content} points outside its own bytes" in err


def test_an_entry_pointing_at_another_object_is_refused(forge: Forge, capsys):
    signed = forge.both()
    forged = update(signed, [(2, object_body(signed, 2))])
    forged = re.sub(rb"2 1\n(\d{10}) 00000 n \n(trailer)", rb"3 1\n\1 00000 n \n\2", forged)
    err = forge.refused(capsys, forged)
    assert "revision 3's cross-reference entry for object 3 points at object 2 0 instead" in err


def test_an_object_outside_any_revision_is_refused(forge: Forge, capsys):
    signed = forge.both()
    _, content = page_objects(signed)[0]
    hidden = signed + b"%d 0 obj\n%s\nendobj\n" % (content, forged_content(signed, content))
    forged = update(hidden, [(2, object_body(signed, 2))])
    err = forge.refused(capsys, forged)
    assert "has bytes at" in err and "that no cross-reference entry names (an object outside the revision)" in err


def test_a_free_list_entry_is_refused(forge: Forge, capsys):
    signed = forge.both()
    _, content = page_objects(signed)[0]
    forged = update(signed, [(2, object_body(signed, 2))])
    forged = forged.replace(
        b"xref\n0 1\n0000000000 65535 f \n", b"xref\n0 1\n0000000000 65535 f \n%d 1\n0000000000 00001 f \n" % content
    )
    err = forge.refused(capsys, forged)
    assert f"marks object {content} as deleted (a free-list entry), which signing never does" in err


# --- 2. a new signature field over the figure ("sneaky signature") -----------------------------------------------


def sneaky_field(pdf: bytes) -> bytes:
    """A new, empty signature field on page 1 whose appearance is drawn over the text."""
    page, _ = page_objects(pdf)[0]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        acroform = doc.Root.AcroForm.objgen[0]
    new = tail(pdf).size
    field = (
        b"<< /FT /Sig /T (Signatur_Neu) /Type /Annot /Subtype /Widget /F 4 /Rect [100 400 400 460] /P %d 0 R /AP << /N %d 0 R >> >>"
        % (page, new + 1)
    )
    look = stream(b"q 0 0 0 rg 0 0 300 60 re f Q", b"/Type /XObject /Subtype /Form /BBox [0 0 300 60] ")
    form = object_body(pdf, acroform).replace(b"] /SigFlags", b" %d 0 R ] /SigFlags" % new)
    page_body = object_body(pdf, page)
    page_body = page_body.replace(b"/Type /Page", b"/Annots [ %d 0 R ] /Type /Page" % new)
    return update(pdf, [(new, field), (new + 1, look), (acroform, form), (page, page_body)])


def test_a_sneaky_signature_field_after_the_signatures_is_refused(forge: Forge, capsys):
    err = forge.refused(capsys, sneaky_field(forge.both()))
    assert (
        "revision 3 adds a visible signature field Signatur_Neu (only document timestamps, which are invisible, "
        "may be added)" in err
    )


def test_a_sneaky_signature_field_between_the_signatures_is_refused(forge: Forge, capsys):
    err = forge.refused(capsys, forge.district_signs(sneaky_field(forge.ministry_signs())))
    assert "revision 2 adds a visible signature field Signatur_Neu" in err


# --- 6. metadata and unsigned bytes ------------------------------------------------------------------------------------


def test_rewritten_document_information_is_refused(forge: Forge, capsys):
    signed = forge.both()
    info = object_body(signed, 2).replace(b"Landkreis Kassel", b"Landkreis Fulda")
    err = forge.refused(capsys, update(signed, [(2, info)]))
    assert "revision 3 changes /Keywords, /Title of object 2 (the document information)" in err


def test_metadata_naming_another_district_is_refused(forge: Forge, capsys):
    signed = forge.both()
    with pikepdf.open(io.BytesIO(signed)) as doc:
        num, packet = doc.Root.Metadata.objgen[0], doc.Root.Metadata.read_bytes()
    forged = update(
        signed,
        [
            (
                num,
                stream(
                    packet.replace(b"landkreis-kassel", b"fulda"), b"/Type /Metadata /Subtype /XML ", compress=False
                ),
            )
        ],
    )
    err = forge.refused(capsys, forged)
    assert "revision 3's metadata changes aqb:District, which signing does not change" in err


def test_validation_data_with_arbitrary_bytes_is_refused(forge: Forge, capsys):
    signed = forge.both()
    new = tail(signed).size
    catalog = object_body(signed, 1).replace(b"/Type /Catalog", b"/DSS %d 0 R /Type /Catalog" % new)
    forged = update(
        signed,
        [(1, catalog), (new, b"<< /Certs [ %d 0 R ] >>" % (new + 1)), (new + 1, stream(b"Zahlung an Konto DE00 ..."))],
    )
    err = forge.refused(capsys, forged)
    assert "revision 3's validation data (/DSS) holds bytes that are not a Certificate" in err


def test_bytes_after_the_last_end_marker_are_refused(forge: Forge, capsys):
    err = forge.refused(capsys, forge.both() + b"\n% Budget: 2.152.600 Euro\n")
    assert "does not end with its last revision's 'startxref' and '%%EOF' (bytes follow it)" in err


# --- 7. hostile files that used to end in a traceback ----------------------------------------------------------------


@pytest.mark.parametrize("depth", [2_000, 200_000])
def test_deeply_nested_arrays_are_refused(forge: Forge, capsys, depth):
    signed = forge.both()
    info = object_body(signed, 2).replace(b">>", b"/Deep %s%s >>" % (b"[" * depth, b"]" * depth))
    err = forge.refused(capsys, update(signed, [(2, info)]))
    assert "arrays or dictionaries nested more than 32 deep" in err


def test_a_stream_length_of_a_terabyte_is_refused(forge: Forge, capsys):
    signed = forge.both()
    new = tail(signed).size
    forged = update(signed, [(new, b"<< /Length 1000000000000 >>\nstream\nx\nendstream")])
    err = forge.refused(capsys, forged)
    assert f"object {new} declares a stream of 1000000000000 bytes, more than the file holds" in err


def test_a_batch_reports_every_bad_file_and_judges_the_others(forge: Forge, capsys):
    signed = forge.both()
    _, content = page_objects(signed)[0]
    trailing = forge.file(signed + b"trailing", "angehaengt.pdf")
    doubled = forge.file(duplicate(signed, content, forged_content(signed, content)), "doppelt.pdf")
    good = forge.file(signed, "gut.pdf")
    code, _, err = forge.run(capsys, "receive", str(trailing), str(good), str(doubled), "--trust", str(forge.ca_file))
    assert code == 2
    assert "angehaengt.pdf: does not end with its last revision's" in err
    assert f"doppelt.pdf: lists object {content} twice" in err
    assert "gut.pdf" not in err  # judged and found good, but not taken alone: a run is all or nothing
