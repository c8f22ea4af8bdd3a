"""The signing round around the year's tracked record: send, changes named by the text, undo, the full round."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from agreement_gen.cli import run
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.signing.record import load_sent, text_changes

from .conftest import edit_yaml
from .helpers import folder_args, snapshot
from .round_helpers import SENT_AT, git, make_real, record_sent, send_at, sent_files
from .test_receive import DATA, SLUG, make_for_signature

KASSEL_BUDGET = "budget: 968700"


def _agreement(paths: Paths, slug: str = SLUG):
    plan = plan_year(paths, 2025)
    return plan, next(a for a in plan.agreements if a.slug == slug)


def _changes(paths: Paths) -> list[str]:
    plan, agreement = _agreement(paths)
    record = load_sent(paths.counties, 2025, SLUG)
    assert record is not None
    return [str(change) for change in text_changes(agreement, plan, record)]


@pytest.fixture
def sent(project: Paths) -> Paths:
    """Kassel made real and recorded as sent on SENT_AT (the record made from its for_signature text)."""
    make_for_signature(project.counties)
    record_sent(project, SLUG)
    return project


# --- changes are judged by the text -------------------------------------------------------------------------


def test_a_comment_or_reformatting_is_no_change(sent):
    data = sent.counties / DATA
    edit_yaml(data, KASSEL_BUDGET, KASSEL_BUDGET + "  # laut Haushaltsplan")
    edit_yaml(data, "  title: Landrat", '  title: "Landrat"')
    edit_yaml(sent.counties / "2025/_year.yaml", "grant_authority:", "# zuständig: RP Kassel\ngrant_authority:")
    assert _changes(sent) == []


def test_each_change_is_named_with_old_and_new_value(sent):
    data = sent.counties / DATA
    edit_yaml(data, KASSEL_BUDGET, "budget: 978700")
    edit_yaml(data, "  name: Andreas Siebert", "  name: Andrea Siebert")
    edit_yaml(data, "Qualifizierung Garten- und Landschaftsbau", "Qualifizierung Gartenbau")
    assert _changes(sent) == [
        "budget 968.700 → 978.700 Euro since sent on 2025-07-30",
        "projects 3 'Qualifizierung Garten- und Landschaftsbau' → 'Qualifizierung Gartenbau' since sent on 2025-07-30",
        "signatory.name 'Andreas Siebert' → 'Andrea Siebert' since sent on 2025-07-30",
    ]


def test_a_year_clause_or_the_templates_wording_is_a_change(sent):
    edit_yaml(sent.counties / "2025/_year.yaml", "Im Jahr 2025 werden", "Im Jahr 2026 werden")
    assert _changes(sent) == [
        "migration_clause 'Im Jahr 2025 werden im Rahmen …' → 'Im Jahr 2026 werden im Rahmen …' "
        "since sent on 2025-07-30"
    ]

    edit_yaml(sent.counties / "2025/_year.yaml", "Im Jahr 2026 werden", "Im Jahr 2025 werden")
    import docx

    template = sent.templates / "zielvereinbarung.docx"
    document = docx.Document(str(template))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Dem Land Hessen ist es wichtig"))
    old = paragraph.text
    paragraph.runs[-1].text += " Ergänzt."
    document.save(str(template))
    (change,) = _changes(sent)
    last = " ".join(old.split()[-3:])
    assert change == f"text of § 1 '… {last}' → '… {last} Ergänzt.' since sent on 2025-07-30"


# --- status, check and build name the changes ---------------------------------------------------------------


def test_status_names_changes_since_sent_and_since_signed(sent, cli):
    edit_yaml(sent.counties / DATA, KASSEL_BUDGET, "budget: 978700")
    edit_yaml(sent.counties / "2025/darmstadt-dieburg.yaml", "budget: 1288930", "budget: 1298930")
    code, out, _ = cli("status")
    assert code == 0
    text = " ".join(out.split())
    assert f"! {SLUG}: budget 968.700 → 978.700 Euro since sent on 2025-07-30" in text
    assert "! darmstadt-dieburg: budget 1.288.930 → 1.298.930 Euro since signed on 2025-08-11" in text


def test_status_warns_while_the_years_record_is_not_committed(sent, cli):
    root = sent.counties.parent
    out = cli("status")[1]
    assert "is not in a git repository: the year's record" in " ".join(out.split())
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "counties/2025/signed", "counties/districts"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "data"], check=True)
    out = cli("status")[1]
    text = " ".join(out.split())
    assert "The year's record is not committed – commit these files:" in text
    assert f"counties/2025/sent/{SLUG}.json (not committed)" in text
    assert f"counties/2025/sent/{SLUG}.pdf (not committed)" in text
    assert "darmstadt-dieburg.json" not in text  # committed
    subprocess.run([*git, "add", "counties"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sent"], check=True)
    assert "not committed" not in cli("status")[1]


def test_build_refuses_a_signed_document_whose_text_changed_and_keeps_earlier_output(project, cli):
    assert cli("build", "--formats", "docx", "--only", "darmstadt-dieburg,fulda")[0] == 0
    before = snapshot(project.out)
    edit_yaml(project.counties / "2025/darmstadt-dieburg.yaml", "budget: 1288930", "budget: 1298930")
    code, out, err = cli("build", "--formats", "docx")
    assert code == 2
    assert (
        "darmstadt-dieburg would be printed as signed, but its text differs from what was signed: budget "
        "1.288.930 → 1.298.930 Euro since signed on 2025-08-11" in " ".join(err.split())
    )
    assert snapshot(project.out) == before
    code, out, _ = cli("check")  # editing is allowed; printing it as signed is not
    assert code == 0
    assert (
        "! darmstadt-dieburg: signed, but its text would differ from what was signed (build refuses to print it) – "
        "budget 1.288.930 → 1.298.930 Euro since signed on 2025-08-11" in " ".join(out.split())
    )


def test_build_and_check_name_changes_of_a_sent_document(sent, cli):
    edit_yaml(sent.counties / DATA, KASSEL_BUDGET, "budget: 978700")
    code, out, _ = cli("build", "--formats", "docx", "--only", SLUG)
    assert code == 0
    text = " ".join(out.split())
    assert f"! {SLUG}: changed since sent – budget 968.700 → 978.700 Euro since sent on 2025-07-30" in text
    assert f"withdraw and send again (`agreement-gen withdraw {SLUG}`)" in text
    code, out, _ = cli("check")
    assert code == 0
    assert f"{SLUG}: changed since sent – budget 968.700 → 978.700 Euro since sent on 2025-07-30" in " ".join(
        out.split()
    )


def test_send_all_is_refused_whole_while_one_district_is_not_ready(project, cli):
    make_real(project.counties)
    before = snapshot(project.counties)
    code, _, err = cli("send", "--all")
    assert code == 2
    text = " ".join(err.split())
    assert "invalid input – 24 problems, nothing was written" in text  # Kassel is ready, 24 are examples
    assert "fulda: is not ready for signature:" in text and f"{SLUG}:" not in text
    assert "darmstadt-dieburg" not in text  # signed: not part of --all
    assert snapshot(project.counties) == before
    code, _, err = cli("send")
    assert code == 2 and "name the district(s) to send (SLUG, or --only a,b), or give --all" in err


# --- undo ---------------------------------------------------------------------------------------------------


def test_withdraw_moves_the_record_to_the_archive_and_sets_draft(sent, cli):
    pdf, meta = sent_files(sent, 2025, SLUG)
    content = pdf.read_bytes()
    code, out, _ = cli("withdraw", SLUG)
    assert code == 0, out
    archive = sent.counties / "2025/archive"
    stamp = SENT_AT.strftime("%Y%m%dT%H%M%SZ")
    assert (archive / f"{SLUG}-sent-{stamp}.pdf").read_bytes() == content
    assert json.loads((archive / f"{SLUG}-sent-{stamp}.json").read_text(encoding="utf-8"))["slug"] == SLUG
    assert not pdf.exists() and not meta.exists()
    text = " ".join(out.split())
    assert f"{sent.counties / DATA}: status for_signature → draft" in text
    assert f"{pdf} → {archive / f'{SLUG}-sent-{stamp}.pdf'}" in text
    assert "status: draft" in (sent.counties / DATA).read_text(encoding="utf-8")
    before = snapshot(sent.counties)
    code, _, err = cli("withdraw", SLUG)
    assert code == 2 and f"{SLUG}: was not sent: {meta} does not exist" in " ".join(err.split())
    assert snapshot(sent.counties) == before


def test_unreceive_returns_the_data_and_archives_the_kept_copy(sent, cli, tmp_path):
    import pikepdf

    data = sent.counties / DATA
    original = data.read_text(encoding="utf-8")
    scan = tmp_path / "scan.pdf"
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.save(scan)
    args = ["--paper", SLUG, "--signed-on", "2025-08-02,2025-08-11", "--scan", str(scan)]
    assert cli("receive", *args)[0] == 0
    assert "status: signed" in data.read_text(encoding="utf-8")
    code, out, _ = cli("unreceive", SLUG)
    assert code == 0, out
    assert data.read_text(encoding="utf-8") == original  # exactly as before receive
    kept = list((sent.counties / "2025/archive").glob(f"{SLUG}-signed-scan-*.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes() == scan.read_bytes()
    assert not (sent.counties / "2025/signed" / f"{SLUG}-scan.pdf").exists()
    text = " ".join(out.split())
    assert f"{data}: status signed → for_signature" in text
    assert f"{data}: signatory.signed_on 2025-08-11 → (none)" in text
    assert f"{data}: ministry_signature.signed_on 2025-08-02 → (none)" in text
    before = snapshot(sent.counties)
    code, _, err = cli("unreceive", "darmstadt-dieburg")
    assert code == 2 and "darmstadt-dieburg: was set to signed by hand, not by `receive`" in " ".join(err.split())
    assert snapshot(sent.counties) == before


# --- receive refuses what was signed after a change ------------------------------------------------------------


def test_paper_signing_after_the_budget_changed_is_refused(sent, cli):
    edit_yaml(sent.counties / DATA, KASSEL_BUDGET, "budget: 978700")
    before = snapshot(sent.counties)
    code, _, err = cli("receive", "--paper", SLUG, "--signed-on", "2025-08-02,2025-08-11")
    assert code == 2
    assert (
        f"{SLUG} was signed on paper, but the text changed since it was sent: budget 968.700 → 978.700 Euro "
        "since sent on 2025-07-30" in " ".join(err.split())
    )
    assert snapshot(sent.counties) == before


def test_a_damaged_record_is_one_sentence(sent, cli):
    _, meta = sent_files(sent, 2025, SLUG)
    meta.write_text("{}", encoding="utf-8")
    code, out, _ = cli("status")
    assert code == 0
    assert f"the record {meta} is damaged (kind: Field required); restore it from git".replace(" ", "") in "".join(
        out.split()
    )


def test_a_sent_record_without_its_pdf_is_damaged(sent, cli):
    _, meta = sent_files(sent, 2025, SLUG)
    record = json.loads(meta.read_text(encoding="utf-8"))
    del record["pdf"]  # valid on its own (a "signed" record has none), not for kind "sent"
    meta.write_text(json.dumps(record), encoding="utf-8")
    code, out, _ = cli("status")
    assert code == 0
    assert f"the record {meta} is damaged".replace(" ", "") in "".join(out.split())
    assert "needs pdf and sha256" in " ".join(out.split())


# --- send, and the full round across make clean, a fresh clone and a new generator ------------------------------


def _project_paths(root: Path) -> Paths:
    return Paths(counties=root / "counties", templates=root / "templates", out=root / "build")


@pytest.mark.slow
def test_send_checks_readiness_sets_the_stage_builds_and_records(project, capsys):
    make_real(project.counties)
    data = project.counties / DATA
    before = snapshot(project.counties)
    capsys.readouterr()
    assert send_at(project, SLUG, "fulda") == 2  # Fulda is example data: nothing is sent, not even Kassel
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "fulda: is not ready for signature: signatory.name: a 'for_signature' document needs the signatory's name; "
        "its figures are example data (source: example); enter the real figures and their source" in err
    )
    assert snapshot(project.counties) == before

    assert send_at(project, SLUG) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"{SLUG}: {data}: status draft → for_signature; sent 2025-07-30 08:00 UTC" in out
    pdf, meta = sent_files(project, 2025, SLUG)
    assert pdf.read_bytes() == (project.out / "2025" / f"{SLUG}.pdf").read_bytes()
    assert "status: for_signature" + " " * 7 + "# draft | for_signature | signed\n" in data.read_text(encoding="utf-8")
    record = json.loads(meta.read_text(encoding="utf-8"))
    assert record["sent_at"] == "2025-07-30T08:00:00Z" and record["facts"]["budget"] == "968.700 Euro"
    assert record["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert any("968.700 Euro" in line for line in record["text"])

    before = snapshot(project.counties)
    assert send_at(project, SLUG) == 0
    assert f"{SLUG}: already sent on 2025-07-30 08:00 UTC" in capsys.readouterr().out
    assert snapshot(project.counties) == before


@pytest.mark.slow
def test_the_full_round_survives_make_clean_a_fresh_clone_and_a_new_generator(project, capsys, monkeypatch, tmp_path):

    office = project.counties.parent  # the clerk's working copy, a git repository of counties/ and templates/
    make_real(project.counties)
    git(office, "init", "-q")
    git(office, "add", "counties", "templates")
    git(office, "commit", "-q", "-m", "Haushaltsjahr 2025")
    assert send_at(project, SLUG) == 0
    git(office, "add", "counties")
    git(office, "commit", "-q", "-m", "Landkreis Kassel zur Unterschrift versandt")
    sent = (project.out / "2025" / f"{SLUG}.pdf").read_bytes()

    signed = signed_by_both(sent, tmp_path)

    shutil.rmtree(project.out)  # make clean
    clone = tmp_path / "anderer-pc"
    subprocess.run(["git", "clone", "-q", str(office), str(clone)], check=True)
    paths = _project_paths(clone)
    from agreement_gen.build import manifest

    monkeypatch.setattr(manifest, "generator_fingerprint", lambda: "9.9.9+ein-anderer-generator")
    capsys.readouterr()
    code = run(["receive", *folder_args(paths, "receive"), str(signed), "--trust", str(tmp_path / "ca.pem")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"{SLUG} 2025: signed digitally by the ministry (Heike Hofmann) on 2.8.2025" in out
    assert (clone / "counties/2025/signed" / f"{SLUG}.pdf").read_bytes() == signed.read_bytes()
    assert "status: signed" in (clone / "counties" / DATA).read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_round_signed_after_the_budget_changed_is_refused(project, capsys, tmp_path):

    make_real(project.counties)
    assert send_at(project, SLUG) == 0
    sent = (project.out / "2025" / f"{SLUG}.pdf").read_bytes()
    edit_yaml(project.counties / DATA, KASSEL_BUDGET, "budget: 978700")
    signed = signed_by_both(sent, tmp_path)
    before = snapshot(project.counties)
    capsys.readouterr()
    code = run(["receive", *folder_args(project, "receive"), str(signed), "--trust", str(tmp_path / "ca.pem")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert (
        "unterschrieben.pdf: was signed, but the text changed since it was sent: budget 968.700 → 978.700 Euro "
        "since sent on 2025-07-30; have the current version signed" in err
    )
    assert snapshot(project.counties) == before

    assert (
        run(["withdraw", *folder_args(project, "withdraw"), SLUG]) == 0
    )  # taken back, the current version sent instead
    assert send_at(project, SLUG, when=SENT_AT + dt.timedelta(days=1)) == 0
    capsys.readouterr()
    before = snapshot(project.counties)
    code = run(["receive", *folder_args(project, "receive"), str(signed), "--trust", str(tmp_path / "ca.pem")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    archived = project.counties / "2025/archive" / f"{SLUG}-sent-20250730T080000Z.json"
    assert f"is a version sent on 2025-07-30 and withdrawn since ({archived})" in err
    assert snapshot(project.counties) == before


# --- a plausible lower bound, and the new year's clauses confirmed -------------------------------------------


def test_a_budget_below_the_lower_bound_warns_at_check_and_is_not_sent(project, cli):
    make_real(project.counties)
    edit_yaml(project.counties / DATA, KASSEL_BUDGET, "budget: 96870")  # a digit lost
    code, out, _ = cli("check")
    assert code == 0
    assert f"{SLUG} draft → for_signature: budget below the plausible minimum" in " ".join(out.split())
    before = snapshot(project.counties)
    code, _, err = cli("send", SLUG)
    assert code == 2
    assert (
        f"{SLUG}: is not ready for signature: budget: 96.870 Euro is below the plausible minimum of 100.000 Euro "
        "for a district (min_budget in 2025/_year.yaml); check the digits" in " ".join(err.split())
    )
    assert snapshot(project.counties) == before
    edit_yaml(project.counties / DATA, "status: draft", "status: for_signature")  # set by hand: an error now
    code, _, err = cli("check")
    assert code == 2 and "field 'budget': 96.870 Euro is below the plausible minimum" in " ".join(err.split())
    edit_yaml(project.counties / "2025/_year.yaml", "grant_authority:", "min_budget: 50000\ngrant_authority:")
    assert cli("check")[0] == 0


def test_a_new_year_sends_nothing_until_each_copied_clause_is_confirmed(project, cli):
    code, out, _ = cli("new-year", "2026")
    assert code == 0
    text = " ".join(out.split())
    clause = (
        "Im Jahr 2025 werden im Rahmen des AQB erneut Landesmittel für spezifische Angebote zur Integration von "
        "Menschen mit Migrationshintergrund zur Verfügung gestellt. Die geförderten Angebote sind durch eine hohe "
        "Individualität und Vielfalt gekennzeichnet."
    )
    assert f"migration_clause: {clause}" in text  # whole, not cut off
    assert "no district of 2026 can be sent until each is confirmed (`agreement-gen confirm --year 2026 NAME`" in text

    year_file = project.counties / "2026/_year.yaml"
    kassel = project.counties / f"2026/{SLUG}.yaml"
    edit_yaml(kassel, "budget:", "budget: 990000")
    edit_yaml(kassel, "source: example", "source: Haushaltsplan 2026")
    edit_yaml(kassel, "  title: Landrat", "  name: Andreas Siebert\n  title: Landrat")
    code, out, _ = cli("check", "--year", "2026")
    assert code == 0
    text = " ".join(out.split())
    assert "2026: 2 clause(s) copied from an earlier year, not yet confirmed for 2026" in text
    assert f"! migration_clause: {clause}" in text
    assert "! buendnis: Bündnis für Ausbildung für die Jahre 2025 bis 2029" in text

    before = snapshot(project.counties)
    code, _, err = cli("send", SLUG, "--year", "2026")
    assert code == 2
    assert (
        "status: the clauses buendnis, migration_clause of 2026/_year.yaml were copied from an earlier year and are "
        "not confirmed for 2026 (`agreement-gen confirm --year 2026`)" in " ".join(err.split())
    )
    assert snapshot(project.counties) == before

    edit_yaml(year_file, "Im Jahr 2025 werden", "Im Jahr 2026 werden")
    code, out, _ = cli("confirm", "migration_clause", "--year", "2026")
    assert code == 0
    assert "✓ migration_clause confirmed for 2026: Im Jahr 2026 werden im Rahmen" in " ".join(out.split())
    assert "to_confirm:" in year_file.read_text(encoding="utf-8")
    code, _, err = cli("confirm", "migration_clause", "--year", "2026")
    assert code == 2 and "'migration_clause' awaits no confirmation (waiting: buendnis)" in " ".join(err.split())
    assert cli("confirm", "--all", "--year", "2026")[0] == 0
    assert "to_confirm" not in year_file.read_text(encoding="utf-8")
    code, out, _ = cli("check", "--year", "2026")
    assert code == 0 and "not yet confirmed" not in out


def signed_by_both(sent: bytes, folder: Path) -> Path:
    """`sent` signed by the ministry, then by Landkreis Kassel, with certificates of a CA the test makes;
    returns the signed file (FOLDER/unterschrieben.pdf), the CA's certificate beside it as FOLDER/ca.pem."""
    from .signing import MINISTRY, issue, make_ca, sign_as

    ca = make_ca()
    ministry, district = issue(ca, "Heike Hofmann", MINISTRY), issue(ca, "Andreas Siebert", "Landkreis Kassel")
    once = sign_as(sent, "Signatur_Ministerium", *ministry, ca, dt.datetime(2025, 8, 2, 10, tzinfo=dt.UTC))
    signed = folder / "unterschrieben.pdf"
    signed.write_bytes(sign_as(once, f"Signatur_{SLUG}", *district, ca, dt.datetime(2025, 8, 11, 9, tzinfo=dt.UTC)))
    (folder / "ca.pem").write_bytes(ca.pem)
    return signed
