"""`agreement-gen verify FILE.pdf…`: check agreement PDFs (ours, or ones that came back signed).

A file both parties signed is judged exactly as `receive` and `publish` judge it (signing/judgement/),
with the roots of COUNTIES/trust/ and --trust; only an unknown root is a warning here, not a failure.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from agreement_gen.commands.options import counties_option, templates_option, trust_option
from agreement_gen.data.models import Status
from agreement_gen.i18n import _, ngettext
from agreement_gen.pdf.checks import Finding, failures, has_signatures, verify_pdf
from agreement_gen.ui import console


def judgement_findings(content: bytes, counties: Path, templates: Path, roots: list[Any]) -> list[Finding]:
    """The judgement of a signed for_signature document of ours, as findings."""
    from agreement_gen.data.paths import Paths
    from agreement_gen.data.plan import plan_year
    from agreement_gen.errors import InputError
    from agreement_gen.signing.judgement import LOCAL_TIME, NotSignedByBoth, SignatureProblem, judge
    from agreement_gen.signing.receive.identify import read_first_trace
    from agreement_gen.signing.record import sent_at

    try:
        trace = read_first_trace(content)
    except SignatureProblem as exc:
        return [Finding(False, _("signatures not judged: the file {exc}").format(exc=exc))]
    if trace is None or trace.stage is not Status.FOR_SIGNATURE:
        return []
    try:
        plan = plan_year(Paths(counties=counties, templates=templates, out=Path("build")), trace.year)
    except InputError as exc:
        return [
            Finding(
                False,
                _("parties not judged: the {year} data cannot be read ({problems})").format(
                    year=trace.year, problems=exc.problems[0]
                ),
                True,
            )
        ]
    agreement = next((a for a in plan.agreements if a.slug == trace.district), None)
    if agreement is None:
        return [
            Finding(
                False,
                _("parties not judged: {counties} has no district '{district}'").format(
                    counties=counties, district=trace.district
                ),
                True,
            )
        ]
    if agreement.data.status is Status.DRAFT:
        return [
            Finding(
                False,
                _("parties not judged: {counties} has {district} {year} as a draft").format(
                    counties=counties, district=trace.district, year=trace.year
                ),
                True,
            )
        ]
    try:
        parties = judge(
            content,
            agreement,
            counties=counties,
            roots=roots,
            accept_untrusted=True,
            sent_at=sent_at(counties, agreement.year, agreement.slug),
        )
    except SignatureProblem as exc:  # signed by one party or none: a stage of the round, not a fault
        return [
            Finding(False, _("signed copy: {message}").format(message=exc), warning=isinstance(exc, NotSignedByBoth))
        ]
    findings = []
    for party in (parties.ministry, parties.district):
        when = party.signed_at.astimezone(LOCAL_TIME)
        findings.append(
            Finding(
                True,
                _("{field}: signed by {signer} on {when:%Y-%m-%d %H:%M} ({time_source})").format(
                    field=party.field, signer=party.signer, when=when, time_source=party.time_source
                ),
            )
        )
        if not party.trusted:
            findings.append(
                Finding(
                    False,
                    _("{field}: certificate not trusted here ({subject})").format(
                        field=party.field, subject=party.subject
                    ),
                    True,
                )
            )
    return findings


def validator_findings(path: Path) -> list[Finding]:
    """page-validation's verdict per profile (PDF/A-2b, PDF/UA-1), by clause; warnings for a signed file."""
    import pikepdf

    from agreement_gen.pdf.conformance import conformance_findings, validate_conformance

    data = path.read_bytes()
    try:
        with pikepdf.open(path) as doc:
            signed = has_signatures(doc)
    except pikepdf.PdfError:
        return []  # verify_pdf already reports an unreadable file
    return conformance_findings(validate_conformance(data), signed=signed)


def _signatures(content: bytes, roots: list[Any]) -> list[Finding]:
    """Each signature as verify reports it (intact, coverage, PAdES level), for a file that has any."""
    import pikepdf

    from agreement_gen.signing.report import signature_report

    try:
        with pikepdf.open(io.BytesIO(content)) as doc:
            signed = has_signatures(doc)
    except pikepdf.PdfError:
        return []  # verify_pdf already reports an unreadable file
    return signature_report(content, roots) if signed else []


@click.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@counties_option
@templates_option
@trust_option
def command(files: tuple[Path, ...], counties: Path, templates: Path, trust: tuple[Path, ...]) -> None:
    """PDF/A-2b structure, fonts, title and language, tags, and every signature; exit 1 on a failure."""
    from agreement_gen.signing.judgement import trust_roots

    roots = trust_roots(counties, trust)
    failed = 0
    for path in files:
        content = path.read_bytes()
        findings = verify_pdf(content) + _signatures(content, roots) + validator_findings(path)
        if any(f.signature for f in findings):
            findings += judgement_findings(content, counties, templates, roots)
        bad = failures(findings)
        failed += bool(bad)
        verdict = (_("{file}: FAILED") if bad else _("{file}: ok")).format(file=path)
        line = Text(verdict)
        start = verdict.find(str(path))
        line.stylize("bold", start, start + len(str(path)))
        console.print(line)
        for finding in findings:
            style = "green" if finding.ok else ("yellow" if finding.warning else "bold red")
            console.print(Text.assemble("  ", (finding.mark, style), " ", finding.message))
    passed = len(files) - failed
    console.print(
        ngettext("{passed} of {count} PDF(s) passed", "{passed} of {count} PDF(s) passed", len(files)).format(
            passed=passed, count=len(files)
        )
    )
    if failed:
        raise click.exceptions.Exit(1)
