"""docs/handbuch.md: the clerk's year, run command by command on a copy of the project, as the manual says.

Every line of the manual's ```sh blocks runs in order in a fresh git copy of the project; the ```text
block after a command lists lines its output must contain. The test writes nothing under counties/
itself: the budget table lies beside it, as the ministry's file would. A verb the command line does
not have (yet) ends the run there – the manual is then ahead of the code, and the test says so.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from ruamel.yaml import YAML

from agreement_gen.cli import COMMANDS
from agreement_gen.data.formatting import euro, german_date

from .conftest import ROOT
from .test_import_budgets import AMOUNTS

MANUAL = ROOT / "docs" / "handbuch.md"
GIT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Sachbearbeitung",
    "GIT_AUTHOR_EMAIL": "aqb@example.org",
    "GIT_COMMITTER_NAME": "Sachbearbeitung",
    "GIT_COMMITTER_EMAIL": "aqb@example.org",
}


def steps() -> list[tuple[list[str], list[str]]]:
    """Each ```sh block's commands and the lines the ```text block after it says they print, in order."""
    text = MANUAL.read_text(encoding="utf-8")
    found: list[tuple[list[str], list[str]]] = []
    for kind, body in re.findall(r"```(sh|text)\n(.*?)```", text, re.DOTALL):
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        if kind == "sh":
            found.append((lines, []))
        elif found and not found[-1][1]:
            found[-1] = (found[-1][0], lines)
    return found


def budget_table(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["AGS", "Kreis/Stadt", "Betrag (Euro)"])
    for ags, (_text, value) in AMOUNTS.items():
        sheet.append([ags, None, float(value)])
    book.save(path)


def flat(text: str) -> str:
    return " ".join(text.split())


def leaves(data: object, prefix: str = "") -> dict[str, object]:
    """A data file as {dotted field: value}, the way the commands name fields ('signatory.name')."""
    if not isinstance(data, dict):
        return {prefix: data}
    found: dict[str, object] = {}
    for key, value in data.items():
        found.update(leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return found


# "✓ counties/2026/fulda.yaml  signatory.name: (leer) → Bernd Woide", as mark-real, signatory and import-budgets print it
PRINTED_CHANGE = re.compile(r"✓ (?:\S*/)?([a-z0-9-]+\.yaml)\s+([a-z_.]+): (.*) → (.*)$")


# The fields `receive` writes (its sentence names the district and the dates, not each field).
RECEIVED = {"status", "signatory.signed_on", "ministry_signature.signed_on"}


def data_of(folder: Path) -> dict[str, dict[str, object]]:
    yaml = YAML(typ="safe")
    return {p.name: leaves(yaml.load(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.yaml"))}


@pytest.mark.slow  # send and build convert PDFs with LibreOffice
def test_the_manuals_year_runs_as_written(tmp_path):
    root = tmp_path / "projekt"
    root.mkdir()
    for name in ("counties", "templates", "schema"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, root / name)
    (root / ".venv").symlink_to(ROOT / ".venv")
    env = {**os.environ, **GIT, "AGREEMENT_GEN_LANG": "de", "COLUMNS": "200"}

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, shell=True, cwd=root, capture_output=True, text=True, env=env)

    assert sh("git init --quiet && git add . && git commit --quiet -m start").returncode == 0
    budget_table(root / "budgets-2026.xlsx")

    ran: list[str] = []
    printed: dict[tuple[str, str], str] = {}
    transcript = ""
    after_new_year: dict[str, dict[str, object]] = {}
    for commands, expected in steps():
        verbs = [c.split()[1] for c in commands if c.startswith(".venv/bin/agreement-gen ")]
        if any(verb not in COMMANDS for verb in verbs):
            break  # the manual describes a step the command line does not have yet
        output = ""
        for command in commands:
            done = sh(command)
            assert done.returncode == 0, f"{command!r} failed:\n{done.stdout}\n{done.stderr}"
            output += done.stdout + done.stderr
            ran.append(command)
            if "new-year 2026" in command:
                after_new_year = data_of(root / "counties" / "2026")
        for line in output.splitlines():
            if match := PRINTED_CHANGE.search(line.strip()):
                printed[(match.group(1), match.group(2))] = match.group(4)
        transcript += output
        for line in expected:
            if line.startswith("✗"):
                continue  # an example of a refusal, shown in the manual's prose
            shown = line.removesuffix("…").rstrip()  # "…": the manual cut the line there
            assert flat(shown) in flat(output), f"{commands!r} did not print {line!r}:\n{output}"

    assert any("new-year 2026" in command for command in ran) and any("signatory" in command for command in ran)
    year = root / "counties" / "2026"
    yaml = YAML(typ="safe")
    fulda = yaml.load((year / "fulda.yaml").read_text(encoding="utf-8"))
    kassel = yaml.load((year / "landkreis-kassel.yaml").read_text(encoding="utf-8"))
    assert fulda["source"] == "Nachtrag zum Zuweisungserlass vom 02.03.2026" and fulda["budget"] == 931500.5
    assert fulda["signatory"]["name"] == "Bernd Woide"
    assert kassel["signatory"] == {
        **kassel["signatory"],
        "name": "Andreas Siebert",
        "title": "Landrat",
        "place": "Kassel",
    }
    sources = {
        yaml.load(p.read_text(encoding="utf-8"))["source"] for p in year.glob("*.yaml") if p.name != "_year.yaml"
    }
    assert "example" not in sources
    # What the data now says differs from the new year's copies exactly where the commands said it would.
    for name, now in data_of(year).items():
        if name == "_year.yaml":
            continue  # the clauses: checked below
        before = after_new_year[name]
        for field in sorted(set(before) | set(now)):
            if before.get(field) == now.get(field):
                continue
            if field == "budget":  # import-budgets shows budgets in its table, as German amounts
                assert euro(Decimal(str(now[field]))) in transcript, (name, field)
            elif field in RECEIVED or field.startswith("signed_copy."):  # receive says it in a sentence
                assert f"✓ {name.removesuffix('.yaml')} 2026:" in transcript, (name, field)
                if field.endswith("signed_on"):
                    assert german_date(dt.date.fromisoformat(str(now[field])), "dd.MM.yyyy") in transcript
            else:
                assert (name, field) in printed, f"{name}: {field} changed but no command printed it"
                assert printed[(name, field)] == str(now[field]), (name, field)

    verbs = {command.split()[1] for command in ran if command.startswith(".venv/bin/agreement-gen ")}
    if "confirm" in verbs:
        year_file = (year / "_year.yaml").read_text(encoding="utf-8")
        assert "Im Jahr 2026 werden" in year_file and "to_confirm" not in year_file
    if "send" in verbs:
        assert (year / "sent" / "fulda.pdf").is_file() and (year / "sent" / "fulda.json").is_file()
    if "withdraw" in verbs:
        assert kassel["status"] == "draft" and not (year / "sent" / "landkreis-kassel.pdf").exists()
    if "receive" in verbs:
        assert fulda["status"] == "signed"
        assert str(fulda["signatory"]["signed_on"]) == "2026-11-26"  # as entered again after the undo
        assert str(fulda["ministry_signature"]["signed_on"]) == "2026-11-20"
    if "publish" in verbs:
        bundle = root / "build" / "2026" / "publish"
        assert (bundle / "Zielvereinbarung-AQB-2026-Landkreis-Fulda.pdf").is_file()
        assert {"index.html", "SHA256SUMS.txt", "uebersicht.csv"} <= {p.name for p in bundle.iterdir()}
    if "git commit" in " ".join(ran):
        assert sh("git status --porcelain counties").stdout == ""  # everything the year changed is committed
