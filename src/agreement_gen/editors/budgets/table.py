"""Reading the ministry's table: a CSV or XLSX grid, its header row, and the cells that matter.

The table is a CSV (`,` or `;` separated, UTF-8 with or without BOM) or an XLSX sheet. Its
header row (one of the first ten rows) names a district column – by key ("AGS", "Schlüssel")
or by name ("Kreis", "Landkreis/Stadt", "District", "Name") – and an amount column ("Betrag",
"Budget", "Mittel", "Euro", "Amount"); other columns are ignored. With both a key and a name
column, the district is found by its key and the name must agree.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreement_gen.editors.budgets.cells import blank, normalize
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _

KEY, NAME, AMOUNT = "key", "name", "amount"
HEADER_SEARCH_ROWS = 10
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Row:
    """One data row of the table: its number as the user sees it, and the cells that matter."""

    number: int
    key: Any
    name: Any
    amount: Any


@dataclass(frozen=True)
class Table:
    """The table as read: its file, the headers of the columns found, and its non-blank data rows."""

    path: Path
    key_column: str | None
    name_column: str | None
    amount_column: str
    rows: tuple[Row, ...]


def classify_header(header: Any) -> str | None:
    """Which role a column header plays: district key, district name, amount, or none."""
    if blank(header):
        return None
    raw = str(header)
    text = normalize(raw)
    words = text.split()
    if "ags" in words or "key" in words or "schluessel" in text or "kennziffer" in text:
        return KEY
    amount_stems = ("betrag", "budget", "mittel", "euro", "amount", "summe", "zuweisung")
    if "€" in raw or "eur" in words or any(stem in text for stem in amount_stems):
        return AMOUNT
    name_stems = ("kreis", "stadt", "district", "name", "bezeichnung", "gebiet", "county", "slug", "kommune")
    if any(stem in text for stem in name_stems):
        return NAME
    return None


@dataclass
class _Header:
    index: int
    columns: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


def _find_header(grid: list[tuple[int, list[Any]]]) -> _Header | None:
    """The first row (of the first ten) that names a district column and an amount column."""
    for index, (_row_number, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        header = _Header(index)
        for column, cell in enumerate(cells):
            role = classify_header(cell)
            if role:
                header.columns.setdefault(role, []).append((column, str(cell).strip()))
        if AMOUNT in header.columns and (KEY in header.columns or NAME in header.columns):
            return header
    return None


def _csv_grid(path: Path, text: str) -> list[tuple[int, list[Any]]]:
    """Rows with their line numbers; the separator is sniffed, then confirmed by a header that fits it."""
    candidates = [";", ",", "\t"]
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=";,\t").delimiter
        candidates.remove(sniffed)
        candidates.insert(0, sniffed)
    except csv.Error:
        pass
    first: list[tuple[int, list[Any]]] = []
    for delimiter in candidates:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            grid = [(reader.line_num, row) for row in reader]
        except csv.Error as exc:
            raise InputError(
                [Problem(path, reader.line_num, None, _("not readable as CSV: {reason}").format(reason=exc))]
            ) from exc
        if _find_header(grid):
            return grid
        first = first or grid
    return first


def _read_csv(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = _("not UTF-8 text (byte {byte}); save it as 'CSV UTF-8'").format(byte=exc.start)
        raise InputError([Problem(path, None, None, message)]) from exc
    return _csv_grid(path, text)


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    """The first sheet that has a header row; rows numbered as in the spreadsheet."""
    from openpyxl import load_workbook  # imported here: only this command needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(
            [Problem(path, None, None, _("not a readable XLSX workbook: {reason}").format(reason=exc))]
        ) from exc
    try:
        first: list[tuple[int, list[Any]]] = []
        for sheet in workbook.worksheets:
            grid = [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
            if _find_header(grid):
                return grid
            first = first or grid
        return first
    finally:
        workbook.close()


def read_table(path: Path) -> Table:
    """Read the table and find its columns; raises InputError when there is no usable header."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        grid = _read_xlsx(path)
    elif suffix in CSV_SUFFIXES:
        grid = _read_csv(path)
    else:
        raise InputError([Problem(path, None, None, _("unknown table format: give a .csv or .xlsx file"))])
    header = _find_header(grid)
    if header is None:
        message = _(
            "no header row in the first {rows} rows with a district column "
            "(AGS, Schlüssel, Kreis, Name …) and an amount column (Betrag, Budget, Mittel, Euro …)"
        ).format(rows=HEADER_SEARCH_ROWS)
        raise InputError([Problem(path, None, None, message)])
    problems = []
    for role, label in ((KEY, _("district key")), (NAME, _("district name")), (AMOUNT, _("amount"))):
        found = header.columns.get(role, [])
        if len(found) > 1:
            names = ", ".join(f"'{name}'" for _column, name in found)
            problems.append(
                Problem(
                    path,
                    grid[header.index][0],
                    None,
                    _("several {label} columns ({names}): keep only one").format(label=label, names=names),
                )
            )
    if problems:
        raise InputError(problems)

    def column(role: str) -> tuple[int, str] | None:
        found = header.columns.get(role)
        return found[0] if found else None

    key, name, amount = column(KEY), column(NAME), column(AMOUNT)
    assert amount is not None

    def cell(cells: list[Any], col: tuple[int, str] | None) -> Any:
        if col is None or col[0] >= len(cells):
            return None
        value = cells[col[0]]
        return value.strip() if isinstance(value, str) else value

    rows = []
    for number, cells in grid[header.index + 1 :]:
        row = Row(number, cell(cells, key), cell(cells, name), cell(cells, amount))
        if not all(blank(value) for value in (row.key, row.name, row.amount)):
            rows.append(row)
    return Table(path, key[1] if key else None, name[1] if name else None, amount[1], tuple(rows))
