"""Writing results so that a failed or interrupted build never leaves a half-written file.

Each file is written under a temporary name in the same folder, flushed to disk and then
renamed over the old one; a rename within one folder is atomic, so a reader sees either the
previous good file or the new one, never a mixture.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Mapping
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


def atomic_write(path: Path, content: bytes | str) -> None:
    """Replace `path` with `content` (text as UTF-8) atomically; on any error the old file stays untouched."""
    atomic_write_all({path: content})


def atomic_write_all(files: Mapping[Path, bytes | str]) -> None:
    """Write every file next to its target and flush it to disk, then rename each over its target.

    The one way agreement-gen writes a file that matters (data, records, outputs). A failure while
    writing (disk full, permissions) removes the temporary files and changes nothing; each rename is
    atomic, so a reader sees a file either old or new, never half-written. A file keeps its mode.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temporary = Path(name)
            staged.append((temporary, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
                handle.flush()
                os.fsync(handle.fileno())
            if path.exists():
                shutil.copymode(path, temporary)
            else:
                temporary.chmod(0o644)
    except BaseException:
        for temporary, _target in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, path in staged:
        os.replace(temporary, path)
