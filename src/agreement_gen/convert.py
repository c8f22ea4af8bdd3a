"""Stage 4 – convert: DOCX → PDF/A-2b with LibreOffice, in batches, one process per core.

LibreOffice's start-up dominates its cost, so each process converts a whole batch. Each
process has its own user profile (two processes sharing one fail, sometimes silently), runs
in its own process group (soffice starts soffice.bin as a child, and a hang must kill both)
and has a hard timeout. Files a process did not deliver are retried once in a fresh process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from agreement_gen.errors import ToolMissingError

# writer_pdf_Export options (LibreOffice ≥ 7.4 takes them as JSON on the command line):
# PDF/A-2b, tagged for screen readers, PDF/UA flag, document title in the window.
EXPORT_OPTIONS = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "PDFUACompliance": {"type": "boolean", "value": "true"},
    "ExportFormFields": {"type": "boolean", "value": "false"},
}
CONVERT_TO = "pdf:writer_pdf_Export:" + json.dumps(EXPORT_OPTIONS, separators=(",", ":"))
INSTALL_HINT = "install it with `make build` (it runs apt-get) or `apt-get install libreoffice-writer-nogui`"


def find_soffice() -> str:
    """The LibreOffice binary: $AGREEMENT_GEN_SOFFICE, else `soffice`/`libreoffice` on PATH."""
    configured = os.environ.get("AGREEMENT_GEN_SOFFICE")
    if configured:
        return configured
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissingError(f"LibreOffice is not installed (no 'soffice' on PATH); {INSTALL_HINT}.")


def default_timeout(count: int) -> float:
    """Seconds one batch of `count` files may take: generous, so only a real hang hits it."""
    configured = os.environ.get("AGREEMENT_GEN_CONVERT_TIMEOUT")
    if configured:
        return float(configured)
    return 60.0 + 10.0 * count


@dataclass
class BatchResult:
    """Which inputs got a PDF, and why the others did not."""

    pdfs: dict[Path, Path] = field(default_factory=dict)
    errors: dict[Path, str] = field(default_factory=dict)


class _ProcessGroups:
    """The LibreOffice processes running now, so an interrupted build can kill every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def run(self, cmd: list[str], timeout: float) -> tuple[int | None, str]:
        """Run `cmd` in its own process group; on timeout kill the group. Returns (exit code or None, stderr tail)."""
        if self._stopped:
            raise InterruptedError("the build was interrupted")
        with subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True
        ) as proc:
            with self._lock:
                if self._stopped:  # interrupted between the check above and the start
                    _kill_group(proc)
                self._running.add(proc)
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.communicate()
                return None, ""
            finally:
                with self._lock:
                    self._running.discard(proc)
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        return proc.returncode, " / ".join(tail)

    def kill_all(self) -> None:
        """Kill every running process group and start no new one (a worker thread would retry)."""
        with self._lock:
            self._stopped = True
            for proc in self._running:
                _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


class LibreOfficeConverter:
    """Converts batches of DOCX files to PDF with `workers` LibreOffice processes in parallel."""

    def __init__(self, soffice: str | None = None, workers: int | None = None, timeout: float | None = None):
        self.soffice = soffice or find_soffice()
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self._processes = _ProcessGroups()
        self._check_works()

    def _check_works(self) -> None:
        try:
            code, err = self._processes.run([self.soffice, "--headless", "--version"], timeout=60)
        except OSError as exc:
            raise ToolMissingError(
                f"LibreOffice ({self.soffice}) cannot be started: {exc.strerror}; {INSTALL_HINT}."
            ) from exc
        if code != 0:
            detail = "did not answer within 60 s" if code is None else f"exit code {code}: {err}"
            raise ToolMissingError(f"LibreOffice ({self.soffice}) is broken ({detail}); reinstall it: {INSTALL_HINT}.")

    def _convert_once(self, files: list[Path], out_dir: Path, profile: Path) -> tuple[list[Path], str]:
        """One soffice process for `files`; returns the files without a PDF and the reason."""
        cmd = [
            self.soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            CONVERT_TO,
            "--outdir",
            str(out_dir),
            *map(str, files),
        ]
        timeout = self.timeout or default_timeout(len(files))
        code, err = self._processes.run(cmd, timeout)
        missing = [f for f in files if not _pdf_for(f, out_dir).is_file() or _pdf_for(f, out_dir).stat().st_size == 0]
        if code is None:
            reason = f"LibreOffice hung and was killed after {timeout:.0f} s"
        else:
            reason = f"LibreOffice produced no PDF (exit code {code}{': ' + err if err else ''})"
        return missing, reason

    def _convert_batch(self, files: list[Path], out_dir: Path, work: Path, index: int) -> BatchResult:
        missing, reason = self._convert_once(files, out_dir, work / f"profile-{index}")
        if missing:  # once more, in a fresh process with a fresh profile
            missing, reason = self._convert_once(missing, out_dir, work / f"profile-{index}-retry")
        result = BatchResult()
        for f in files:
            if f in missing:
                result.errors[f] = f"{reason} (tried twice)"
            else:
                result.pdfs[f] = _pdf_for(f, out_dir)
        return result

    def convert(self, files: list[Path], out_dir: Path) -> BatchResult:
        """Convert every file into `out_dir`; a file that fails twice is reported, the rest go on."""
        batches = [files[i :: self.workers] for i in range(min(self.workers, len(files)))]
        result = BatchResult()
        with (
            tempfile.TemporaryDirectory(prefix="agreement-gen-lo-") as work,
            ThreadPoolExecutor(max_workers=len(batches) or 1) as pool,
        ):
            futures = [pool.submit(self._convert_batch, b, out_dir, Path(work), i) for i, b in enumerate(batches)]
            try:
                for future in futures:
                    part = future.result()
                    result.pdfs.update(part.pdfs)
                    result.errors.update(part.errors)
            except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave no LibreOffice running
                self._processes.kill_all()
                raise
        return result


def _pdf_for(docx: Path, out_dir: Path) -> Path:
    return out_dir / (docx.stem + ".pdf")
