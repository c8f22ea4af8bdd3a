"""Does the PDF say what its DOCX says? The last check before a new PDF may replace the old one.

verify_pdf checks the form (PDF/A, tags, metadata); this checks the content: the file parses,
has pages, its text names the district and the amount, and it prints no character as an
empty box (glyphs.py). That catches a PDF LibreOffice produced from the wrong file, or with
text no installed font can show, where every formal check still passes. Text is compared
without whitespace and in NFKC form, since a PDF's text comes back with line breaks where the
layout wrapped and ligatures where the font has them.

Reading the text with pypdf costs about 30 ms a page (LibreOffice positions every glyph, so a
page has thousands of text operators): more than a third of a whole build. LibreOffice's fonts
all carry a ToUnicode map and write hex strings, so the text is read here by one regular
expression over the content streams and those maps (about 2 ms a page); pypdf is asked only
when that finds no text or misses something, so a false alarm is impossible and the usual
case is fast.
"""

from __future__ import annotations

import io
import re

import pikepdf

from agreement_gen.data.structure import Agreement
from agreement_gen.pdf.glyphs import boxed_characters, parse_cmap
from agreement_gen.pdf.text import page_texts, squashed
from agreement_gen.render.context import template_context


def expected_texts(agreement: Agreement) -> list[str]:
    """What every agreement's text must contain: the district's designation and the budget as printed."""
    return [agreement.district.designation, template_context(agreement)["budget"]]


# In a content stream: a font selection ("/F2 11 Tf"), a hex string (LibreOffice writes every
# string of its subset fonts in hex), the end of a text object, or a literal string. Scanned with
# regular expressions, in C, instead of parsing every operator in Python (≈ 30× faster).
_FONT = rb"/([^\s/<>\[\]()]+)\s+[-+\d.]+\s+Tf"
_HEX_STRING = rb"<([0-9A-Fa-f\s]*)>"
_LITERAL = rb"\((?:[^()\\]|\\.)*\)"
_TOKENS = re.compile(_FONT + b"|" + _HEX_STRING + rb"|\bET\b|" + _LITERAL)
# The same without the hex strings: where the font or the text object changes (_segment_text).
_CUTS = re.compile(_FONT + rb"|\b(ET)\b|" + _LITERAL)
_HEX = re.compile(_HEX_STRING)


def _content_bytes(page: pikepdf.Page) -> bytes:
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(part.read_bytes() for part in contents)
    return contents.read_bytes() if isinstance(contents, pikepdf.Stream) else b""


class _Translation(dict[int, str]):
    """A ToUnicode map as a str.translate table; a code without an entry reads as U+FFFD."""

    def __missing__(self, code: int) -> str:
        return "\ufffd"


# Each font's ToUnicode map as a translation table and its code width, by the font's object number
# (or None: no usable map); a page's fonts are parsed once per document.
CMaps = dict[tuple[int, int], tuple[_Translation, int] | None]


def _decode(raw: bytes, table: _Translation, width: int) -> str:
    """Glyph codes → text with str.translate: a C loop, not a Python step per glyph."""
    return (raw.decode("latin-1") if width == 1 else raw.decode("utf-16-be", "surrogatepass")).translate(table)


def _page_text(page: pikepdf.Page, cmaps: CMaps) -> str | None:
    """The text the page's own content shows, in content order; None if it cannot be read this way
    (a font without ToUnicode map, or a literal string): then pypdf reads it."""
    return _segment_text(page, _content_bytes(page), cmaps)


def _segment_text(page: pikepdf.Page, content: bytes, cmaps: CMaps) -> str | None:
    """The text a piece of the page's content shows (see _page_text).

    The content is cut at font selections, text-object ends and literal strings; the hex strings
    between two cuts are in one font and are decoded together, so Python takes a step per cut,
    not per string (a page holds thousands of strings, one per kerning pair)."""
    fonts = _fonts(page, cmaps)
    parts: list[str] = []
    current: tuple[_Translation, int] | None = None
    position = 0

    def shown(piece: bytes) -> bool:
        hexes = _HEX.findall(piece)
        if not hexes:
            return True
        if current is None:
            return False
        digits = 2 * current[1]  # hex digits per glyph code
        joined = b"".join(hexes)
        if joined.isalnum() and not any(len(h) % digits for h in hexes):
            parts.append(_decode(bytes.fromhex(joined.decode("ascii")), *current))
        else:  # whitespace inside a string, or a string cut short: one by one, as written
            parts.extend(_decode(bytes.fromhex(h.decode("ascii")), *current) for h in hexes)
        return True

    for match in _CUTS.finditer(content):
        if not shown(content[position : match.start()]):
            return None
        position = match.end()
        font_name, text_end = match.group(1, 2)
        if font_name is not None:
            current = fonts.get("/" + font_name.decode("latin-1"))
        elif text_end is not None:
            parts.append("\n")
        else:  # a literal string: not what LibreOffice writes; let pypdf read this page
            return None
    if not shown(content[position:]):
        return None
    return "".join(parts)


# In one pass over a page: a marked-content start with an MCID (1), another start (2), its end (3),
# then what _TOKENS reads: a font selection (4), a hex string (5), ET or a literal string.
_MARKED_TOKENS = re.compile(
    rb"/[^\s/<>\[\]()]+\s*<<[^<>]*?/MCID\s+(\d+)[^<>]*>>\s*BDC"
    rb"|(/[^\s/<>\[\]()]+\s*(?:<<[^<>]*>>\s*)?BDC|\bBMC\b)|\b(EMC)\b|" + _TOKENS.pattern
)


def _fonts(page: pikepdf.Page, cmaps: CMaps) -> dict[str, tuple[_Translation, int] | None]:
    fonts: dict[str, tuple[_Translation, int] | None] = {}
    resources = page.obj.get("/Resources")
    for name, font in dict(resources.get("/Font", {}) if resources is not None else {}).items():
        key = font.objgen
        if key not in cmaps or key == (0, 0):
            to_unicode = font.get("/ToUnicode")
            cmap = parse_cmap(to_unicode.read_bytes()) if isinstance(to_unicode, pikepdf.Stream) else None
            cmaps[key] = (_Translation(cmap[0]), cmap[1]) if cmap and cmap[1] in (1, 2) else None
        fonts[str(name)] = cmaps[key]
    return fonts


def marked_texts(page: pikepdf.Page, cmaps: CMaps) -> dict[int, str]:
    """The text of each marked-content sequence with an MCID on the page (what its structure element
    says), read in one pass; consecutive strings in one font are decoded together."""
    fonts = _fonts(page, cmaps)
    texts: dict[int, list[str]] = {}
    stack: list[int | None] = []
    current: tuple[_Translation, int] | None = None
    pending: list[bytes] = []

    def flush() -> None:
        if pending and current is not None and stack and stack[-1] is not None:
            texts[stack[-1]].append(_decode(bytes.fromhex(b"".join(pending).decode("ascii")), *current))
        pending.clear()

    for match in _MARKED_TOKENS.finditer(_content_bytes(page)):
        mcid, other, end, font_name, hex_string = match.group(1, 2, 3, 4, 5)
        if hex_string is not None:
            pending.append(hex_string)
            continue
        flush()
        if mcid is not None:
            stack.append(int(mcid))
            texts.setdefault(int(mcid), [])
        elif other is not None:
            stack.append(stack[-1] if stack else None)  # nested content belongs to the enclosing MCID
        elif end is not None:
            if stack:
                stack.pop()
        elif font_name is not None:
            current = fonts.get("/" + font_name.decode("latin-1"))
        elif match.group(0) == b"ET" and stack and stack[-1] is not None:
            texts[stack[-1]].append("\n")
    flush()
    return {mcid: "".join(parts) for mcid, parts in texts.items()}


def _missing_fast(doc: pikepdf.Pdf, missing: dict[str, str]) -> dict[str, str]:
    cmaps: CMaps = {}
    for page in doc.pages:
        text = _page_text(page, cmaps)
        if text is None:
            return missing
        shown = squashed(text)
        missing = {key: value for key, value in missing.items() if key not in shown}
        if not missing:
            break
    return missing


def _missing_pypdf(pdf: bytes, missing: dict[str, str]) -> dict[str, str]:
    for text in page_texts(pdf):
        missing = {key: value for key, value in missing.items() if key not in text}
        if not missing:
            break
    return missing


def content_problems(pdf: bytes, expected: list[str]) -> list[str]:
    """Why the PDF's content is not what it should be (empty when it is)."""
    from pypdf.errors import PyPdfError

    missing = {squashed(text): text for text in expected}
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            if len(doc.pages) == 0:
                return ["the PDF has no pages"]
            missing = _missing_fast(doc, missing)
            boxes = boxed_characters(doc)
        if missing:
            missing = _missing_pypdf(pdf, missing)
    except (pikepdf.PdfError, PyPdfError, ValueError, KeyError) as exc:
        return [f"the PDF's text cannot be read: {exc}"]
    problems = [f"the PDF's text does not contain {text!r}" for text in missing.values()]
    if boxes:
        shown = ", ".join(f"{char!r} (U+{ord(char[0]):04X})" if char != "?" else "?" for char in sorted(boxes))
        problems.append(
            f"the PDF prints empty boxes instead of {shown}: no installed font has "
            f"{'this character' if len(boxes) == 1 else 'these characters'}; install a font that does "
            "(e.g. fonts-noto-cjk for Chinese, Japanese, Korean) or change the text"
        )
    return problems
