"""The clerk's friction: commands instead of YAML edits, German output, hints that name the real mistake."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from ruamel.yaml import YAML

from agreement_gen.cli import run
from agreement_gen.commands.options import parse_date, parse_dates
from agreement_gen.data.paths import Paths

from .conftest import ROOT, edit_yaml, reopen_2025
from .helpers import folder_args, snapshot
from .test_import_budgets import ags_csv


def folders(project: Paths, verb: str) -> list[str]:
    return folder_args(project, verb)


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    return " ".join(text.split())


def read(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


# --- German by default, English on request -------------------------------------------------------------


def test_output_is_german_by_default_and_english_on_request(project, capsys, monkeypatch):
    monkeypatch.delenv("AGREEMENT_GEN_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, out, _ = invoke(capsys, "check", *folders(project, "check"))
    assert code == 0
    assert "2025: 26 Kreise gültig, die Vorlage lässt sich für alle füllen" in out
    assert "Entwurf → zur Unterschrift" in out
    code, out, _ = invoke(capsys, "--lang", "en", "check", *folders(project, "check"))
    assert "2025: 26 districts valid, template renders for all" in out
    assert "draft → for_signature" in out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, _ = invoke(capsys, "check", *folders(project, "check"))
    assert "26 districts valid" in out


def test_status_and_check_name_what_is_missing_in_german(project, capsys, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = invoke(capsys, "status", *folders(project, "status"))
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert "Unterzeichner, echte Zahlen (Beispieldaten)" in rows["fulda"]
    assert "von Hand eingetragen" in rows["darmstadt-dieburg"]
    assert "2025: 26 Kreise (25 Entwurf, 1 unterschrieben); 1 zurück, 0 veröffentlicht" in flat(out)
    assert "real figures" not in out and "entered by hand" not in out
    code, out, _ = invoke(capsys, "check", *folders(project, "check"))
    assert "signatory.name fehlt, echte Zahlen fehlen (mit source: example bleibt es ein Entwurf)" in flat(out)


def test_check_reports_validation_errors_in_german(project, capsys, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    fulda = project.counties / "2025" / "fulda.yaml"
    edit_yaml(fulda, "status: draft ", "status: for_signature ")
    code, _, err = invoke(capsys, "check", *folders(project, "check"))
    assert code == 2
    assert "Feld 'status': Beispieldaten (source: example) müssen 'draft' (Entwurf) bleiben" in err
    assert "Feld 'signatory.name': ein Dokument im Status 'for_signature' braucht den Namen" in err
    edit_yaml(fulda, "budget: 931500 ", "budget: 0      ")
    code, _, err = invoke(capsys, "check", *folders(project, "check"))
    assert code == 2 and "Feld 'budget': muss größer als 0 Euro sein" in err


def test_receive_refuses_in_german(project, capsys, monkeypatch, tmp_path):
    import pikepdf

    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    stranger = tmp_path / "fremd.pdf"
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.save(stranger)
    code, _, err = invoke(capsys, "receive", str(stranger), *folders(project, "receive"))
    assert code == 2
    assert "fremd.pdf: wurde nicht von agreement-gen erzeugt: seine Metadaten nennen keinen Kreis" in flat(err)
    code, _, err = invoke(
        capsys, "receive", "--paper", "fulda", "--signed-on", "2.8.2025,11.8.2025", *folders(project, "receive")
    )
    assert code == 2 and "fulda steht noch auf 'draft': zuerst `status: for_signature` setzen" in flat(err)


def test_help_lists_the_verbs_in_the_order_of_the_year(capsys, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    code, out, _ = invoke(capsys, "--help")
    assert code == 0
    assert "Aufruf: agreement-gen [OPTIONEN] BEFEHL [ARGUMENTE]..." in out
    year_section = out.split("Das Haushaltsjahr, Schritt für Schritt:")[1].split("Für die Redaktion der Vorlage:")[0]
    verbs = [line.split()[0] for line in year_section.splitlines() if line.startswith("  ") and line.split()]
    steps = ["new-year", "import-budgets", "mark-real", "signatory", "check", "build", "receive", "publish"]
    assert [verb for verb in verbs if verb in steps] == steps
    for line in year_section.splitlines():
        assert len(line) <= 80
    assert "mark-real       Zahlen als echt kennzeichnen, mit ihrer Quelle" in out
    assert "Für die Redaktion der Vorlage:" in out and "preview" in out.split("Für die Redaktion")[1]


# --- did you mean --------------------------------------------------------------------------------------


def test_a_mistyped_verb_gets_a_suggestion(capsys, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    code, _, err = invoke(capsys, "bild")
    assert code == 2
    assert "Kein solcher Befehl 'bild'. Meinten Sie 'build'?" in err
    code, _, err = invoke(capsys, "--lang", "en", "recieve")
    assert code == 2 and "No such command 'recieve'. (Did you mean one of: 'receive', 'unreceive'?)" in err


def test_a_mistyped_slug_gets_a_suggestion(project, capsys):
    code, _, err = invoke(capsys, "build", *folders(project, "build"), "--only", "giesen", "--formats", "docx")
    assert code == 2
    assert "no district 'giesen' in 2025 – did you mean 'giessen'?" in err
    assert not project.out.exists()
    code, _, err = invoke(capsys, "mark-real", "kassel", "--source", "Erlass", *folders(project, "mark-real"))
    assert code == 2
    assert "no district 'kassel' – did you mean 'landkreis-kassel' or 'stadt-kassel'?" in err


# --- outside the project -------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["build", "check", "list", "status", "mark-real"])
def test_outside_the_project_one_sentence_names_counties(verb, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = ["--all", "--source", "Erlass"] if verb == "mark-real" else []
    code, out, err = invoke(capsys, verb, *extra)
    assert code == 2
    assert f"there is no data folder 'counties' in {tmp_path}" in err
    assert "run agreement-gen in the project folder" in err and "--counties DIR" in err
    assert "Traceback" not in err + out


def test_a_data_folder_without_a_year_says_how_to_start_one(tmp_path, capsys):
    (tmp_path / "counties").mkdir()
    code, _, err = invoke(capsys, "check", "--counties", str(tmp_path / "counties"))
    assert code == 2
    assert "has no fiscal year yet" in err and "agreement-gen new-year YEAR" in err


# --- German dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("20.11.2026", dt.date(2026, 11, 20)),
        ("1.8.2025", dt.date(2025, 8, 1)),
        ("01.08.2025", dt.date(2025, 8, 1)),
        ("2026-11-20", dt.date(2026, 11, 20)),
        (" 3.2.2026 ", dt.date(2026, 2, 3)),
    ],
)
def test_dates_as_a_clerk_types_them(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("31.02.2026", "'31.02.2026' is not a day of the calendar"),
        ("20/11/2026", "'20/11/2026' is not a date; write it as 20.11.2026 (or 2026-11-20)"),
        ("20.11.26", "'20.11.26' is not a date"),
    ],
)
def test_impossible_dates_are_refused_with_a_sentence(text, sentence):
    with pytest.raises(ValueError, match=sentence.replace("(", r"\(").replace(")", r"\)")):
        parse_date(text)


def test_two_dates_for_the_paper_route():
    assert parse_dates("20.11.2026,2026-11-25", 2) == [dt.date(2026, 11, 20), dt.date(2026, 11, 25)]
    with pytest.raises(ValueError, match="give 2 dates separated by a comma"):
        parse_dates("20.11.2026", 2)


# --- YAML hints with the line that is really wrong -----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "budget: 931500",
            "budget:931500",
            "fulda.yaml:6: YAML syntax error: 'budget:931500' needs a space after the colon: 'budget: 931500'",
        ),
        (
            "  title: Landrat",
            "  title:Landrat",
            "fulda.yaml:16: YAML syntax error: 'title:Landrat' needs a space after the colon: 'title: Landrat'",
        ),
        (
            "  title: Landrat",
            "  title: Landrat: in Vertretung",
            "fulda.yaml:16: YAML syntax error: a ': ' inside a value makes YAML read a new field; "
            'put the value in quotes: title: "Landrat: in Vertretung"',
        ),
        (
            "    - Teilzeitausbildung in der Pflege",
            "    - Teilzeit: Pflege",
            "fulda.yaml:11, field 'projects.2.0': 'Teilzeit: Pflege' contains ': ', so YAML read it as 'field: value'; "
            'put the whole text in quotes: "Teilzeit: Pflege"',
        ),
        (
            "status: draft ",
            "status: Entwurf ",
            "fulda.yaml:4, field 'status': 'Entwurf' is written 'draft' in the data",
        ),
    ],
)
def test_yaml_mistakes_get_a_hint_on_the_right_line(project, capsys, old, new, expected):
    edit_yaml(project.counties / "2025" / "fulda.yaml", old, new)
    code, _, err = invoke(capsys, "check", *folders(project, "check"))
    assert code == 2
    assert expected in err


def test_yaml_hints_in_german(project, capsys):
    edit_yaml(project.counties / "2025" / "fulda.yaml", "budget: 931500", "budget:931500")
    code, _, err = invoke(capsys, "--lang", "de", "check", *folders(project, "check"))
    assert code == 2
    assert "fulda.yaml:6: YAML-Syntaxfehler: In 'budget:931500' fehlt das Leerzeichen nach dem Doppelpunkt" in err
    assert "ungültige Eingabe – 1 Problem, nichts wurde geschrieben:" in err


# --- tables that fit 80 columns ------------------------------------------------------------------------


def at_80_columns(verb: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`agreement-gen VERB` in German in an 80-column terminal; every line it prints fits."""
    env = {**os.environ, "COLUMNS": "80", "AGREEMENT_GEN_LANG": "de"}
    result = subprocess.run(
        [sys.executable, "-m", "agreement_gen", verb], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    return result, lines


def test_list_fits_80_columns_and_keeps_every_slug():
    result, lines = at_80_columns("list")
    for header in ("Kreis/Stadt", "(Kürzel)", "Status", "Budget", "Quelle"):
        assert header in result.stdout
    for slug in (p.stem for p in (ROOT / "counties" / "2025").glob("*.yaml") if p.name != "_year.yaml"):
        assert any(line.split() and line.split()[0] == slug for line in lines), slug
    assert "1.288.930 Euro" in result.stdout and "unterschrieben" in result.stdout and "Beispieldaten" in result.stdout
    assert "26 Kreise" in result.stdout


# --- mark-real and signatory: commands instead of YAML edits -------------------------------------------


def test_mark_real_one_several_all_prints_old_and_new(project, capsys):
    year = project.counties / "2025"
    before = (year / "fulda.yaml").read_text(encoding="utf-8")
    code, out, err = invoke(
        capsys, "mark-real", "fulda", "--source", "Zuweisungserlass vom 14.01.2025", *folders(project, "mark-real")
    )
    assert code == 0, err
    assert f"{year}/fulda.yaml  source: example → Zuweisungserlass vom 14.01.2025" in out
    assert "2025: 1 district changed, 0 unchanged" in out
    after = (year / "fulda.yaml").read_text(encoding="utf-8")
    # only the source line changed, and the header line that would now lie is gone; comments and order stay
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ["# Beispieldaten: keine echten Zahlen", "source: example"]
    assert added == ["source: Zuweisungserlass vom 14.01.2025"]

    code, out, err = invoke(
        capsys, "mark-real", "giessen", "wiesbaden", "--source", "Erlass 2025", *folders(project, "mark-real")
    )
    assert code == 0, err
    assert (
        "giessen.yaml  source: example → Erlass 2025" in out and "wiesbaden.yaml  source: example → Erlass 2025" in out
    )

    signed_dd = (year / "darmstadt-dieburg.yaml").read_bytes()
    code, out, err = invoke(capsys, "mark-real", "--all", "--source", "Erlass 2025", *folders(project, "mark-real"))
    assert code == 2  # darmstadt-dieburg is signed: its data cannot change, and nothing else is written
    assert "darmstadt-dieburg is signed: its data can no longer change" in err
    assert (year / "darmstadt-dieburg.yaml").read_bytes() == signed_dd
    assert read(year / "bergstrasse.yaml")["source"] == "example"


def test_mark_real_refuses_without_a_real_source_and_changes_nothing(project, capsys):
    before = snapshot(project.counties)
    for source in ("example", "  "):
        code, _, err = invoke(capsys, "mark-real", "fulda", "--source", source, *folders(project, "mark-real"))
        assert code == 2
        assert "name where the figures come from, e.g. --source" in err
    code, _, err = invoke(capsys, "mark-real", "--source", "Erlass", *folders(project, "mark-real"))
    assert code == 2 and "name one or more districts (SLUG …), or give --all" in err
    code, out, _ = invoke(
        capsys, "mark-real", "fulda", "--source", "Erlass", "--dry-run", *folders(project, "mark-real")
    )
    assert code == 0 and "source: example → Erlass" in out and "nothing written (--dry-run)" in out
    assert snapshot(project.counties) == before


def test_signatory_sets_name_title_place_and_validates_first(project, capsys):
    year = project.counties / "2025"
    code, out, err = invoke(
        capsys,
        "signatory",
        "fulda",
        "--name",
        "Bernd Woide",
        "--title",
        "Landrat",
        "--place",
        "Fulda",
        *folders(project, "signatory"),
    )
    assert code == 0, err
    assert f"{year}/fulda.yaml  signatory.name: (empty) → Bernd Woide" in out
    assert "signatory.title" not in out and "signatory.place" not in out  # unchanged values are not reported
    data = read(year / "fulda.yaml")["signatory"]
    assert data == {"name": "Bernd Woide", "title": "Landrat", "place": "Fulda", "date_pattern": "dd.MM.yyyy"}
    assert list(read(year / "fulda.yaml")) == ["status", "source", "budget", "projects", "signatory"]

    code, out, err = invoke(
        capsys, "signatory", "fulda", "giessen", "--title", "Erster Kreisbeigeordneter", *folders(project, "signatory")
    )
    assert code == 0, err
    assert (
        "fulda.yaml  signatory.title: Landrat → Erster Kreisbeigeordneter" in out
        and "giessen.yaml  signatory.title:" in out
    )

    before = snapshot(project.counties)
    code, _, err = invoke(capsys, "signatory", "fulda", "--name", " ", *folders(project, "signatory"))
    assert code == 2 and "field '--name': must not be empty" in err
    code, _, err = invoke(capsys, "signatory", "fulda", *folders(project, "signatory"))
    assert code == 2 and "give at least one of --name, --title, --place" in err
    code, _, err = invoke(capsys, "signatory", "fulda", "--name", "Bernd\x07Woide", *folders(project, "signatory"))
    assert code == 2 and "fulda.yaml" in err  # the model's own limits apply to what the command would write
    assert snapshot(project.counties) == before


def test_signatory_in_german(project, capsys):
    code, out, _ = invoke(
        capsys, "--lang", "de", "signatory", "fulda", "--name", "Bernd Woide", *folders(project, "signatory")
    )
    assert code == 0
    assert "signatory.name: (leer) → Bernd Woide" in out
    assert "2025: 1 Kreis geändert, 0 unverändert" in out


# --- import-budgets marks the figures as real ----------------------------------------------------------


@pytest.fixture
def year2026(project, capsys):
    code, _, err = invoke(
        capsys, "new-year", "2026", "--counties", str(project.counties), "--templates", str(project.templates)
    )
    assert code == 0, err
    return project.counties / "2026"


def test_import_budgets_says_what_is_still_example_data(project, capsys, year2026, tmp_path):
    table = ags_csv(tmp_path / "budgets.csv")
    code, out, err = invoke(capsys, "import-budgets", str(table), "--year", "2026", "--counties", str(project.counties))
    assert code == 0, err
    assert "25 districts still count as example data (source: example; their PDFs say MUSTER)" in flat(out)
    assert 'agreement-gen mark-real --all --year 2026 --source "budget table budgets.csv"' in flat(out)


def test_import_budgets_with_source_marks_the_figures_real(project, capsys, year2026, tmp_path):
    table = ags_csv(tmp_path / "budgets.csv")
    code, out, err = invoke(
        capsys,
        "import-budgets",
        str(table),
        "--year",
        "2026",
        "--source",
        "Zuweisungserlass vom 14.01.2026",
        "--counties",
        str(project.counties),
    )
    assert code == 0, err
    assert "fulda.yaml  source: example → Zuweisungserlass vom 14.01.2026" in out
    assert "still count as example data" not in out
    for path in year2026.glob("*.yaml"):
        if path.name != "_year.yaml":
            assert read(path)["source"] == "Zuweisungserlass vom 14.01.2026", path
            assert "Beispieldaten" not in path.read_text(encoding="utf-8")
    assert read(year2026 / "fulda.yaml")["budget"] == 931500.5


def test_make_help_lists_the_targets():
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("  make ")}
    for target in ("build", "publish", "check", "test", "clean", "translations"):
        assert target in lines, target
    assert "Zielvereinbarungen" in lines["build"]
    assert "docs/handbuch.md" in result.stdout


def test_status_fits_80_columns_in_german():
    result, lines = at_80_columns("status")
    for header in ("Kürzel", "Stufe", "Fehlt", "Zurück", "Portal"):
        assert header in result.stdout
    first_cells = {line.split("│")[1].strip() for line in lines if line.count("│") > 3}
    slugs = {p.stem for p in (ROOT / "counties" / "2025").glob("*.yaml") if p.name != "_year.yaml"}
    assert slugs <= first_cells
    assert "unterschrieben" in result.stdout and "Entwurf" in result.stdout and "nein" in result.stdout


# --- German output of verify, diff and a template that does not render --------------------------


@pytest.mark.slow
def test_verify_speaks_german(built_2025, capsys, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    monkeypatch.setenv("COLUMNS", "200")
    pdf = built_2025 / "fulda.pdf"
    code, out, _ = invoke(capsys, "verify", str(pdf))
    assert code == 0, out
    text = flat(out)
    assert f"{pdf}: in Ordnung" in text
    assert "PDF/A-Kennung: Teil 2, Konformitätsstufe B" in text
    assert "Info- und XMP-Metadaten stimmen überein" in text
    assert "Output Intent mit eingebettetem ICC-Profil" in text
    assert re.search(r"alle \d+ Schriften eingebettet", text)
    assert "keine Verschlüsselung, kein JavaScript, keine Launch-Aktionen, keine Anhänge" in text
    assert "Dokumentsprache de-DE" in text
    assert "nachvollziehbar: fulda 2025, Stufe draft, Eingaben " in text
    assert "das PDF/A-Erweiterungsschema deklariert die Herkunftsangaben" in text
    assert "1 von 1 PDF-Datei ohne Fehler" in text
    assert re.search(r"ok +PDF/A-2b: ", out)  # the marks' column, as wide as the longest German mark
    for english in ("fonts embedded", "document language", "traceable", "PDF(s) passed", "identification"):
        assert english not in out, english


@pytest.mark.slow
def test_verify_of_a_damaged_file_fails_in_german(built_2025, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    monkeypatch.setenv("COLUMNS", "200")
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.7\nkein PDF\n")
    code, out, _ = invoke(capsys, "verify", str(broken))
    assert code == 1
    assert f"{broken}: Prüfung nicht bestanden" in flat(out)
    assert "FEHLER  keine lesbare PDF-Datei: " in out
    assert "0 von 1 PDF-Datei ohne Fehler" in flat(out)


def test_diff_speaks_german(project, capsys, monkeypatch):
    from .test_diff import edit_template, git

    root = project.counties.parent
    git(root, "init", "--quiet")
    git(root, "add", "counties", "templates")
    git(root, "commit", "--quiet", "-m", "Zielvereinbarungen 2025")
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = invoke(capsys, "diff", *folders(project, "diff"))
    assert code == 0
    assert out.strip() == "Keine Änderungen: Die 26 Vereinbarungen lauten gleich (HEAD → Arbeitskopie, 2025)."
    edit_template(project, "im Herbst", "im Frühjahr")
    edit_yaml(project.counties / "2025" / "hochtaunus.yaml", "873450.50", "900000")
    code, out, _ = invoke(capsys, "diff", *folders(project, "diff"))
    assert code == 0
    assert "HEAD → Arbeitskopie, 2025: 26 von 26 Vereinbarungen betroffen, 2 verschiedene Änderungen" in out
    assert "26 Kreise und Städte: § 6 'im Herbst' → 'im Frühjahr'" in out
    assert "1 Kreis/Stadt: § 4 '873.450,50' → '900.000'\n  betrifft: hochtaunus" in out
    code, _, err = invoke(capsys, "diff", *folders(project, "diff"), "--rev", "kein-zweig")
    assert code != 0 and "git kennt die Revision 'kein-zweig' nicht" in err


def test_a_template_that_does_not_render_is_reported_in_german(project, capsys, monkeypatch):
    reopen_2025(project)  # an edit of the closed 2025 template would be refused before it renders
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    monkeypatch.setenv("COLUMNS", "300")
    template = project.templates / "zielvereinbarung.docx"
    original = template.read_bytes()
    for tag, says in (
        # a name the template check cannot see (a filter looks it up): found when the template renders
        (
            "{{ district|attr('genitve') }}",
            "die Vorlage verwendet 'district.genitve'; diesen Namen gibt es nicht (Vorlage zielvereinbarung.docx)",
        ),
        (
            "{{ 'x' * 10**9 }}",
            "die Vorlage zielvereinbarung.docx wurde angehalten: der mit '*' gebildete Text bzw. die so gebildete "
            "Liste hätte 1.000.000.000 Zeichen oder Einträge; zulässig sind höchstens 1.000.000",
        ),
    ):
        template.write_bytes(original)
        document = docx.Document(str(template))
        document.add_paragraph(tag)
        document.save(str(template))
        code, out, err = invoke(capsys, "check", *folders(project, "check"))
        assert code == 2
        assert says in flat(out + err), out + err
        assert "which does not exist" not in out + err and "was stopped" not in out + err
