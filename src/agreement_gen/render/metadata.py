"""What a document says about itself: title, author, subject, keywords, language, date – once for DOCX and PDF.

Title, author and subject are the template's document properties as the editors wrote them
(in Word: File → Properties; they may use the template's variables), falling back to the data
where the template leaves them empty. Keywords and language come from the data. The date is
fixed by the inputs (reproducible.py), so the same inputs give the same bytes. The DOCX is
written with these values and the PDF made from it carries the same ones, so neither reads
the other back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from agreement_gen.data.structure import Agreement
from agreement_gen.render.reproducible import build_timestamp

LANGUAGE = "de-DE"
PROGRAMME = ("Zielvereinbarung", "Ausbildungs- und Qualifizierungsbudget", "AQB", "Hessen")


@dataclass(frozen=True)
class DocumentMetadata:
    title: str
    author: str
    subject: str
    keywords: str
    language: str
    created: dt.datetime  # fixed "creation" time, so the output is reproducible


def document_metadata(agreement: Agreement, title: str = "", author: str = "", subject: str = "") -> DocumentMetadata:
    """The agreement's metadata; `title`, `author` and `subject` are the template's rendered properties."""
    return DocumentMetadata(
        title=title or agreement.title,
        author=author or agreement.fiscal_year.ministry.name,
        subject=subject,
        keywords="; ".join([*PROGRAMME, str(agreement.year), agreement.district.designation]),
        language=LANGUAGE,
        created=build_timestamp(agreement),
    )
