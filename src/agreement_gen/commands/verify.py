"""`agreement-gen verify FILE.pdf…`: check agreement PDFs (ours, or ones that came back signed)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from agreement_gen.commands.options import trust_option
from agreement_gen.pdf.checks import Finding, failures, has_signatures, load_trust_roots, verify_file
from agreement_gen.ui import console

STYLE = {"ok  ": "green", "warn": "yellow", "FAIL": "bold red"}


def validator_findings(path: Path) -> list[Finding]:
    """page-validation's verdict per profile (PDF/A-2b, PDF/UA-1), by clause; warnings for a signed file."""
    import pikepdf

    from agreement_gen.pdf.conformance import conformance_findings, validate_conformance

    data = path.read_bytes()
    try:
        with pikepdf.open(path) as doc:
            signed = has_signatures(doc)
    except pikepdf.PdfError:
        return []  # verify_file already reports an unreadable file
    return conformance_findings(validate_conformance(data), signed=signed)


@click.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@trust_option
def command(files: tuple[Path, ...], trust: tuple[Path, ...]) -> None:
    """PDF/A-2b structure, fonts, title and language, tags, and every signature; exit 1 on a failure."""
    roots = load_trust_roots(trust)
    failed = 0
    for path in files:
        findings = verify_file(path, trust_roots=roots) + validator_findings(path)
        bad = failures(findings)
        failed += bool(bad)
        console.print(Text.assemble((str(path), "bold"), f": {'FAILED' if bad else 'ok'}"))
        for finding in findings:
            text = str(finding)
            console.print(Text.assemble("  ", (text[:4], STYLE[text[:4]]), text[4:]))
    console.print(f"{len(files) - failed} of {len(files)} PDF(s) passed")
    if failed:
        raise click.exceptions.Exit(1)
