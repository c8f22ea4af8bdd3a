"""A PDF's printed text, compared the one way every check compares it.

Text pulled out of a PDF differs from the text we meant in ways nobody sees on paper: line breaks
and spaces where the layout put them, soft hyphens, ligatures and full-width forms (NFKC folds
them). `squashed` removes all of that, so "1.288.930 Euro" is found however the page broke it.
"""

from __future__ import annotations

import io
import unicodedata


def squashed(text: str) -> str:
    """No whitespace, no soft hyphens, NFKC: the form both sides of a text comparison take."""
    return "".join(unicodedata.normalize("NFKC", text).replace("\u00ad", "").split())


def page_texts(content: bytes, pages: int | None = None) -> list[str]:
    """Each page's text as pypdf reads it, squashed (the first `pages` pages, or all)."""
    from pypdf import PdfReader  # here: only the checks of a finished PDF need it

    reader = PdfReader(io.BytesIO(content))
    chosen = reader.pages if pages is None else reader.pages[:pages]
    return [squashed(page.extract_text()) for page in chosen]
