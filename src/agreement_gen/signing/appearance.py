"""The visible signature: "Digital signiert von Heike Hofmann, Staatsministerin, am 2.8.2025".

pyHanko's own stamps either leave their font unembedded (PDF/A-2b 6.2.11.4.1) or, with an
embedded OpenType font, write glyph widths in the wrong units (6.2.11.5). So the appearance
stream is built here: Liberation Sans (the font the document itself uses), subset to the
characters printed, embedded as a simple TrueType font with WinAnsiEncoding and /Widths read
from the font's own metrics, so every reader and validator agrees on every glyph's width.
The text is marked content (/Tx BMC … EMC) as form field appearances are.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp.base import BaseStamp, BaseStampStyle

from agreement_gen.i18n import _

FONT_FILE = Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")
FONT_RESOURCE = "/AgSans"
FIRST_CHAR, LAST_CHAR = 32, 255
FONT_SIZE = 8.5
MIN_FONT_SIZE = 5.0
LEADING = 1.25  # line height as a multiple of the font size
MARGIN = 3.0  # points between the widget's edge and the text


class AppearanceError(ValueError):
    """The signature text cannot be printed in the embedded font (a character outside WinAnsi)."""


def signature_text(name: str, title: str | None, day: str) -> str:
    """The German sentence the widget shows."""
    who = f"{name}, {title}" if title else name
    return f"Digital signiert von {who}, am {day}"


@dataclass(frozen=True)
class FontMetrics:
    """What the PDF needs to know about the font: widths in 1/1000 em per WinAnsi code, and its descriptor."""

    widths: dict[int, int]  # code → width, only for the codes the font has
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    italic_angle: float

    def text_width(self, codes: bytes, size: float) -> float:
        return sum(self.widths.get(code, 0) for code in codes) * size / 1000


@lru_cache(maxsize=1)
def _font() -> tuple[dict[int, int], FontMetrics]:
    """Code → Unicode for WinAnsi and the metrics of Liberation Sans (read once per process)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONT_FILE))
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    scale = 1000 / font["head"].unitsPerEm
    unicode_of: dict[int, int] = {}
    widths: dict[int, int] = {}
    for code in range(FIRST_CHAR, LAST_CHAR + 1):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        glyph = cmap.get(ord(char))
        if glyph is None:
            continue
        unicode_of[code] = ord(char)
        widths[code] = round(hmtx[glyph][0] * scale)
    head, os2, post = font["head"], font["OS/2"], font["post"]
    metrics = FontMetrics(
        widths=widths,
        ascent=round(os2.sTypoAscender * scale),
        descent=round(os2.sTypoDescender * scale),
        cap_height=round(getattr(os2, "sCapHeight", os2.sTypoAscender) * scale),
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        italic_angle=float(post.italicAngle),
    )
    return unicode_of, metrics


def encode(text: str) -> bytes:
    """The text in WinAnsi codes the embedded font has; AppearanceError names a character it cannot print."""
    unicode_of, _metrics = _font()
    codes = bytearray()
    for char in text:
        try:
            code = char.encode("cp1252")[0]
        except UnicodeEncodeError:
            code = -1
        if code not in unicode_of:
            raise AppearanceError(
                _("the signature text cannot print {char} (U+{code})").format(char=repr(char), code=f"{ord(char):04X}")
            )
        codes.append(code)
    return bytes(codes)


@lru_cache(maxsize=8)  # a batch prints the same sentence on every document: subset the font once
def _subset(codes: frozenset[int]) -> bytes:
    """Liberation Sans reduced to the glyphs of `codes` (deterministic: same text, same bytes)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    unicode_of, _metrics = _font()
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables += ["FFTM", "DSIG"]
    font = TTFont(str(FONT_FILE), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[unicode_of[c] for c in sorted(codes)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def lines_for(text: str, width: float) -> tuple[list[bytes], float]:
    """Word-wrapped WinAnsi lines that fit `width` points, and the font size they fit at."""
    _codes, metrics = _font()
    words = text.split()
    size = FONT_SIZE
    while True:
        lines: list[bytes] = []
        current = b""
        for word in words:
            candidate = encode(word) if not current else current + b" " + encode(word)
            if current and metrics.text_width(candidate, size) > width:
                lines.append(current)
                current = encode(word)
            else:
                current = candidate
        lines.append(current)
        if all(metrics.text_width(line, size) <= width for line in lines) or size <= MIN_FONT_SIZE:
            return lines, size
        size -= 0.5


def font_dictionary(writer: BasePdfFileWriter, codes: set[int]) -> generic.IndirectObject:
    """A simple TrueType font with WinAnsiEncoding, the subset program embedded, /Widths from the font."""
    _codes, metrics = _font()
    program = _subset(frozenset(codes))
    # A subset's name carries a tag of six capitals (ISO 32000-1 9.6.4), here derived from its bytes.
    digest = hashlib.sha256(program).digest()
    tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
    base_font = pdf_name(f"/{tag}+LiberationSans")
    stream = generic.StreamObject({pdf_name("/Length1"): generic.NumberObject(len(program))}, stream_data=program)
    stream.compress()
    first, last = min(codes), max(codes)
    descriptor = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/FontDescriptor"),
            pdf_name("/FontName"): base_font,
            pdf_name("/Flags"): generic.NumberObject(32),  # non-symbolic: WinAnsi codes, the font's (3,1) cmap
            pdf_name("/FontBBox"): generic.ArrayObject(generic.NumberObject(v) for v in metrics.bbox),
            pdf_name("/ItalicAngle"): generic.FloatObject(metrics.italic_angle),
            pdf_name("/Ascent"): generic.NumberObject(metrics.ascent),
            pdf_name("/Descent"): generic.NumberObject(metrics.descent),
            pdf_name("/CapHeight"): generic.NumberObject(metrics.cap_height),
            pdf_name("/StemV"): generic.NumberObject(80),
            pdf_name("/FontFile2"): writer.add_object(stream),
        }
    )
    font = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/TrueType"),
            pdf_name("/BaseFont"): base_font,
            pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
            pdf_name("/FirstChar"): generic.NumberObject(first),
            pdf_name("/LastChar"): generic.NumberObject(last),
            # codes between first and last that are not printed get their true width too: validators check all
            pdf_name("/Widths"): generic.ArrayObject(
                generic.NumberObject(metrics.widths.get(code, 0)) for code in range(first, last + 1)
            ),
            pdf_name("/FontDescriptor"): writer.add_object(descriptor),
        }
    )
    return writer.add_object(font)


def _literal(codes: bytes) -> bytes:
    return b"(" + codes.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


@dataclass(frozen=True)
class SignatureAppearance(BaseStampStyle):
    """pyHanko stamp style printing `text` in the embedded font, wrapped to the widget, with a thin frame."""

    text: str = ""
    border_width: int = 0
    frame: tuple[float, float, float] = field(default=(0.2, 0.3, 0.5))

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> BaseStamp:
        return _Stamp(writer, self, box)


class _Stamp(BaseStamp):
    style: SignatureAppearance

    def _render_inner_content(self) -> list[bytes]:
        box = self.box
        lines, size = lines_for(self.style.text, box.width - 2 * MARGIN)
        codes = {code for line in lines for code in line} | {32}
        # create_stamp, the only maker of a _Stamp, always hands it the writer of the file being signed
        assert self.writer is not None
        self.set_resource(ResourceType.FONT, pdf_name(FONT_RESOURCE), font_dictionary(self.writer, codes))
        leading = size * LEADING
        top = box.height - MARGIN - size
        red, green, blue = self.style.frame
        ops = [
            b"/Tx BMC",
            b"%g %g %g RG 0.75 w 0.4 0.4 %g %g re S" % (red, green, blue, box.width - 0.8, box.height - 0.8),
            b"BT %s %g Tf %g %g %g rg %g TL %g %g Td"
            % (FONT_RESOURCE.encode(), size, red, green, blue, leading, MARGIN, top),
        ]
        ops += [_literal(line) + b" Tj T*" for line in lines]
        ops += [b"ET", b"EMC"]
        return ops
