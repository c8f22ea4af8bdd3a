"""Helpers of the hardening tests: a project with earlier good outputs, and proof they were not touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agreement_gen.cli import run
from agreement_gen.data.paths import Paths

from .conftest import ROOT
from .helpers import folder_args

CLI = Callable[..., tuple[int, str, str]]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden ones too) with its bytes: equal snapshots, untouched folder."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if "✗" in line]


def leftovers(folder: Path) -> list[str]:
    """Hidden files and folders in an output folder: staging, temporaries, a lock."""
    return sorted(p.name for p in folder.glob(".*"))


def new_project(tmp_path: Path) -> Paths:
    shutil.copytree(ROOT / "counties", tmp_path / "counties")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return Paths(counties=tmp_path / "counties", templates=tmp_path / "templates", out=tmp_path / "build")


def cli_for(project: Paths, capsys: pytest.CaptureFixture[str]) -> CLI:
    def invoke(verb: str, *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = run([verb, *folder_args(project, verb), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def build_command(project: Paths, *args: str) -> list[str]:
    """`agreement-gen build` against `project`, for a subprocess."""
    return [
        sys.executable,
        "-m",
        "agreement_gen",
        "build",
        "--counties",
        str(project.counties),
        "--templates",
        str(project.templates),
        "--out",
        str(project.out),
        *args,
    ]


def start_build(project: Paths, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        build_command(project, *args),
        env=dict(os.environ, **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
