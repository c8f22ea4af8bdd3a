"""Bugs found at the seams between stages (issue 17), each with its test: settings, exit codes, leftovers."""

from __future__ import annotations

import pytest

from agreement_gen.environment import ALL, RENDER_TIMEOUT, SettingError
from agreement_gen.errors import EXIT_INVALID, EXIT_TOOL_MISSING, AgreementGenError, OutputError, ToolMissingError

from .hardening import leftovers
from .helpers import snapshot

VARIABLES = [setting.name for setting in ALL]


@pytest.mark.parametrize("name", VARIABLES)
@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf", "nan", "1e400"])
def test_a_malformed_time_limit_is_one_sentence_naming_the_variable(project, cli, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    code, out, err = cli("check")
    assert code == EXIT_INVALID
    assert f"the environment variable {name} is '{value}': write a number of seconds greater than 0" in err
    assert "Traceback" not in out + err and "template" not in err  # not blamed on the template (fix it in Word)


def test_a_malformed_time_limit_stops_a_build_before_it_writes(project, cli, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_RENDER_TIMEOUT", "30s")
    code, _, err = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == EXIT_INVALID and "AGREEMENT_GEN_RENDER_TIMEOUT is '30s'" in err
    assert not project.out.exists()


def test_time_limits_accept_a_decimal_point_or_comma(monkeypatch):
    monkeypatch.setenv(RENDER_TIMEOUT.name, "2,5")
    assert RENDER_TIMEOUT.get(30) == 2.5
    monkeypatch.setenv(RENDER_TIMEOUT.name, " 0.25 ")
    assert RENDER_TIMEOUT.get(30) == 0.25
    monkeypatch.delenv(RENDER_TIMEOUT.name)
    assert RENDER_TIMEOUT.get(30) == 30


def test_each_error_carries_its_exit_code():
    assert AgreementGenError("x").exit_code == EXIT_INVALID
    assert SettingError("x").exit_code == EXIT_INVALID
    assert ToolMissingError("x").exit_code == EXIT_TOOL_MISSING == 3
    assert OutputError("x").exit_code == 1 and OutputError("x", 2).exit_code == 2


def test_missing_libreoffice_exits_3_and_leaves_no_staging_folder(project, cli, tmp_path, monkeypatch):
    assert cli("build", "--only", "fulda", "--formats", "docx")[0] == 0
    before = snapshot(project.out)
    monkeypatch.delenv("AGREEMENT_GEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    code, _, err = cli("build", "--only", "fulda", "--force")
    assert code == EXIT_TOOL_MISSING
    assert "LibreOffice is not installed" in err
    assert leftovers(project.out / "2025") == []
    assert snapshot(project.out) == before


@pytest.mark.parametrize(
    ("verb", "option"),
    [
        ("schema", "--templates"),
        ("schema", "--year"),
        ("schema", "--out"),
        ("check", "--out"),
        ("list", "--out"),
        ("mark-real", "--out"),
        ("signatory", "--out"),
        ("confirm", "--out"),
        ("receive", "--out"),
        ("withdraw", "--out"),
        ("unreceive", "--out"),
        ("variables", "--out"),
        ("new-year", "--out"),
        ("verify", "--out"),
    ],
)
def test_a_verb_refuses_an_option_it_would_ignore(capsys, verb, option):
    from agreement_gen.cli import run

    code = run([verb, option, "/nonexistent"])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert f"No such option: {option}" in err or f"No such option '{option}'" in err


@pytest.mark.parametrize("verb", ["build", "send", "sign", "publish", "status", "preview", "diff"])
def test_the_verbs_that_use_the_output_folder_take_out(verb):
    from agreement_gen.cli import cli

    command = cli.get_command(None, verb)  # type: ignore[arg-type]
    assert command is not None and "out" in {param.name for param in command.params}


def test_one_transliteration_for_file_names_and_table_labels():
    from agreement_gen.data.formatting import ascii_letters
    from agreement_gen.editors.budgets.cells import normalize
    from agreement_gen.publish.overview import ascii_name

    assert ascii_letters("Werra-Meißner-Kreis") == "Werra-Meissner-Kreis"
    assert ascii_letters("Ärztekammer Öl Übung GROẞ") == "Aerztekammer Oel Uebung GROSS"
    assert ascii_letters("Café Orléans") == "Cafe Orleans"  # other accents dropped, not the letter
    assert ascii_name("Landkreis Gießen") == "Landkreis-Giessen"
    assert normalize("Landkreis  GIEẞEN") == normalize("landkreis giessen") == "landkreis giessen"
    assert normalize("Orléans") == "orleans"


def test_one_normalisation_for_pdf_text():
    from agreement_gen.pdf.text import squashed

    assert squashed("1.288.930\u00ad Euro\n") == "1.288.930Euro"  # soft hyphen and breaks
    assert squashed("Qualiﬁzierung") == "Qualifizierung"  # a ligature in the text layer
    assert squashed("１２３") == "123"  # full-width digits


def test_writing_several_files_is_all_or_nothing(tmp_path, monkeypatch):
    from agreement_gen import output

    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("old a", encoding="utf-8")
    first.chmod(0o600)
    output.atomic_write_all({first: "new a", second: b"new b"})
    assert first.read_text(encoding="utf-8") == "new a" and second.read_bytes() == b"new b"
    assert first.stat().st_mode & 0o777 == 0o600  # a file keeps its mode

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full_disk)
    with pytest.raises(OSError):
        output.atomic_write_all({first: "newer a", second: "newer b"})
    assert first.read_text(encoding="utf-8") == "new a" and second.read_bytes() == b"new b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]  # no temporary left
