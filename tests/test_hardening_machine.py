"""The machine goes wrong: output folder not writable, disk full, a build killed, two builds at once.

Afterwards there is no half-written DOCX, PDF or manifest, the previous good outputs are
byte-identical, and the next build finishes normally. (LibreOffice missing, crashing or hanging
and SIGINT/SIGTERM are covered by test_conversion_failures.py.)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pathlib
import signal
import subprocess
import time
from pathlib import Path

import pytest

from agreement_gen.build import lock
from agreement_gen.build.lock import year_lock
from agreement_gen.cli import run

from .conftest import edit_yaml
from .hardening import leftovers, start_build
from .helpers import snapshot
from .test_conversion_failures import HANG, alive, fake_soffice


def manifest_matches_files(out: Path) -> bool:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for record in manifest["districts"].values():
        for entry in record["outputs"].values():
            if hashlib.sha256((out / entry["file"]).read_bytes()).hexdigest() != entry["sha256"]:
                return False
    return True


@pytest.fixture
def earlier(project, cli) -> dict[str, bytes]:
    """Good DOCX outputs of two districts and their manifest, already in place."""
    assert cli("build", "--only", "fulda,wetterau", "--formats", "docx")[0] == 0
    return snapshot(project.out)


# -- output folder not writable ------------------------------------------------------------------


def test_output_folder_below_a_file_is_a_clear_usage_error(project, tmp_path, capsys):
    (tmp_path / "not-a-folder").write_text("x")
    folders = ["--counties", str(project.counties), "--templates", str(project.templates)]
    code = run(["build", *folders, "--out", str(tmp_path / "not-a-folder" / "build"), "--formats", "docx"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot write to the output folder" in err
    assert "a file stands where a folder should be (Not a directory" in err
    assert "nothing was written" in err


def test_output_folder_without_write_permission(project, cli, earlier, monkeypatch):
    # As root (the test container) chmod does not stop writing, so the refusal is simulated where it happens.
    def refuse(path: Path) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(lock, "_try_lock", refuse)
    code, _, err = cli("build", "--formats", "docx", "--force")
    assert code == 2
    assert "cannot write to the output folder" in err and "permission denied (Permission denied: " in err
    assert snapshot(project.out) == earlier


def test_read_only_output_folder_when_staging(project, cli, earlier, monkeypatch):
    real = __import__("tempfile").mkdtemp

    def read_only(*args, **kwargs):
        if str(kwargs.get("dir", "")).startswith(str(project.out)):
            raise OSError(errno.EROFS, "Read-only file system", kwargs["dir"])
        return real(*args, **kwargs)

    monkeypatch.setattr("agreement_gen.build.pipeline.tempfile.mkdtemp", read_only)
    code, _, err = cli("build", "--formats", "docx", "--force")
    assert code == 2
    assert "the file system is read-only (Read-only file system" in err and "nothing was written" in err
    assert snapshot(project.out) == earlier


# -- disk full -----------------------------------------------------------------------------------


def test_disk_full_while_writing_documents_changes_nothing(project, cli, earlier, monkeypatch):
    real = pathlib.Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if ".staging-" in str(self):
            real(self, data[: len(data) // 2])  # what a full disk leaves: half a file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    code, _, err = cli("build", "--formats", "docx", "--force")
    assert code == 1
    assert "the build stopped: the disk is full (No space left on device)" in err
    assert f"nothing in {project.out / '2025'} was changed" in err
    assert snapshot(project.out) == earlier
    assert leftovers(project.out / "2025") == []
    monkeypatch.undo()
    assert "26 built" in cli("build", "--formats", "docx", "--force")[1]  # the next build finishes normally


def test_disk_full_while_writing_the_manifest_moves_no_document(project, cli, earlier, monkeypatch):
    """The manifest is written before any document moves: a full disk at the last step still changes nothing."""
    edit_yaml(project.counties / "2025/fulda.yaml", "budget: 931500", "budget: 931600")

    def full(path: Path, content: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("agreement_gen.build.manifest.atomic_write", full)
    code, _, err = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 1
    assert "the disk is full (No space left on device: " in err and "was changed" in err
    assert snapshot(project.out) == earlier
    assert leftovers(project.out / "2025") == []


def test_a_failure_between_two_renames_is_repaired_by_the_next_build(project, cli, earlier, monkeypatch):
    edit_yaml(project.counties / "2025/fulda.yaml", "budget: 931500", "budget: 931600")
    edit_yaml(project.counties / "2025/wetterau.yaml", "budget: ", "budget: 1")
    real, moved = os.replace, []

    def fail_second(src, dst):
        if str(src).endswith(".docx") and ".staging-" in str(src):
            if moved:
                raise OSError(errno.EIO, "Input/output error", str(dst))
            moved.append(dst)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)
    code, _, err = cli("build", "--only", "fulda,wetterau", "--formats", "docx")
    monkeypatch.undo()
    assert code == 1
    assert "documents moved in so far are complete, and the next build redoes them" in err
    out = project.out / "2025"
    assert (out / "manifest.json").read_bytes() == earlier["2025/manifest.json"]
    assert not manifest_matches_files(out)  # one document is new, the manifest still the old one
    code, text, _ = cli("build", "--only", "fulda,wetterau", "--formats", "docx")
    assert code == 0 and "2 built" in text
    assert manifest_matches_files(out)
    assert leftovers(out) == []


# -- a build killed, leftovers cleaned -----------------------------------------------------------


def test_the_next_build_removes_what_a_killed_build_left(project, cli, earlier):
    out = project.out / "2025"
    (out / ".staging-k1ll3d").mkdir()
    (out / ".staging-k1ll3d" / "fulda.pdf").write_bytes(b"%PDF-1.7 half")
    (out / ".lock").write_text("999999999\n")  # the lock file of a dead build: its flock went with it
    code, text, err = cli("build", "--only", "fulda,wetterau", "--formats", "docx")
    assert code == 0 and "2 up to date" in text
    assert "waiting" not in err
    assert leftovers(out) == []
    assert snapshot(project.out) == earlier


@pytest.mark.slow
def test_sigkill_during_conversion_loses_nothing_and_the_next_build_finishes(project, cli, tmp_path):
    assert cli("build", "--only", "fulda")[0] == 0
    out = project.out / "2025"
    earlier = snapshot(out)
    pids = tmp_path / "pids"
    soffice = str(fake_soffice(tmp_path, HANG))
    proc = start_build(
        project, "--only", "fulda", "--force", env={"AGREEMENT_GEN_SOFFICE": soffice, "FAKE_PIDS": str(pids)}
    )
    try:
        deadline = time.monotonic() + 60
        while not (
            pids.exists() and len(pids.read_text().split()) >= 4
        ):  # the waiting LibreOffice, then the one handing it the file
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.kill()  # SIGKILL: no handler, no finally, no cleanup
        proc.wait(timeout=30)
    finally:
        for pid in map(int, pids.read_text().split()) if pids.exists() else ():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)  # the fake LibreOffice ran in its own session
    assert proc.returncode == -signal.SIGKILL
    assert any(name.startswith(".staging-") for name in leftovers(out))  # expected after a SIGKILL
    kept = {name: data for name, data in snapshot(out).items() if not name.startswith((".staging-", ".lock"))}
    assert kept == earlier  # no half-written DOCX, PDF or manifest: the old ones, byte for byte

    code, text, err = cli("build", "--only", "fulda")
    assert code == 0 and "1 up to date" in text and "waiting" not in err
    assert leftovers(out) == []
    code, text, _ = cli("build", "--only", "fulda", "--force")
    assert code == 0 and "1 built" in text
    assert snapshot(out) == earlier  # the same inputs give the same bytes
    assert manifest_matches_files(out)


# -- two builds at once ----------------------------------------------------------------------------


def test_a_build_waits_for_the_lock_and_says_for_whom(project, cli, earlier, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LOCK_TIMEOUT", "0.5")
    with year_lock(project.out / "2025", 2025):
        code, _, err = cli("build", "--only", "fulda", "--formats", "docx", "--force")
    assert code == 1
    assert f"waiting for another build of 2025 (pid {os.getpid()}) in {project.out / '2025'}…" in err
    assert f"another build of 2025 (pid {os.getpid()}) has held {project.out / '2025' / '.lock'}" in err
    assert "for more than 0.5 s; nothing was written" in err
    assert snapshot(project.out) == earlier
    assert leftovers(project.out / "2025") == []


@pytest.mark.slow
def test_a_waiting_build_goes_on_when_the_lock_is_released(project, earlier):
    with year_lock(project.out / "2025", 2025):
        proc = start_build(project, "--only", "fulda", "--formats", "docx", "--force")
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert f"waiting for another build of 2025 (pid {os.getpid()})" in first, first
        assert proc.poll() is None
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "1 built" in out
    assert leftovers(project.out / "2025") == []


@pytest.mark.slow
def test_two_builds_at_once_both_end_well(project):
    first = start_build(project, "--formats", "docx")
    deadline = time.monotonic() + 30
    while not (project.out / "2025" / ".lock").exists() and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second = start_build(project, "--formats", "docx")
    results = [proc.communicate(timeout=120) for proc in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], results
    outs = [out for out, _ in results]
    assert "26 built" in outs[0]
    assert "26 up to date, nothing to do" in outs[1]  # it waited, then found the first build's work
    if "waiting for another build" in results[1][1]:
        assert f"(pid {first.pid})" in results[1][1]
    out = project.out / "2025"
    assert len(list(out.glob("*.docx"))) == 26
    assert manifest_matches_files(out)
    assert leftovers(out) == []


def test_lock_file_is_never_inherited_by_child_processes(project):
    """LibreOffice runs as a child: were the lock's descriptor inherited, a SIGKILLed build's orphan would hold it."""
    with year_lock(project.out / "2025", 2025):
        child = subprocess.run(["ls", "-l", "/proc/self/fd"], capture_output=True, text=True, check=True)
    assert ".lock" not in child.stdout
