"""A rendered DOCX as plain text, in reading order: what tests, previews and diffs compare.

Body paragraphs and table cells are read in document order (the signature table's left
cell before its right one, as a reader reads it). Bulleted paragraphs start with "- " as
in the reference text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph


def _is_bullet(paragraph: Paragraph) -> bool:
    style = paragraph.style.name if paragraph.style is not None else ""
    return style.startswith("List Bullet")


def _blocks(document: Document) -> Iterator[Paragraph]:
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells appear once per grid column
                        continue
                    seen.add(id(cell._tc))
                    yield from cell.paragraphs
        else:
            yield block


def paragraphs(source: bytes | Path) -> list[str]:
    """The document's paragraphs as text, empty ones kept (they separate blocks)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    document = docx.Document(io.BytesIO(data))
    return [("- " + p.text) if _is_bullet(p) else p.text for p in _blocks(document)]


def header_text(source: bytes | Path) -> str:
    """Text of every header of the document (markings such as ENTWURF live there)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for section in document.sections for p in section.header.paragraphs)


def words(text: str) -> list[str]:
    """Whitespace-separated words: the unit the reference comparison uses."""
    return text.split()
