"""Writing results so that a failed or interrupted build never leaves a half-written file.

Each file is written under a temporary name in the same folder, flushed to disk and then
renamed over the old one; a rename within one folder is atomic, so a reader sees either the
previous good file or the new one, never a mixture.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from agreement_gen.i18n import N_, _

_REFUSED = N_("the system refused")
_CAUSES = {
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is used up"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EROFS: N_("the file system is read-only"),
    errno.ENOTDIR: N_("a file stands where a folder should be"),
    errno.EEXIST: N_("a file stands where a folder should be"),
}


def describe_os_error(exc: OSError) -> str:
    """An OSError as a user reads it: 'the disk is full (No space left on device: build/2025/x.pdf)'."""
    cause = _(_CAUSES.get(exc.errno or 0, _REFUSED))
    detail = exc.strerror or str(exc)
    if exc.filename:
        detail += f": {exc.filename}"
    return f"{cause} ({detail})"


def atomic_write(path: Path, content: bytes) -> None:
    """Replace `path` with `content` atomically; on any error the old file stays untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
