"""Helpers of the hardening tests: a project with earlier good outputs, and proof they were not touched."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agreement_gen.data.paths import Paths

from .helpers import copy_project, invoke

CLI = Callable[..., tuple[int, str, str]]


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if "✗" in line]


def leftovers(folder: Path) -> list[str]:
    """Hidden files and folders in an output folder: staging, temporaries, a lock."""
    return sorted(p.name for p in folder.glob(".*"))


def new_project(tmp_path: Path) -> Paths:
    return copy_project(tmp_path)


def cli_for(project: Paths, capsys: pytest.CaptureFixture[str]) -> CLI:
    return functools.partial(invoke, project, capsys)


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
