"""One build per output folder at a time, and what a killed build left behind cleaned up.

Two `agreement-gen build` runs into the same OUT/YEAR (two terminals, a cron job and a person)
would each decide what is stale from the same manifest and then overwrite each other's
manifest. So a build holds an exclusive `flock` on OUT/YEAR/.lock from reading the manifest to
writing it; a second build says whom it waits for and goes on when the first is done (and then
usually finds everything up to date). The kernel drops the lock when its holder dies, even by
SIGKILL, so a lock is never stale; the holder of the lock is therefore the only build, and any
staging folder it finds was left by a killed one and is removed.

The lock file is removed by its holder before the lock is released, so OUT/YEAR holds no lock
file between builds; a waiter that gets the lock on a file that was removed meanwhile tries again.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agreement_gen.environment import LOCK_TIMEOUT
from agreement_gen.errors import OutputError
from agreement_gen.i18n import _
from agreement_gen.output import describe_os_error

LOCK_FILE = ".lock"
STAGING_PREFIX = ".staging-"
DEFAULT_WAIT = 900.0  # seconds; a cold build of every district takes a few
POLL = 0.1


def lock_wait() -> float:
    """Seconds a build waits for another one: $AGREEMENT_GEN_LOCK_TIMEOUT, else 15 minutes."""
    return LOCK_TIMEOUT.get(DEFAULT_WAIT)


def _holder(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text(encoding="ascii").strip())
    return None


log = logging.getLogger(__name__)  # the command line shows agreement_gen's log on stderr (ui.py)


def _try_lock(path: Path) -> int | None:
    """The locked file descriptor, or None while another process holds the lock."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            current, mine = os.stat(path), os.fstat(fd)
            if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the holder removed this file as it finished: lock the new one


def _release(fd: int, path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()  # before the lock goes, so no one locks a file that is about to vanish
    os.close(fd)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Staging folders of builds that were killed (call only holding the lock); the manifest is written inside."""
    removed = []
    for path in out_dir.glob(f"{STAGING_PREFIX}*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed


@contextmanager
def year_lock(out_dir: Path, year: int, wait: float | None = None) -> Iterator[None]:
    """Hold OUT/YEAR's build lock for the block; wait up to `wait` seconds for another build."""
    path = out_dir / LOCK_FILE
    wait = lock_wait() if wait is None else wait
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        started, told = time.monotonic(), False
        while (fd := _try_lock(path)) is None:
            holder = _holder(path)
            pid = _("pid {pid}").format(pid=holder) if holder is not None else _("pid unknown")
            waited = time.monotonic() - started
            if not told and (holder is not None or waited > 0.5):  # the holder writes its pid just after locking
                log.warning(
                    _("waiting for another build of {year} ({pid}) in {folder}…").format(
                        year=year, pid=pid, folder=out_dir
                    )
                )
                told = True
            if waited > wait:
                message = _(
                    "another build of {year} ({pid}) has held {path} for more than {seconds} s; nothing was "
                    "written. Wait for it to finish, or stop it and build again."
                )
                raise OutputError(message.format(year=year, pid=pid, path=path, seconds=f"{wait:g}"), exit_code=1)
            time.sleep(POLL)
    except OSError as exc:
        message = _("cannot write to the output folder {folder}: {reason}; nothing was written")
        raise OutputError(message.format(folder=out_dir, reason=describe_os_error(exc)), exit_code=2) from exc
    try:
        with contextlib.suppress(OSError):  # only for the message a waiting build prints
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        remove_leftovers(out_dir)
        yield
    finally:
        _release(fd, path)
