"""import-budgets: the ministry's table into the year files – every row good, or nothing written."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from ruamel.yaml import YAML

from agreement_gen import output
from agreement_gen.data.load import load_year
from agreement_gen.data.models import District
from agreement_gen.data.validate import parse
from agreement_gen.editors.budgets import DistrictIndex, classify_header, import_budgets, parse_amount

from .conftest import ROOT, edit_yaml
from .helpers import snapshot

# AGS → amount as the ministry might write it (German notation), and the value it means.
AMOUNTS = {
    "06431": ("1.105.200", 1105200),
    "06432": ("1.300.000", 1300000),
    "06411": ("987.650,50 €", Decimal("987650.50")),
    "06412": ("3.402.000", 3402000),
    "06631": ("931500,5", Decimal("931500.50")),
    "06531": ("1.000.000,00", 1000000),
    "06433": ("845.300", 845300),
    "06632": ("512.800", 512800),
    "06434": ("701.450", 701450),
    "06438": ("1.210.000", 1210000),
    "06532": ("998.100", 998100),
    "06633": ("640.000", 640000),
    "06533": ("702.300", 702300),
    "06435": ("1.650.900", 1650900),
    "06436": ("688.000", 688000),
    "06534": ("1.020.750", 1020750),
    "06437": ("402.000", 402000),
    "06413": ("1.480.000", 1480000),
    "06439": ("590.300", 590300),
    "06634": ("733.000", 733000),
    "06611": ("1.390.400", 1390400),
    "06535": ("455.600", 455600),
    "06635": ("610.200", 610200),
    "06636": ("398.700", 398700),
    "06440": ("1.099.000", 1099000),
    "06414": ("2.100.000", 2100000),
}


def read(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def write_csv(path: Path, rows: list[str], bom: bool = True) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + ("\r\n".join(rows) + "\r\n").encode("utf-8"))
    return path


def ags_csv(path: Path, **replace: str) -> Path:
    """A complete table by AGS, ';'-separated, German amounts; `replace` swaps the amount of one AGS."""
    rows = ["AGS;Landkreis/Stadt;Betrag"]
    rows += [f"{ags};;{replace.get('a' + ags, text)}" for ags, (text, _) in AMOUNTS.items()]
    return write_csv(path, rows)


@pytest.fixture
def year2026(project, cli):
    code, _, err = cli("new-year", "2026")
    assert code == 0, err
    return project.counties / "2026"


@pytest.fixture
def index() -> DistrictIndex:
    dataset = load_year(ROOT / "counties", 2025)
    return DistrictIndex(parse(doc, District, []) for doc in dataset.districts.values())


def slug_of(folder: Path, ags: str) -> str:
    districts = folder.parent / "districts"
    return next(p.stem for p in districts.glob("*.yaml") if read(p)["ags"] == ags)


def test_csv_by_ags_with_german_amounts(project, cli, year2026, tmp_path):
    before = snapshot(year2026)
    code, out, err = cli("import-budgets", str(ags_csv(tmp_path / "budgets.csv")), "--year", "2026")
    assert code == 0, err
    assert "26 districts written" in out
    assert "Landkreis Darmstadt-Dieburg" in out and "[Betrag offen]" in out and "1.300.000 Euro" in out
    for ags, (_, value) in AMOUNTS.items():
        path = year2026 / f"{slug_of(year2026, ags)}.yaml"
        assert Decimal(str(read(path)["budget"])) == Decimal(value), path.name
        old, new = before[path.name].decode().splitlines(), path.read_text(encoding="utf-8").splitlines()
        assert len(old) == len(new)
        changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert len(changed) == 1 and changed[0][1].startswith("budget: "), changed  # only the budget line
    dd = (year2026 / "darmstadt-dieburg.yaml").read_text(encoding="utf-8")
    assert "budget: 1300000             # Euro\n" in dd  # column of the comment kept, placeholder gone
    assert "budget: 987650.50" in (year2026 / "darmstadt.yaml").read_text(encoding="utf-8")
    assert not [p for p in year2026.iterdir() if p.name.startswith(".")], "temporary file left behind"

    code, out, err = cli("check", "--year", "2026")
    assert code == 0, err
    assert "budget missing" not in out

    code, out, _ = cli("import-budgets", str(tmp_path / "budgets.csv"), "--year", "2026")
    assert code == 0 and "0 districts written, 26 unchanged" in out


def test_xlsx_by_name(project, cli, year2026, tmp_path):
    designations = {read(p)["ags"]: read(p)["designation"] for p in (project.counties / "districts").glob("*.yaml")}
    names = dict(designations)
    names["06432"] = "Darmstadt-Dieburg"  # without "Landkreis"
    names["06411"] = "Darmstadt"  # the city, not Darmstadt-Dieburg
    names["06633"] = "Landkreis Kassel"
    names["06611"] = "Kassel, Stadt"
    names["06413"] = "Offenbach am Main"
    names["06531"] = "Giessen"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["AQB 2026 – Zuweisungen an die Kreise und kreisfreien Städte"])  # a title above the header
    sheet.append([])
    sheet.append(["Nr.", "Kreis / kreisfreie Stadt", "Mittel 2026 (Euro)", "Bemerkung"])
    for number, (ags, (_, value)) in enumerate(AMOUNTS.items(), start=1):
        amount = float(value) if isinstance(value, Decimal) else value
        sheet.append([number, names[ags], amount, ""])
    sheet.append([None, "Summe", float(sum(Decimal(v) for _, v in AMOUNTS.values())), None])
    workbook.save(tmp_path / "budgets.xlsx")

    code, out, err = cli("import-budgets", str(tmp_path / "budgets.xlsx"), "--year", "2026")
    assert code == 0, err
    assert "26 districts written" in out
    assert read(year2026 / "darmstadt.yaml")["budget"] == 987650.5
    assert read(year2026 / "darmstadt-dieburg.yaml")["budget"] == 1300000
    assert read(year2026 / "stadt-kassel.yaml")["budget"] == 1390400
    assert read(year2026 / "landkreis-kassel.yaml")["budget"] == 640000


def test_an_unmatched_row_changes_nothing(project, cli, year2026, tmp_path):
    rows = ags_csv(tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()
    rows.insert(5, "06999;Atlantis;100.000")
    before = snapshot(project.counties)
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2026")
    assert code == 2
    assert "b.csv:6, field 'AGS': AGS 06999 belongs to no district" in err
    assert "nothing was written" in err
    assert snapshot(project.counties) == before


def test_an_unreadable_amount_names_row_and_value(project, cli, year2026, tmp_path):
    table = ags_csv(tmp_path / "b.csv", a06631="931.50O", a06432="1,288,930.50")
    before = snapshot(project.counties)
    code, _, err = cli("import-budgets", str(table), "--year", "2026")
    assert code == 2
    assert "b.csv:6, field 'Betrag': cannot read the amount '931.50O'" in err
    assert "b.csv:3, field 'Betrag': '1,288,930.50' uses English notation" in err
    assert snapshot(project.counties) == before


def test_an_ambiguous_name_is_refused(project, cli, year2026, tmp_path):
    rows = ["Kreis;Budget", "Offenbach;1.000.000", "Kassel;2.000.000"]
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2026", "--partial")
    assert code == 2
    assert (
        "b.csv:2, field 'Kreis': 'Offenbach' is ambiguous: Kreis Offenbach (06438) or Stadt Offenbach am Main (06413)"
        in err
    )
    assert "b.csv:3, field 'Kreis': 'Kassel' is ambiguous" in err


def test_duplicates_and_missing_districts_are_errors(project, cli, year2026, tmp_path):
    rows = ["AGS,Betrag", '06432,"1.300.000,00"', "06631,931500.50", "06 432,1300000"]
    table = write_csv(tmp_path / "b.csv", rows, bom=False)
    before = snapshot(project.counties)
    code, _, err = cli("import-budgets", str(table), "--year", "2026")
    assert code == 2
    assert "b.csv:4, field 'AGS': Landkreis Darmstadt-Dieburg (06432) appears again (first in row 2)" in err
    assert "no row for Landkreis Gießen (06531) (use --partial" in err
    assert snapshot(project.counties) == before

    write_csv(table, rows[:3], bom=False)
    code, out, err = cli("import-budgets", str(table), "--year", "2026", "--partial")
    assert code == 0, err
    assert "2 districts written" in out and "not in the table, left as they are" in out
    assert read(year2026 / "fulda.yaml")["budget"] == 931500.5
    assert read(year2026 / "giessen.yaml")["budget"] is None


def test_key_and_name_must_agree(project, cli, year2026, tmp_path):
    rows = ["Schlüssel;Name;Betrag", "06432;Fulda;1.000.000"]
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2026", "--partial")
    assert code == 2
    assert "AGS 06432 is Landkreis Darmstadt-Dieburg (06432), but the name says 'Fulda'" in err


def test_a_wrong_total_row_is_an_error(project, cli, year2026, tmp_path):
    rows = ["AGS;Betrag", "06432;1.300.000", "06631;931.500", "Summe;2.000.000"]
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2026", "--partial")
    assert code == 2
    assert "b.csv:4, field 'Betrag': the total row says 2.000.000 Euro, but the rows add up to 2.231.500 Euro" in err


def test_a_signed_budget_is_not_changed(project, cli, tmp_path):
    rows = ["AGS;Betrag", "06432;1.300.000"]
    before = snapshot(project.counties)
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2025", "--partial")
    assert code == 2
    assert "darmstadt-dieburg is signed: its budget (1.288.930 Euro) cannot change to 1.300.000 Euro" in err
    assert snapshot(project.counties) == before
    write_csv(tmp_path / "b.csv", ["AGS;Betrag", "06432;1.288.930"])
    code, out, _ = cli("import-budgets", str(tmp_path / "b.csv"), "--year", "2025", "--partial")
    assert code == 0 and "0 districts written, 1 unchanged" in out


def test_a_missing_budget_key_is_added_after_source(project, cli, year2026, tmp_path):
    fulda = year2026 / "fulda.yaml"
    edit_yaml(fulda, "budget:                     # Euro – Haushaltsmittel 2026 eintragen\n", "")
    before = fulda.read_text(encoding="utf-8")
    rows = ["Landkreis;Betrag", "Landkreis Fulda;931.500"]
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2026", "--partial")
    assert code == 0, err
    after = fulda.read_text(encoding="utf-8").splitlines()
    position = after.index("source: example") + 1
    assert re.fullmatch(r"budget: 931500 +# Euro", after[position]), after[position]
    assert after[:position] + after[position + 1 :] == before.splitlines()


def test_dry_run_writes_nothing(project, cli, year2026, tmp_path):
    before = snapshot(project.counties)
    code, out, _ = cli("import-budgets", str(ags_csv(tmp_path / "b.csv")), "--year", "2026", "--dry-run")
    assert code == 0 and "26 districts would change" in out
    assert snapshot(project.counties) == before


def test_a_table_without_usable_header(project, cli, year2026, tmp_path):
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", ["a;b", "1;2"])), "--year", "2026")
    assert code == 2 and "no header row" in err
    rows = ["AGS;Budget 2025;Budget 2026", "06432;1;2"]
    code, _, err = cli("import-budgets", str(write_csv(tmp_path / "b.csv", rows)), "--year", "2026")
    assert code == 2 and "several amount columns ('Budget 2025', 'Budget 2026')" in err
    (tmp_path / "b.csv").write_bytes("AGS;Betrag\n06432;1.300.000 \x80\n".encode("latin-1"))
    code, _, err = cli("import-budgets", str(tmp_path / "b.csv"), "--year", "2026")
    assert code == 2 and "not UTF-8" in err


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.288.930", Decimal("1288930")),
        ("1.288.930,50", Decimal("1288930.50")),
        ("1.288.930,50 €", Decimal("1288930.50")),
        ("EUR 1.288.930", Decimal("1288930")),
        ("1288930,5", Decimal("1288930.5")),
        ("1288930.50", Decimal("1288930.50")),
        ("1 288 930,50", Decimal("1288930.50")),
        ("1.288", Decimal("1288")),  # a dot and three digits: German thousands separator
        (1288930, Decimal("1288930")),
        (873450.5, Decimal("873450.50")),
        (873450.4999999999, Decimal("873450.50")),  # float noise from a spreadsheet formula
    ],
)
def test_amounts_that_are_read(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,288", "ambiguous"),
        ("1,288,930.50", "English notation"),
        ("1288.930", "cannot read"),
        ("1.288.930,505", "more than two decimal places"),
        ("1288930.505", "cannot read"),
        ("zwölf", "cannot read"),
        ("-5", "must be greater than 0 Euro"),
        ("0", "must be greater than 0 Euro"),
        ("250.000.000", "implausibly large"),
        (True, "not an amount"),
    ],
)
def test_amounts_that_are_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Darmstadt", "darmstadt"),
        ("Darmstadt-Dieburg", "darmstadt-dieburg"),
        ("Landkreis Darmstadt-Dieburg", "darmstadt-dieburg"),
        ("LANDKREIS DARMSTADT-DIEBURG", "darmstadt-dieburg"),
        ("Stadt Darmstadt", "darmstadt"),
        ("Stadt Kassel", "stadt-kassel"),
        ("Kreis Kassel", "landkreis-kassel"),
        ("Kassel, Landkreis", "landkreis-kassel"),
        ("Kreis Offenbach", "kreis-offenbach"),
        ("Landkreis Offenbach", "kreis-offenbach"),
        ("Stadt Offenbach am Main", "offenbach"),
        ("Offenbach am Main", "offenbach"),
        ("Bergstrasse", "bergstrasse"),
        ("Landkreis Bergstraße", "bergstrasse"),
        ("Hochtaunus", "hochtaunus"),
        ("Werra-Meissner", "werra-meissner"),
        ("main-kinzig", "main-kinzig"),
        ("06432", "darmstadt-dieburg"),
        ("06 432", "darmstadt-dieburg"),
        (6432, "darmstadt-dieburg"),  # a spreadsheet dropped the leading zero
    ],
)
def test_districts_are_found(index, text, slug):
    assert index.resolve(text).slug == slug


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Offenbach", "ambiguous"),
        ("Kassel", "ambiguous"),
        ("Landkreis Darmstadt", "matches no district"),
        ("Stadt Gießen", "matches no district"),
        ("06432000", "not a 5-digit AGS"),
        ("06999", "belongs to no district"),
    ],
)
def test_districts_that_are_not_found(index, text, reason):
    found = index.resolve(text)
    assert found.slug is None and reason in found.error


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("AGS", "key"),
        ("Kreisschlüssel", "key"),
        ("Landkreis/Stadt", "name"),
        ("District", "name"),
        ("name", "name"),
        ("Betrag (€)", "amount"),
        ("Mittel 2026", "amount"),
        ("Amount", "amount"),
        ("Nr.", None),
        ("Bemerkung", None),
    ],
)
def test_headers_are_recognised(header, role):
    assert classify_header(header) == role


def test_a_failure_while_writing_changes_no_file(project, cli, year2026, tmp_path, monkeypatch):
    calls = []

    def failing_copymode(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError("disk full")

    monkeypatch.setattr(output.shutil, "copymode", failing_copymode)
    before = snapshot(project.counties)
    with pytest.raises(OSError, match="disk full"):
        import_budgets(project, 2026, ags_csv(tmp_path / "b.csv"))
    assert snapshot(project.counties) == before  # staged files removed, no file replaced
