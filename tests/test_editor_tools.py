"""The editors' tools: preview, schema, textconv for git, the guide and its generated table."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.schema import SCHEMA_DIR, SCHEMAS, data_files, modeline, schema_text
from agreement_gen.render.context import template_context
from agreement_gen.render.renderer import make_environment
from agreement_gen.render.vocabulary import GUIDE_BEGIN, GUIDE_END, guide_table

from .conftest import ROOT

GUIDE = ROOT / "docs" / "redaktion.md"
GIT_IDENTITY = {  # and no personal git settings (signing, hooks) in the tests' repositories
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Redaktion",
    "GIT_AUTHOR_EMAIL": "redaktion@example.org",
    "GIT_COMMITTER_NAME": "Redaktion",
    "GIT_COMMITTER_EMAIL": "redaktion@example.org",
}


def sh(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_IDENTITY, **(env or {})}
    )


def edit_template(path: Path, old: str, new: str) -> None:
    document = docx.Document(str(path))
    for run in (r for p in document.paragraphs for r in p.runs if old in r.text):
        run.text = run.text.replace(old, new)
    document.save(str(path))


# --- preview -------------------------------------------------------------------------------------


def test_preview_prints_one_agreement_as_text(cli):
    code, out, _ = cli("preview", "fulda")
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == ["[Kopfzeile] MUSTER – Beispieldaten, kein gültiger Vertrag", "[Kopfzeile] ENTWURF"]
    assert "und dem Landkreis Fulda" in lines
    assert "§ 6" in lines
    assert any("Umsetzungsbesprechung im Herbst angesetzt." in line for line in lines)
    assert "[Fußzeile] Seite ‹PAGE› von ‹NUMPAGES›" in lines  # the page number as a field, on every page
    assert "{{" not in out and "{%" not in out


def test_preview_of_another_year_and_an_unknown_district(cli):
    code, out, _ = cli("preview", "darmstadt-dieburg", "--year", "2025")
    assert code == 0
    assert "Darmstadt, den 11.08.2025" in out
    code, _, err = cli("preview", "darmstadt-dieburk")
    assert code == 2
    assert "no district 'darmstadt-dieburk' in 2025" in err


@pytest.mark.slow
def test_preview_pdf_builds_only_that_district(project, cli):
    code, out, _ = cli("preview", "fulda", "--pdf", "--out", str(project.out))
    assert code == 0
    pdf = Path(out.strip().splitlines()[-1])
    assert pdf == project.out / "2025" / "fulda.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in pdf.parent.iterdir() if p.suffix in (".docx", ".pdf")) == ["fulda.docx", "fulda.pdf"]


# --- schema --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_committed_schema_matches_the_models(kind):
    name, model = SCHEMAS[kind]
    committed = ROOT / SCHEMA_DIR / name
    assert committed.is_file(), f"{committed} is missing: run `make schema`"
    assert committed.read_text(encoding="utf-8") == schema_text(model), f"{name} is stale: run `make schema`"


def test_every_data_file_references_its_schema_on_its_first_line():
    counties = ROOT / "counties"
    files = data_files(counties)
    assert len(files) >= 53  # 26 master files, 26 district years and a year file
    for path in files:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == modeline(path, counties, ROOT), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: {target} does not exist"
    assert modeline(counties / "2025" / "_year.yaml", counties, ROOT).endswith("=../../schema/year.schema.json")
    assert modeline(counties / "2025" / "fulda.yaml", counties, ROOT).endswith(
        "=../../schema/district-year.schema.json"
    )
    assert modeline(counties / "districts" / "fulda.yaml", counties, ROOT).endswith(
        "=../../schema/district.schema.json"
    )


def test_schema_command_writes_schemas_and_adds_missing_lines(project, cli):
    root = project.counties.parent
    fulda = project.counties / "2025" / "fulda.yaml"
    with_line = fulda.read_text(encoding="utf-8")
    fulda.write_text(with_line.split("\n", 1)[1], encoding="utf-8")  # a file someone created without it
    code, out, _ = cli("schema")
    assert code == 0
    assert "wrote schema/district-year.schema.json" in out
    assert "added the schema line to counties/2025/fulda.yaml" in out
    assert fulda.read_text(encoding="utf-8") == with_line
    assert (root / SCHEMA_DIR / "year.schema.json").read_text(encoding="utf-8") == schema_text(SCHEMAS["year"][1])
    code, out, _ = cli("schema")
    assert "up to date" in out


def test_schema_rejects_text_amounts_and_unknown_fields():
    schema = SCHEMAS["district-year"][1]
    text = schema_text(schema)
    assert '"additionalProperties": false' in text  # a misspelt field is underlined
    assert '"decimal_places"' not in text  # only standard JSON Schema keywords
    budget = re.search(r'"budget": \{.*?"title": "Budget"', text, re.DOTALL)
    assert budget and '"type": "string"' not in budget.group()  # "1.288.930" is not an amount


# --- textconv and git ----------------------------------------------------------------------------


def test_textconv_prints_the_template_with_its_tags_and_headers():
    done = subprocess.run(
        [sys.executable, "-m", "agreement_gen.editors.textconv", str(ROOT / "templates" / "zielvereinbarung.docx")],
        capture_output=True,
        check=True,
    )
    lines = done.stdout.decode("utf-8").splitlines()
    assert "[Eigenschaften] Titel: Zielvereinbarung AQB {{ fiscal_year }} – {{ district.name }}" in lines
    assert '[Kopfzeile] {% if status == "draft" %}ENTWURF{% endif %}' in lines
    assert "{%p for m in massnahmen %}" in lines
    assert "Ziele für die Umsetzung {{ district.genitive }}" in lines
    assert lines[-1] == "[Fußzeile] Seite ‹PAGE› von ‹NUMPAGES›"  # fields as fields, not cached digits


def test_textconv_of_a_file_that_is_no_docx_does_not_break_git(tmp_path):
    broken = tmp_path / "kaputt.docx"
    broken.write_bytes(b"not a zip")
    done = subprocess.run([sys.executable, "-m", "agreement_gen.editors.textconv", str(broken)], capture_output=True)
    assert done.returncode == 0
    assert b"kaputt.docx is not a readable DOCX file" in done.stdout


def test_git_diff_shows_the_changed_sentence_of_the_template(project):
    root = project.counties.parent
    shutil.copy(ROOT / ".gitattributes", root / ".gitattributes")
    assert sh("git init --quiet && git add . && git commit --quiet -m start", root).returncode == 0
    assert (
        sh(f"git config diff.docx.textconv '{sys.executable} -m agreement_gen.editors.textconv'", root).returncode == 0
    )
    edit_template(project.templates / "zielvereinbarung.docx", "im Herbst", "im Frühjahr")
    diff = sh("git diff templates/zielvereinbarung.docx", root).stdout
    changed = [line for line in diff.splitlines() if line.startswith(("-", "+")) and not line.startswith(("--", "++"))]
    assert len(changed) == 2
    assert changed[0].startswith("-{{ district.nominative|capfirst }} und das {{ ministry.abbreviation }} bleiben")
    assert changed[0].endswith("im Herbst angesetzt.")
    assert changed[1].endswith("im Frühjahr angesetzt.")


def test_gitattributes_and_make_git_setup():
    assert "*.docx diff=docx" in (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    dry = sh("make -n -o .venv/.installed-stamp git-setup", ROOT)
    assert dry.returncode == 0, dry.stderr
    assert (
        f"git config diff.docx.textconv \"'{ROOT}/.venv/bin/python' -m agreement_gen.editors.textconv\"" in dry.stdout
    )


# --- the guide -----------------------------------------------------------------------------------


def test_the_guide_table_is_current():
    plan = plan_year(Paths(ROOT / "counties", ROOT / "templates", ROOT / "build"), 2025, ["darmstadt-dieburg"])
    table = guide_table(template_context(plan.agreements[0]), make_environment())
    guide = GUIDE.read_text(encoding="utf-8")
    block = guide.split(GUIDE_BEGIN + "\n", 1)[1].split(GUIDE_END, 1)[0]
    assert block == table, "docs/redaktion.md: the variables table is stale; run `make docs`"
    assert "| `district.genitive` | mit Artikel, Genitiv (wessen?) | des Landkreises Darmstadt-Dieburg |" in table
    assert "| `m.title` |" in table and "| `p` |" in table
    assert "| `capfirst` | erster Buchstabe groß, für den Satzanfang |" in table


def test_the_guide_names_every_variable_the_template_uses():
    template_text = subprocess.run(
        [sys.executable, "-m", "agreement_gen.editors.textconv", str(ROOT / "templates" / "zielvereinbarung.docx")],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    guide = GUIDE.read_text(encoding="utf-8")
    for name in set(re.findall(r"\{\{ ([a-z_.]+)", template_text)):
        assert f"| `{name}` |" in guide, name


def test_variables_command_prints_the_table(cli):
    code, out, _ = cli("variables")
    assert code == 0
    assert out.startswith("| Variable | Bedeutung | Beispiel |\n")


def guide_commands() -> list[str]:
    """Every line of the guide's ```sh blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_guides_commands_work_as_written(tmp_path):
    """A newcomer's run through the guide, in order: clone, git identity, check, a new year, one edited
    sentence, preview, diff, a branch for review, and the reviewer's merge into main."""
    source = tmp_path / "quelle"
    source.mkdir()
    for name in ("counties", "templates", "docs", "schema"):
        shutil.copytree(ROOT / name, source / name)
    for name in ("Makefile", "pyproject.toml", ".gitattributes", ".gitignore"):
        shutil.copy2(ROOT / name, source / name)
    assert sh("git init --quiet -b main && git add . && git commit --quiet -m start", source).returncode == 0
    origin = tmp_path / "origin.git"
    assert sh(f"git clone --quiet --bare {source} {origin}", tmp_path).returncode == 0
    gitconfig = tmp_path / "gitconfig"  # `git config --global` of the guide writes here, not to the real one
    # The identity must come from the guide's own `git config` lines: no GIT_AUTHOR_* from outside.
    env = {k: v for k, v in {**os.environ, **GIT_IDENTITY}.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env["GIT_CONFIG_GLOBAL"] = str(gitconfig)

    commands = guide_commands()
    assert commands[0] == "git clone ADRESSE agreement-gen"
    assert ".venv/bin/agreement-gen new-year 2026" in commands and ".venv/bin/agreement-gen diff" in commands
    outputs: dict[str, str] = {}
    cwd = tmp_path
    for command in commands:
        if "--pdf" in command:
            continue  # LibreOffice: test_preview_pdf_builds_only_that_district
        if command.startswith("cd "):
            cwd = cwd / command.removeprefix("cd ")
            (cwd / ".venv").symlink_to(ROOT / ".venv")  # the clone's `make` would install it; shared here
            continue
        # `-o` keeps make from reinstalling the shared virtualenv into this copy.
        runnable = (
            command.replace("make ", "make -o .venv/.installed-stamp ", 1) if command.startswith("make ") else command
        )
        runnable = runnable.replace("ADRESSE", str(origin))
        done = subprocess.run(runnable, shell=True, cwd=cwd, capture_output=True, text=True, env=env)
        assert done.returncode == 0, f"{command!r} failed:\n{done.stdout}\n{done.stderr}"
        outputs[command] = done.stdout
        if command.startswith('git commit -m "Haushaltsjahr 2026'):
            # The editor's change, in the new year's own template (2025's is closed).
            edit_template(cwd / "templates" / "zielvereinbarung-2026.docx", "im Herbst", "im Frühjahr")

    project = tmp_path / "agreement-gen"
    assert "26 districts valid" in outputs["make check"]
    assert "26 districts: § 6 'im Herbst' → 'im Frühjahr'" in outputs[".venv/bin/agreement-gen diff"]
    assert "26 districts: § 6 'im Herbst' → 'im Frühjahr'" in outputs[".venv/bin/agreement-gen diff --rev main"]
    git_diff = outputs["git diff templates/zielvereinbarung-2026.docx"]
    assert "+{{ district.nominative|capfirst }}" in git_diff and "im Frühjahr" in git_diff
    assert (project / "build" / "2026" / "aenderungen.html").is_file()  # under build/, which git ignores
    status = sh("git status --porcelain --untracked-files=all", project).stdout.splitlines()
    assert [line for line in status if line != "?? .venv"] == []  # (the test's symlink to the shared .venv)
    log = sh("git log -1 --format='%an <%ae> %s' main", origin).stdout.strip()
    assert log == "Vorname Nachname <vorname.nachname@example.org> § 6: Umsetzungsbesprechung im Frühjahr"


def guide_examples() -> list[str]:
    return re.findall(r"```text\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)


def test_the_guides_example_outputs_are_what_the_tools_print(project, cli, monkeypatch):
    check_example = next(block for block in guide_examples() if "✗" in block)
    diff_example = next(block for block in guide_examples() if "26 Kreise und Städte:" in block)
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")  # the guide shows what an editor sees: German
    assert cli("new-year", "2026")[0] == 0
    template = project.templates / "zielvereinbarung-2026.docx"

    root = project.counties.parent
    assert sh("git init --quiet && git add . && git commit --quiet -m start", root).returncode == 0
    edit_template(template, "im Herbst", "im Frühjahr")
    code, out, _ = cli("diff")
    assert code == 0
    assert out == diff_example + "\n"  # the guide shows the output up to the blank line that ends it

    edit_template(template, "{{ district.nominative|capfirst }} finanziert", "{{ district.genitve }} finanziert")
    document = docx.Document(str(template))
    header = next(p for p in document.sections[0].header.paragraphs if '"draft"' in p.text)
    header.runs[0].text = header.runs[0].text.replace('"draft"', "„draft“")
    document.save(str(template))
    code, out, _ = cli("check")
    assert code == 2
    assert out == check_example


def test_the_guide_says_what_an_editor_needs_before_the_first_edit():
    guide = GUIDE.read_text(encoding="utf-8")
    for needed in (
        "Welcher Rechner",
        "git config --global user.name",
        "zweite Person",
        "Bearbeiten › Änderungen verfolgen › Verwalten… › Alle annehmen",
        "Extras › AutoKorrektur › AutoKorrektur-Optionen…",
        "**kein Fehler**",
        "ist geschlossen",
        "agreement-gen new-year 2026",
    ):
        assert needed in guide, needed
