"""Bugs found at the seams between stages (issue 17), each with its test: settings, exit codes, leftovers."""

from __future__ import annotations

import pytest

from agreement_gen.environment import ALL, RENDER_TIMEOUT, SettingError
from agreement_gen.errors import EXIT_INVALID, EXIT_TOOL_MISSING, AgreementGenError, OutputError, ToolMissingError

from .hardening import leftovers, snapshot

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
