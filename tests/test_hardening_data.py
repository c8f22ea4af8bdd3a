"""Bad data, as a new user writes it: a clear message with file, line and field, and nothing touched.

The corpus (tests/corpus/) holds one file per mistake; the larger and generated cases are made
here. Every refused case asserts the exit code, each expected problem line, and that the earlier
outputs (DOCX, manifest) are byte-identical afterwards.
"""

from __future__ import annotations

import re
import shutil
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from agreement_gen.cli import run
from agreement_gen.data.load import read_yaml
from agreement_gen.data.models import MAX_PROJECT_NAME
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.errors import InputError
from agreement_gen.render.text import paragraphs

from .conftest import ROOT, edit_yaml
from .hardening import problem_lines
from .helpers import snapshot

CORPUS = Path(__file__).parent / "corpus"
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))
VALID = sorted((CORPUS / "valid").glob("*.yaml"))
ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def header(case: Path, key: str) -> list[str]:
    """The values of `# key: value` lines of a corpus file (\\uXXXX written as escapes)."""
    values = re.findall(rf"^# {key}: (.*)$", case.read_text(encoding="utf-8"), re.MULTILINE)
    return [ESCAPE.sub(lambda m: chr(int(m[1], 16)), value) for value in values]


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good outputs of the real data (two districts' DOCX and the manifest), built once."""
    out = tmp_path_factory.mktemp("prebuilt")
    folders = ["--counties", str(ROOT / "counties"), "--templates", str(ROOT / "templates"), "--out", str(out)]
    code = run(["build", *folders, "--only", "fulda,darmstadt-dieburg", "--formats", "docx"])
    assert code == 0
    return out


@pytest.fixture
def earlier(project: Paths, prebuilt: Path) -> dict[str, bytes]:
    """The project's output folder holds earlier good outputs; returns their snapshot."""
    shutil.copytree(prebuilt, project.out)
    return snapshot(project.out)


def test_corpus_is_complete():
    assert len(INVALID) >= 20 and len(VALID) >= 2
    for case in INVALID + VALID:
        assert header(case, "replaces"), f"{case.name} says nothing about the file it replaces"
        assert header(case, "expect") or header(case, "expect-text"), f"{case.name} expects nothing"


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_data_is_refused_with_file_line_and_field(project, cli, earlier, case):
    target = project.counties / header(case, "replaces")[0]
    shutil.copyfile(case, target)
    code, _, err = cli("build")
    assert code == 2, err
    lines = problem_lines(err)
    for expected in header(case, "expect"):
        assert any(f"/{expected}" in line for line in lines), f"{expected!r} not in:\n{err}"
    assert len(lines) == len(header(case, "expect")), err
    assert "nothing was written" in err
    assert snapshot(project.out) == earlier


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_data_renders_exactly_as_written(project, cli, earlier, case, tmp_path):
    shutil.copyfile(case, project.counties / header(case, "replaces")[0])
    outside = {p for p in tmp_path.rglob("*") if project.out not in p.parents}
    code, out, err = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 0, out + err
    text = paragraphs(project.out / "2025" / "fulda.docx")
    for expected in header(case, "expect-text"):
        assert text.count(expected) == 1, f"{expected!r} not printed exactly once"
    assert {p for p in tmp_path.rglob("*") if project.out not in p.parents} == outside  # nothing written elsewhere
    for name, content in earlier.items():  # the other district's outputs are untouched
        if name.startswith("2025/darmstadt-dieburg"):
            assert (project.out / name).read_bytes() == content


def test_a_file_over_1_mb_is_refused_unread(project, cli, earlier):
    path = project.counties / "2025" / "fulda.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * 1_000_000, encoding="utf-8")
    code, _, err = cli("build")
    assert code == 2
    assert any("/2025/fulda.yaml: is larger than 1 MB" in line for line in problem_lines(err)), err
    assert snapshot(project.out) == earlier


def test_deep_nesting_is_refused_with_line_and_column(project, cli, earlier):
    path = project.counties / "2025" / "fulda.yaml"
    edit_yaml(path, "  4: []", "  4: " + "[" * 20_000 + "]" * 20_000)
    started = time.monotonic()
    code, _, err = cli("build")
    assert code == 2
    assert time.monotonic() - started < 10
    [line] = problem_lines(err)
    assert re.search(r"/2025/fulda\.yaml:14: YAML syntax error, column \d+: values nested more than 20 levels", line)
    assert snapshot(project.out) == earlier


def test_billion_laughs_is_refused_fast_in_bounded_memory():
    tracemalloc.start()
    started = time.monotonic()
    try:
        doc, problems = read_yaml(CORPUS / "invalid" / "billion-laughs.yaml")
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc is None and "alias '*a' is not allowed" in problems[0].message
    assert elapsed < 1.0
    assert peak < 5_000_000  # bytes: the 387 million strings it stands for are never built


def test_a_5000_character_project_name_is_refused_with_the_limit(project, cli, earlier):
    edit_yaml(project.counties / "2025/fulda.yaml", "  4: []", "  4:\n    - " + ("Qualifizierung " * 400)[:5000])
    code, _, err = cli("build")
    assert code == 2
    assert any(
        "/2025/fulda.yaml:15, field 'projects.4.0': is 5000 characters long; a project name may have at most 300"
        in line
        for line in problem_lines(err)
    ), err
    assert snapshot(project.out) == earlier


def test_the_longest_allowed_project_name_renders_whole(project, cli):
    word = "Q" * MAX_PROJECT_NAME  # one unbreakable word, the worst case for the layout
    words = ("Qualifizierung " * 20)[:MAX_PROJECT_NAME].strip()
    edit_yaml(project.counties / "2025/fulda.yaml", "  4: []", f"  4:\n    - {word}\n    - {words}")
    assert cli("build", "--only", "fulda", "--formats", "docx")[0] == 0
    text = paragraphs(project.out / "2025" / "fulda.docx")
    assert f"- {word}" in text and f"- {words}" in text


@pytest.mark.parametrize("name", ["Fulda Kopie.yaml", "..yaml", "fulda.bak.yaml", "FULDA.yaml"])
def test_a_data_file_not_named_like_a_slug_is_refused(project, cli, earlier, name):
    shutil.copyfile(project.counties / "2025/fulda.yaml", project.counties / "2025" / name)
    code, _, err = cli("build")
    assert code == 2
    assert any(f"'{name}' is not named SLUG.yaml (a-z, 0-9, '-'); rename it" in line for line in problem_lines(err))
    assert snapshot(project.out) == earlier


def test_a_district_without_master_data_is_refused(project, cli, earlier):
    shutil.copyfile(project.counties / "2025/fulda.yaml", project.counties / "2025/atlantis.yaml")
    code, _, err = cli("build")
    assert code == 2
    assert any(
        "/2025/atlantis.yaml: no master data file counties/districts/atlantis.yaml" in line
        for line in problem_lines(err)
    )
    assert snapshot(project.out) == earlier


@pytest.mark.parametrize("only", ["../../etc", "/etc/passwd", "fulda/../../x", "..", "fulda,fulda/.."])
def test_only_never_reaches_outside_the_output_folder(project, cli, earlier, tmp_path, only):
    everything = snapshot(tmp_path)
    code, _, err = cli("build", "--only", only, "--formats", "docx")
    assert code == 2
    assert "no district '" in err and "' in 2025" in err
    assert snapshot(tmp_path) == everything


def test_an_unsafe_slug_is_refused_even_past_validation(project, cli, earlier, tmp_path, monkeypatch):
    """Defence in depth: should a slug ever pass validation, the build still refuses to name a file after it."""
    real = plan_year(project, 2025, ["fulda"])
    agreement = real.agreements[0]
    evil = replace(agreement, district=agreement.district.model_copy(update={"slug": "../../evil"}))
    monkeypatch.setattr(
        "agreement_gen.build.pipeline.plan_year", lambda *args, **kwargs: replace(real, agreements=(evil,))
    )
    everything = snapshot(tmp_path)
    code, _, err = cli("build", "--formats", "docx")
    assert code == 2
    assert "field 'slug': '../../evil' is not a valid slug" in err
    assert snapshot(tmp_path) == everything


def test_every_problem_of_the_corpus_at_once(project, cli):
    """Several broken files in one run: every problem is listed, sorted by file and line."""
    shutil.copyfile(CORPUS / "invalid" / "control-characters.yaml", project.counties / "2025" / "fulda.yaml")
    shutil.copyfile(CORPUS / "invalid" / "alias.yaml", project.counties / "2025" / "giessen.yaml")
    shutil.copyfile(CORPUS / "invalid" / "tab-indent.yaml", project.counties / "2025" / "odenwald.yaml")
    code, _, err = cli("check")
    assert code == 2
    files = [line.split("/2025/")[1].split(",")[0].split(": ")[0] for line in problem_lines(err)]
    assert files == [
        "fulda.yaml:12",
        "fulda.yaml:13",
        "fulda.yaml:14",
        "fulda.yaml:16",
        "giessen.yaml:9",
        "odenwald.yaml:11",
    ]


def test_input_error_lists_every_problem_not_only_the_first(project):
    shutil.copyfile(CORPUS / "invalid" / "wrong-types.yaml", project.counties / "2025" / "fulda.yaml")
    with pytest.raises(InputError) as caught:
        plan_year(project, 2025)
    assert len(caught.value.problems) == 4


def test_a_slug_named_twice_in_only_is_built_once(project, cli, earlier):
    code, text, _ = cli("build", "--only", "fulda,fulda,fulda", "--formats", "docx", "--force")
    assert code == 0
    assert "1 built, 0 up to date, 0 failed" in text
