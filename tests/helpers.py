"""Helpers every test file shares: the command line against a project's folders."""

from __future__ import annotations

from agreement_gen.cli import cli
from agreement_gen.data.paths import Paths


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
