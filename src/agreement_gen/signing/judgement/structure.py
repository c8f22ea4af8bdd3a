"""Every revision read strictly, with our own parser, so no two PDF readers can see different documents.

Forgeries of signed PDFs live in the room the PDF syntax leaves to readers: two entries for one object
in a cross-reference section (pyHanko keeps the last, qpdf and poppler the first), entries pointing at
other objects or into earlier revisions, objects no cross-reference names, bytes after the last %%EOF,
free-list games. A revision after ours is taken only when it is written the one unambiguous way
signing software writes it:

- the file ends with `%%EOF` (and one line end); each revision is a run of `N 0 obj … endobj`
  objects, one classic `xref` table, a trailer, `startxref` pointing at that table, `%%EOF`;
- every in-use entry of a revision's table points at the start of exactly that object, inside that
  revision's own bytes, and every object in those bytes has exactly one entry; no object twice in
  one table; no free entries but the list head (object 0); generation 0 only;
- the trailer's /Prev is the previous revision's table; /Root, /Info and the first /ID are ours;
- no comments, no duplicate dictionary keys, no indirect stream lengths; limits on size, number of
  revisions and objects, nesting depth and stream lengths, so a hostile file costs bounded time.

Our own revision (the first) is compared byte for byte with the build we sent, so it is parsed the
same way but only as far as the objects the later revisions are compared with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from agreement_gen.i18n import _
from agreement_gen.signing.judgement.problems import SignatureProblem

MAX_FILE_SIZE = 50_000_000  # bytes; an agreement with two signatures has about 120 kB
MAX_UPDATES = 8  # revisions after ours: two signatures, validation data, document timestamps
MAX_OBJECTS = 5_000  # objects in one revision after ours (a signature brings about ten)
MAX_DEPTH = 32  # arrays and dictionaries inside each other (a signature needs 4)
MAX_ITEMS = 200_000  # values in one object

WHITESPACE = b"\x00\t\n\x0c\r "
DELIMITERS = b"()<>[]{}/%"
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_INT = re.compile(rb"\d+")
_OCTAL = re.compile(rb"[0-7]{1,3}")  # an escape takes at most three digits
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")
_SUBSECTION = re.compile(rb"(\d+) (\d+)[ \t]*(?:\r\n|\n|\r)")
_TAIL = re.compile(rb"startxref(?:\r\n|\n|\r)(\d+)(?:\r\n|\n|\r)%%EOF(\r\n|\n|\r)?")


class StructureProblem(SignatureProblem):
    """The file is not written the one way every reader understands alike."""


class Name(str):
    """A PDF name, without its slash."""


@dataclass(frozen=True)
class Ref:
    num: int
    gen: int


@dataclass(frozen=True)
class String:
    value: bytes
    start: int  # offset of its opening delimiter
    end: int  # offset after its closing delimiter

    def __eq__(self, other: object) -> bool:
        return isinstance(other, String) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass(frozen=True)
class Stream:
    dictionary: dict[Name, Any]
    data: bytes  # as stored (still encoded)


@dataclass
class Revision:
    xref_at: int
    index: int = 0  # 0: ours; numbered once the whole chain is known
    start: int = 0  # the previous revision's end
    end: int = 0  # offset after its %%EOF line
    entries: dict[int, int] = field(default_factory=dict)  # object number → offset (in-use entries)
    trailer: dict[Name, Any] = field(default_factory=dict)


class Parser:
    """PDF objects from bytes, strictly; positions are absolute offsets into the whole file."""

    def __init__(self, data: bytes, where: str):
        self.data = data
        self.where = where
        self.items = 0

    def fail(self, at: int, what: str) -> StructureProblem:
        return StructureProblem(
            _("{where} is not plainly written PDF at byte {at}: {what}").format(where=self.where, at=at, what=what)
        )

    def skip(self, at: int) -> int:
        data = self.data
        while at < len(data) and data[at] in WHITESPACE:
            at += 1
        if at < len(data) and data[at] == ord("%"):
            raise self.fail(at, _("a comment inside the objects"))
        return at

    def keyword(self, at: int, word: bytes) -> int:
        at = self.skip(at)
        end = at + len(word)
        if self.data[at:end] != word or (end < len(self.data) and self._regular(end)):
            raise self.fail(at, _("'{decode}' expected").format(decode=word.decode()))
        return end

    def _regular(self, at: int) -> bool:
        byte = self.data[at]
        return byte not in WHITESPACE and byte not in DELIMITERS

    def value(self, at: int, depth: int = 0) -> tuple[Any, int]:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise self.fail(at, _("more than {MAX_ITEMS} values in one object").format(MAX_ITEMS=MAX_ITEMS))
        if depth > MAX_DEPTH:
            raise self.fail(
                at, _("arrays or dictionaries nested more than {MAX_DEPTH} deep").format(MAX_DEPTH=MAX_DEPTH)
            )
        at = self.skip(at)
        data = self.data
        if at >= len(data):
            raise self.fail(at, _("the object is cut off"))
        lead = data[at : at + 2]
        if lead == b"<<":
            return self._dictionary(at + 2, depth)
        if lead[:1] == b"<":
            return self._hex(at)
        if lead[:1] == b"[":
            items: list[Any] = []
            at += 1
            while True:
                at = self.skip(at)
                if data[at : at + 1] == b"]":
                    return items, at + 1
                item, at = self.value(at, depth + 1)
                items.append(item)
        if lead[:1] == b"(":
            return self._literal(at)
        if lead[:1] == b"/":
            return self._name(at)
        for word, result in ((b"true", True), (b"false", False), (b"null", None)):
            if data.startswith(word, at) and (at + len(word) >= len(data) or not self._regular(at + len(word))):
                return result, at + len(word)
        match = _NUMBER.match(data, at)
        if match is None or (match.end() < len(data) and self._regular(match.end())):
            raise self.fail(at, _("an unknown token"))
        text = match.group()
        if _INT.fullmatch(text):  # maybe "N G R"
            ref = re.compile(rb"\s+(\d+)\s+R").match(data, match.end())
            if ref is not None and (ref.end() >= len(data) or not self._regular(ref.end())):
                return Ref(int(text), int(ref.group(1))), ref.end()
        if len(text) > 32:
            raise self.fail(at, _("a number of more than 32 digits"))
        return (float(text) if b"." in text else int(text)), match.end()

    def _dictionary(self, at: int, depth: int) -> tuple[dict[Name, Any], int]:
        result: dict[Name, Any] = {}
        while True:
            at = self.skip(at)
            if self.data[at : at + 2] == b">>":
                return result, at + 2
            if self.data[at : at + 1] != b"/":
                raise self.fail(at, _("a dictionary key that is not a name"))
            key, at = self._name(at)
            if key in result:
                raise self.fail(at, _("the key /{key} twice in one dictionary").format(key=key))
            result[key], at = self.value(at, depth + 1)

    def _name(self, at: int) -> tuple[Name, int]:
        end = at + 1
        while end < len(self.data) and self._regular(end):
            end += 1
        raw = self.data[at + 1 : end]
        try:
            text = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(at, _("a name that is not UTF-8")) from exc
        return Name(text), end

    def _hex(self, at: int) -> tuple[String, int]:
        end = self.data.find(b">", at)
        if end < 0:
            raise self.fail(at, _("a hex string without its end"))
        digits = bytes(b for b in self.data[at + 1 : end] if b not in WHITESPACE)
        if not re.fullmatch(rb"[0-9A-Fa-f]*", digits):
            raise self.fail(at, _("a hex string with other characters"))
        if len(digits) % 2:
            digits += b"0"
        return String(bytes.fromhex(digits.decode()), at, end + 1), end + 1

    def _literal(self, at: int) -> tuple[String, int]:
        data, out, depth, pos = self.data, bytearray(), 1, at + 1
        escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
        while pos < len(data):
            byte = data[pos]
            if byte == ord("\\"):
                pos += 1
                if pos >= len(data):
                    break  # a backslash as the last byte: the string has no end
                nxt = data[pos]
                if nxt in escapes:
                    out += escapes[nxt]
                    pos += 1
                elif ord("0") <= nxt <= ord("7"):
                    digits = _OCTAL.match(data, pos)
                    assert digits is not None
                    out.append(int(digits.group(), 8) & 0xFF)
                    pos += len(digits.group())
                elif nxt in (ord("\r"), ord("\n")):
                    pos += 2 if data[pos : pos + 2] == b"\r\n" else 1
                else:
                    out.append(nxt)
                    pos += 1
                continue
            if byte == ord("("):
                depth += 1
            elif byte == ord(")"):
                depth -= 1
                if depth == 0:
                    return String(bytes(out), at, pos + 1), pos + 1
            out.append(byte)
            pos += 1
        raise self.fail(at, _("a string without its end"))

    def indirect(self, at: int) -> tuple[int, int, Any, int]:
        """`N G obj … endobj` at `at`: (number, generation, value, offset after endobj)."""
        match = re.compile(rb"(\d+) (\d+) obj").match(self.data, at)
        if match is None:
            raise self.fail(at, _("an object ('N 0 obj') expected"))
        self.items = 0
        num, gen = int(match.group(1)), int(match.group(2))
        value, pos = self.value(match.end())
        pos = self.skip(pos)
        if self.data.startswith(b"stream", pos):
            value, pos = self._stream(value, pos + len(b"stream"), num)
        return num, gen, value, self.keyword(pos, b"endobj")

    def _stream(self, dictionary: Any, pos: int, num: int) -> tuple[Stream, int]:
        if not isinstance(dictionary, dict):
            raise self.fail(pos, _("object {num} has a stream without a dictionary").format(num=num))
        if self.data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif self.data[pos : pos + 1] == b"\n":
            pos += 1
        else:
            raise self.fail(pos, _("object {num}'s stream does not start on a new line").format(num=num))
        length = dictionary.get(Name("Length"))
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise self.fail(pos, _("object {num}'s stream length is not a plain number").format(num=num))
        if length > len(self.data) - pos:
            raise self.fail(
                pos,
                _("object {num} declares a stream of {length} bytes, more than the file holds").format(
                    num=num, length=length
                ),
            )
        end = pos + length
        after = end + (2 if self.data[end : end + 2] == b"\r\n" else 1 if self.data[end : end + 1] in b"\r\n" else 0)
        if not self.data.startswith(b"endstream", after):
            raise self.fail(end, _("object {num}'s stream does not end where its length says").format(num=num))
        return Stream(dictionary, self.data[pos:end]), after + len(b"endstream")


class Document:
    """The revisions of a file and their objects, read strictly."""

    def __init__(self, content: bytes):
        if len(content) > MAX_FILE_SIZE:
            raise StructureProblem(
                _("is larger than {value} MB; a signed agreement is far smaller").format(
                    value=MAX_FILE_SIZE // 1_000_000
                )
            )
        self.content = content
        self.revisions = self._revisions()
        self.objects: list[dict[int, Any]] = [{} for _revision in self.revisions]  # per revision: the objects it wrote
        for revision in self.revisions[1:]:
            self._read_update(revision)

    # --- the chain of revisions ---------------------------------------------------------------------------------

    def _revisions(self) -> list[Revision]:
        content = self.content
        match = _TAIL.fullmatch(content, max(content.rfind(b"startxref"), 0))  # none at all: no match from 0 either
        if match is None:
            raise StructureProblem(_("does not end with its last revision's 'startxref' and '%%EOF' (bytes follow it)"))
        chain: list[Revision] = []
        offset: int | None = int(match.group(1))
        while offset is not None:
            if len(chain) > MAX_UPDATES:
                raise StructureProblem(
                    _("has more than {MAX_UPDATES} revisions after ours").format(MAX_UPDATES=MAX_UPDATES)
                )
            if chain and offset >= chain[-1].xref_at:  # each table lies before the one naming it: no loop
                raise StructureProblem(_("has revisions that do not follow each other (a /Prev loop or jump)"))
            revision = self._xref(offset)
            chain.append(revision)
            prev = revision.trailer.get(Name("Prev"))
            if prev is not None and (not isinstance(prev, int) or isinstance(prev, bool)):
                raise StructureProblem(_("has a revision whose /Prev is not a byte offset"))
            offset = prev
        chain.reverse()
        for index, revision in enumerate(chain):
            revision.index = index
            revision.start = chain[index - 1].end if index else 0
        if chain[-1].end != len(content):
            raise StructureProblem(_("has bytes after its last %%EOF"))
        for before, after in pairwise(chain):
            if after.xref_at < after.start:
                raise StructureProblem(
                    _("revision {index} is not written after revision {index2}").format(
                        index=after.index, index2=before.index
                    )
                )
        return chain

    def _xref(self, offset: int) -> Revision:
        content = self.content
        if not content.startswith(b"xref", offset):
            raise StructureProblem(
                _("has a revision whose cross-reference (at byte {offset}) is not a plain 'xref' table").format(
                    offset=offset
                )
            )
        pos = offset + 4
        pos += 2 if content[pos : pos + 2] == b"\r\n" else 1
        revision = Revision(xref_at=offset)
        seen: set[int] = set()
        while True:
            sub = _SUBSECTION.match(content, pos)
            if sub is None:
                break
            first, count = int(sub.group(1)), int(sub.group(2))
            if count > MAX_OBJECTS * 40:
                raise StructureProblem(_("has a cross-reference section of {count} entries").format(count=count))
            pos = sub.end()
            for num in range(first, first + count):
                entry = _XREF_ENTRY.match(content, pos)
                if entry is None:
                    raise StructureProblem(_("has a malformed cross-reference entry at byte {pos}").format(pos=pos))
                pos = entry.end()
                if num in seen:
                    raise StructureProblem(
                        _(
                            "lists object {num} twice in one cross-reference section (readers disagree which counts)"
                        ).format(num=num)
                    )
                seen.add(num)
                where, gen, kind = int(entry.group(1)), int(entry.group(2)), entry.group(3)
                if kind == b"n":
                    revision.entries[num] = where
                    if gen != 0:
                        raise StructureProblem(
                            _("gives object {num} generation {gen}; signing writes generation 0").format(
                                num=num, gen=gen
                            )
                        )
                elif (num, where, gen) != (0, 0, 65535):
                    raise StructureProblem(
                        _("marks object {num} as deleted (a free-list entry), which signing never does").format(num=num)
                    )
        parser = Parser(content, "the file")
        pos = parser.keyword(pos, b"trailer")
        trailer, pos = parser.value(pos)
        if not isinstance(trailer, dict):
            raise StructureProblem(_("has a trailer that is not a dictionary"))
        revision.trailer = trailer
        pos = parser.skip(pos)
        tail = _TAIL.match(content, pos)
        if tail is None or int(tail.group(1)) != offset:
            raise StructureProblem(
                _("has a revision whose 'startxref' does not point at its table (byte {offset})").format(offset=offset)
            )
        revision.end = tail.end()
        return revision

    # --- the objects of a revision after ours -------------------------------------------------------------------

    def _read_update(self, revision: Revision) -> None:
        ours = self.revisions[0].trailer
        where = f"revision {revision.index}"
        keys = set(revision.trailer) - {"Size", "Root", "Info", "ID", "Prev"}
        if keys:
            raise StructureProblem(
                _("{where} has trailer entries signing never writes: /{items}").format(
                    where=where, items=", /".join(sorted(keys))
                )
            )
        for key in ("Root", "Info"):
            if revision.trailer.get(Name(key)) != ours.get(Name(key)):
                raise StructureProblem(_("{where} points the document at another /{key}").format(where=where, key=key))
        ids, our_ids = revision.trailer.get(Name("ID")), ours.get(Name("ID"))
        if not (isinstance(ids, list) and isinstance(our_ids, list) and ids[:1] == our_ids[:1] and len(ids) == 2):
            raise StructureProblem(_("{where} changes the document's identifier (/ID)").format(where=where))
        # its /Prev is the previous revision's table: _revisions found the revisions by following it
        size = revision.trailer.get(Name("Size"))
        if len(revision.entries) > MAX_OBJECTS:
            raise StructureProblem(
                _("{where} writes more than {MAX_OBJECTS} objects").format(where=where, MAX_OBJECTS=MAX_OBJECTS)
            )
        if not isinstance(size, int) or any(num >= size for num in revision.entries):
            raise StructureProblem(_("{where} has objects beyond its /Size").format(where=where))
        for num, offset in revision.entries.items():
            if not revision.start <= offset < revision.xref_at:
                raise StructureProblem(
                    _(
                        "{where}'s cross-reference entry for object {num} points outside its own bytes (into an "
                        "earlier revision)"
                    ).format(where=where, num=num)
                )
        parser = Parser(self.content, where)
        by_offset = {offset: num for num, offset in revision.entries.items()}
        written = self.objects[revision.index]
        pos = parser.skip(revision.start)
        while pos < revision.xref_at:
            if pos not in by_offset:
                raise StructureProblem(
                    _(
                        "{where} has bytes at {pos} that no cross-reference entry names (an object outside the "
                        "revision)"
                    ).format(where=where, pos=pos)
                )
            named = by_offset[pos]
            num, gen, value, pos = parser.indirect(pos)
            if (num, gen) != (named, 0):
                raise StructureProblem(
                    _("{where}'s cross-reference entry for object {named} points at object {num} {gen} instead").format(
                        where=where, named=named, num=num, gen=gen
                    )
                )
            written[num] = value
            pos = parser.skip(pos)
        if pos != revision.xref_at:
            raise StructureProblem(_("{where} has bytes between its objects and its table").format(where=where))

    # --- looking objects up -------------------------------------------------------------------------------------

    def get(self, num: int, revision: int) -> Any:
        """Object `num` as the document stands after `revision` (None when it does not exist)."""
        for index in range(revision, 0, -1):
            if num in self.objects[index]:
                return self.objects[index][num]
        cache = self.objects[0]
        if num not in cache:
            offset = self.revisions[0].entries.get(num)
            if offset is None:
                return None
            got, gen, value, _end = Parser(self.content[: self.revisions[0].end], "our revision").indirect(offset)
            if (got, gen) != (num, 0):
                raise StructureProblem(
                    _("our revision's entry for object {num} points at another object").format(num=num)
                )
            cache[num] = value
        return cache[num]

    def resolve(self, value: Any, revision: int) -> Any:
        return self.get(value.num, revision) if isinstance(value, Ref) else value

    def existed_before(self, num: int, revision: int) -> bool:
        return any(num in self.revisions[i].entries for i in range(revision))
