"""Budgets from the ministry's table: one amount per district, written into the year's data files.

The table is a CSV (`,` or `;` separated, UTF-8 with or without BOM) or an XLSX sheet. Its
header row (one of the first ten rows) names a district column – by key ("AGS", "Schlüssel")
or by name ("Kreis", "Landkreis/Stadt", "District", "Name") – and an amount column ("Betrag",
"Budget", "Mittel", "Euro", "Amount"); other columns are ignored. With both a key and a name
column, the district is found by its key and the name must agree.

A district is found by its 5-digit AGS ("06432", "06 432"; "6432" from a spreadsheet that
dropped the leading zero) or by its name, case-insensitively and with or without a prefix
such as "Landkreis", "Kreis" or "Stadt". A name that fits more than one district is refused:
"Offenbach" and "Kassel" each name a Landkreis and a kreisfreie Stadt.

Amounts are read as German ("1.288.930", "1.288.930,50 €", "1288930,5") or plain numbers
("1288930.50", or numeric spreadsheet cells). A dot followed by exactly three digits is a
German thousands separator, so "1.288" is 1288 Euro; a dot followed by one or two digits is a
decimal point ("1288930.5"). English grouping ("1,288,930.50") is refused, not guessed.

Nothing is written unless every row is good: every problem (unmatched or ambiguous districts,
unreadable amounts, duplicates, districts the table lacks) is reported at once. Then only the
`budget:` line of each changed file is rewritten (ruamel.yaml round trip; any other line that
would change is refused), every file staged first and renamed into place.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from pydantic import TypeAdapter, ValidationError
from ruamel.yaml.error import YAMLError

from agreement_gen import yamledit
from agreement_gen.config import Paths
from agreement_gen.errors import InputError, Problem
from agreement_gen.formatting import euro
from agreement_gen.load import DISTRICTS_DIR, load_year
from agreement_gen.models import District, Euro, Kind, Status
from agreement_gen.validate import parse

KEY, NAME, AMOUNT = "key", "name", "amount"
HEADER_SEARCH_ROWS = 10
TOTAL_LABELS = {"summe", "gesamt", "insgesamt", "gesamtsumme", "total", "hessen", "land hessen", "summe hessen"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

# Words before (or, "Kassel, Landkreis", after) a district's name, and which kind of district they mean.
_PREFIXES = {
    "landkreis": Kind.LANDKREIS,
    "kreis": Kind.LANDKREIS,
    "lk": Kind.LANDKREIS,
    "lkr": Kind.LANDKREIS,
    "krs": Kind.LANDKREIS,
    "kreisfreie stadt": Kind.KREISFREIE_STADT,
    "stadt": Kind.KREISFREIE_STADT,
    "wissenschaftsstadt": Kind.KREISFREIE_STADT,
    "landeshauptstadt": Kind.KREISFREIE_STADT,
    "universitaetsstadt": Kind.KREISFREIE_STADT,
    "documenta stadt": Kind.KREISFREIE_STADT,
}
_PREFIX_ORDER = sorted(_PREFIXES, key=len, reverse=True)
_OPEN_COMMENT = re.compile(re.escape(yamledit.OPEN_BUDGET_COMMENT).replace(re.escape("{year}"), r"\d{4}"))
_EURO = TypeAdapter(Euro)  # the same limits as a budget in a data file


# --- reading the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row of the table: its number as the user sees it, and the cells that matter."""

    number: int
    key: Any
    name: Any
    amount: Any


@dataclass(frozen=True)
class Table:
    path: Path
    key_column: str | None
    name_column: str | None
    amount_column: str
    rows: tuple[Row, ...]


def _normalize(text: str) -> str:
    """Case, umlauts, ß, dashes and spacing do not matter: 'Werra-Meißner-Kreis' → 'werra meissner kreis'."""
    text = unicodedata.normalize("NFC", text).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, plain)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def classify_header(header: Any) -> str | None:
    """Which role a column header plays: district key, district name, amount, or none."""
    if _blank(header):
        return None
    raw = str(header)
    text = _normalize(raw)
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
    for index, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
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
            raise InputError([Problem(path, reader.line_num, None, f"not readable as CSV: {exc}")]) from exc
        if _find_header(grid):
            return grid
        first = first or grid
    return first


def _read_csv(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'"
        raise InputError([Problem(path, None, None, message)]) from exc
    return _csv_grid(path, text)


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    """The first sheet that has a header row; rows numbered as in the spreadsheet."""
    from openpyxl import load_workbook  # imported here: only this command needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError([Problem(path, None, None, f"not a readable XLSX workbook: {exc}")]) from exc
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
        raise InputError([Problem(path, None, None, "unknown table format: give a .csv or .xlsx file")])
    header = _find_header(grid)
    if header is None:
        message = (
            f"no header row in the first {HEADER_SEARCH_ROWS} rows with a district column "
            "(AGS, Schlüssel, Kreis, Name …) and an amount column (Betrag, Budget, Mittel, Euro …)"
        )
        raise InputError([Problem(path, None, None, message)])
    problems = []
    for role, label in ((KEY, "district key"), (NAME, "district name"), (AMOUNT, "amount")):
        found = header.columns.get(role, [])
        if len(found) > 1:
            names = ", ".join(f"'{name}'" for _, name in found)
            problems.append(
                Problem(path, grid[header.index][0], None, f"several {label} columns ({names}): keep only one")
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
        if not all(_blank(value) for value in (row.key, row.name, row.amount)):
            rows.append(row)
    return Table(path, key[1] if key else None, name[1] if name else None, amount[1], tuple(rows))


# --- amounts -------------------------------------------------------------------------------------

_GERMAN = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
_PLAIN = re.compile(r"\d+\.\d{1,2}")
_SPACED = re.compile(r"\d{1,3}(?: \d{3})+(?:,\d+)?")
_CURRENCY = re.compile(r"(€|\beuro?\b)", re.IGNORECASE)
HOW_TO_WRITE = "write it as 1.288.930,50 or 1288930.50"


def parse_amount(value: Any) -> Decimal:
    """An amount in euros from a table cell; ValueError with a readable reason when it is not one.

    Numbers from spreadsheet cells are taken as they are (a float off by less than a
    millionth of a cent from whole cents, as formulas produce, is rounded to the cent).
    """
    if isinstance(value, bool | dt.date | dt.time):  # dt.datetime is a dt.date
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        cents = amount.quantize(Decimal("0.01"))
        if abs(amount - cents) < Decimal("0.000001"):
            amount = cents
    elif isinstance(value, Decimal):
        amount = value
    else:
        amount = _parse_amount_text(str(value))
    try:
        return _EURO.validate_python(amount)
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{value!r}: {reason}") from None


def _parse_amount_text(raw: str) -> Decimal:
    text = _CURRENCY.sub("", raw).replace("\u00a0", " ").replace("\u202f", " ").strip()
    sign = ""
    if text and text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:].strip()
    if not text:
        raise ValueError(f"no amount in {raw!r}")
    if _SPACED.fullmatch(text):  # "1 288 930,50": spaces as thousands separators
        text = text.replace(" ", ".")
    try:
        if _PLAIN.fullmatch(text) and not _GERMAN.fullmatch(text):
            return Decimal(sign + text)
        if _GERMAN.fullmatch(text):
            if re.fullmatch(r"\d{1,3},\d{3}", text):
                raise ValueError(f"{raw!r} is ambiguous (thousands or decimals?); {HOW_TO_WRITE}")
            if "," in text and len(text.rsplit(",", 1)[1]) > 2:
                raise ValueError(f"{raw!r} has more than two decimal places")
            return parse_decimal(sign + text, locale="de_DE", strict=True)
    except (NumberFormatError, InvalidOperation):
        pass
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        raise ValueError(f"{raw!r} uses English notation, which could be misread; {HOW_TO_WRITE}")
    raise ValueError(f"cannot read the amount {raw!r}; {HOW_TO_WRITE}")


# --- districts -----------------------------------------------------------------------------------


def _split_prefix(text: str) -> tuple[Kind | None, str]:
    """'landkreis kassel' → (Landkreis, 'kassel'); the prefix tells which kind of district is meant."""
    for prefix in _PREFIX_ORDER:
        if text.startswith(prefix + " "):
            return _PREFIXES[prefix], text[len(prefix) + 1 :]
    return None, text


def _without_kreis(core: str) -> str:
    return re.sub(r" ?kreis$", "", core) or core


@dataclass(frozen=True)
class Resolution:
    slug: str | None
    error: str | None = None
    candidates: frozenset[str] = frozenset()


class DistrictIndex:
    """Finds a district by AGS, slug or name; a name fitting several districts is ambiguous."""

    def __init__(self, districts: Iterable[District]):
        self.by_slug = {d.slug: d for d in districts}
        self.by_ags = {d.ags: d.slug for d in self.by_slug.values()}
        self.exact: dict[str, set[str]] = {}
        self.cores: dict[str, set[str]] = {}
        for district in self.by_slug.values():
            # Only the full designation is exact: the slug 'offenbach' must not decide what 'Offenbach' means.
            self.exact.setdefault(_normalize(district.designation), set()).add(district.slug)
            for alias in (_normalize(district.designation), _normalize(district.slug)):
                _, core = _split_prefix(alias)
                for variant in (core, _without_kreis(core), core.removesuffix(" am main")):
                    self.cores.setdefault(variant, set()).add(district.slug)

    def label(self, slug: str) -> str:
        district = self.by_slug[slug]
        return f"{district.designation} ({district.ags})"

    def resolve(self, value: Any) -> Resolution:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        compact = re.sub(r"\s", "", text)
        if compact.isdigit():
            return self._by_ags(text, compact)
        return self._by_name(text)

    def _by_ags(self, text: str, digits: str) -> Resolution:
        if len(digits) == 4:  # a spreadsheet turned "06432" into the number 6432
            digits = "0" + digits
        if len(digits) != 5:
            return Resolution(None, f"'{text}' is not a 5-digit AGS (Kreisschlüssel such as 06432)")
        slug = self.by_ags.get(digits)
        if slug is None:
            return Resolution(None, f"AGS {digits} belongs to no district")
        return Resolution(slug, candidates=frozenset({slug}))

    def candidates(self, text: str) -> set[str]:
        if "," in text:  # "Kassel, Landkreis" (the Destatis order)
            name, _, qualifier = text.partition(",")
            text = f"{qualifier} {name}"
        normal = _normalize(text)
        if normal in self.exact:
            return set(self.exact[normal])
        kind, core = _split_prefix(normal)
        found = set(self.cores.get(core, set())) | self.cores.get(_without_kreis(core), set())
        return {slug for slug in found if kind is None or self.by_slug[slug].kind is kind}

    def _by_name(self, text: str) -> Resolution:
        found = self.candidates(text)
        if not found:
            return Resolution(None, f"'{text}' matches no district")
        if len(found) > 1:
            options = " or ".join(self.label(slug) for slug in sorted(found))
            return Resolution(
                None, f"'{text}' is ambiguous: {options}; write the full name or the AGS", frozenset(found)
            )
        slug = next(iter(found))
        return Resolution(slug, candidates=frozenset(found))


# --- the import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One district's budget as the table gives it, and as its data file had it."""

    slug: str
    designation: str
    ags: str
    row: int
    old: Decimal | None
    new: Decimal
    file: Path
    status: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass
class ImportReport:
    year: int
    table: Path
    changes: list[Change] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # districts the table lacks (only with partial)
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def _old_budget(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _only_budget_changed(before: str, after: str) -> bool:
    """True when every line but the top-level `budget:` line is byte-identical."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal" and not all(line.startswith("budget:") for line in old[i1:i2] + new[j1:j2]):
            return False
    return True


def _rows(table: Table, index: DistrictIndex, problems: list[Problem]) -> Iterator[tuple[Row, str, Decimal | None]]:
    """Each row whose district was found, with its amount (None when unreadable); every fault is a problem."""
    district_column = table.key_column or table.name_column
    for row in table.rows:
        label = row.name if not _blank(row.name) else row.key
        if not _blank(label) and _normalize(str(label)) in TOTAL_LABELS:
            continue  # the total row is checked against the sum below
        slug = None
        if _blank(row.key) and _blank(row.name):
            problems.append(Problem(table.path, row.number, district_column, "no district in this row"))
        elif not _blank(row.key):
            found = index.resolve(row.key)
            slug = found.slug
            if found.error:
                problems.append(Problem(table.path, row.number, table.key_column, found.error))
            elif not _blank(row.name) and slug not in index.resolve(row.name).candidates:
                message = f"AGS {row.key} is {index.label(slug)}, but the name says '{row.name}'"
                problems.append(Problem(table.path, row.number, table.name_column, message))
                slug = None
        else:
            found = index.resolve(row.name)
            slug = found.slug
            if found.error:
                problems.append(Problem(table.path, row.number, table.name_column, found.error))
        amount = None
        if _blank(row.amount):
            problems.append(Problem(table.path, row.number, table.amount_column, "no amount in this row"))
        else:
            try:
                amount = parse_amount(row.amount)
            except ValueError as exc:
                problems.append(Problem(table.path, row.number, table.amount_column, str(exc)))
        if slug is not None:
            yield row, slug, amount


def _total_problem(table: Table, amounts: Iterable[Decimal]) -> Problem | None:
    """A total row ('Summe', 'Gesamt', 'Hessen') must equal the sum of the rows above it."""
    for row in table.rows:
        label = row.name if not _blank(row.name) else row.key
        if _blank(label) or _normalize(str(label)) not in TOTAL_LABELS:
            continue
        try:
            total = parse_amount(row.amount)
        except ValueError as exc:
            return Problem(table.path, row.number, table.amount_column, f"total row: {exc}")
        rows_sum = sum(amounts, Decimal(0))
        if total != rows_sum:
            message = f"the total row says {euro(total)}, but the rows add up to {euro(rows_sum)}"
            return Problem(table.path, row.number, table.amount_column, message)
    return None


def import_budgets(
    paths: Paths, year: int, table_path: Path, *, partial: bool = False, dry_run: bool = False
) -> ImportReport:
    """Check the whole table against the year's districts, then write every budget, or nothing at all."""
    year = paths.resolve_year(year)
    dataset = load_year(paths.counties, year)
    problems = [p for p in dataset.problems if p.file is not None and p.file.parent.name == DISTRICTS_DIR]
    districts = [d for doc in dataset.districts.values() if (d := parse(doc, District, problems)) is not None]
    if problems:  # without sound master data no row can be matched reliably
        raise InputError(problems)
    index = DistrictIndex(districts)
    table = read_table(table_path)
    report = ImportReport(year=year, table=table_path)

    first_row: dict[str, int] = {}
    amounts: dict[str, tuple[Row, Decimal]] = {}
    for row, slug, amount in _rows(table, index, problems):
        if slug in first_row:
            message = f"{index.label(slug)} appears again (first in row {first_row[slug]})"
            problems.append(Problem(table.path, row.number, table.key_column or table.name_column, message))
            continue
        first_row[slug] = row.number
        if amount is not None:
            amounts[slug] = (row, amount)
    total = None if problems else _total_problem(table, (amount for _, amount in amounts.values()))
    if total:
        problems.append(total)

    year_dir = paths.counties / str(year)
    for slug in sorted(set(dataset.district_years) - set(first_row)):
        if slug not in index.by_slug:
            continue  # a year file without master data: `check` reports it
        if partial:
            report.missing.append(index.label(slug))
        else:
            problems.append(
                Problem(table.path, None, None, f"no row for {index.label(slug)} (use --partial to import only some)")
            )

    outputs: dict[Path, str] = {}
    for slug, (row, amount) in sorted(amounts.items()):
        path = year_dir / f"{slug}.yaml"
        district = index.by_slug[slug]
        if not path.is_file():
            problems.append(Problem(table.path, row.number, None, f"{index.label(slug)} has no data file {path}"))
            continue
        try:
            before = path.read_text(encoding="utf-8")
            data = yamledit.load(before)
        except (OSError, UnicodeDecodeError, YAMLError, ValueError) as exc:
            problems.append(Problem(path, None, None, f"cannot be read for editing: {exc}"))
            continue
        status = str(data.get("status", ""))
        change = Change(
            slug, district.designation, district.ags, row.number, _old_budget(data.get("budget")), amount, path, status
        )
        report.changes.append(change)
        if not change.changed:
            continue
        if status == Status.SIGNED:
            old = euro(change.old) if change.old is not None else "none"
            message = f"{slug} is signed: its budget ({old}) cannot change to {euro(amount)} (row {row.number})"
            problems.append(
                Problem(path, data.lc.key("budget")[0] + 1 if "budget" in data else None, "budget", message)
            )
            continue
        if status == Status.FOR_SIGNATURE:
            report.warnings.append(f"{slug} is out for signature: rebuild and resend its document")
        yamledit.set_after(data, yamledit.BUDGET, amount, after="source", comment=yamledit.BUDGET_COMMENT)
        if _OPEN_COMMENT.fullmatch(yamledit.eol_comment(data, yamledit.BUDGET) or ""):
            yamledit.set_eol_comment(data, yamledit.BUDGET, yamledit.BUDGET_COMMENT)
        after = yamledit.dump(data)
        if not _only_budget_changed(before, after):
            message = "the budget cannot be written without reformatting other lines; please enter it by hand"
            problems.append(Problem(path, None, "budget", message))
            continue
        outputs[path] = after

    if problems:
        raise InputError(problems)
    if not dry_run:
        yamledit.write_atomic(outputs)
        report.written = sorted(outputs)
    return report
