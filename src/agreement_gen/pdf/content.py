"""Does the PDF say what its DOCX says? The last check before a new PDF may replace the old one.

verify_pdf checks the form (PDF/A, tags, metadata); this checks the content: the file parses,
has pages, its text names the district and the amount, and it prints no character as an
empty box (glyphs.py). That catches a PDF LibreOffice produced from the wrong file, or with
text no installed font can show, where every formal check still passes. Text is compared
without whitespace and in NFKC form, since a PDF's text comes back with line breaks where the
layout wrapped and ligatures where the font has them.

Reading the text with pypdf costs about 30 ms a page (LibreOffice positions every glyph, so a
page has thousands of text operators): more than a third of a whole build. LibreOffice's fonts
all carry a ToUnicode map, so the text is read here from qpdf's parse of the content streams
and those maps (about 0.5 ms a page); pypdf is asked only when that finds no text or misses
something, so a false alarm is impossible and the usual case is fast.
"""

from __future__ import annotations

import io
import unicodedata

import pikepdf

from agreement_gen.context import template_context
from agreement_gen.pdf.glyphs import CMap, boxed_characters, parse_cmap
from agreement_gen.structure import Agreement

_SHOW = {"Tj", "TJ", "'", '"'}


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).replace("\u00ad", "").split())


def expected_texts(agreement: Agreement) -> list[str]:
    """What every agreement's text must contain: the district's designation and the budget as printed."""
    return [agreement.district.designation, template_context(agreement)["budget"]]


def _page_text(page: pikepdf.Page, cmaps: dict[tuple[int, int], CMap | None]) -> str | None:
    """The text the page's own content shows, in content order; None if a font has no ToUnicode map."""
    fonts: dict[str, CMap | None] = {}
    resources = page.obj.get("/Resources")
    for name, font in dict(resources.get("/Font", {}) if resources is not None else {}).items():
        key = font.objgen
        if key not in cmaps or key == (0, 0):
            to_unicode = font.get("/ToUnicode")
            cmaps[key] = parse_cmap(to_unicode.read_bytes()) if isinstance(to_unicode, pikepdf.Stream) else None
        fonts[name] = cmaps[key]
    parts: list[str] = []
    current: CMap | None = None
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "Tf":
            current = fonts.get(str(operands[0]))
        elif op in _SHOW:
            if current is None:
                return None
            mapping, width = current
            for item in operands[-1] if op == "TJ" else operands[-1:]:
                if isinstance(item, pikepdf.String):
                    raw = bytes(item)
                    parts.extend(
                        mapping.get(int.from_bytes(raw[i : i + width], "big"), "\ufffd")
                        for i in range(0, len(raw), width)
                    )
        elif op == "ET":
            parts.append("\n")
    return "".join(parts)


def _missing_fast(doc: pikepdf.Pdf, missing: dict[str, str]) -> dict[str, str]:
    cmaps: dict[tuple[int, int], CMap | None] = {}
    for page in doc.pages:
        text = _page_text(page, cmaps)
        if text is None:
            return missing
        squashed = _squash(text)
        missing = {key: value for key, value in missing.items() if key not in squashed}
        if not missing:
            break
    return missing


def _missing_pypdf(pdf: bytes, missing: dict[str, str]) -> dict[str, str]:
    from pypdf import PdfReader

    for page in PdfReader(io.BytesIO(pdf)).pages:
        squashed = _squash(page.extract_text())
        missing = {key: value for key, value in missing.items() if key not in squashed}
        if not missing:
            break
    return missing


def content_problems(pdf: bytes, expected: list[str]) -> list[str]:
    """Why the PDF's content is not what it should be (empty when it is)."""
    from pypdf.errors import PyPdfError

    missing = {_squash(text): text for text in expected}
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
