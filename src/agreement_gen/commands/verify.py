"""`agreement-gen verify FILE.pdf…`: check agreement PDFs (ours, or ones that came back signed)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import trust_option
from agreement_gen.pdf.checks import failures, load_trust_roots, verify_file
from agreement_gen.ui import console

STYLE = {"ok  ": "green", "warn": "yellow", "FAIL": "bold red"}


@click.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@trust_option
def command(files: tuple[Path, ...], trust: tuple[Path, ...]) -> None:
    """PDF/A-2b structure, fonts, title and language, tags, and every signature; exit 1 on a failure."""
    roots = load_trust_roots(trust)
    failed = 0
    for path in files:
        findings = verify_file(path, trust_roots=roots)
        bad = failures(findings)
        failed += bool(bad)
        console.print(Text.assemble((str(path), "bold"), f": {'FAILED' if bad else 'ok'}"))
        for finding in findings:
            text = str(finding)
            console.print(Text.assemble("  ", (text[:4], STYLE[text[:4]]), text[4:]))
    console.print(f"{len(files) - failed} of {len(files)} PDF(s) passed")
    if failed:
        raise click.exceptions.Exit(1)
