"""`agreement-gen diff`: one edited sentence shows as one change of all 26 agreements, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from agreement_gen.data.paths import Paths
from agreement_gen.editors.diff import run_diff

from .conftest import edit_yaml

TEMPLATE = "zielvereinbarung.docx"


def git(folder: Path, *args: str) -> str:
    identity = ["-c", "user.name=Redaktion", "-c", "user.email=redaktion@example.org", "-c", "commit.gpgsign=false"]
    done = subprocess.run(["git", *identity, *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(project: Paths) -> Path:
    """The project copy as a git repository with everything committed."""
    root = project.counties.parent
    git(root, "init", "--quiet")
    git(root, "add", "counties", "templates")
    git(root, "commit", "--quiet", "-m", "Zielvereinbarungen 2025")
    return root


def edit_template(project: Paths, old: str, new: str) -> None:
    """Change words of the template as an editor does in Word (inside one run)."""
    path = project.templates / TEMPLATE
    document = docx.Document(str(path))
    runs = [r for p in document.paragraphs for r in p.runs if old in r.text]
    assert len(runs) == 1, f"{old!r} found in {len(runs)} runs"
    runs[0].text = runs[0].text.replace(old, new)
    document.save(str(path))


def changed_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("-", "+"))]


def test_no_changes(repo, cli):
    code, out, _ = cli("diff")
    assert code == 0
    assert out.strip() == "No changes: the 26 agreements read the same (HEAD → working tree, 2025)."


def test_one_edited_sentence_is_one_change_of_all_26_agreements(repo, project, cli):
    edit_template(project, "im Herbst", "im Frühjahr")
    code, out, _ = cli("diff")
    assert code == 0
    assert "HEAD → working tree, 2025: 26 of 26 agreements change, 1 distinct change(s)" in out
    assert "26 districts: § 6 'im Herbst' → 'im Frühjahr'" in out
    assert "in:" not in out  # all districts: no list
    minus, plus = changed_lines(out)
    assert minus.startswith("-‹district.nominative|capfirst› und das HMSI bleiben über die Entwicklung")
    assert minus.endswith("eine Umsetzungsbesprechung im Herbst angesetzt.")
    assert plus == minus.replace("-", "+", 1).replace("im Herbst", "im Frühjahr")


def test_the_comparison_holds_exactly_that_change_for_every_district(repo, project):
    edit_template(project, "im Herbst", "im Frühjahr")
    comparison = run_diff(project, None, None, None)
    assert comparison.districts == 26
    assert len(comparison.changed) == 26
    (group,) = comparison.groups
    assert len(group.slugs) == 26
    assert group.change.section == "§ 6"
    ((old,), (new,)) = group.change.old, group.change.new
    assert old.replace("im Herbst", "im Frühjahr") == new
    assert not comparison.added and not comparison.removed


def test_a_data_change_of_one_district_stays_its_own(repo, project, cli):
    edit_template(project, "im Herbst", "im Frühjahr")
    edit_yaml(project.counties / "2025" / "hochtaunus.yaml", "873450.50", "900000")
    code, out, _ = cli("diff")
    assert code == 0
    assert "2 distinct change(s)" in out
    assert "26 districts: § 6 'im Herbst' → 'im Frühjahr'" in out
    assert "1 district: § 4 '873.450,50' → '900.000'\n  in: hochtaunus" in out


def test_district_words_differ_but_the_edit_is_grouped(repo, project, cli):
    """A sentence naming the district in each case changes the same way everywhere."""
    edit_template(project, "von {{ district.dative }} bereits", "von {{ district.dative }} schon")
    code, out, _ = cli("diff")
    assert code == 0
    assert "26 districts: § 2 'bereits' → 'schon'" not in out  # one word of context is shown
    assert "26 districts: § 2 '‹district.dative› bereits' → '‹district.dative› schon'" in out


def test_against_an_older_revision(repo, project, cli):
    edit_template(project, "im Herbst", "im Frühjahr")
    git(repo, "commit", "--quiet", "-am", "Umsetzungsbesprechung im Frühjahr")
    assert cli("diff")[1].startswith("No changes")
    code, out, _ = cli("diff", "--rev", "HEAD~1")
    assert code == 0
    assert "HEAD~1 → working tree, 2025" in out
    assert "26 districts: § 6 'im Herbst' → 'im Frühjahr'" in out


def test_two_fiscal_years(project, cli):
    shutil.copytree(project.counties / "2025", project.counties / "2026")
    edit_yaml(project.counties / "2026" / "_year.yaml", "year: 2025", "year: 2026")
    signed = project.counties / "2026" / "darmstadt-dieburg.yaml"  # 2026 is not signed yet
    edit_yaml(signed, "status: signed", "status: draft")
    edit_yaml(signed, "  signed_on: 2025-08-11\n", "")
    edit_yaml(signed, "ministry_signature:\n  signed_on: 2025-08-02\n", "")
    code, out, _ = cli("diff", "--year", "2026", "--against", "2025")
    assert code == 0
    assert out.startswith("2025 → 2026: 26 of 26 agreements change")
    assert "26 districts: § 6 'Budgets 2025' → 'Budgets 2026'" in out
    assert "26 districts: § 4 'Jahr 2025' → 'Jahr 2026'" in out  # Landkreise and Städte alike


def test_html_report(repo, project, cli, tmp_path):
    edit_template(project, "im Herbst", "im Frühjahr")
    report = tmp_path / "änderungen.html"
    code, out, _ = cli("diff", "--html", str(report))
    assert code == 0
    assert f"side-by-side report: {report}" in out
    page = report.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">')
    assert "<h2>26 Kreise und Städte: § 6 &#x27;im Herbst&#x27; → &#x27;im Frühjahr&#x27;</h2>" in page
    assert "Umsetzungsbesprechung im <del>Herbst</del> angesetzt." in page
    assert "Umsetzungsbesprechung im <ins>Frühjahr</ins> angesetzt." in page


def test_html_report_without_changes(repo, cli, tmp_path):
    report = tmp_path / "report.html"
    assert cli("diff", "--html", str(report))[0] == 0
    assert "Keine Änderungen in den 26 Vereinbarungen." in report.read_text(encoding="utf-8")


def test_outside_a_git_repository(project, cli):
    code, _, err = cli("diff")
    assert code == 2
    assert "is not in a git repository; compare two years with --year and --against instead" in err


def test_unknown_revision(repo, cli):
    code, _, err = cli("diff", "--rev", "no-such-branch")
    assert code == 2
    assert "git does not know the revision 'no-such-branch'" in err


def test_invalid_data_in_the_old_revision_names_its_file_in_git_terms(repo, project, cli):
    edit_yaml(project.counties / "2025" / "fulda.yaml", "status: draft", "status: drafted")
    git(repo, "commit", "--quiet", "-am", "kaputt")
    edit_yaml(project.counties / "2025" / "fulda.yaml", "status: drafted", "status: draft")
    code, _, err = cli("diff")
    assert code == 2
    assert f"HEAD:{project.counties}/2025/fulda.yaml" in err


def add_sentence(project: Paths, after: str, sentence: str) -> None:
    """A new sentence at the end of the paragraph holding `after`, typed in one go."""
    path = project.templates / TEMPLATE
    document = docx.Document(str(path))
    paragraph = next(p for p in document.paragraphs if after in p.text)
    paragraph.add_run(sentence)
    document.save(str(path))


def test_a_new_sentence_with_district_values_is_one_change(repo, project, cli):
    add_sentence(project, "im Herbst angesetzt.", " Sie findet in {{ district.seat }} statt.")
    code, out, _ = cli("diff")
    assert code == 0
    assert "26 of 26 agreements change, 1 distinct change(s)" in out
    assert "26 districts: § 6 'angesetzt.' → 'angesetzt. Sie findet in ‹district.seat› statt.'" in out


def test_a_changed_budget_stays_visible_as_numbers(repo, project, cli):
    edit_yaml(project.counties / "2025" / "hochtaunus.yaml", "873450.50", "900000")
    code, out, _ = cli("diff")
    assert code == 0
    assert "1 district: § 4 '873.450,50' → '900.000'" in out and "‹budget›" not in out


def move_paragraph(project: Paths, start: str, before: str) -> None:
    path = project.templates / TEMPLATE
    document = docx.Document(str(path))
    moved = next(p for p in document.paragraphs if p.text.startswith(start))
    target = next(p for p in document.paragraphs if p.text.startswith(before))
    target._p.addprevious(moved._p)
    document.save(str(path))


def test_a_moved_paragraph_is_shown_as_moved(repo, project, cli, tmp_path):
    move_paragraph(project, "Unterjährige Abweichungen", "{{ district.nominative|capfirst }} und das")
    code, out, _ = cli("diff")
    assert code == 0
    assert "26 of 26 agreements change, 1 distinct change(s)" in out
    assert "26 districts: § 6 moved '" in out and "' from § 6" in out  # two paragraphs swapped: one moved
    assert "@@ § 6 → § 6 @@\n~" in out
    assert "\n-" not in out and "\n+" not in out
    report = tmp_path / "moved.html"
    assert cli("diff", "--html", str(report))[0] == 0
    assert "unverändert verschoben" in report.read_text(encoding="utf-8")


def test_a_paragraph_moved_to_another_section(repo, project, cli):
    move_paragraph(project, "Unterjährige Abweichungen", "{{ district.nominative|capfirst }} beteiligt sich")
    code, out, _ = cli("diff")
    assert code == 0
    assert "1 distinct change(s)" in out
    assert "26 districts: § 7 moved 'Unterjährige Abweichungen" in out and "from § 6" in out
    assert "@@ § 6 → § 7 @@" in out


def test_html_without_a_file_goes_under_build(repo, project, cli):
    edit_template(project, "im Herbst", "im Frühjahr")
    code, out, _ = cli("diff", "--html")
    assert code == 0
    report = project.out / "2025" / "aenderungen.html"
    assert f"side-by-side report: {report}" in out
    assert report.is_file()
    root = project.counties.parent
    assert sorted(p.name for p in root.iterdir() if p.suffix == ".html") == []
