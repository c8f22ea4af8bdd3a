"""Hand-written incremental updates, as a forger writes them: raw objects, a cross-reference table of our
choosing (duplicates, wrong offsets, entries into earlier revisions) and a trailer chained to the file."""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

import pikepdf


@dataclass(frozen=True)
class Tail:
    """What an update must chain to: the last revision's table and trailer entries."""

    prev: int
    size: int
    trailer: bytes  # /Root, /Info and /ID as the last trailer has them


def tail(pdf: bytes) -> Tail:
    prev = int(re.findall(rb"startxref\s+(\d+)\s+%%EOF", pdf)[-1])
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root, info = doc.trailer.Root.objgen, doc.trailer.Info.objgen
        ids = doc.trailer.ID
        size = int(doc.trailer.Size)
        id_text = b"[<" + bytes(ids[0]).hex().encode() + b"><" + bytes(ids[1]).hex().encode() + b">]"
    return Tail(prev, size, b"/Root %d 0 R /Info %d 0 R /ID %s" % (root[0], info[0], id_text))


def update(
    pdf: bytes,
    objects: list[tuple[int, bytes]],
    extra_entries: list[tuple[int, int]] = (),  # type: ignore[assignment]
    size: int | None = None,
) -> bytes:
    """`pdf` plus one revision writing `objects` (number, body between 'obj' and 'endobj').

    The table gets one entry per object, then `extra_entries` (number, offset) – a forger's additions.
    """
    last = tail(pdf)
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    entries: list[tuple[int, int]] = []
    for num, body in objects:
        entries.append((num, len(out)))
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    entries += list(extra_entries)
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num, offset in entries:
        out += b"%d 1\n%010d 00000 n \n" % (num, offset)
    highest = max([last.size - 1, *(num for num, _ in entries)])
    out += b"trailer\n<< /Size %d %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size or highest + 1,
        last.trailer,
        last.prev,
        xref_at,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    body = zlib.compress(data) if compress else data
    flate = b"/Filter /FlateDecode " if compress else b""
    return b"<< %s/Length %d %s>>\nstream\n%s\nendstream" % (flate, len(body), extra, body)


def object_body(pdf: bytes, num: int) -> bytes:
    """An object as the file has it now, re-serialised (its stream decoded and compressed again)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        obj = doc.get_object((num, 0))
        if isinstance(obj, pikepdf.Stream):
            data = obj.read_bytes()
            keys = {k: v for k, v in obj.items() if k not in ("/Length", "/Filter", "/DecodeParms")}
            extra = b" ".join(k.encode() + b" " + v.unparse() for k, v in keys.items())
            return stream(data, extra + b" " if extra else b"")
        return obj.unparse(resolved=True)


def offset_of(pdf: bytes, num: int) -> int:
    """Where the file's newest copy of object `num` starts (for entries pointing back into earlier revisions)."""
    return [m.start() for m in re.finditer(rb"(?<![0-9])%d 0 obj" % num, pdf)][-1]


def page_objects(pdf: bytes) -> list[tuple[int, int]]:
    """Per page: (page object, content stream object)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [(page.obj.objgen[0], page.obj.Contents.objgen[0]) for page in doc.pages]


def appearance_of(pdf: bytes, field: str) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        widget = next(f for f in doc.Root.AcroForm.Fields if str(f.T) == field)
        return widget.AP.N.objgen[0]


BLACK_BOX = b"\nq 0 0 0 rg 100 400 300 60 re f Q\n"  # what a forger draws: here simply a black box
