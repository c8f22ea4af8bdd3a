"""Stage 4 – convert: DOCX → PDF/A-2b with LibreOffice, in batches, in parallel processes.

LibreOffice's start-up dominates its cost (about a second and as much CPU as fifteen
conversions), so each process converts a batch of files, and the processes are started before
the batch exists: a LibreOffice started without documents waits, and a later `soffice
--convert-to` with the same user profile hands its files over to it through LibreOffice's own
pipe and returns when they are converted. The converter starts these waiting processes as soon
as it is created, so they start up while the caller renders the documents. Each process has its
own user profile (two processes sharing a profile fail, sometimes silently), runs in its own
process group (soffice starts soffice.bin as a child, and a hang must kill both) and has a hard
timeout. A process converts one chunk of at most `max_per_process` files and is then replaced,
since long-running LibreOffice processes grow and die (unoserver#55, #74); the next chunk's
process starts while the current one converts. The files are cut into equal chunks, and each
worker takes the next chunk when its process ends: a slow process holds up its own chunk, not a
fixed share of the batch. Files a process did not deliver are retried once in a fresh process.
Finished PDFs are handed on while the batch is still running, so the caller's post-processing
overlaps with the conversion.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue, SimpleQueue
from typing import IO

from agreement_gen.environment import CONVERT_TIMEOUT
from agreement_gen.errors import ToolMissingError
from agreement_gen.i18n import N_, _

# writer_pdf_Export options (LibreOffice ≥ 7.4 takes them as JSON on the command line):
# PDF/A-2b, tagged for screen readers, PDF/UA flag, document title in the window.
EXPORT_OPTIONS = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "PDFUACompliance": {"type": "boolean", "value": "true"},
    "ExportFormFields": {"type": "boolean", "value": "false"},
}
CONVERT_TO = "pdf:writer_pdf_Export:" + json.dumps(EXPORT_OPTIONS, separators=(",", ":"))
INSTALL_HINT = N_("install it with `make build` (it runs apt-get) or `apt-get install libreoffice-writer-nogui`")


def find_soffice() -> str:
    """The LibreOffice binary: $AGREEMENT_GEN_SOFFICE, else `soffice`/`libreoffice` on PATH."""
    configured = os.environ.get("AGREEMENT_GEN_SOFFICE")
    if configured:
        return configured
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissingError(
        _("LibreOffice is not installed (no 'soffice' on PATH); {hint}.").format(hint=_(INSTALL_HINT))
    )


def default_timeout(count: int) -> float:
    """Seconds one batch of `count` files may take: generous, so only a real hang hits it."""
    return CONVERT_TIMEOUT.get(60.0 + 10.0 * count)


def default_workers() -> int:
    """LibreOffice processes at once: one fewer than the cores this process may use, at least one.

    Finishing and checking a PDF (pdf/) costs about as much CPU as LibreOffice's conversion of it
    (measured: 55 against 52 ms a document) and runs in this process, mostly on one core. One
    LibreOffice per core would only take turns with it, and each start costs most of a second of CPU.
    """
    return max(1, len(os.sched_getaffinity(0)) - 1)


@dataclass(frozen=True)
class Converted:
    """One input's outcome: its PDF, or why there is none."""

    source: Path
    pdf: Path | None
    error: str | None = None


def listening_pipe(profile: Path) -> Path:
    """The socket the LibreOffice of `profile` listens on for files handed over (osl/unx/pipe.cxx: in /tmp,
    named after an MD5 of the profile's URL as UTF-16, each byte in hex without padding). A killed
    LibreOffice leaves it behind."""
    digest = hashlib.md5(profile.as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    return Path(f"/tmp/OSL_PIPE_{os.getuid()}_SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in digest))


@dataclass
class _Waiting:
    """A LibreOffice started without documents, waiting for a chunk handed over through its pipe."""

    process: subprocess.Popen[bytes]
    profile: Path
    log: Path  # what it prints: a handed-over file's errors are written here, not by the `soffice` handing it

    def error_tail(self) -> str:
        """Its last three lines other than the progress lines ("convert A -> B using filter : …")."""
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " / ".join([line for line in lines if not line.startswith("convert ")][-3:])


# A LibreOffice started ahead waits for its chunk until someone stops it – also when this process was
# killed (SIGKILL, a crash) before it could. So it runs under a shell that removes the file of its pipe
# ($1) and kills its whole process group once the shell's stdin, a pipe whose other end only this process
# holds, reaches its end. (An asynchronous command's stdin is /dev/null in sh: the watcher reads a copy.)
TIED = (
    'pipe=$1; shift; exec 3<&0; "$@" 3<&- </dev/null & child=$!; '
    '(read _ <&3; rm -f "$pipe"; kill -9 0) & exec 3<&-; wait "$child"'
)


class _ProcessGroups:
    """The LibreOffice processes running now, so an interrupted build can kill every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def start(
        self, cmd: list[str], log: IO[bytes] | None = None, tied_to: Path | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `cmd` in a process group of its own (registered until `done`); what it prints goes to `log`,
        else its stderr to a pipe `done` reads. With `tied_to` (the file of its LibreOffice pipe) its group is
        killed, and that file removed, when this process ends, however it ends."""
        if self._stopped:
            raise InterruptedError("the build was interrupted")
        out, err = (log, subprocess.STDOUT) if log else (subprocess.DEVNULL, subprocess.PIPE)
        stdin = subprocess.DEVNULL if tied_to is None else subprocess.PIPE
        cmd = cmd if tied_to is None else ["/bin/sh", "-c", TIED, "sh", str(tied_to), *cmd]
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=stdin, start_new_session=True)
        with self._lock:
            if self._stopped:  # interrupted between the check above and the start
                _kill_group(proc)
            self._running.add(proc)
        return proc

    def done(self, proc: subprocess.Popen[bytes]) -> str:
        """Forget a finished process; returns the tail of what it wrote to stderr."""
        with self._lock:
            self._running.discard(proc)
        err = proc.stderr.read() if proc.stderr else b""
        if proc.stderr:
            proc.stderr.close()
        proc.wait()
        return " / ".join(err.decode("utf-8", "replace").strip().splitlines()[-3:])

    def run(self, cmd: list[str], timeout: float) -> tuple[int | None, str]:
        """Run to the end; on timeout kill the group. Returns (exit code, or None on timeout, stderr tail)."""
        proc = self.start(cmd)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            self.done(proc)
            return None, ""
        return proc.returncode, self.done(proc)

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 0.0) -> None:
        """Give `proc` `grace` seconds to end, then kill its group; forget it."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
        _kill_group(proc)
        with self._lock:
            self._running.discard(proc)
        proc.wait()
        if proc.stdin:
            proc.stdin.close()

    def kill_all(self) -> None:
        """Kill every running process group and start no new one (a worker thread would retry)."""
        with self._lock:
            self._stopped = True
            for proc in self._running:
                _kill_group(proc)


# LibreOffice's pipe protocol (desktop/source/app/officeipcthread.cxx): on each connection the office,
# once started up, writes this; the other end answers with its arguments, and an empty answer is a
# lookup it ignores.
SEND_ARGUMENTS = b"InternalIPC::SendArguments\0"


def _until_ready(waiting: _Waiting, deadline: float) -> None:
    """Wait until the LibreOffice started ahead has started up and takes files (or has ended, or the
    deadline has passed).

    A `soffice` that hands files over in a moment nobody listens on the pipe takes the pipe over and
    converts them itself, and the waiting one ends. Early in LibreOffice's start-up there is such a
    moment: the pipe that appears first (within 0.1 s) drops a connection and is removed again, and the
    one LibreOffice listens on appears later (observed with 7.4 on a busy machine). Only the greeting
    says that the office has started up and takes files.
    """
    pipe = listening_pipe(waiting.profile)
    appear = min(deadline, time.monotonic() + 2.0)  # LibreOffice creates it within 0.1 s of its start
    while not pipe.exists():
        if waiting.process.poll() is not None or time.monotonic() > appear:
            return  # gone, or not a LibreOffice that listens: the files go to a process of their own
        time.sleep(0.01)
    while waiting.process.poll() is None and time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                probe.connect(str(pipe))
                greeting = b""
                while not greeting.endswith(b"\0") and len(greeting) < len(SEND_ARGUMENTS):
                    received = probe.recv(len(SEND_ARGUMENTS) - len(greeting))
                    if not received:
                        break  # dropped: not yet the pipe LibreOffice listens on
                    greeting += received
                if greeting == SEND_ARGUMENTS:
                    probe.sendall(b"\0")
                    return
                if greeting:
                    return  # a LibreOffice that speaks otherwise: the handing-over `soffice` knows its words
            except (ConnectionRefusedError, FileNotFoundError):
                pass  # nobody listens at this moment
            except OSError:
                return  # timed out or broken: the conversion's own deadline decides
        time.sleep(0.05)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _pdf_for(docx: Path, out_dir: Path) -> Path:
    return out_dir / (docx.stem + ".pdf")


def chunks(files: list[Path], workers: int, most: int) -> list[list[Path]]:
    """`files` in order, cut into the fewest chunks of at most `most` files that keep every worker busy,
    as equal in size as they can be (26 files, 2 workers: 13 + 13; 500 files, at most 50: 10 × 50)."""
    if not files:
        return []
    rounds = -(-len(files) // (workers * most))  # process starts per worker
    count = min(len(files), workers * rounds)
    size, extra = divmod(len(files), count)
    cut, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        cut.append(files[start:end])
        start = end
    return cut


class LibreOfficeConverter:
    """Converts DOCX files to PDF with `workers` LibreOffice processes in parallel."""

    POLL = 0.03  # seconds between looks at the output folder

    def __init__(
        self,
        soffice: str | None = None,
        workers: int | None = None,
        timeout: float | None = None,
        max_per_process: int = 50,
        expected: int | None = None,
    ):
        """`expected`: how many files the caller will convert, so that no more processes wait than it needs."""
        self.soffice = soffice or find_soffice()
        self.workers = max(1, workers or default_workers())
        self.timeout = timeout
        self.max_per_process = max(1, max_per_process)
        self._processes = _ProcessGroups()
        self._work = tempfile.TemporaryDirectory(prefix="agreement-gen-lo-")
        self._waiting: SimpleQueue[_Waiting] = SimpleQueue()
        # Checking LibreOffice and starting the first waiting processes happen in the background while
        # the caller renders the documents; `convert_iter` waits for the check.
        first = self.workers
        if expected is not None:  # one process per chunk that can run at once
            first = min(first, len(chunks([Path()] * expected, self.workers, self.max_per_process)))
        self._ready: Future[None] = Future()
        threading.Thread(target=self._get_ready, args=(first,), name="libreoffice-start", daemon=True).start()

    def _get_ready(self, first: int) -> None:
        try:
            with contextlib.suppress(OSError):  # then the check says why LibreOffice does not start
                for _ in range(first):
                    self._start_waiting()
            self._check_works()
            self._ready.set_result(None)
        except BaseException as exc:
            self._ready.set_exception(exc)

    def close(self, abort: bool = False) -> None:
        """Stop the waiting processes and remove the profiles; with `abort`, first kill every LibreOffice
        process still running."""
        if abort:
            self._processes.kill_all()
        with contextlib.suppress(BaseException):
            self._ready.result()  # the background start must not write into a removed folder
        while (unused := self._take_waiting()) is not None:
            self._stop_waiting(unused, served=False)
        self._work.cleanup()

    def _check_works(self) -> None:
        try:
            code, err = self._processes.run([self.soffice, "--headless", "--version"], timeout=60)
        except OSError as exc:
            raise ToolMissingError(
                _("LibreOffice ({soffice}) cannot be started: {reason}; {hint}.").format(
                    soffice=self.soffice, reason=exc.strerror, hint=_(INSTALL_HINT)
                )
            ) from exc
        if code is None:
            message = _("LibreOffice ({soffice}) is broken (did not answer within 60 s); reinstall it: {hint}.")
            raise ToolMissingError(message.format(soffice=self.soffice, hint=_(INSTALL_HINT)))
        if code != 0:
            message = _("LibreOffice ({soffice}) is broken (exit code {code}: {error}); reinstall it: {hint}.")
            raise ToolMissingError(message.format(soffice=self.soffice, code=code, error=err, hint=_(INSTALL_HINT)))

    # -- processes waiting for their chunk ----------------------------------------------------------

    def _base_command(self, profile: Path) -> list[str]:
        return [
            self.soffice, "--headless", "--norestore", "--nologo", "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
        ]  # fmt: skip

    def _new_profile(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="profile-", dir=self._work.name))

    def _start_waiting(self) -> None:
        """Start a LibreOffice for a later chunk; it starts up while other work runs."""
        profile = self._new_profile()
        log = profile.with_suffix(".log")
        with log.open("wb") as output:  # the child keeps its own descriptor
            process = self._processes.start(self._base_command(profile), log=output, tied_to=listening_pipe(profile))
        self._waiting.put(_Waiting(process, profile, log))

    def _take_waiting(self) -> _Waiting | None:
        try:
            return self._waiting.get_nowait()
        except Empty:
            return None

    def _stop_waiting(self, waiting: _Waiting, served: bool) -> None:
        """A process is used for one chunk only. Having served it, LibreOffice ends by itself within a
        moment (no document is left open); one that did not, or never got a chunk, is killed."""
        self._processes.stop(waiting.process, grace=1.0 if served else 0.0)
        listening_pipe(waiting.profile).unlink(missing_ok=True)
        shutil.rmtree(waiting.profile, ignore_errors=True)

    # -- one process --------------------------------------------------------------------------

    def _run_process(
        self, files: list[Path], out_dir: Path, emit: Callable[[Converted], None], waiting: _Waiting | None = None
    ) -> tuple[list[Path], str]:
        """Convert `files` in one process (handed to `waiting`, else in a fresh one), emitting each PDF once
        it is complete.

        LibreOffice converts its arguments in order, so a PDF is complete once a later one
        exists or the `soffice` handing them over has ended (it waits for the conversion).
        Returns the files left without a PDF, and why.
        """
        profile = waiting.profile if waiting else self._new_profile()
        cmd = [*self._base_command(profile), "--convert-to", CONVERT_TO, "--outdir", str(out_dir), *map(str, files)]
        timeout = self.timeout or default_timeout(len(files))
        deadline = time.monotonic() + timeout
        if waiting:
            _until_ready(waiting, deadline)
        proc = self._processes.start(cmd)
        emitted: set[Path] = set()
        hung = False
        while True:
            ended = proc.poll() is not None
            exists = [_pdf_for(f, out_dir).is_file() for f in files]
            for i, source in enumerate(files):
                if source not in emitted and exists[i] and (ended or any(exists[i + 1 :])):
                    emitted.add(source)
                    emit(Converted(source, _pdf_for(source, out_dir)))
            if ended:
                break
            if time.monotonic() > deadline:
                _kill_group(proc)
                if waiting:  # the hang is in the process converting the handed-over files
                    _kill_group(waiting.process)
                hung = True
                break
            time.sleep(self.POLL)
        err = self._processes.done(proc)
        if waiting:
            err = err or waiting.error_tail()
            self._stop_waiting(waiting, served=not hung)
        elif hung:  # killed, it could not remove its socket from /tmp
            listening_pipe(profile).unlink(missing_ok=True)
        missing = []
        for source in files:
            if source in emitted:
                continue
            pdf = _pdf_for(source, out_dir)
            if not hung and pdf.is_file() and pdf.stat().st_size > 0:
                emit(Converted(source, pdf))
            else:
                pdf.unlink(missing_ok=True)  # possibly half-written when the process was killed
                missing.append(source)
        if hung:
            return missing, _("LibreOffice hung and was killed after {seconds} s").format(seconds=f"{timeout:.0f}")
        if err:
            return missing, _("LibreOffice produced no PDF (exit code {code}: {error})").format(
                code=proc.returncode, error=err
            )
        return missing, _("LibreOffice produced no PDF (exit code {code})").format(code=proc.returncode)

    def _worker(self, queue: SimpleQueue[list[Path]], out_dir: Path, emit: Callable[[Converted], None]) -> None:
        while True:  # the next chunk, in a fresh process, until none is left
            try:
                chunk = queue.get_nowait()
            except Empty:
                return
            waiting = self._take_waiting()
            if queue.qsize() > self._waiting.qsize():  # the next chunk's process starts up while this one converts
                self._start_waiting()
            missing, reason = self._run_process(chunk, out_dir, emit, waiting)
            if missing:  # once more, in a fresh process
                missing, reason = self._run_process(missing, out_dir, emit)
            for source in missing:
                emit(Converted(source, None, _("{reason} (tried twice)").format(reason=reason)))

    # -- the batch -----------------------------------------------------------------------------

    def convert_iter(self, files: list[Path], out_dir: Path) -> Iterator[Converted]:
        """Yield each file's outcome as soon as it is known, in completion order."""
        if not files:
            return
        pending: SimpleQueue[list[Path]] = SimpleQueue()
        cut = chunks(files, self.workers, self.max_per_process)
        for chunk in cut:
            pending.put(chunk)
        results: Queue[Converted | BaseException] = Queue()
        pool = ThreadPoolExecutor(max_workers=min(self.workers, len(cut)))
        try:
            self._ready.result()  # raises ToolMissingError if LibreOffice is missing or broken

            def run_worker() -> None:
                try:
                    self._worker(pending, out_dir, results.put)
                except BaseException as exc:  # reported to the consuming thread
                    results.put(exc)

            for _ in range(min(self.workers, len(cut))):
                pool.submit(run_worker)
            for _ in range(len(files)):
                outcome = results.get()
                if isinstance(outcome, BaseException):
                    raise outcome
                yield outcome
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: leave no LibreOffice running
            self._processes.kill_all()
            raise
        finally:
            pool.shutdown(wait=True)

    def convert(self, files: list[Path], out_dir: Path) -> dict[Path, Converted]:
        """Convert every file; a file that fails twice is reported, the rest go on."""
        return {outcome.source: outcome for outcome in self.convert_iter(files, out_dir)}
