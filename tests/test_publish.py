"""The publication bundle for "Arbeitswelt Hessen": only signed, real agreements, checked, swapped in whole."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from agreement_gen.cli import run
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.publish.bundle import _total_problems
from agreement_gen.publish.overview import ascii_name, portal_file_name

from .conftest import edit_yaml
from .helpers import built_once, copy_project, folder_args, invoke, snapshot

DD_FILE = "Zielvereinbarung-AQB-2025-Landkreis-Darmstadt-Dieburg.pdf"
HT_FILE = "Zielvereinbarung-AQB-2025-Hochtaunuskreis.pdf"
SCRATCH = Path("/work/scratch")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_second_signed(counties: Path) -> None:
    """Test data only: Hochtaunus (example data in the repository) turned into a second signed agreement,
    so the bundle has more than one row, an amount with cents and a sort order to keep."""
    path = counties / "2025/hochtaunus.yaml"
    edit_yaml(path, "status: draft", "status: signed")
    edit_yaml(path, "source: example", "source: Testfall – zweite unterzeichnete Vereinbarung")
    edit_yaml(path, "  title: Landrat", "  name: Max Mustermann\n  title: Landrat")
    edit_yaml(
        path,
        "  date_pattern: dd.MM.yyyy",
        "  signed_on: 2025-09-01\n  date_pattern: dd.MM.yyyy\nministry_signature:\n  signed_on: 2025-08-20",
    )


def leftovers(year_out: Path) -> list[str]:
    return sorted(p.name for p in year_out.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def built_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Darmstadt-Dieburg (signed), Hochtaunus (signed test data) and Fulda (example draft), built once."""

    def make(root: Path) -> None:
        paths = copy_project(root)
        make_second_signed(paths.counties)
        assert run(["build", *folder_args(paths, "build"), "--only", "darmstadt-dieburg,hochtaunus,fulda"]) == 0

    return built_once(tmp_path_factory, "publish", make)


@pytest.fixture
def built(built_tree: Path, tmp_path: Path) -> Paths:
    """A private copy of the built tree (inputs are named relative to their folder, so it stays current)."""
    for name in ("counties", "templates", "build"):
        shutil.copytree(built_tree / name, tmp_path / name)
    return Paths(counties=tmp_path / "counties", templates=tmp_path / "templates", out=tmp_path / "build")


class Page(HTMLParser):
    """What the tests look at in index.html (or the browser's DOM of it)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, list[str]] = {}  # tag → its texts (title, h1, caption, th, td, a)
        self.rows: list[list[str]] = []  # tbody rows, cell texts
        self._open: list[str] = []
        self._section = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        if tag == "tr" and self._section == "tbody":
            self.rows.append([])
        if tag in ("title", "h1", "caption", "th", "td", "a", "desc"):
            self._open.append(tag)
            self.text.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()
            if tag in ("th", "td") and self._section == "tbody":
                self.rows[-1].append(" ".join(self.text[tag][-1].split()))

    def handle_data(self, data: str) -> None:
        for tag in self._open:
            self.text[tag][-1] += data

    def attrs(self, tag: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.tags if name == tag]


def check_page(page: Page, bundle: Path) -> None:
    """The accessibility and self-containment promises of index.html."""
    assert page.lang == "de"
    assert len(page.text["h1"]) == 1 and "2025" in page.text["h1"][0]
    assert page.text["title"][0].startswith("Zielvereinbarungen AQB 2025")
    assert page.text["caption"] == ["Unterzeichnete Zielvereinbarungen AQB 2025 mit Budget"]
    head = [a for a in page.attrs("th") if a.get("scope") == "col"]
    assert len(head) == 5
    assert not page.attrs("script") and not page.attrs("link") and not page.attrs("img") and not page.attrs("iframe")
    for tag, attributes in page.tags:
        for name in ("href", "src"):
            target = attributes.get(name)
            if target is None:
                continue
            parts = urlsplit(target)
            assert not parts.scheme and not parts.netloc, f"<{tag} {name}={target!r}> leaves the bundle"
            assert (bundle / unquote(parts.path)).is_file(), f"<{tag} {name}={target!r}> has no file in the bundle"
    svg = page.attrs("svg")
    assert len(svg) == 1 and svg[0]["role"] == "img" and svg[0]["aria-labelledby"]
    bars = [a for a in page.attrs("g") if a.get("aria-label")]
    assert [b["aria-label"] for b in bars] == [
        "Hochtaunuskreis: 873.450,50 Euro",
        "Landkreis Darmstadt-Dieburg: 1.288.930 Euro",
    ]
    assert "Hochtaunuskreis: 873.450,50 Euro" in page.text["desc"][0]


EXPECTED_ROWS = [
    ["Hochtaunuskreis", "06434", "873.450,50 Euro", "01.09.2025", "Zielvereinbarung Hochtaunuskreis (PDF, 3 Seiten,"],
    [
        "Landkreis Darmstadt-Dieburg",
        "06432",
        "1.288.930 Euro",
        "11.08.2025",
        "Zielvereinbarung Landkreis Darmstadt-Dieburg (PDF, 3 Seiten,",
    ],
]


def check_rows(rows: list[list[str]]) -> None:
    assert len(rows) == len(EXPECTED_ROWS)
    for row, expected in zip(rows, EXPECTED_ROWS, strict=True):
        assert row[:4] == expected[:4]
        assert row[4].startswith(expected[4]) and row[4].endswith(" KB)")


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("designation", "name"),
    [
        ("Landkreis Darmstadt-Dieburg", "Landkreis-Darmstadt-Dieburg"),
        ("Kreis Bergstraße", "Kreis-Bergstrasse"),
        ("Landkreis Gießen", "Landkreis-Giessen"),
        ("Werra-Meißner-Kreis", "Werra-Meissner-Kreis"),
        ("Stadt Frankfurt am Main", "Stadt-Frankfurt-am-Main"),
        ("Übach (Ölmühle) – Süd / Nord", "Uebach-Oelmuehle-Sued-Nord"),
        ("Café René, St. Äbtissin", "Cafe-Rene-St-Aebtissin"),
    ],
)
def test_ascii_name_spells_out_umlauts_and_drops_punctuation(designation, name):
    assert ascii_name(designation) == name


def test_every_district_of_2025_gets_a_distinct_safe_file_name(project):
    names = [portal_file_name(a) for a in plan_year(project, 2025).agreements]
    assert len(set(names)) == 26
    assert DD_FILE in names
    for name in names:
        assert name.isascii() and " " not in name and name.startswith("Zielvereinbarung-AQB-2025-"), name


# --- checks that need no build -------------------------------------------------------------------------


def test_nothing_built_yet_stops_with_run_make_build(project, capsys):
    code, _, err = invoke(project, capsys, "publish")
    assert code == 2
    assert "darmstadt-dieburg: not built yet" in err and "run `make build` first" in err
    assert not (project.out / "2025" / "publish").exists()


def test_no_signed_agreement_is_exit_2_not_an_empty_bundle(project, capsys):
    edit_yaml(project.counties / "2025/darmstadt-dieburg.yaml", "status: signed", "status: draft")
    code, _, err = invoke(project, capsys, "publish")
    assert code == 2
    assert "no signed agreement to publish for 2025 (25 example data, 1 status draft)" in " ".join(err.split())
    assert not (project.out / "2025" / "publish").exists()


def test_a_docx_only_build_is_not_publishable(project, capsys):
    assert invoke(project, capsys, "build", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    code, _, err = invoke(project, capsys, "publish")
    assert code == 2 and "built without a PDF" in err


def test_total_budget_is_the_sum_of_all_districts(project):
    year_file = project.counties / "2025/_year.yaml"
    total = sum(a.data.budget for a in plan_year(project, 2025).agreements)
    assert total > 0
    original = year_file.read_text(encoding="utf-8")
    year_file.write_text(original + f"total_budget: {total}\n", encoding="utf-8")
    notes: list[str] = []
    assert _total_problems(plan_year(project, 2025), notes) == [] and notes == []
    year_file.write_text(original + f"total_budget: {total + Decimal('0.01')}\n", encoding="utf-8")
    (problem,) = _total_problems(plan_year(project, 2025), notes)
    assert problem.field == "total_budget" and problem.line == original.count("\n") + 1
    assert "difference 0,01 Euro" in problem.message


# --- the bundle ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bundle_has_the_signed_agreements_only_byte_identical(built, capsys):
    code, out, err = invoke(built, capsys, "publish")
    assert code == 0, err
    assert "2025: 2 agreements published (2.162.380,50 Euro)" in out
    year_out = built.out / "2025"
    bundle = year_out / "publish"
    assert sorted(p.name for p in bundle.iterdir()) == sorted(
        [DD_FILE, HT_FILE, "SHA256SUMS.txt", "index.html", "uebersicht.csv", "uebersicht.xlsx"]
    )
    assert not any("fulda" in p.name.lower() for p in bundle.iterdir())
    manifest = json.loads((year_out / "manifest.json").read_text(encoding="utf-8"))
    for slug, name in (("darmstadt-dieburg", DD_FILE), ("hochtaunus", HT_FILE)):
        published = (bundle / name).read_bytes()
        assert published == (year_out / f"{slug}.pdf").read_bytes()
        assert hashlib.sha256(published).hexdigest() == manifest["districts"][slug]["outputs"]["pdf"]["sha256"]
    assert leftovers(year_out) == []
    assert (bundle.stat().st_mode & 0o777) == 0o755


@pytest.mark.slow
def test_sha256sums_verifies_with_coreutils(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    result = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS.txt"], cwd=bundle, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checked = sorted(line.split(":")[0] for line in result.stdout.splitlines())
    assert checked == sorted(p.name for p in bundle.iterdir() if p.name != "SHA256SUMS.txt")


@pytest.mark.slow
def test_overview_csv_and_xlsx(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    raw = (bundle / "uebersicht.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == [
        "Kreis/Stadt",
        "AGS",
        "Status",
        "Budget (Euro)",
        "Maßnahmenart 1: Ausbildungsvorbereitung",
        "Maßnahmenart 2: Ausbildung und Ausbildungscoaching in anerkannten Ausbildungsberufen",
        "Maßnahmenart 3: Qualifizierungsprojekte zur Arbeitsmarktintegration, Fachkräftesicherung",
        "Maßnahmenart 4: Weiterbildungsmaßnahmen für Personal der Landkreise und kreisfreien Städte in der "
        "fachlichen Verantwortung für Benachteiligte im Kontext der Arbeitsmarktförderung",
        "Datei",
    ]
    assert rows[1:] == [
        [
            "Hochtaunuskreis",
            "06434",
            "unterzeichnet",
            "873450,50",
            "",
            "Teilzeitausbildung in Pflege und Erziehung | Ausbildungsbegleitung im Hotel- und Gaststättengewerbe",
            "Qualifizierung zur Alltagsbegleitung",
            "",
            HT_FILE,
        ],
        [
            "Landkreis Darmstadt-Dieburg",
            "06432",
            "unterzeichnet",
            "1288930",
            "",
            "KarriereZeit - individuelle Beratung Teilzeitausbildungen | SoWirt's",
            'Sprachförderung LevelPlus | Sprache erlernen im Arbeitsweltkontext "SPEAK"',
            "BASS Studiengang",
            DD_FILE,
        ],
    ]
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(bundle / "uebersicht.xlsx").active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == rows[0]
    assert values[1][:4] == ["Hochtaunuskreis", "06434", "unterzeichnet", 873450.5]
    assert values[2][3] == 1288930 and values[2][-1] == DD_FILE


@pytest.mark.slow
def test_index_html_is_accessible_and_self_contained(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    text = (bundle / "index.html").read_text(encoding="utf-8")
    page = Page(text)
    check_page(page, bundle)
    check_rows(page.rows)
    assert "2.162.380,50 Euro" in page.text["td"]  # the year's total of the published agreements
    assert "Stand: 01.09.2025" in text  # the last signature, not the wall clock
    assert "Fulda" not in text and "MUSTER" not in text and "example" not in text


@pytest.mark.slow
def test_index_html_speaks_to_citizens(built, capsys):
    """No internal version or hash, no shell command; the checksums explained in words, one date style."""
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    text = (bundle / "index.html").read_text(encoding="utf-8")
    assert "agreement-gen" not in text and "0.1.0" not in text and "sha256sum" not in text
    assert not re.search(r"\b[0-9a-f]{12,}\b", text)  # no generator hash, no checksum on the page itself
    assert '<a href="SHA256SUMS.txt">' in text
    assert "ob eine heruntergeladene Datei unverändert ist" in text
    months = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    assert not re.search(rf"\d{{1,2}}\. ({months})", text)  # one style: 01.09.2025 everywhere
    assert "<td>01.09.2025</td>" in text or "<td>11.08.2025</td>" in text


@pytest.mark.slow
def test_publishing_twice_gives_the_same_bytes(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    first = snapshot(built.out / "2025" / "publish")
    assert invoke(built, capsys, "publish")[0] == 0
    assert snapshot(built.out / "2025" / "publish") == first
    assert leftovers(built.out / "2025") == []


# --- refusals leave the earlier bundle untouched -------------------------------------------------------------


@pytest.mark.slow
def test_a_stage_preview_is_not_published(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    before = snapshot(bundle)
    assert invoke(built, capsys, "build", "--only", "darmstadt-dieburg", "--stage", "for_signature")[0] == 0
    code, _, err = invoke(built, capsys, "publish")
    assert code == 2
    assert "darmstadt-dieburg: the built document is a 'for_signature' preview" in err
    assert "run `make build` first" in err
    assert snapshot(bundle) == before
    assert leftovers(built.out / "2025") == []


@pytest.mark.slow
def test_total_budget_mismatch_stops_and_keeps_the_earlier_bundle(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    before = snapshot(bundle)
    with (built.counties / "2025/_year.yaml").open("a", encoding="utf-8") as handle:
        handle.write("total_budget: 1000000\n")
    code, _, err = invoke(built, capsys, "publish")
    assert code == 2
    flat = " ".join(err.split())
    assert "field 'total_budget'" in flat
    assert "not to the year's total of 1.000.000 Euro" in flat
    assert snapshot(bundle) == before
    assert leftovers(built.out / "2025") == []


@pytest.mark.slow
def test_missing_pdf_says_run_make_build_first(built, capsys):
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    before = snapshot(bundle)
    (built.out / "2025" / "darmstadt-dieburg.pdf").unlink()
    code, _, err = invoke(built, capsys, "publish")
    assert code == 2
    assert "darmstadt-dieburg: the PDF is missing" in err and "run `make build` first" in err
    assert snapshot(bundle) == before


@pytest.mark.slow
def test_a_pdf_changed_after_the_build_is_refused(built, capsys):
    pdf = built.out / "2025" / "darmstadt-dieburg.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% touched", 1))
    code, _, err = invoke(built, capsys, "publish")
    assert code == 2 and "the PDF changed after manifest.json was written" in err
    assert not (built.out / "2025" / "publish").exists()


@pytest.mark.slow
def test_changed_data_makes_the_build_stale(built, capsys):
    edit_yaml(built.counties / "2025/darmstadt-dieburg.yaml", "BASS Studiengang", "BASS-Studiengang")
    code, _, err = invoke(built, capsys, "publish")
    assert code == 2 and "darmstadt-dieburg: built from other inputs" in err


@pytest.mark.slow
def test_a_marked_pdf_is_never_published_even_with_a_matching_manifest(built, capsys):
    """Belt and braces: a draft's PDF smuggled in under a signed district's name, manifest patched to match."""
    year_out = built.out / "2025"
    draft = (year_out / "fulda.pdf").read_bytes()
    (year_out / "darmstadt-dieburg.pdf").write_bytes(draft)
    manifest = json.loads((year_out / "manifest.json").read_text(encoding="utf-8"))
    manifest["districts"]["darmstadt-dieburg"]["outputs"]["pdf"].update(
        sha256=hashlib.sha256(draft).hexdigest(), size=len(draft)
    )
    (year_out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = invoke(built, capsys, "publish")
    assert code == 2 and "the PDF is marked ENTWURF and MUSTER – Beispieldaten" in " ".join(err.split())


# --- in a real browser -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_index_html_in_headless_chromium(built, capsys, tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: `make test` installs it (WITH_BROWSER=1 scripts/ensure-system-deps.sh)"
    assert invoke(built, capsys, "publish")[0] == 0
    bundle = built.out / "2025" / "publish"
    url = (bundle / "index.html").as_uri()
    profile = tmp_path / "chromium-profile"

    def browse(*args: str) -> subprocess.CompletedProcess[str]:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    dom = browse("--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    check_page(page, bundle)
    check_rows(page.rows)

    screenshot = tmp_path / "publish-screenshot.png"
    shot = browse(f"--screenshot={screenshot}", "--window-size=1280,1600")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and screenshot.stat().st_size > 10_000
    if SCRATCH.is_dir():
        shutil.copyfile(screenshot, SCRATCH / "publish-screenshot.png")
