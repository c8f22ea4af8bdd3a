"""Characters the PDF prints as empty boxes, because no installed font has them.

LibreOffice falls back through the installed fonts for a character Liberation Sans lacks
(DejaVu has Arabic, Hebrew, Greek, Cyrillic, …); when none has it, it prints the font's
".notdef" glyph, an empty box, and still maps the code to the right character in ToUnicode.
So the PDF's text reads correctly while the page shows □□□□: a check of the text alone would
pass it. Here the embedded TrueType subsets are read directly (a few tables, with struct, no
font library): a glyph whose outline is byte for byte the .notdef box is such a box, and the
font's (1,0) cmap says which codes draw it.
"""

from __future__ import annotations

import re
import struct

import pikepdf

_HEX = re.compile(rb"<([0-9A-Fa-f\s]+)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])")

CMap = tuple[dict[int, str], int]  # code → text, and how many bytes a code has


def _utf16(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", "replace")


def parse_cmap(data: bytes) -> CMap:
    """A ToUnicode CMap's bfchar and bfrange entries (all LibreOffice writes)."""
    mapping: dict[int, str] = {}
    width = 1
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        codes = _HEX.findall(block)
        for source, target in zip(codes[::2], codes[1::2], strict=False):
            width = max(width, len(source.strip()) // 2)
            mapping[int(source, 16)] = _utf16(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for match in _RANGE.finditer(block):
            low, high, target = int(match[1], 16), int(match[2], 16), match[3]
            width = max(width, len(match[1]) // 2)
            if target.startswith(b"["):
                for offset, each in enumerate(_HEX.findall(target)):
                    mapping[low + offset] = _utf16(each)
                continue
            base = bytes.fromhex(target[1:-1].decode())
            for offset in range(min(high - low, 0xFFFF) + 1):
                last = (int.from_bytes(base[-2:], "big") + offset) & 0xFFFF
                mapping[low + offset] = (base[:-2] + last.to_bytes(2, "big")).decode("utf-16-be", "replace")
    return mapping, width


def _tables(font: bytes) -> dict[bytes, bytes]:
    (count,) = struct.unpack_from(">H", font, 4)
    tables = {}
    for index in range(count):
        tag, _, offset, length = struct.unpack_from(">4sIII", font, 12 + 16 * index)
        tables[tag] = font[offset : offset + length]
    return tables


def box_codes(font: bytes) -> set[int]:
    """Codes (of a simple TrueType subset) that draw the .notdef box; -1 stands for 'some, codes unknown'."""
    tables = _tables(font)
    head, maxp, loca, glyf = (tables.get(tag) for tag in (b"head", b"maxp", b"loca", b"glyf"))
    if not (head and maxp and loca and glyf):
        return set()
    (long_offsets,) = struct.unpack_from(">h", head, 50)
    (glyphs,) = struct.unpack_from(">H", maxp, 4)
    if long_offsets:
        offsets = struct.unpack_from(f">{glyphs + 1}I", loca)
    else:
        offsets = tuple(2 * o for o in struct.unpack_from(f">{glyphs + 1}H", loca))
    outline = [glyf[offsets[i] : offsets[i + 1]] for i in range(glyphs)]
    if not outline or not outline[0]:
        return set()  # an empty .notdef cannot be told from a space
    boxes = {i for i in range(1, glyphs) if outline[i] == outline[0]}
    if not boxes:
        return set()
    cmap = tables.get(b"cmap", b"")
    (subtables,) = struct.unpack_from(">H", cmap, 2) if len(cmap) >= 4 else (0,)
    for index in range(subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
        (fmt,) = struct.unpack_from(">H", cmap, offset)
        if (platform, encoding, fmt) == (1, 0, 0):  # a byte → glyph array: what LibreOffice writes
            ids = cmap[offset + 6 : offset + 6 + 256]
            return {code for code, glyph in enumerate(ids) if glyph in boxes}
    return {-1}


def boxed_characters(doc: pikepdf.Pdf) -> dict[str, str]:
    """Characters printed as boxes → the font they were meant for (empty when every glyph exists)."""
    found: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()
    for page in doc.pages:
        resources = page.obj.get("/Resources")
        fonts = dict(resources.get("/Font", {})) if resources is not None else {}
        for font in fonts.values():
            if font.objgen in seen or font.get("/Subtype") != "/TrueType":
                continue
            seen.add(font.objgen)
            descriptor = font.get("/FontDescriptor")
            program = descriptor.get("/FontFile2") if descriptor is not None else None
            if not isinstance(program, pikepdf.Stream):
                continue
            try:
                codes = box_codes(program.read_bytes())
            except struct.error:
                continue  # a font we cannot read is verify_pdf's business, not a missing character
            if not codes:
                continue
            name = str(font.get("/BaseFont", "?")).split("+")[-1]
            to_unicode = font.get("/ToUnicode")
            mapping = parse_cmap(to_unicode.read_bytes())[0] if isinstance(to_unicode, pikepdf.Stream) else {}
            for code in codes:
                found[mapping.get(code, "?")] = name
    return found
