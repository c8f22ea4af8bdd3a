"""new-year: next year's drafts from the last year, its own template, and nothing ever overwritten."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from ruamel.yaml import YAML

from agreement_gen.editors import newyear
from agreement_gen.render.text import header_text, paragraphs

from .conftest import edit_yaml
from .helpers import snapshot

SLUGS = 26
DD_2026 = "2026/darmstadt-dieburg.yaml"


def read(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture
def year2026(project, cli):
    code, out, err = cli("new-year", "2026")
    assert code == 0, err
    return out


def test_creates_the_year_folder_and_its_template(project, year2026):
    folder = project.counties / "2026"
    assert len(list(folder.glob("*.yaml"))) == SLUGS + 1
    year = read(folder / "_year.yaml")
    old = read(project.counties / "2025/_year.yaml")
    assert year["year"] == 2026
    assert year["template"] == "zielvereinbarung-2026.docx"
    assert year["buendnis"] == old["buendnis"]  # year clauses are copied unchanged …
    assert year["migration_clause"] == old["migration_clause"]
    assert "buendnis" in year2026 and "migration_clause" in year2026  # … and listed for review
    assert year["to_confirm"] == ["buendnis", "migration_clause"]  # … and must be confirmed for 2026
    assert {k: v for k, v in year.items() if k not in ("year", "template", "to_confirm")} == {
        k: v for k, v in old.items() if k not in ("year", "template")
    }
    copy = project.templates / "zielvereinbarung-2026.docx"
    assert copy.read_bytes() == (project.templates / "zielvereinbarung.docx").read_bytes()
    assert read(project.counties / "2025/_year.yaml")["template"] == "zielvereinbarung.docx"  # 2025 keeps its own
    assert not [p for p in (*project.counties.iterdir(), *project.templates.iterdir()) if p.name.startswith(".")]


def test_districts_become_drafts_with_open_budgets(project, year2026):
    for path in sorted((project.counties / "2025").glob("*.yaml")):
        if path.name == "_year.yaml":
            continue
        old, new = read(path), read(project.counties / "2026" / path.name)
        assert new["status"] == "draft"
        assert "budget" in new and new["budget"] is None, path.name
        assert "ministry_signature" not in new
        assert "signed_on" not in new["signatory"]
        assert new["projects"] == old["projects"]
        assert new["source"] == old["source"]
        assert new["signatory"] == {k: v for k, v in old["signatory"].items() if k != "signed_on"}
    dd = read(project.counties / DD_2026)
    assert dd["signatory"] == {
        "name": "Christel Sprößler",
        "title": "Kreisbeigeordnete",
        "place": "Darmstadt",
        "date_pattern": "dd.MM.yyyy",
    }


def test_comments_order_and_quotes_are_kept(project, year2026):
    old = (project.counties / "2025/darmstadt-dieburg.yaml").read_text(encoding="utf-8").splitlines()
    new = (project.counties / DD_2026).read_text(encoding="utf-8").splitlines()
    assert new[0].startswith("# yaml-language-server: $schema=")
    assert new[1] == "# Zielvereinbarung 2026: Landkreis Darmstadt-Dieburg"  # the title follows the year
    assert new[2] == "status: draft               # draft | for_signature | signed"
    assert new[4] == "budget:                     # Euro – Haushaltsmittel 2026 eintragen"
    removed = {"status:", "budget:", "  signed_on:", "ministry_signature:"}
    kept = [line for line in old[2:] if not any(line.startswith(prefix) for prefix in removed)]
    assert [line for line in new[2:] if not line.startswith(("status:", "budget:"))] == kept
    assert '    - "SoWirt\'s"' in new and "    - 'Sprache erlernen im Arbeitsweltkontext \"SPEAK\"'" in new
    year = (project.counties / "2026/_year.yaml").read_text(encoding="utf-8")
    assert year.splitlines()[1].startswith("# Haushaltsjahr 2026: gemeinsame Angaben")
    assert "  abbreviation: HMSI          # as printed in the 2025 agreement\n" in year
    assert "migration_clause: >-\n  Im Jahr 2025 werden" in year


def test_total_budget_is_removed(project, cli):
    edit_yaml(project.counties / "2025/_year.yaml", "grant_authority:", "total_budget: 30000000\ngrant_authority:")
    assert cli("new-year", "2026")[0] == 0
    assert "total_budget" not in read(project.counties / "2026/_year.yaml")
    assert read(project.counties / "2025/_year.yaml")["total_budget"] == 30000000


def test_refuses_to_overwrite_the_year_folder(project, cli):
    (project.counties / "2026").mkdir()
    (project.counties / "2026" / "notes.txt").write_text("mine", encoding="utf-8")
    before = snapshot(project.counties, project.templates)
    code, _, err = cli("new-year", "2026")
    assert code == 2
    assert "counties/2026: already exists" in err and "nothing was changed" in err
    assert snapshot(project.counties, project.templates) == before


def test_refuses_to_overwrite_the_template(project, cli):
    (project.templates / "zielvereinbarung-2026.docx").write_bytes(b"someone's draft")
    before = snapshot(project.counties, project.templates)
    code, _, err = cli("new-year", "2026")
    assert code == 2
    assert "zielvereinbarung-2026.docx: already exists" in err
    assert snapshot(project.counties, project.templates) == before


def test_a_second_run_changes_nothing(project, cli, year2026):
    before = snapshot(project.counties, project.templates)
    assert cli("new-year", "2026")[0] == 2
    assert snapshot(project.counties, project.templates) == before


def test_an_invalid_source_year_is_not_copied(project, cli):
    edit_yaml(project.counties / "2025/fulda.yaml", "budget: 931500", "budget: -1")
    before = snapshot(project.counties, project.templates)
    code, _, err = cli("new-year", "2026")
    assert code == 2
    assert "fulda.yaml:6, field 'budget': must be greater than 0 Euro" in err
    assert snapshot(project.counties, project.templates) == before


def test_from_defaults_to_the_newest_year(project, cli, year2026):
    code, out, _ = cli("new-year", "2027")
    assert code == 0
    assert "copied from 2026" in out and "a copy of zielvereinbarung-2026.docx" in out
    assert read(project.counties / "2027/_year.yaml")["template"] == "zielvereinbarung-2027.docx"
    code, out, _ = cli("new-year", "2028", "--from", "2025")
    assert code == 0 and "copied from 2025" in out
    code, _, err = cli("new-year", "2024", "--from", "2025")
    assert code == 2 and "2024 does not follow 2025" in err


def test_check_lists_what_each_district_still_needs(cli, year2026):
    code, out, err = cli("check", "--year", "2026")
    assert code == 0, err
    assert "26 districts valid" in out
    lines = {line.split()[1]: line for line in out.splitlines() if line.strip().startswith("○")}
    assert len(lines) == SLUGS
    assert all("draft → for_signature" in line and "budget missing" in line for line in lines.values())
    assert "signatory.name missing" not in lines["darmstadt-dieburg"]  # the name carried over
    assert "signatory.name missing" in lines["fulda"]
    assert "real figures missing" in lines["fulda"]


def test_check_still_fails_on_real_errors(project, cli, year2026):
    edit_yaml(project.counties / "2026/fulda.yaml", "status: draft", "status: for_signature")
    edit_yaml(project.counties / "2026/fulda.yaml", "source: example", "source: Erlass 2026")
    edit_yaml(project.counties / "2026/fulda.yaml", "  title: Landrat", "  name: Bernd Woide\n  title: Landrat")
    code, _, err = cli("check", "--year", "2026")
    assert code == 2
    assert "fulda.yaml:6, field 'budget': is required but missing (a 'for_signature' document needs the budget" in err


def test_build_makes_26_drafts_with_an_open_amount(project, cli, year2026):
    code, out, err = cli("build", "--year", "2026", "--formats", "docx")
    assert code == 0, err
    assert "2026: 26 built" in out and "0 failed" in out
    files = sorted((project.out / "2026").glob("*.docx"))
    assert len(files) == SLUGS
    for path in files:
        assert "[Betrag offen]" in paragraphs(path), path.name
        assert "ENTWURF" in header_text(path)


def test_editing_next_years_template_leaves_past_years_alone(project, cli, year2026):
    assert cli("build", "--year", "2025", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    before = paragraphs(project.out / "2025" / "darmstadt-dieburg.docx")
    assert "Präambel" in before

    template = project.templates / "zielvereinbarung-2026.docx"
    document = docx.Document(str(template))
    heading = next(p for p in document.paragraphs if p.text == "Präambel")
    heading.runs[0].text = "Vorbemerkung"
    document.save(str(template))

    assert cli("build", "--year", "2025", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    assert cli("build", "--year", "2026", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    assert paragraphs(project.out / "2025" / "darmstadt-dieburg.docx") == before
    after = paragraphs(project.out / "2026" / "darmstadt-dieburg.docx")
    assert "Vorbemerkung" in after and "Präambel" not in after


def test_a_failure_while_publishing_leaves_nothing_half_made(project, monkeypatch):
    def broken_rename(source, target):
        raise OSError("disk on fire")

    monkeypatch.setattr(newyear.os, "rename", broken_rename)
    before = snapshot(project.counties, project.templates)
    with pytest.raises(OSError, match="disk on fire"):
        newyear.create_year(project, 2026)
    assert snapshot(project.counties, project.templates) == before  # no template, no folder, no staging left
    assert sorted(p.name for p in project.counties.iterdir()) == ["2025", "districts", "trust"]
