"""German by default, English on request; every user-facing string has its German text."""

from __future__ import annotations

import io
import os
import shutil
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from agreement_gen import catalogs, i18n
from agreement_gen.cli import run

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _strings(entry_id: str | tuple[str, ...], entry_string: str | tuple[str, ...]) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs; for a plural the singular and plural each with their German form."""
    if isinstance(entry_id, str):
        return [(entry_id, str(entry_string))]
    return list(zip(entry_id, entry_string, strict=False))


def test_every_user_facing_string_has_a_german_text() -> None:
    german = {}
    for area in i18n.AREAS:
        for entry in catalogs.read_catalog(area):
            if entry.id and not entry.fuzzy:
                german[entry.id if isinstance(entry.id, str) else entry.id[0]] = entry.string
    messages = catalogs.user_messages()
    assert len(messages) > 40  # the extractor found the strings (a broken extraction must not pass as "none missing")
    missing = [
        f"{m.locations[0][0]}: {m.key!r} (into {m.area}.po)"
        for m in messages.values()
        if not catalogs.translated(german.get(m.key))
    ]
    assert not missing, "no German text (run `make translations`, then fill in msgstr):\n" + "\n".join(missing)


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for area in (*i18n.AREAS, i18n.CLICK_CATALOG):
        for entry in catalogs.read_catalog(area):
            if not entry.id or not catalogs.translated(entry.string):
                continue
            for msgid, msgstr in _strings(entry.id, entry.string):
                if _fields(msgid) != _fields(msgstr):
                    wrong.append(f"{area}.po: {msgid!r} → {msgstr!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_every_text_of_click_has_a_german_text() -> None:
    """click's own texts (usage, errors) come from the click catalog: all of the installed click's."""
    catalog = catalogs.read_catalog(i18n.CLICK_CATALOG)
    have = {entry.id if isinstance(entry.id, str) else entry.id[0]: entry.string for entry in catalog if entry.id}
    found = [
        (msgid if isinstance(msgid, str) else msgid[0], filename)
        for filename, _line, msgid, _c, _ctx in extract_from_dir(
            Path(click.__file__).parent, keywords={"_": None, "ngettext": (1, 2)}
        )
    ]
    assert len(found) > 50
    missing = sorted(
        {f"click/{filename}: {key!r}" for key, filename in found if not catalogs.translated(have.get(key))}
    )
    assert not missing, "click text without German:\n" + "\n".join(missing)


def test_catalog_files_are_as_make_translations_writes_them(tmp_path: Path) -> None:
    """Every .po is in the normalised form (sorted, no line numbers), so concurrent edits merge cleanly."""
    for area in (*i18n.AREAS, i18n.CLICK_CATALOG):
        path = i18n.CATALOG_DIR / f"{area}.po"
        before = path.read_bytes()
        target = tmp_path / f"{area}.po"
        catalog = catalogs.read_catalog(area)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=116, include_lineno=False, sort_output=True)
        target.write_bytes(buffer.getvalue())
        assert target.read_bytes() == before, f"{path} is not normalised: run `make translations`"


def _agreement_gen(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    chosen = ("AGREEMENT_GEN_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
    environment = {key: value for key, value in os.environ.items() if key not in chosen}
    environment.update({"LANG": "C.UTF-8", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "agreement_gen", *args], capture_output=True, text=True, env=environment, cwd=cwd
    )


def _flat(text: str) -> str:
    """Help as one line: click wraps it to the terminal's width."""
    return " ".join(text.split())


def test_help_is_german_by_default_with_clicks_own_texts() -> None:
    result = _agreement_gen("--help")
    assert result.returncode == 0, result.stderr
    assert "Aufruf: agreement-gen" in result.stdout
    assert "Optionen:" in result.stdout and "Das Haushaltsjahr, Schritt für Schritt:" in result.stdout
    assert "Diese Hilfe anzeigen und beenden." in result.stdout
    assert "Usage:" not in result.stdout and "Show this message" not in result.stdout


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--lang", "en", "build", "--help"), {}),
        (("--lang=en", "build", "--help"), {}),
        (("build", "--help"), {"LANG": "en_GB.UTF-8"}),
        (("build", "--help"), {"LC_MESSAGES": "en_US.UTF-8", "LANG": "de_DE.UTF-8"}),
    ],
)
def test_english_on_request(args: tuple[str, ...], env: dict[str, str]) -> None:
    result = _agreement_gen(*args, env=env)
    assert result.returncode == 0, result.stderr
    text = _flat(result.stdout)
    assert "Usage: agreement-gen build" in text
    assert "Build only these districts (comma-separated slugs)." in text
    assert "Show this message and exit." in text


def test_verb_help_and_clicks_errors_in_german() -> None:
    help_text = _flat(_agreement_gen("build", "--help").stdout)
    assert "Nur diese Kreise erzeugen (Kürzel, durch Kommas getrennt)." in help_text
    assert "Ordner mit den Daten der Kreise." in help_text
    unknown = _agreement_gen("build", "--frob")
    assert unknown.returncode == 2
    assert "Fehler: Keine solche Option '--frob'. Meinten Sie '--force'?" in unknown.stderr


def test_one_process_switches_language_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    """The language is chosen per run and restored after it: help texts are translated when shown."""
    assert run(["--lang", "de", "check", "--help"]) == 0
    german = _flat(capsys.readouterr().out)
    assert run(["--lang", "en", "check", "--help"]) == 0
    english = _flat(capsys.readouterr().out)
    assert "Nur diese Kreise prüfen." in german and "Diese Hilfe anzeigen" in german
    assert "Check only these districts." in english and "Show this message and exit." in english
    assert i18n._("error: ") == "error: "  # after the runs: the suite's language again


def test_catalogs_compile_on_first_use_in_a_fresh_copy(tmp_path: Path) -> None:
    """A clean clone has no .mo files: they are compiled from the .po the first time they are needed."""
    copy = tmp_path / "agreement_gen"
    shutil.copytree(ROOT / "src" / "agreement_gen", copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    assert not list(copy.rglob("*.mo"))
    script = "from agreement_gen.i18n import _; print(_('Output folder.'))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "AGREEMENT_GEN_LANG": "de"},
        cwd=tmp_path,
    )
    assert result.stdout.strip() == "Ausgabeordner.", result.stderr
    assert (copy / "locale" / "de" / "LC_MESSAGES" / "core.mo").is_file()


def test_language_from_the_environment() -> None:
    choose = i18n.language_from_environment
    assert choose({}) == "de"
    assert choose({"LANG": "C.UTF-8"}) == "de"
    assert choose({"LANG": "en_US.UTF-8"}) == "en"
    assert choose({"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_DE.UTF-8"}) == "de"
    assert choose({"LANG": "de_DE.UTF-8", "LC_ALL": "en_GB.UTF-8"}) == "en"
    assert i18n.language_from_argv(["--lang", "en", "build"]) == "en"
    assert i18n.language_from_argv(["build", "--lang", "en"]) is None  # the verb's arguments are its own
