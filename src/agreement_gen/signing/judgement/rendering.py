"""What is shown is what was signed: every page rendered by two independent engines, before and after signing.

Poppler (`pdftoppm`, `pdftotext`) and PDFium (`pypdfium2`, Chrome's engine) each render every page of
our revision and of the returned file. For each engine, the pixels must be identical outside the two
signature fields' rectangles (where the signatures' appearances go) and the text layer must be the
same (poppler's, which includes annotations, without the words that start inside those rectangles).
A difference is a refusal naming the page and the engine. This runs after the strict structure and
change checks, so both engines only ever see a file those already found plainly written.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from agreement_gen.i18n import _
from agreement_gen.signing.judgement.problems import SignatureProblem

DPI = 60  # enough for a changed digit at 10 pt to change many pixels; fast for a few pages
MARGIN = 2  # pixels (and points) around a field, for anti-aliasing at its edges
TIMEOUT = 60  # seconds per engine run
MAX_PAGES = 50


class RenderingProblem(SignatureProblem):
    """The returned file shows something other than what we built, outside the signature fields."""


Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points, origin bottom left


@dataclass(frozen=True)
class Page:
    width: int
    height: int
    stride: int  # bytes per row
    pixel: int  # bytes per pixel
    data: bytes
    text: str


def field_boxes(first: bytes, fields: tuple[str, ...]) -> tuple[dict[int, list[Box]], list[float]]:
    """Per page index, the rectangles of our signature fields, from our revision; and each page's height."""
    import pikepdf

    boxes: dict[int, list[Box]] = {}
    heights: list[float] = []
    with pikepdf.open(io.BytesIO(first)) as doc:
        for index, page in enumerate(doc.pages):
            box = [float(v) for v in page.mediabox]
            heights.append(box[3] - box[1])
            for annot in page.obj.get("/Annots", []):
                if annot.get("/FT") == "/Sig" and str(annot.get("/T", "")) in fields:
                    x1, y1, x2, y2 = (float(v) for v in annot.Rect)
                    boxes.setdefault(index, []).append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return boxes, heights


def _run_all(commands: list[list[str]]) -> list[bytes]:
    """Run the engine's commands side by side (each file's images and text); their outputs, in order."""
    running = []
    try:
        for command in commands:
            try:
                running.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
            except OSError as exc:
                raise RenderingProblem(
                    _("cannot be rendered: {command} is missing ({strerror})").format(
                        command=command[0], strerror=exc.strerror
                    )
                ) from exc
        outputs = []
        for command, process in zip(commands, running, strict=True):
            try:
                out, _errors = process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired as exc:
                raise RenderingProblem(
                    _("cannot be rendered within {TIMEOUT} s ({command})").format(TIMEOUT=TIMEOUT, command=command[0])
                ) from exc
            if process.returncode != 0:
                raise RenderingProblem(
                    _("cannot be rendered by {command} (exit {returncode})").format(
                        command=command[0], returncode=process.returncode
                    )
                )
            outputs.append(out)
        return outputs
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()


def _ppm(path: Path) -> tuple[int, int, bytes]:
    raw = path.read_bytes()
    match = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", raw)
    if match is None:
        raise RenderingProblem(_("cannot be rendered by pdftoppm (unreadable image)"))
    return int(match.group(1)), int(match.group(2)), raw[match.end() :]


def _poppler_words(html: str, boxes: dict[int, list[Box]], heights: list[float]) -> list[str]:
    """The text of each page as poppler reads it, without words that start inside a signature field."""
    pages: list[str] = []
    for index, page in enumerate(re.findall(r"<page [^>]*>(.*?)</page>", html, re.S)):
        fields = boxes.get(index, [])  # only pages of our revision have fields, and `heights` has all of those
        words = []
        for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(.*?)</word>', page):
            inside = any(
                x1 - MARGIN <= float(x) <= x2 + MARGIN and y1 - MARGIN <= heights[index] - float(y) <= y2 + MARGIN
                for x1, y1, x2, y2 in fields
            )
            if not inside:
                words.append(unescape(word))
        pages.append(" ".join(words))
    return pages


def poppler(files: list[bytes], boxes: dict[int, list[Box]], heights: list[float]) -> list[list[Page]]:
    """Each file's pages as poppler renders and reads them (all files at once)."""
    with tempfile.TemporaryDirectory(prefix="agreement-gen-render-") as folder:
        commands = []
        for number, pdf in enumerate(files):
            path = Path(folder) / f"{number}.pdf"
            path.write_bytes(pdf)
            prefix = str(Path(folder) / f"{number}-page")
            commands += [
                ["pdftoppm", "-r", str(DPI), "-l", str(MAX_PAGES), str(path), prefix],
                ["pdftotext", "-bbox", "-l", str(MAX_PAGES), str(path), "-"],
            ]
        outputs = _run_all(commands)
        result = []
        for number in range(len(files)):
            texts = _poppler_words(outputs[2 * number + 1].decode("utf-8", "replace"), boxes, heights)
            images = sorted(Path(folder).glob(f"{number}-page-*.ppm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
            pages = []
            for index, image in enumerate(images):
                width, height, data = _ppm(image)
                pages.append(Page(width, height, width * 3, 3, data, texts[index] if index < len(texts) else ""))
            result.append(pages)
    return result


def pdfium(pdf: bytes) -> list[Page]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise RenderingProblem(_("cannot be opened by PDFium ({exc})").format(exc=exc)) from exc
    pages = []
    try:
        document.init_forms()
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            bitmap = page.render(scale=DPI / 72, may_draw_forms=True)
            text = page.get_textpage().get_text_range()
            pages.append(
                Page(bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels, bytes(bitmap.buffer), text)
            )
    finally:
        document.close()
    return pages


def _excluded(boxes: list[Box], height_points: float, page: Page) -> list[tuple[int, int, int, int]]:
    """Field rectangles in pixels (x1, y1, x2, y2 with y down), widened by the margin."""
    scale = DPI / 72
    result = []
    for x1, y1, x2, y2 in boxes:
        result.append(
            (
                max(0, int(x1 * scale) - MARGIN),
                max(0, int((height_points - y2) * scale) - MARGIN),
                min(page.width, int(x2 * scale + 1) + MARGIN),
                min(page.height, int((height_points - y1) * scale + 1) + MARGIN),
            )
        )
    return result


def _differs(before: Page, after: Page, holes: list[tuple[int, int, int, int]]) -> bool:
    if (before.width, before.height, before.stride, before.pixel) != (
        after.width,
        after.height,
        after.stride,
        after.pixel,
    ):
        return True
    row_bytes = before.width * before.pixel
    for y in range(before.height):
        start = y * before.stride
        a, b = before.data[start : start + row_bytes], after.data[start : start + row_bytes]
        if a == b:
            continue
        cuts = sorted((x1 * before.pixel, x2 * before.pixel) for x1, y1, x2, y2 in holes if y1 <= y < y2)
        position = 0
        for left, right in cuts:
            if a[position:left] != b[position:left]:
                return True
            position = max(position, right)
        if a[position:] != b[position:]:
            return True
    return False


def compare(first: bytes, final: bytes, fields: tuple[str, ...]) -> None:
    """Refuse when any engine shows anything outside the signature fields differently from our revision."""
    boxes, heights = field_boxes(first, fields)
    engines: tuple[tuple[str, Callable[[], list[list[Page]]]], ...] = (
        ("poppler", lambda: poppler([first, final], boxes, heights)),
        ("PDFium", lambda: [pdfium(first), pdfium(final)]),
    )
    for engine, render in engines:
        before, after = render()
        if len(before) != len(after):
            raise RenderingProblem(
                _("shows {len} pages in {engine}, but we built {len2}").format(
                    len=len(after), engine=engine, len2=len(before)
                )
            )
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            if old.text != new.text:
                raise RenderingProblem(
                    _("page {value} reads differently in {engine} from what we built").format(
                        value=index + 1, engine=engine
                    )
                )
            holes = _excluded(boxes.get(index, []), heights[index], old)
            if _differs(old, new, holes):
                raise RenderingProblem(
                    _(
                        "page {value} looks different in {engine} from what we built, outside the signature fields"
                    ).format(value=index + 1, engine=engine)
                )
