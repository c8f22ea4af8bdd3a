"""LibreOffice started ahead: it starts up while the documents render, converts the chunk handed to it
with the build's export options, and neither it nor its pipe is left afterwards."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest

from agreement_gen.build.libreoffice import LibreOfficeConverter, listening_pipe

pytestmark = pytest.mark.slow


def ours(root: Path) -> list[tuple[int, Path]]:
    """(pid, profile) of every running LibreOffice process (or the shell around it) whose profile lies under `root`."""
    found = []
    prefix = f"-env:UserInstallation={root.as_uri()}/".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state in ("Z", "X"):
            continue
        for arg in args:
            if arg.startswith(prefix):
                found.append((int(entry), Path(arg.decode().removeprefix("-env:UserInstallation=file://"))))
                break
    return found


def wait_for(condition: Callable[[], object], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_chunk_goes_to_the_libreoffice_started_ahead(built_2025, tmp_path):
    sources = tmp_path / "docx"
    sources.mkdir()
    files = [Path(shutil.copy(built_2025 / f"{slug}.docx", sources)) for slug in ("fulda", "wetterau", "frankfurt")]
    out = tmp_path / "pdf"
    out.mkdir()

    converter = LibreOfficeConverter(workers=1, expected=len(files))
    work = Path(converter._work.name)  # the converter's private folder: where its profiles are
    try:
        # Started before any file exists: one process, listening on the pipe named after its profile.
        wait_for(lambda: bool(ours(work)))
        profiles = {profile for _, profile in ours(work)}
        assert len(profiles) == 1
        (profile,) = profiles
        wait_for(listening_pipe(profile).exists)

        outcomes = list(converter.convert_iter(files, out))

        assert sorted(o.source.stem for o in outcomes) == ["frankfurt", "fulda", "wetterau"]
        assert all(o.error is None for o in outcomes)
        # The process started ahead did the work: it printed LibreOffice's progress line for each file.
        log = profile.with_suffix(".log").read_text(encoding="utf-8")
        for source in files:
            assert f"convert {source} -> {out / (source.stem + '.pdf')} using filter : writer_pdf_Export" in log
        for outcome in outcomes:  # with the build's export options: PDF/A-2b, tagged
            assert outcome.pdf is not None
            with pikepdf.open(outcome.pdf) as pdf:
                assert pdf.open_metadata().pdfa_status == "2B"
                assert pdf.Root.MarkInfo.Marked
        # Used for one chunk, then stopped: no process of ours runs, its pipe is gone.
        assert ours(work) == []
        assert not listening_pipe(profile).exists()
    finally:
        converter.close()
    assert not work.exists()


@pytest.mark.parametrize(
    ("workers", "expected", "waiting"),
    [
        (3, 2, 2),  # two files: two chunks of one
        (1, 120, 1),  # three chunks, one at a time: the next one starts when the first is handed over
        (2, 120, 2),
    ],
)
def test_no_more_processes_wait_than_can_work_at_once(workers, expected, waiting):
    converter = LibreOfficeConverter(workers=workers, expected=expected, max_per_process=50)
    work = Path(converter._work.name)
    try:
        wait_for(lambda: len({profile for _, profile in ours(work)}) >= waiting)
        time.sleep(0.5)  # another would have started by now
        assert len({profile for _, profile in ours(work)}) == waiting
    finally:
        converter.close()
    assert ours(work) == []


def test_closing_unused_stops_the_waiting_processes_and_their_pipes(tmp_path):
    converter = LibreOfficeConverter(workers=2, expected=100)
    work = Path(converter._work.name)
    wait_for(lambda: len({profile for _, profile in ours(work)}) == 2)
    profiles = {profile for _, profile in ours(work)}
    for profile in profiles:
        wait_for(listening_pipe(profile).exists)
    converter.close()
    assert ours(work) == []
    assert not any(listening_pipe(profile).exists() for profile in profiles)


def test_on_one_core_one_libreoffice_still_runs():
    first = min(os.sched_getaffinity(0))
    code = (
        f"import os; os.sched_setaffinity(0, {{{first}}}); "
        "from agreement_gen.build.libreoffice import default_workers; print(default_workers())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "1"


def test_a_build_killed_while_libreoffice_waits_leaves_no_libreoffice_behind(project, tmp_path):
    from .hardening import start_build

    temporary = tmp_path / "tmp"  # the build's temporary folders, its LibreOffice profiles among them
    temporary.mkdir()
    build = start_build(project, "--only", "fulda,wetterau", env={"TMPDIR": str(temporary)})
    try:
        wait_for(lambda: bool(ours(temporary)))  # started ahead, before the documents exist
        profiles = {profile for _, profile in ours(temporary)}
        wait_for(lambda: all(listening_pipe(profile).exists() for profile in profiles))
        build.kill()  # SIGKILL: no finally, no close()
        build.wait(timeout=30)
        wait_for(lambda: not ours(temporary))
        assert not [profile for profile in profiles if listening_pipe(profile).exists()]  # no socket left in /tmp
    finally:
        for pid, _ in ours(temporary):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
