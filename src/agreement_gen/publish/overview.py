"""The files of the publication bundle besides the PDFs: names, overview tables, index page, checksums.

Everything here is a pure function of the published agreements, so publishing the same
build twice gives byte-identical files: no wall-clock time anywhere (the date shown is the
last signature's, or $SOURCE_DATE_EPOCH), zip entries of the XLSX stamped like the DOCX's.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agreement_gen.data.formatting import LOCALE, ascii_letters, euro, german_date
from agreement_gen.data.models import FiscalYear
from agreement_gen.data.structure import Agreement
from agreement_gen.pdf.conformance import STANDARD, Conformance, clause_key, validate_conformance
from agreement_gen.render.reproducible import build_timestamp, normalize_zip

TEMPLATES = Path(__file__).parent / "templates"
# The checksums as a .txt, so a browser shows them instead of offering an unknown file for download.
INDEX, CSV_NAME, XLSX_NAME, SUMS = "index.html", "uebersicht.csv", "uebersicht.xlsx", "SHA256SUMS.txt"
PAGE_DATE = "dd.MM.yyyy"  # the one date style of the page: signing dates and "Stand"
PUBLISHED_STATUS = "unterzeichnet"  # the Status column: everything in the bundle is signed
PROJECT_SEPARATOR = " | "


@dataclass(frozen=True)
class Published:
    """One agreement in the bundle: its PDF exactly as built (hashed once, copied from these bytes)."""

    agreement: Agreement
    file_name: str
    content: bytes
    pages: int | None
    digital: bool = False  # the copy both parties signed digitally (the receive package), not a signed-stage build

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def ascii_name(text: str) -> str:
    """'Werra-Meißner-Kreis' → 'Werra-Meissner-Kreis': umlauts spelt out, other accents dropped,
    every run of anything but letters and digits one '-', so a link works in any mail or CMS."""
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_letters(text)).strip("-")


def portal_file_name(agreement: Agreement) -> str:
    """The name a portal visitor understands: 'Zielvereinbarung-AQB-2025-Landkreis-Darmstadt-Dieburg.pdf'."""
    return f"Zielvereinbarung-AQB-{agreement.year}-{ascii_name(agreement.district.designation)}.pdf"


def signed_on(agreement: Agreement) -> dt.date | None:
    """The day the agreement came into force: the later of the two signatures."""
    data = agreement.data
    days = [d for d in (data.signatory.signed_on, data.ministry_signature.signed_on) if d]
    return max(days) if days else None


def bundle_date(published: Sequence[Published]) -> dt.date:
    """The 'Stand' of the bundle: $SOURCE_DATE_EPOCH, or the newest PDF's own date (its last signature)."""
    return max(build_timestamp(p.agreement) for p in published).date()


def _amount_for_table(amount: Decimal) -> str:
    """'1288930' / '873450,50': a number German Excel reads as a number (no thousands dots)."""
    pattern = "0" if amount == amount.to_integral_value() else "0.00"
    return format_decimal(amount, format=pattern, locale=LOCALE)


def _headers(fiscal_year: FiscalYear) -> list[str]:
    kinds = [f"Maßnahmenart {number}: {title}" for number, title in fiscal_year.massnahmenarten.items()]
    return ["Kreis/Stadt", "AGS", "Status", "Budget (Euro)", *kinds, "Datei"]


def _projects(agreement: Agreement, number: int) -> str:
    return PROJECT_SEPARATOR.join(agreement.data.projects.get(number, []))


def overview_csv(fiscal_year: FiscalYear, published: Sequence[Published]) -> bytes:
    """uebersicht.csv: ';'-separated UTF-8 with BOM, the form German Excel opens correctly by double-click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_headers(fiscal_year))
    for item in published:
        a = item.agreement
        assert a.data.budget is not None  # a signed agreement always has one (validate.py)
        writer.writerow(
            [
                a.district.designation,
                a.district.ags,
                PUBLISHED_STATUS,
                _amount_for_table(a.data.budget),
                *(_projects(a, number) for number in fiscal_year.massnahmenarten),
                item.file_name,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def overview_xlsx(fiscal_year: FiscalYear, published: Sequence[Published]) -> bytes | None:
    """uebersicht.xlsx with real numbers, or None when openpyxl is not installed (the CSV says the same).

    Written through openpyxl's ExcelWriter rather than `Workbook.save`, which stamps the
    current time into docProps/core.xml; the zip entries get the bundle's date as well.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
        from openpyxl.writer.excel import ExcelWriter
    except ImportError:
        return None
    import zipfile

    when = dt.datetime.combine(bundle_date(published), dt.time())
    book = Workbook()
    sheet = book.active
    sheet.title = f"AQB {fiscal_year.year}"
    headers = _headers(fiscal_year)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for item in published:
        a = item.agreement
        budget = a.data.budget
        assert budget is not None
        sheet.append(
            [
                a.district.designation,
                a.district.ags,
                PUBLISHED_STATUS,
                budget,
                *(_projects(a, number) for number in fiscal_year.massnahmenarten),
                item.file_name,
            ]
        )
        row = sheet.max_row
        budget_cell = sheet.cell(row=row, column=4)
        budget_cell.number_format = "#,##0" if budget == budget.to_integral_value() else "#,##0.00"
        for cell in sheet[row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [32, 8, 14, 16, *([40] * len(fiscal_year.massnahmenarten)), 60]
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    book.properties.creator = "agreement-gen"
    book.properties.title = f"Zielvereinbarungen AQB {fiscal_year.year} – Übersicht"
    book.properties.language = "de-DE"
    book.properties.created = book.properties.modified = when
    buffer = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return normalize_zip(buffer.getvalue(), when.replace(tzinfo=dt.UTC))


def _details(item: Published) -> str:
    """'PDF, 3 Seiten, 71 KB' (', digital signiert'): what a visitor wants to know before following the link."""
    parts = ["PDF"]
    if item.pages:
        parts.append("1 Seite" if item.pages == 1 else f"{item.pages} Seiten")
    kilobytes = max(1, round(len(item.content) / 1024))
    parts.append(f"{format_decimal(kilobytes, format='#,##0', locale=LOCALE)} KB")
    if item.digital:
        parts.append("digital signiert")
    return ", ".join(parts)


def _shortcomings(conformance: Conformance) -> list[str]:
    """'nicht PDF/A-2b (ISO 19005-2, 6.2.11.5: Schrift nicht eingebettet …)' for each profile the file fails."""
    out = []
    for verdict in conformance.verdicts:
        if not verdict.passed:
            clauses = sorted({v.clause for v in verdict.failures}, key=clause_key)
            out.append(f"nicht {verdict.profile} ({STANDARD[verdict.profile]}, Abschnitt {', '.join(clauses)})")
    return out


def _chart(published: Sequence[Published]) -> dict[str, object]:
    """Geometry of the horizontal bar chart, computed here so the template only draws."""
    label_width, bar_space, row_height, bar_height, top = 300, 330, 34, 22, 8
    largest = max(p.agreement.data.budget or Decimal(0) for p in published) or Decimal(1)
    bars = []
    for index, item in enumerate(published):
        budget = item.agreement.data.budget or Decimal(0)
        width = float(budget / largest) * bar_space
        y = top + index * row_height
        bars.append(
            {
                "label": item.agreement.district.designation,
                "value": euro(budget),
                "x": label_width,
                "y": y,
                "width": f"{max(width, 1.0):.1f}",
                "height": bar_height,
                "text_y": y + bar_height / 2,
                "value_x": f"{label_width + width + 8:.1f}",
            }
        )
    return {
        "width": label_width + bar_space + 170,
        "height": top * 2 + row_height * len(published),
        "label_x": label_width - 10,
        "bars": bars,
    }


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value from the data is text, never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def index_html(
    fiscal_year: FiscalYear,
    published: Sequence[Published],
    *,
    districts_in_year: int,
    downloads: Sequence[tuple[str, str, str]],
) -> bytes:
    """index.html: the static, accessible German page of the bundle (no script, no network).

    Written for citizens: no version or hash of the generator, no shell command; what the
    checksums are for is said in words (the manifest and the PDFs' XMP keep the technical trace).
    """
    total = sum((p.agreement.data.budget or Decimal(0) for p in published), Decimal(0))
    rows = []
    exceptions = []  # what the page must not claim: the files that fail a profile, named
    validator = ""
    for item in published:
        conformance = validate_conformance(item.content)  # the bytes published, judged now
        validator = conformance.validator
        if not conformance.passed:
            exceptions.append({"designation": item.agreement.district.designation, "what": _shortcomings(conformance)})
        a = item.agreement
        day = signed_on(a)
        rows.append(
            {
                "designation": a.district.designation,
                "ags": a.district.ags,
                "budget": euro(a.data.budget or Decimal(0)),
                "signed_on": german_date(day, PAGE_DATE) if day else "",
                "href": quote(item.file_name),
                "details": _details(item),
            }
        )
    context = {
        "year": fiscal_year.year,
        "ministry": fiscal_year.ministry.nominative[:1].upper() + fiscal_year.ministry.nominative[1:],
        "rows": rows,
        "count": len(published),
        "districts_in_year": districts_in_year,
        "total": euro(total),
        "state_total": euro(fiscal_year.total_budget) if fiscal_year.total_budget is not None else None,
        "chart": _chart(published),
        "downloads": [{"href": quote(name), "label": label, "note": note} for name, label, note in downloads],
        "stand": german_date(bundle_date(published), PAGE_DATE),
        "validator": validator,
        "exceptions": exceptions,
    }
    return _environment().get_template("index.html.j2").render(context).encode("utf-8")


def sha256sums(files: dict[str, bytes]) -> bytes:
    """GNU coreutils format ('HASH  NAME'), sorted, so `sha256sum -c SHA256SUMS.txt` checks the folder."""
    lines = [f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(files.items())]
    return "".join(lines).encode("ascii")
