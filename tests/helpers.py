"""Helpers every test file shares: the command line against a project's folders."""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from agreement_gen.cli import cli, run
from agreement_gen.data.paths import Paths


def snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file below the folders (hidden ones too) with its bytes: equal snapshots, untouched folders.

    Keys are paths relative to their folder (prefixed with the folder's position when there are
    several), so the snapshots of two folders built alike compare equal. A missing folder is empty.
    """
    found: dict[str, bytes] = {}
    for index, folder in enumerate(folders):
        prefix = f"{index}:" if len(folders) > 1 else ""
        if folder.exists():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    found[prefix + path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def folder_args(paths: Paths, verb: str) -> list[str]:
    """--counties/--templates/--out for `verb`, as far as it takes them (each verb takes only what it uses)."""
    command = cli.get_command(None, verb)  # type: ignore[arg-type]
    assert command is not None, f"no verb {verb!r}"
    accepted = {param.name for param in command.params}
    found: list[str] = []
    for name, folder in (("counties", paths.counties), ("templates", paths.templates), ("out", paths.out)):
        if name in accepted:
            found += [f"--{name}", str(folder)]
    return found


def invoke(paths: Paths, capsys: pytest.CaptureFixture[str], verb: str, *args: str) -> tuple[int, str, str]:
    """`agreement-gen VERB ARGS…` against `paths`' folders; returns (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = run([verb, *folder_args(paths, verb), *args])
    out, err = capsys.readouterr()
    return code, out, err


PROJECT = Path(__file__).resolve().parents[1]


def copy_project(root: Path) -> Paths:
    """The project's counties/ and templates/ copied under `root`, with `root/build` as the output folder."""
    shutil.copytree(PROJECT / "counties", root / "counties")
    shutil.copytree(PROJECT / "templates", root / "templates")
    return Paths(counties=root / "counties", templates=root / "templates", out=root / "build")


# Set by `make mutation`: trees built with LibreOffice are kept here between pytest runs, because the
# mutation run starts pytest once per mutant and the build, not the judgement, would take most of it.
TREES_VARIABLE = "AGREEMENT_GEN_TEST_TREES"


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder `make(folder)` fills, made once per test run – or once per mutation run when TREES_VARIABLE
    names a folder to keep it in. Callers copy it before changing anything (it is shared)."""
    keep = os.environ.get(TREES_VARIABLE)
    if keep:
        kept = Path(keep) / f"{name}-{_inputs_digest(make)}"
        if (kept / ".complete").exists():
            return kept
    root = tmp_path_factory.mktemp(name)
    make(root)
    if keep:
        staging = Path(keep) / f".{kept.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(root, staging, symlinks=True)
        (staging / ".complete").touch()
        shutil.rmtree(kept, ignore_errors=True)
        staging.rename(kept)
    return root


def _inputs_digest(make: Callable[[Path], None]) -> str:
    """What a kept tree was built from: the generator's code, the project's data and template, the recipe.
    A tree kept from other code would be refused by the round as built from other inputs."""
    from agreement_gen.build.manifest import generator_fingerprint

    digest = hashlib.sha256(generator_fingerprint().encode())
    digest.update(inspect.getsource(make).encode())
    for folder in ("counties", "templates"):
        for path in sorted((PROJECT / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(PROJECT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]
