"""Incremental, reproducible builds and the manifest that makes them possible."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import docx
import pikepdf
import pytest

from .conftest import build_into, edit_yaml, reopen_2025


def digests(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.glob("*.*"))
        if p.suffix in (".docx", ".pdf")
    }


def mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.*")}


def test_second_build_does_nothing_and_says_so(project, cli):
    assert cli("build", "--formats", "docx")[0] == 0
    out = project.out / "2025"
    before = mtimes(out)
    code, text, _ = cli("build", "--formats", "docx")
    assert code == 0
    assert "2025: 26 up to date, nothing to do" in text
    assert mtimes(out) == before  # not even the manifest was rewritten


def test_only_the_changed_district_is_rebuilt(project, cli):
    assert cli("build", "--formats", "docx")[0] == 0
    edit_yaml(project.counties / "2025/fulda.yaml", "budget: ", "budget: 1")  # 1 prepended to the amount
    code, text, _ = cli("build", "--formats", "docx")
    assert code == 0
    assert "1 built, 25 up to date, 0 failed" in text
    assert "✓ fulda" in text


def test_template_or_year_change_rebuilds_all(project, cli):
    reopen_2025(project)  # the template is edited below
    assert cli("build", "--formats", "docx")[0] == 0
    edit_yaml(
        project.counties / "2025/_year.yaml",
        "grant_authority: Regierungspräsidium Kassel",
        "grant_authority: Regierungspräsidium Gießen",
    )
    assert "26 built, 0 up to date" in cli("build", "--formats", "docx")[1]
    template = project.templates / "zielvereinbarung.docx"
    document = docx.Document(str(template))
    document.add_paragraph("Nachtrag.")
    document.save(str(template))
    assert "26 built, 0 up to date" in cli("build", "--formats", "docx")[1]


def test_force_and_deleted_outputs_rebuild(project, cli):
    assert cli("build", "--formats", "docx")[0] == 0
    assert "26 built" in cli("build", "--formats", "docx", "--force")[1]
    (project.out / "2025" / "wetterau.docx").unlink()
    (project.out / "2025" / "fulda.docx").write_bytes(b"damaged")
    assert "2 built, 24 up to date" in cli("build", "--formats", "docx")[1]


def test_unreadable_manifest_means_rebuild_not_crash(project, cli):
    assert cli("build", "--formats", "docx")[0] == 0
    (project.out / "2025" / "manifest.json").write_text("{ not json")
    code, text, _ = cli("build", "--formats", "docx")
    assert code == 0 and "26 built" in text
    json.loads((project.out / "2025" / "manifest.json").read_text())


@pytest.mark.slow
def test_manifest_describes_every_output(project, cli):
    assert cli("build", "--only", "darmstadt-dieburg,fulda")[0] == 0
    out = project.out / "2025"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["year"] == 2025 and manifest["generator"].startswith("0.")
    record = manifest["districts"]["darmstadt-dieburg"]
    assert record["stage"] == record["data_status"] == "signed"
    assert record["budget"] == "1288930" and record["example"] is False
    assert set(record["inputs"]) == {
        "districts/darmstadt-dieburg.yaml",
        "2025/darmstadt-dieburg.yaml",
        "2025/_year.yaml",
        "templates/zielvereinbarung.docx",
    }
    for fmt, entry in record["outputs"].items():
        data = (out / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), fmt
        assert entry["size"] == len(data)
    assert record["outputs"]["pdf"]["pages"] == 3
    assert manifest["districts"]["fulda"]["example"] is True
    assert manifest["totals"]["districts"] == 2
    assert manifest["totals"]["by_stage"] == {"draft": 1, "signed": 1}
    assert not list(out.glob(".*")), "temporary files left behind"


@pytest.mark.slow
def test_two_builds_into_two_folders_are_byte_identical(project, cli, tmp_path):
    assert cli("build", "--only", "darmstadt-dieburg,hochtaunus,offenbach")[0] == 0
    first = digests(project.out / "2025")
    code = build_into(project.out.parent, tmp_path / "second", "--only", "darmstadt-dieburg,hochtaunus,offenbach")
    assert code == 0
    assert digests(tmp_path / "second" / "2025") == first
    assert len(first) == 6


@pytest.mark.slow
def test_source_date_epoch_is_honoured(project, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1754000000")  # 2025-07-31T22:13:20Z
    assert cli("build", "--only", "fulda")[0] == 0
    out = project.out / "2025"
    with pikepdf.open(out / "fulda.pdf") as pdf:
        assert pdf.open_metadata()["xmp:CreateDate"].startswith("2025-07-31T22:13:20")
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20250731221320")
    props = docx.Document(str(out / "fulda.docx")).core_properties
    assert props.created.isoformat().startswith("2025-07-31T22:13:20")
    with zipfile.ZipFile(io.BytesIO((out / "fulda.docx").read_bytes())) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 7, 31, 22, 13, 20)}
