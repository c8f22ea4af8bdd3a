"""LibreOffice missing, broken, crashing, hanging, or the build interrupted: clear messages, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agreement_gen.data.paths import Paths

from .hardening import build_command

pytestmark = pytest.mark.slow


def fake_soffice(folder: Path, body: str, version_exit: int = 0) -> Path:
    """A stand-in `soffice`: answers --version (with `version_exit`), otherwise runs `body`."""
    script = folder / "soffice"
    script.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do [ "$a" = "--version" ] && { echo "LibreOffice fake"; exit '
        + str(version_exit)
        + "; }; done\n"
        + body
        + "\n"
    )
    script.chmod(0o755)
    return script


HANG = 'sleep 600 & echo $! >> "$FAKE_PIDS"; echo $$ >> "$FAKE_PIDS"; wait'


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def build_fulda(project: Paths, cli) -> bytes:
    assert cli("build", "--only", "fulda")[0] == 0
    return (project.out / "2025" / "fulda.pdf").read_bytes()


def test_hanging_converter_is_killed_retried_and_reported(project, cli, tmp_path, monkeypatch):
    before = build_fulda(project, cli)
    pids = tmp_path / "pids"
    monkeypatch.setenv("AGREEMENT_GEN_SOFFICE", str(fake_soffice(tmp_path, HANG)))
    monkeypatch.setenv("AGREEMENT_GEN_CONVERT_TIMEOUT", "1")
    monkeypatch.setenv("FAKE_PIDS", str(pids))

    code, out, _ = cli("build", "--only", "fulda,wetterau", "--force")
    assert code == 1
    assert "fulda: LibreOffice hung and was killed after 1 s (tried twice)" in out
    assert "wetterau: LibreOffice hung" in out
    assert "0 built, 0 up to date, 2 failed" in out
    started = [int(p) for p in pids.read_text().split()]
    # per worker at least the waiting process and the retry, each sh + its sleep child (the try handed to the
    # waiting one may be killed before it writes: its deadline includes the wait for the waiting one)
    assert len(started) >= 2 * 2
    assert not [pid for pid in started if alive(pid)], "a LibreOffice process group survived"
    assert (project.out / "2025" / "fulda.pdf").read_bytes() == before
    assert not list((project.out / "2025").glob(".*")), "temporary files left behind"


# A stand-in `soffice` that, like LibreOffice, creates the socket of its profile in /tmp (bound, never
# listening) and then hangs: a process killed for hanging cannot remove it itself.
SOCKET_THEN_HANG = """#!{python}
import os, socket, sys, time
from pathlib import Path
from agreement_gen.build.libreoffice import listening_pipe
if "--version" in sys.argv:
    print("LibreOffice fake")
    sys.exit(0)
url = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("-env:UserInstallation="))
pipe = listening_pipe(Path(url.removeprefix("file://")))
with open(os.environ["FAKE_PIPES"], "a") as log:
    log.write(f"{{pipe}}\\n")
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(str(pipe))
time.sleep(600)
"""


def test_a_converter_killed_for_hanging_leaves_no_socket_in_tmp(project, cli, tmp_path, monkeypatch):
    soffice = tmp_path / "soffice"
    soffice.write_text(SOCKET_THEN_HANG.format(python=sys.executable))
    soffice.chmod(0o755)
    pipes = tmp_path / "pipes"
    monkeypatch.setenv("AGREEMENT_GEN_SOFFICE", str(soffice))
    monkeypatch.setenv("AGREEMENT_GEN_CONVERT_TIMEOUT", "1")
    monkeypatch.setenv("FAKE_PIPES", str(pipes))

    code, out, _ = cli("build", "--only", "fulda")
    assert code == 1 and "fulda: LibreOffice hung and was killed after 1 s (tried twice)" in out
    created = [Path(line) for line in pipes.read_text().splitlines()]
    assert len(created) >= 2  # the process started ahead and the retry, each with a profile of its own
    assert [pipe for pipe in created if pipe.exists()] == []


def test_converter_that_writes_nothing_is_reported(project, cli, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "AGREEMENT_GEN_SOFFICE",
        str(fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 0")),
    )
    code, out, _ = cli("build", "--only", "fulda")
    assert code == 1
    assert (
        "fulda: LibreOffice produced no PDF (exit code 0: Error: source file could not be loaded) (tried twice)" in out
    )
    assert not (project.out / "2025" / "fulda.docx").exists()  # a document is published whole or not at all


def test_missing_libreoffice_says_what_to_install(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("AGREEMENT_GEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = cli("build", "--only", "fulda")
    assert code == 3  # the machine lacks a program: not the input's fault
    assert "LibreOffice is not installed" in err and "apt-get install libreoffice-writer-nogui" in err


def test_broken_libreoffice_exits_3(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_SOFFICE", str(fake_soffice(tmp_path, "exit 1", version_exit=134)))
    code, _, err = cli("build", "--only", "fulda")
    assert code == 3
    assert "is broken (exit code 134" in err


def test_docx_only_build_needs_no_libreoffice(project, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, _ = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 0
    assert (project.out / "2025" / "fulda.docx").is_file()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_keeps_the_previous_outputs(project, cli, tmp_path, signum):
    before = build_fulda(project, cli)
    docx_before = (project.out / "2025" / "fulda.docx").read_bytes()
    pids = tmp_path / "pids"
    env = dict(os.environ, AGREEMENT_GEN_SOFFICE=str(fake_soffice(tmp_path, HANG)), FAKE_PIDS=str(pids))
    proc = subprocess.Popen(
        build_command(project, "--force", "--only", "fulda"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not (
        pids.exists() and len(pids.read_text().split()) >= 4
    ):  # the waiting LibreOffice, then the one handing it the file
        assert time.monotonic() < deadline and proc.poll() is None, "the build never started converting"
        time.sleep(0.05)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    assert (project.out / "2025" / "fulda.pdf").read_bytes() == before
    assert (project.out / "2025" / "fulda.docx").read_bytes() == docx_before
    assert not list((project.out / "2025").glob(".*")), "staging or temporary files left behind"
    assert not [pid for pid in map(int, pids.read_text().split()) if alive(pid)]
