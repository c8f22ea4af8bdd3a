"""Shared fixtures: a private copy of the real data and template for each test that changes them."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from agreement_gen.cli import run
from agreement_gen.data.paths import Paths

from .helpers import copy_project, invoke

# The interface speaks German by default; the suite asserts the English msgids unless a test asks for
# German (tests/test_i18n.py). Set in os.environ so that every subprocess a test starts inherits it.
os.environ["AGREEMENT_GEN_LANG"] = "en"

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference-2025-darmstadt-dieburg.txt"


@pytest.fixture(autouse=True)
def english() -> None:
    """Every test starts in English (the msgids), whatever language an earlier test's CLI run left:
    code called outside the CLI (parse_date, the checks) translates with the language of the moment."""
    from agreement_gen.i18n import set_language

    set_language("en")


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """counties/ and templates/ copied into a temporary folder; output goes to tmp/build."""
    return copy_project(tmp_path)


@pytest.fixture
def cli(project: Paths, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `agreement-gen VERB ARGS…` against the project copy; returns (exit code, stdout, stderr)."""

    return functools.partial(invoke, project, capsys)


@pytest.fixture(scope="session")
def built_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 26 districts of 2025 built once per test run (DOCX + PDF, each at its data's stage) from a
    copy of counties/ and templates/; returns the output's year folder. Do not change the copy."""
    root = tmp_path_factory.mktemp("built-2025")
    copy_project(root)
    assert build_into(root, root / "build") == 0
    return root / "build" / "2025"


def build_into(project_root: Path, out: Path, *args: str) -> int:
    """`agreement-gen build` of the counties/ and templates/ under `project_root` into `out`."""
    folders = ["--counties", str(project_root / "counties"), "--templates", str(project_root / "templates")]
    return run(["build", *folders, "--out", str(out), *args])


def template_with(folder: Path, text: str) -> Path:
    """A one-paragraph template holding `text` (for templates that probe the sandbox and the limits)."""
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    path = folder / "hostile.docx"
    document.save(str(path))
    return path


def edit_yaml(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a data file (fails loudly if the piece is not there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def reopen_2025(project: Paths) -> None:
    """2025 as a year with nothing signed yet, so its template may still change (Darmstadt-Dieburg back to
    draft). For tests that edit the template for another reason: 2025's real template is closed, being the
    signed one (tests/test_closed_template.py)."""
    edit_yaml(project.counties / "2025" / "darmstadt-dieburg.yaml", "status: signed ", "status: draft  ")
