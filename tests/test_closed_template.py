"""Issue 15, point 1: templates belong to years, and a year with a sent or signed agreement has a
closed template – the guide's own example edit may no longer rewrite the signed 2025 agreement."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from agreement_gen.data.paths import Paths
from agreement_gen.lint.closing import template_lines

from .conftest import ROOT, edit_yaml
from .helpers import snapshot

TEMPLATE = "zielvereinbarung.docx"


def edit_words(path: Path, old: str, new: str) -> None:
    document = docx.Document(str(path))
    runs = [r for p in document.paragraphs for r in p.runs if old in r.text]
    assert len(runs) == 1, f"{old!r} in {len(runs)} runs"
    runs[0].text = runs[0].text.replace(old, new)
    document.save(str(path))


def test_the_2025_template_is_kept_as_it_was_signed():
    kept = ROOT / "counties" / "2025" / "closed-template.docx"
    assert template_lines(kept) == template_lines(ROOT / "templates" / TEMPLATE)


def test_editing_a_signed_years_template_is_an_error_at_check_and_build(project: Paths, cli):
    assert cli("build", "--only", "darmstadt-dieburg,fulda", "--formats", "docx")[0] == 0
    before = snapshot(project.out)
    edit_words(project.templates / TEMPLATE, "im Herbst", "im Frühjahr")

    code, out, _ = cli("check")
    assert code == 2
    (line,) = [line for line in out.splitlines() if line.strip().startswith("✗")]
    assert "zielvereinbarung.docx: the template of 2025 is closed – darmstadt-dieburg is signed –" in line
    assert "'im Herbst' → 'im Frühjahr'" in line
    assert "closed-template.docx" in line
    assert "`agreement-gen new-year 2026` gives 2026 its data and its own copy of the template" in line

    code, _, err = cli("build", "--only", "fulda", "--formats", "docx")  # a draft of the closed year too
    assert code == 2
    assert "the template of 2025 is closed – darmstadt-dieburg is signed" in err
    assert snapshot(project.out) == before  # the signed agreement is not rebuilt with the new wording


def test_diff_and_preview_show_the_change_with_a_note(project: Paths, cli):
    edit_words(project.templates / TEMPLATE, "im Herbst", "im Frühjahr")
    code, out, err = cli("diff", "--year", "2025", "--against", "2025")
    assert code == 0  # both sides are the working tree: no change between them, but the note
    assert "note: " in err and "the template of 2025 is closed" in err
    code, out, err = cli("preview", "darmstadt-dieburg")
    assert code == 0 and "im Frühjahr" in out
    assert "the template of 2025 is closed" in err


def test_saving_again_without_an_edit_is_no_change(project: Paths, cli):
    """Word or python-docx writing the same text again (new bytes, same words) does not count as an edit."""
    path = project.templates / TEMPLATE
    docx.Document(str(path)).save(str(path))
    code, out, _ = cli("check")
    assert code == 0, out


def test_next_years_template_is_open_and_2025_stays_closed(project: Paths, cli):
    assert cli("new-year", "2026")[0] == 0
    template_2026 = project.templates / "zielvereinbarung-2026.docx"
    edit_words(template_2026, "im Herbst", "im Frühjahr")
    assert cli("check", "--year", "2026")[0] == 0
    assert cli("check", "--year", "2025")[0] == 0
    edit_words(project.templates / TEMPLATE, "im Herbst", "im Frühling")
    code, out, _ = cli("check", "--year", "2025")
    assert code == 2
    assert "2026 has its own template, " in out and "zielvereinbarung-2026.docx; edit that one" in out


@pytest.fixture
def year2026(project: Paths, cli) -> Path:
    assert cli("new-year", "2026")[0] == 0
    return project.templates / "zielvereinbarung-2026.docx"


def test_the_first_agreement_sent_closes_its_years_template(project: Paths, cli, year2026):
    record = project.counties / "2026" / "closed-template.docx"
    edit_words(year2026, "im Herbst", "im Frühjahr")  # an open year: edits are fine
    assert cli("build", "--year", "2026", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    assert not record.exists()

    assert cli("confirm", "--year", "2026", "--all")[0] == 0  # new-year's copied clauses, as a clerk confirms them
    data = project.counties / "2026" / "darmstadt-dieburg.yaml"
    edit_yaml(data, "status: draft        ", "status: for_signature")
    edit_yaml(data, "budget:                     # Euro", "budget: 1300000             # Euro")
    code, out, err = cli("build", "--year", "2026", "--only", "darmstadt-dieburg", "--formats", "docx")
    assert code == 0, out + err
    assert f"2026's template is now closed (an agreement is sent or signed): kept as {record}" in out
    assert record.read_bytes() == year2026.read_bytes()

    edit_words(year2026, "im Frühjahr", "im Sommer")
    code, out, _ = cli("check", "--year", "2026")
    assert code == 2
    assert "the template of 2026 is closed – darmstadt-dieburg is out for signature –" in out
    assert "'im Frühjahr' → 'im Sommer'" in out
    assert "`agreement-gen new-year 2027`" in out


def test_a_record_of_a_sent_document_closes_the_year_too(project: Paths, cli, year2026):
    """The signing round keeps what was sent under counties/YEAR/sent/ (issue 11)."""
    (project.counties / "2026" / "closed-template.docx").write_bytes(year2026.read_bytes())
    sent = project.counties / "2026" / "sent"
    sent.mkdir()
    (sent / "wetterau.pdf").write_bytes(b"%PDF-1.7 as sent")
    edit_words(year2026, "im Herbst", "im Frühjahr")
    code, out, _ = cli("check", "--year", "2026")
    assert code == 2
    assert "wetterau is sent for signature" in out
