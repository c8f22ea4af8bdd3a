"""The strict reader itself, on small files written by hand: each way a file could be read two ways is refused
with its sentence and the byte or object it names; each limit holds at its value and refuses one more.

These call `Document` (and the `Parser` under it) directly, without LibreOffice or a signature: the forgery
corpus (test_structure.py) shows the same refusals reach the clerk through `receive`.
"""

from __future__ import annotations

import sys

import pytest

from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.judgement.revisions import first_revision
from agreement_gen.signing.judgement.structure import (
    MAX_DEPTH,
    MAX_FILE_SIZE,
    MAX_ITEMS,
    MAX_OBJECTS,
    MAX_UPDATES,
    Document,
    Name,
    Parser,
    Ref,
    Stream,
    String,
    StructureProblem,
)

from .updates import update

ID = b"<00112233445566778899AABBCCDDEEFF>"
IDS = b"[%s <FFEEDDCCBBAA99887766554433221100>]" % ID
TRAILER = b"/Root 1 0 R /Info 3 0 R /ID " + IDS
OBJECTS = [
    (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
    (2, b"<< /Type /Pages /Kids [] /Count 0 >>"),
    (3, b"<< /Producer (agreement-gen) >>"),
]


def ours(objects: list[tuple[int, bytes]] = OBJECTS, trailer: bytes = TRAILER) -> bytes:
    """Our revision as the build writes it: header, objects, one table (the free-list head, then one entry each)."""
    out = bytearray(b"%PDF-1.7\n")
    entries = []
    for num, body in objects:
        entries.append((num, len(out)))
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num, offset in entries:
        out += b"%d 1\n%010d 00000 n \n" % (num, offset)
    size = max(num for num, _body in objects) + 1
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref_at)
    return bytes(out)


OURS = ours()
OURS_XREF = OURS.index(b"xref")


def xref_of(pdf: bytes) -> int:
    """The newest table's offset, as the file's last startxref says."""
    return int(pdf.rsplit(b"startxref", 1)[1].split()[0])


def appended(pdf: bytes, body: bytes, table: bytes, trailer: bytes | None = None, prev: int | None = None) -> bytes:
    """`pdf` plus a revision written exactly as given: `body` (its objects), 'xref', `table` (its lines), the trailer."""
    xref_at = len(pdf) + len(body)
    if trailer is None:
        trailer = b"<< /Size 9 %s /Prev %d >>" % (TRAILER, xref_of(pdf) if prev is None else prev)
    return pdf + body + b"xref\n" + table + b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref_at


def entry(num: int, offset: int, gen: int = 0, kind: bytes = b"n") -> bytes:
    return b"%d 1\n%010d %05d %s \n" % (num, offset, gen, kind)


def refusal(content: bytes) -> str:
    """The sentence `Document` refuses `content` with."""
    with pytest.raises(StructureProblem) as caught:
        Document(content)
    return str(caught.value)


def parsed(data: bytes) -> object:
    """One value parsed from `data`, which it must fill exactly."""
    value, end = Parser(data, "the value").value(0)
    assert end == len(data)
    return value


def parse_error(data: bytes, where: str = "the value") -> str:
    with pytest.raises(StructureProblem) as caught:
        Parser(data, where).value(0)
    return str(caught.value)


# --- values: what each token reads as ---------------------------------------------------------------------------------


def test_keywords_numbers_and_references_read_as_written():
    assert parsed(b"true") is True
    assert parsed(b"false") is False
    assert parsed(b"null") is None
    assert parsed(b"[true false null]") == [True, False, None]
    numbers = parsed(b"[ 123 -4 +5 1.5 -.25 7. ]")
    assert numbers == [123, -4, 5, 1.5, -0.25, 7.0]
    assert [type(number) for number in numbers] == [int, int, int, float, float, float]
    assert parsed(b"12 0 R") == Ref(12, 0)
    assert parsed(b"[12 0 R 13 1 R]") == [Ref(12, 0), Ref(13, 1)]
    assert parsed(b"[12\n0\rR/X]") == [Ref(12, 0), Name("X")]
    assert parsed(b"[1 2]") == [1, 2]  # two numbers are not a reference


def test_a_keyword_glued_to_more_letters_is_an_unknown_token():
    assert parse_error(b"truely") == "the value is not plainly written PDF at byte 0: an unknown token"
    assert parse_error(b"[1 nullx]") == "the value is not plainly written PDF at byte 3: an unknown token"
    assert parse_error(b"[0 falsetto]") == "the value is not plainly written PDF at byte 3: an unknown token"
    assert parse_error(b"[1 0 Rx]") == "the value is not plainly written PDF at byte 5: an unknown token"
    assert parse_error(b"[-1 0 R]") == "the value is not plainly written PDF at byte 6: an unknown token"
    assert parse_error(b"12a") == "the value is not plainly written PDF at byte 0: an unknown token"
    assert parse_error(b"  )") == "the value is not plainly written PDF at byte 2: an unknown token"
    assert parse_error(b"{}") == "the value is not plainly written PDF at byte 0: an unknown token"


def test_a_number_of_32_digits_is_read_and_one_of_33_refused():
    assert parsed(b"9" * 32) == int("9" * 32)
    assert parsed(b"1." + b"5" * 30) == float("1." + "5" * 30)
    assert parse_error(b"[0 " + b"9" * 33 + b"]") == (
        "the value is not plainly written PDF at byte 3: a number of more than 32 digits"
    )


def test_names_decode_their_hex_escapes_as_utf8():
    assert parsed(b"/Name") == "Name"
    assert isinstance(parsed(b"/Name"), Name)
    assert parsed(b"/A#20B") == "A B"
    assert parsed(b"/#e2#82#AC") == "€"
    assert parsed(b"/a#2") == "a#2"  # not an escape
    assert parsed(b"[/A/B(c)]") == ["A", "B", String(b"c", 0, 0)]
    assert parsed(b"/") == ""
    assert parsed(b"[/]") == [""]  # a name may be empty; the delimiter after it ends it
    assert parse_error(b"[/ok /#FF]") == "the value is not plainly written PDF at byte 5: a name that is not UTF-8"


def test_hex_strings_read_with_their_offsets():
    value = parsed(b"<48656c6C6f>")
    assert value == String(b"Hello", 0, 0)
    assert (value.value, value.start, value.end) == (b"Hello", 0, 12)
    spaced = Parser(b"[ <48 65\n6C\t> ]", "x").value(0)[0][0]
    assert (spaced.value, spaced.start, spaced.end) == (b"Hel", 2, 13)
    assert parsed(b"<486>") == String(b"H`", 0, 0)  # an odd last digit counts as followed by 0
    assert parsed(b"<>") == String(b"", 0, 0)
    assert (
        parse_error(b"[<4G>]") == "the value is not plainly written PDF at byte 1: a hex string with other characters"
    )
    assert parse_error(b"[ <48") == "the value is not plainly written PDF at byte 2: a hex string without its end"


def test_literal_strings_read_their_escapes_and_nested_parentheses():
    value = parsed(b"(a(b)c)")
    assert (value.value, value.start, value.end) == (b"a(b)c", 0, 7)
    assert parsed(rb"(\n\r\t\b\f)").value == b"\n\r\t\b\f"
    assert parsed(rb"(\101\60\0x\1234\400)").value == b"A0\x00xS4\x00"  # at most three octal digits, mod 256
    assert parsed(rb"(\7)").value == b"\x07"
    assert parsed(rb"(\(\)\\\q)").value == b"()\\q"  # any other escaped byte stands for itself
    assert parsed(b"(one\\\ntwo\\\r\nthree\\\rfour)").value == b"onetwothreefour"  # a line continued
    assert parsed(b"(line\r\nend)").value == b"line\r\nend"  # line ends as written
    assert parsed(b"(x\\\r)").value == b"x"
    inner = Parser(b"[ (x) ]", "x").value(0)[0][0]
    assert (inner.start, inner.end) == (2, 5)


def test_strings_without_their_end_are_refused():
    assert parse_error(b"[ (a(b)") == "the value is not plainly written PDF at byte 2: a string without its end"
    assert parse_error(b"(a\\)") == "the value is not plainly written PDF at byte 0: a string without its end"


def test_a_backslash_as_the_last_byte_is_a_string_without_its_end_not_a_traceback():
    assert parse_error(b"(a\\") == "the value is not plainly written PDF at byte 0: a string without its end"


def test_strings_compare_by_their_bytes_only():
    assert String(b"a", 0, 3) == String(b"a", 5, 8)
    assert String(b"a", 0, 3) != String(b"b", 0, 3)
    assert String(b"a", 0, 3) != b"a"
    assert len({String(b"a", 0, 3), String(b"a", 5, 8)}) == 1


def test_dictionaries_and_arrays_read_as_written():
    assert parsed(b"<</A 1/B[2 3]/C<</D(x)>>/E<41>>>") == {
        "A": 1,
        "B": [2, 3],
        "C": {"D": String(b"x", 0, 0)},
        "E": String(b"A", 0, 0),
    }
    assert parsed(b"<< >>") == {}
    assert parsed(b"[ ]") == []
    assert parsed(b"[[1][2 [3]]]") == [[1], [2, [3]]]


def test_a_dictionary_key_that_is_not_a_name_is_refused():
    assert parse_error(b"<< /A 1 2 3 >>") == (
        "the value is not plainly written PDF at byte 8: a dictionary key that is not a name"
    )
    assert (
        parse_error(b"<</A 1") == "the value is not plainly written PDF at byte 6: a dictionary key that is not a name"
    )


def test_a_key_twice_in_one_dictionary_is_refused_even_when_spelt_differently():
    assert parse_error(b"<< /Length 5 /Length 6 >>") == (
        "the value is not plainly written PDF at byte 20: the key /Length twice in one dictionary"
    )
    assert (
        parse_error(b"<</A 1 /#41 2>>")
        == "the value is not plainly written PDF at byte 11: the key /A twice in one dictionary"
    )
    assert parsed(b"<< /A << /A 1 >> >>") == {"A": {"A": 1}}  # the same key in an inner dictionary is another key


def test_comments_are_refused_where_the_objects_are():
    assert parse_error(b"[1 %x\n2]") == "the value is not plainly written PDF at byte 3: a comment inside the objects"
    assert parse_error(b"%") == "the value is not plainly written PDF at byte 0: a comment inside the objects"
    assert parse_error(b"<< /A 1 %>>\n>>", "revision 2") == (
        "revision 2 is not plainly written PDF at byte 8: a comment inside the objects"
    )


def test_a_value_cut_off_by_the_end_of_the_data_is_refused():
    assert parse_error(b"[1 2 ") == "the value is not plainly written PDF at byte 5: the object is cut off"
    assert parse_error(b"<< /A") == "the value is not plainly written PDF at byte 5: the object is cut off"
    assert parse_error(b"") == "the value is not plainly written PDF at byte 0: the object is cut off"
    assert parse_error(b"[") == "the value is not plainly written PDF at byte 1: the object is cut off"
    assert parse_error(b"<") == "the value is not plainly written PDF at byte 0: a hex string without its end"
    assert parse_error(b"(") == "the value is not plainly written PDF at byte 0: a string without its end"


def nested(levels: int, inner: bytes = b"") -> bytes:
    return b"[" * levels + inner + b"]" * levels


def test_nesting_of_33_arrays_is_read_and_a_value_one_deeper_refused():
    assert MAX_DEPTH == 32
    value = parsed(nested(MAX_DEPTH + 1))
    for _level in range(MAX_DEPTH):
        (value,) = value
    assert value == []
    assert parse_error(nested(MAX_DEPTH + 1, b"0")) == (
        "the value is not plainly written PDF at byte 33: arrays or dictionaries nested more than 32 deep"
    )
    deep_dicts = b"<</A " * (MAX_DEPTH + 1) + b"1" + b">>" * (MAX_DEPTH + 1)
    assert parse_error(deep_dicts) == (
        "the value is not plainly written PDF at byte 164: arrays or dictionaries nested more than 32 deep"
    )


# --- indirect objects and streams -------------------------------------------------------------------------------------


def indirect(data: bytes, at: int = 0) -> tuple[int, int, object, int]:
    return Parser(data, "revision 1").indirect(at)


def indirect_error(data: bytes) -> str:
    with pytest.raises(StructureProblem) as caught:
        Parser(data, "revision 1").indirect(0)
    return str(caught.value)


def test_an_indirect_object_reads_its_number_generation_and_end():
    data = b"12 3 obj\n<< /A 1 >>\nendobj\n"
    assert indirect(data) == (12, 3, {"A": 1}, data.index(b"endobj") + 6)
    assert indirect(b"xx 7 0 obj 5 endobj", 3) == (7, 0, 5, 19)
    assert indirect(b"7 0 obj(x)endobj")[3] == 16


def test_an_object_without_its_header_or_endobj_is_refused():
    assert indirect_error(b"7 0 R") == "revision 1 is not plainly written PDF at byte 0: an object ('N 0 obj') expected"
    assert indirect_error(b" 7 0 obj 1 endobj") == (
        "revision 1 is not plainly written PDF at byte 0: an object ('N 0 obj') expected"
    )
    assert indirect_error(b"7 0 obj 1 endobjx") == "revision 1 is not plainly written PDF at byte 10: 'endobj' expected"
    assert (
        indirect_error(b"7 0 obj 1 2 endobj") == "revision 1 is not plainly written PDF at byte 10: 'endobj' expected"
    )
    assert indirect_error(b"7 0 obj 1 endob") == "revision 1 is not plainly written PDF at byte 10: 'endobj' expected"
    assert indirect_error(b"7 0 obj 1") == "revision 1 is not plainly written PDF at byte 9: 'endobj' expected"


def test_a_stream_reads_exactly_its_length():
    for after in (b"\n", b"\r\n", b"\r", b""):
        data = b"4 0 obj\n<< /Length 5 >>\nstream\nab\ncd%sendstream\nendobj" % after
        num, gen, value, end = indirect(data)
        assert isinstance(value, Stream)
        assert (num, gen, value.data, value.dictionary, end) == (4, 0, b"ab\ncd", {"Length": 5}, len(data))
    crlf = b"4 0 obj << /Length 2 >> stream\r\nab\r\nendstream endobj"
    assert indirect(crlf)[2].data == b"ab"
    empty = b"4 0 obj << /Length 0 >>stream\nendstream endobj"
    assert indirect(empty)[2] == Stream({"Length": 0}, b"")


def test_streams_written_another_way_are_refused():
    assert indirect_error(b"4 0 obj [1] stream\nab\nendstream endobj") == (
        "revision 1 is not plainly written PDF at byte 18: object 4 has a stream without a dictionary"
    )
    assert indirect_error(b"4 0 obj << /Length 2 >> stream ab\nendstream endobj") == (
        "revision 1 is not plainly written PDF at byte 30: object 4's stream does not start on a new line"
    )
    assert indirect_error(b"4 0 obj << /Length 2 >> stream\rab\nendstream endobj") == (
        "revision 1 is not plainly written PDF at byte 30: object 4's stream does not start on a new line"
    )
    for length in (b"5 0 R", b"-1", b"2.0", b"true", b"(2)"):
        data = b"4 0 obj << /Length %s >> stream\nab\nendstream endobj" % length
        assert indirect_error(data) == (
            f"revision 1 is not plainly written PDF at byte {data.index(b'ab')}: "
            "object 4's stream length is not a plain number"
        )
    assert indirect_error(b"4 0 obj << >> stream\nab\nendstream endobj") == (
        "revision 1 is not plainly written PDF at byte 21: object 4's stream length is not a plain number"
    )


def test_a_stream_length_beyond_the_data_or_off_its_end_is_refused():
    def case(length: int) -> tuple[bytes, int, int]:
        data = b"4 0 obj << /Length %d >> stream\nab\nendstream endobj" % length
        start = data.index(b"ab")
        return data, start, len(data) - start  # where the stream's data starts, how many bytes the file has from there

    data, start, rest = case(19)
    assert rest == 19
    assert indirect_error(case(rest + 1)[0]) == (
        f"revision 1 is not plainly written PDF at byte {start}: "
        f"object 4 declares a stream of {rest + 1} bytes, more than the file holds"
    )
    assert indirect_error(data) == (  # all the rest: allowed, but then no endstream follows
        f"revision 1 is not plainly written PDF at byte {start + rest}: "
        "object 4's stream does not end where its length says"
    )
    for length in (1, 4):  # 3 would be 'ab' and its line end: read
        data, start, _rest = case(length)
        assert indirect_error(data) == (
            f"revision 1 is not plainly written PDF at byte {start + length}: "
            "object 4's stream does not end where its length says"
        )
    assert indirect_error(b"4 0 obj << /Length 2 >> stream\nabXendstream endobj") == (
        "revision 1 is not plainly written PDF at byte 33: object 4's stream does not end where its length says"
    )
    assert indirect_error(b"4 0 obj << /Length 2 >> stream\nab\n\nendstream endobj") == (
        "revision 1 is not plainly written PDF at byte 33: object 4's stream does not end where its length says"
    )


# --- the chain of revisions -----------------------------------------------------------------------------------------

FREE_HEAD = b"0 1\n0000000000 65535 f \n"


def test_our_revision_alone_is_read_with_its_table_and_trailer():
    doc = Document(OURS)
    (ours_,) = doc.revisions
    assert (ours_.index, ours_.start, ours_.end, ours_.xref_at) == (0, 0, len(OURS), OURS_XREF)
    assert ours_.entries == {1: 9, 2: 58, 3: 110}
    ids = [
        String(bytes.fromhex(ID[1:-1].decode()), 0, 0),
        String(bytes.fromhex("FFEEDDCCBBAA99887766554433221100"), 0, 0),
    ]
    assert ours_.trailer == {"Size": 4, "Root": Ref(1, 0), "Info": Ref(3, 0), "ID": ids}
    assert first_revision(OURS) == OURS


def test_objects_of_our_revision_are_read_when_asked_for():
    doc = Document(OURS)
    assert doc.get(1, 0) == {"Type": "Catalog", "Pages": Ref(2, 0)}
    assert doc.get(1, 0) == {"Type": "Catalog", "Pages": Ref(2, 0)}  # again, from what was read
    assert doc.get(2, 0) == {"Type": "Pages", "Kids": [], "Count": 0}
    assert doc.get(9, 0) is None
    assert doc.resolve(Ref(2, 0), 0) == {"Type": "Pages", "Kids": [], "Count": 0}
    assert doc.resolve(Ref(9, 0), 0) is None
    assert doc.resolve(7, 0) == 7
    assert doc.resolve([Ref(2, 0)], 0) == [Ref(2, 0)]


def test_an_update_is_read_object_by_object_and_each_revision_sees_its_own_state():
    catalog = b"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>"
    once = update(OURS, [(4, b"<< /Fields [] >>"), (1, catalog)])
    twice = update(once, [(5, b"(five)"), (4, b"<< /Fields [5 0 R] >>")])
    doc = Document(twice)
    first, second = doc.revisions[1:]
    assert (first.index, first.start, first.end) == (1, len(OURS), len(once))
    assert (second.index, second.start, second.end) == (2, len(once), len(twice))
    assert first.xref_at == xref_of(once) and second.xref_at == xref_of(twice)
    assert first.entries == {4: len(OURS), 1: once.index(b"1 0 obj", len(OURS))}
    assert doc.objects[1] == {4: {"Fields": []}, 1: {"Type": "Catalog", "Pages": Ref(2, 0), "AcroForm": Ref(4, 0)}}
    assert doc.objects[2] == {5: String(b"five", 0, 0), 4: {"Fields": [Ref(5, 0)]}}
    assert doc.get(4, 0) is None
    assert doc.get(4, 1) == {"Fields": []}
    assert doc.get(4, 2) == {"Fields": [Ref(5, 0)]}
    assert doc.get(1, 2) == doc.get(1, 1) != doc.get(1, 0)
    assert doc.get(1, 0) == {"Type": "Catalog", "Pages": Ref(2, 0)}
    assert doc.get(2, 2) == {"Type": "Pages", "Kids": [], "Count": 0}
    assert doc.get(5, 1) is None
    assert doc.resolve(Ref(4, 0), 1) == {"Fields": []}
    assert [doc.existed_before(4, r) for r in (0, 1, 2)] == [False, False, True]
    assert [doc.existed_before(1, r) for r in (0, 1)] == [False, True]
    assert first_revision(twice) == OURS


def test_a_file_not_starting_like_a_pdf_is_refused():
    with pytest.raises(SignatureProblem) as caught:
        first_revision(b"%pdf-" + OURS[5:])
    assert str(caught.value) == "is not a readable PDF (it does not start with %PDF-)"


def test_running_out_of_stack_is_a_refusal_not_a_traceback():
    deep = update(OURS, [(4, nested(MAX_DEPTH))])
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 25)
    try:
        with pytest.raises(SignatureProblem) as caught:
            first_revision(deep)
    finally:
        sys.setrecursionlimit(limit)
    assert str(caught.value) == "is not a readable PDF (RecursionError)"
    assert first_revision(deep) == OURS


def test_a_file_of_50_mb_is_read_and_one_byte_more_refused():
    assert MAX_FILE_SIZE == 50_000_000
    padding = MAX_FILE_SIZE
    for _attempt in range(2):  # the second time with the startxref's digits known
        big = ours([*OBJECTS, (4, b"<< /Length %08d >>\nstream\n%s\nendstream" % (padding, b"\0" * padding))])
        padding -= len(big) - MAX_FILE_SIZE
    assert len(big) == MAX_FILE_SIZE
    assert len(Document(big).revisions) == 1
    assert refusal(big + b"\n") == "is larger than 50 MB; a signed agreement is far smaller"


def test_bytes_after_the_last_eof_are_refused():
    sentence = "does not end with its last revision's 'startxref' and '%%EOF' (bytes follow it)"
    assert refusal(OURS + b"\n") == sentence
    assert refusal(OURS + b" ") == sentence
    assert refusal(OURS + b"%%EOF\n") == sentence
    assert refusal(b"%PDF-1.7\n") == sentence
    assert refusal(OURS.replace(b"%%EOF", b"%%EOF ")) == sentence
    assert len(Document(OURS[:-1]).revisions) == 1  # %%EOF with or without one line end
    assert Document(OURS[:-1] + b"\r\n").revisions[0].end == len(OURS) + 1
    assert Document(OURS[:-1] + b"\r").revisions[0].end == len(OURS)
    assert Document(OURS.replace(b"startxref\n", b"startxref\r\n")).revisions[0].xref_at == OURS_XREF


def test_a_copied_last_tail_after_appended_bytes_is_refused():
    forged = OURS + b"junk\nstartxref\n%d\n%%%%EOF\n" % OURS_XREF
    assert refusal(forged) == "has bytes after its last %%EOF"


def test_a_startxref_not_pointing_at_an_xref_table_is_refused():
    forged = OURS[: OURS.rindex(b"startxref")] + b"startxref\n9\n%%EOF\n"
    assert refusal(forged) == "has a revision whose cross-reference (at byte 9) is not a plain 'xref' table"
    assert refusal(b"startxref\n0\n%%EOF\n") == (
        "has a revision whose cross-reference (at byte 0) is not a plain 'xref' table"
    )


def test_eight_revisions_after_ours_are_read_and_a_ninth_refused():
    assert MAX_UPDATES == 8
    pdf = OURS
    for num in range(4, 4 + MAX_UPDATES):
        pdf = update(pdf, [(num, b"%d" % num)])
    doc = Document(pdf)
    assert [r.index for r in doc.revisions] == list(range(MAX_UPDATES + 1))
    assert doc.get(11, MAX_UPDATES) == 11
    assert refusal(update(pdf, [(99, b"1")])) == "has more than 8 revisions after ours"


def test_a_prev_loop_is_refused():
    sentence = "has revisions that do not follow each other (a /Prev loop or jump)"
    assert refusal(appended(OURS, b"", FREE_HEAD, prev=len(OURS))) == sentence  # its own table
    once = update(OURS, [(4, b"1")])
    assert refusal(appended(once, b"", FREE_HEAD, prev=len(once) + 5)) == sentence  # forward, past itself
    # revision 1 points back at revision 2: the chain would go round
    first = appended(OURS, b"", FREE_HEAD, prev=len(OURS) + 200)
    pad = len(OURS) + 200 - len(first)
    assert pad > 0
    looped = appended(first + b" " * pad, b"", FREE_HEAD, prev=xref_of(first))
    assert xref_of(looped) == len(OURS) + 200
    assert refusal(looped) == sentence


def test_a_prev_that_is_not_a_byte_offset_is_refused():
    for prev in (b"(157)", b"true", b"157.0", b"157 0 R"):
        trailer = b"<< /Size 4 %s /Prev %s >>" % (TRAILER, prev)
        assert refusal(appended(OURS, b"", FREE_HEAD, trailer)) == "has a revision whose /Prev is not a byte offset"


def test_an_update_that_writes_nothing_is_read():
    doc = Document(appended(OURS, b"", FREE_HEAD))
    assert len(doc.revisions) == 2 and doc.objects[1] == {}
    assert doc.revisions[1].xref_at == doc.revisions[1].start == len(OURS)


def test_a_revision_hidden_inside_our_trailer_is_refused():
    """A table and trailer inside a string of our trailer: a reader following /Prev finds a revision there."""
    hidden = b"xref\ntrailer\n<< /Prev %d >>\nstartxref\n%%010d\n%%%%EOF\n" % OURS_XREF
    shell = ours(trailer=TRAILER + b" /Note (" + hidden + b")")
    at = shell.index(b"(xref") + 1
    ours_with_hidden = shell.replace(b"%010d", b"%010d" % at)
    forged = appended(ours_with_hidden, b"", FREE_HEAD, prev=at)
    assert refusal(forged) == "revision 1 is not written after revision 0"


# --- one revision's table ---------------------------------------------------------------------------------------------


def test_table_lines_may_end_in_each_of_the_three_ways():
    for ending in (b" \r", b"\r\n"):
        variant = OURS.replace(b" n \n", b" n" + ending).replace(b" f \n", b" f" + ending)
        assert Document(variant).revisions[0].entries == {1: 9, 2: 58, 3: 110}
    crlf = OURS.replace(b"xref\n0 1\n", b"xref\r\n0 1 \r\n").replace(b"\n1 1\n", b"\n1 1\t\r")
    assert Document(crlf).revisions[0].entries == {1: 9, 2: 58, 3: 110}
    whole = OURS.replace(b"\n1 1\n", b"\n1 3\n").replace(b"\n2 1\n", b"\n").replace(b"\n3 1\n", b"\n")
    assert Document(whole).revisions[0].entries == {1: 9, 2: 58, 3: 110}  # one subsection for all three


def test_a_malformed_table_entry_is_refused_naming_its_byte():
    forged = OURS.replace(b"0000000058 00000 n \n", b"0000000058 00000 n\n ")
    at = OURS.index(b"0000000058")
    assert refusal(forged) == f"has a malformed cross-reference entry at byte {at}"
    short = OURS.replace(b"0000000058 00000 n \n", b"000000058 000000 n \n")
    assert refusal(short) == f"has a malformed cross-reference entry at byte {at}"


def test_a_section_of_200000_entries_is_counted_and_one_more_refused():
    assert MAX_OBJECTS * 40 == 200_000
    for count, sentence in (
        (200_001, "has a cross-reference section of 200001 entries"),
        (200_000, "has a malformed cross-reference entry at byte {at}"),
    ):
        table = FREE_HEAD + b"4 %d\n" % count
        forged = appended(OURS, b"", table)
        at = len(OURS) + len(b"xref\n") + len(table)
        assert refusal(forged) == sentence.format(at=at)


def test_an_object_twice_in_one_table_is_refused():
    sentence = "lists object 4 twice in one cross-reference section (readers disagree which counts)"
    body = b"4 0 obj\n1\nendobj\n"
    twice = appended(OURS, body, FREE_HEAD + entry(4, len(OURS)) + entry(4, len(OURS)))
    assert refusal(twice) == sentence
    both = appended(
        OURS, body, FREE_HEAD + entry(4, len(OURS)) + b"3 2\n0000000110 00000 n \n%010d 00000 n \n" % len(OURS)
    )
    assert refusal(both) == sentence


def test_a_generation_other_than_0_is_refused():
    forged = appended(OURS, b"4 1 obj\n1\nendobj\n", FREE_HEAD + entry(4, len(OURS), gen=1))
    assert refusal(forged) == "gives object 4 generation 1; signing writes generation 0"


def test_free_entries_other_than_the_list_head_are_refused():
    for table, num in (
        (FREE_HEAD + entry(4, 0, 65535, b"f"), 4),
        (b"0 1\n0000000000 00000 f \n", 0),
        (b"0 1\n0000000005 65535 f \n", 0),
        (b"0 1\n0000000000 65534 f \n", 0),
        (b"1 1\n0000000000 65535 f \n", 1),
    ):
        sentence = f"marks object {num} as deleted (a free-list entry), which signing never does"
        assert refusal(appended(OURS, b"", table)) == sentence


def test_a_table_without_its_trailer_is_refused():
    forged = OURS.replace(b"trailer\n", b"trailor\n")
    at = OURS.index(b"trailer")
    assert refusal(forged) == f"the file is not plainly written PDF at byte {at}: 'trailer' expected"
    glued = OURS.replace(b"trailer\n<<", b"trailerx<<")
    assert refusal(glued) == f"the file is not plainly written PDF at byte {at}: 'trailer' expected"
    assert Document(OURS.replace(b"trailer\n<<", b"trailer<<")).revisions[0].trailer["Size"] == 4


def test_a_trailer_that_is_not_a_dictionary_is_refused():
    start, end = OURS.index(b"<< /Size"), OURS.index(b">>\nstartxref") + 2
    forged = OURS[:start] + b"[ /Size 4 ]".ljust(end - start) + OURS[end:]
    assert refusal(forged) == "has a trailer that is not a dictionary"


def test_a_table_whose_startxref_points_elsewhere_is_refused():
    once = update(OURS, [(4, b"1")])
    at = xref_of(once)
    sentence = f"has a revision whose 'startxref' does not point at its table (byte {at})"
    wrong = once[: once.rindex(b"startxref")] + b"startxref\n%d\n%%EOF\n" % (at + 1)
    assert refusal(appended(wrong, b"", FREE_HEAD, prev=at)) == sentence
    no_tail = once[: once.rindex(b"startxref")] + b"startxref\n%d\n%%EOX\n" % at
    assert refusal(appended(no_tail, b"", FREE_HEAD, prev=at)) == sentence


# --- the objects of a revision after ours -----------------------------------------------------------------------------


def test_trailer_entries_signing_never_writes_are_refused():
    trailer = b"<< /Size 4 %s /Prev %d /XRefStm 0 /Encrypt 5 0 R >>" % (TRAILER, OURS_XREF)
    assert refusal(appended(OURS, b"", FREE_HEAD, trailer)) == (
        "revision 1 has trailer entries signing never writes: /Encrypt, /XRefStm"
    )


def test_a_trailer_pointing_at_another_root_or_info_is_refused():
    for trailer, key in (
        (b"/Root 2 0 R /Info 3 0 R /ID " + IDS, "Root"),
        (b"/Info 3 0 R /ID " + IDS, "Root"),
        (b"/Root 1 0 R /Info 1 0 R /ID " + IDS, "Info"),
        (b"/Root 1 0 R /ID " + IDS, "Info"),
    ):
        forged = appended(OURS, b"", FREE_HEAD, b"<< /Size 4 %s /Prev %d >>" % (trailer, OURS_XREF))
        assert refusal(forged) == f"revision 1 points the document at another /{key}"


def test_a_changed_first_identifier_is_refused_and_a_new_second_one_read():
    def with_ids(ids: bytes) -> bytes:
        return appended(OURS, b"", FREE_HEAD, b"<< /Size 4 /Root 1 0 R /Info 3 0 R %s /Prev %d >>" % (ids, OURS_XREF))

    assert len(Document(with_ids(b"/ID [%s <01>]" % ID)).revisions) == 2
    sentence = "revision 1 changes the document's identifier (/ID)"
    for ids in (b"", b"/ID [<01> <01>]", b"/ID [%s]" % ID, b"/ID [%s <01> <02>]" % ID, b"/ID %s" % ID):
        assert refusal(with_ids(ids)) == sentence
    no_ids = ours(trailer=b"/Root 1 0 R /Info 3 0 R")
    forged = appended(no_ids, b"", FREE_HEAD, b"<< /Size 4 %s /Prev %d >>" % (TRAILER, xref_of(no_ids)))
    assert refusal(forged) == sentence


def test_objects_beyond_the_size_are_refused():
    assert len(Document(update(OURS, [(4, b"1")], size=5)).revisions) == 2
    sentence = "revision 1 has objects beyond its /Size"
    assert refusal(update(OURS, [(4, b"1")], size=4)) == sentence
    for size in (b"", b"/Size (9)", b"/Size 9.0"):
        forged = appended(OURS, b"", FREE_HEAD, b"<< %s %s /Prev %d >>" % (size, TRAILER, OURS_XREF))
        assert refusal(forged) == sentence


def test_an_entry_outside_its_revisions_bytes_is_refused():
    body = b"4 0 obj\n1\nendobj\n"
    xref_at = len(OURS) + len(body)
    for offset in (9, len(OURS) - 1, xref_at, xref_at + 30):
        forged = appended(OURS, body, FREE_HEAD + entry(4, len(OURS)) + entry(5, offset))
        assert refusal(forged) == (
            "revision 1's cross-reference entry for object 5 points outside its own bytes (into an earlier revision)"
        )


def test_bytes_no_entry_names_are_refused():
    two = b"4 0 obj\n1\nendobj\n5 0 obj\n2\nendobj\n"
    forged = appended(OURS, two, FREE_HEAD + entry(4, len(OURS)))
    at = len(OURS) + two.index(b"5 0 obj")
    assert refusal(forged) == (
        f"revision 1 has bytes at {at} that no cross-reference entry names (an object outside the revision)"
    )
    junk = appended(OURS, b"junk\n4 0 obj\n1\nendobj\n", FREE_HEAD + entry(4, len(OURS) + 5))
    assert refusal(junk) == (
        f"revision 1 has bytes at {len(OURS)} that no cross-reference entry names (an object outside the revision)"
    )
    spaced = appended(OURS, b"\n\r\n4 0 obj\n1\nendobj\n \n", FREE_HEAD + entry(4, len(OURS) + 3))
    assert Document(spaced).get(4, 1) == 1


def test_an_entry_pointing_at_another_object_is_refused():
    two = b"4 0 obj\n1\nendobj\n5 0 obj\n2\nendobj\n"
    swapped = appended(OURS, two, FREE_HEAD + entry(5, len(OURS)) + entry(4, len(OURS) + two.index(b"5 0 obj")))
    assert refusal(swapped) == "revision 1's cross-reference entry for object 5 points at object 4 0 instead"
    other_gen = appended(OURS, b"4 1 obj\n1\nendobj\n", FREE_HEAD + entry(4, len(OURS)))
    assert refusal(other_gen) == "revision 1's cross-reference entry for object 4 points at object 4 1 instead"


def test_an_object_that_is_not_plainly_written_is_refused_naming_its_revision_and_byte():
    once = update(OURS, [(4, b"1")])
    body = b"4 0 obj\n<< /A 1 /A 2 >>\nendobj\n"
    forged = appended(once, body, FREE_HEAD + entry(4, len(once)))
    at = len(once) + body.index(b" 2 >>")
    assert refusal(forged) == f"revision 2 is not plainly written PDF at byte {at}: the key /A twice in one dictionary"


def test_an_object_reaching_over_its_revisions_table_is_refused():
    """Object 4's string holds the revision's own table: the objects end after the table starts."""
    start = len(OURS)
    head = b"4 0 obj\n("
    xref_at = start + len(head)
    table = b"xref\n" + FREE_HEAD + entry(4, start)
    tail_ = b"trailer\n<< /Size 9 %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (TRAILER, OURS_XREF, xref_at)
    first = OURS + head + table + tail_ + b")\nendobj\n"
    forged = appended(first, b"", FREE_HEAD, prev=xref_at)
    assert refusal(forged) == "revision 1 has bytes between its objects and its table"


def test_an_entry_of_our_revision_pointing_at_another_object_is_refused_when_read():
    forged = OURS.replace(b"0000000110 00000 n", b"0000000058 00000 n")
    doc = Document(forged)
    with pytest.raises(StructureProblem) as caught:
        doc.get(3, 0)
    assert str(caught.value) == "our revision's entry for object 3 points at another object"
    generation = Document(OURS.replace(b"3 0 obj", b"3 1 obj"))
    with pytest.raises(StructureProblem) as caught:
        generation.get(3, 0)
    assert str(caught.value) == "our revision's entry for object 3 points at another object"


def test_an_object_of_our_revision_is_read_within_our_revision_only():
    """Our object 3 is an unclosed string; the update's bytes would close it, but they are not ours."""
    shell = ours([*OBJECTS[:2], (3, b"(")])
    body = b"4 0 obj\n(\\()\nendobj\n"
    doc = Document(appended(shell, body, FREE_HEAD + entry(4, len(shell))))
    assert doc.get(4, 1) == String(b"(", 0, 0)
    with pytest.raises(StructureProblem) as caught:
        doc.get(3, 1)
    assert (
        str(caught.value)
        == f"our revision is not plainly written PDF at byte {shell.index(b'(')}: a string without its end"
    )


def test_five_thousand_objects_in_one_update_are_read_and_one_more_refused():
    assert MAX_OBJECTS == 5_000
    objects = [(num, b"null") for num in range(4, 4 + MAX_OBJECTS)]
    assert len(Document(update(OURS, objects)).objects[1]) == MAX_OBJECTS
    too_many = update(OURS, [*objects, (4 + MAX_OBJECTS, b"null")])
    assert refusal(too_many) == "revision 1 writes more than 5000 objects"


# --- the expensive limits last (a mutation run stops at the first failing test) ----------------------------------


def test_an_object_of_200000_values_is_read_and_one_more_value_refused():
    assert MAX_ITEMS == 200_000
    # the array counts itself: 1 + 199,999 values
    within = b"1 0 obj\n[" + b"0 " * (MAX_ITEMS - 1) + b"]\nendobj\n"
    num, gen, value, _end = Parser(within, "x").indirect(0)
    assert (num, gen, len(value)) == (1, 0, MAX_ITEMS - 1)
    beyond = b"1 0 obj\n[" + b"0 " * MAX_ITEMS + b"]\nendobj\n"
    with pytest.raises(StructureProblem) as caught:
        Parser(beyond, "revision 1").indirect(0)
    at = 9 + 2 * (MAX_ITEMS - 1)
    assert (
        str(caught.value)
        == f"revision 1 is not plainly written PDF at byte {at}: more than 200000 values in one object"
    )
