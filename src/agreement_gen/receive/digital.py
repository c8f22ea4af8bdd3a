"""The digital route: examining a file both parties signed, and `receive_signed`, the round over all files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from agreement_gen.config import Paths
from agreement_gen.errors import InputError, Problem
from agreement_gen.models import SigningRoute, Status
from agreement_gen.pdf.conformance import conformance_notes, validate_conformance
from agreement_gen.receive.identify import find_agreement, match_build, revision_trace, year_plan
from agreement_gen.receive.receipt import Receipt, Refusal, already_signed, sha256_hex, signed_path, today
from agreement_gen.receive.record import prepare, store
from agreement_gen.signatures import (
    SignatureProblem,
    SignedParties,
    UntrustedSignature,
    first_revision,
    trust_roots,
    validate_signed_copy,
)
from agreement_gen.structure import Agreement, YearPlan


def _normalised(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name_notes(agreement: Agreement, parties: SignedParties) -> list[str]:
    notes = []
    named = agreement.data.signatory.name
    if named and _normalised(named) != _normalised(parties.district.signer):
        notes.append(
            f"signed for the district by '{parties.district.signer}', the data names '{named}' "
            "(kept; the certificate's name is in signed_copy.district_signer)"
        )
    minister = agreement.fiscal_year.ministry.minister.name
    if _normalised(minister) != _normalised(parties.ministry.signer):
        notes.append(
            f"signed for the ministry by '{parties.ministry.signer}', the year file names '{minister}' "
            "(the certificate's name is in signed_copy.ministry_signer)"
        )
    return notes


def _examine(
    paths: Paths,
    source: Path,
    content: bytes,
    year: int | None,
    roots: list,
    accept_untrusted: bool,
    plans: dict[int, YearPlan],
    received_on: dt.date,
) -> Receipt:
    first = first_revision(content)
    trace = revision_trace(first)
    if trace is None:
        raise Refusal("was not made by agreement-gen: its metadata names no district and fiscal year")
    what = f"the {trace.year} agreement of {trace.district}"
    if trace.stage == Status.DRAFT:
        raise Refusal(f"is a draft ({what}), not the version sent for signature")
    if trace.stage != Status.FOR_SIGNATURE:
        raise Refusal(f"is a '{trace.stage}' print ({what}), not the version sent for signature")
    if year is not None and trace.year != year:
        raise Refusal(f"is {what}, not one of {year} (--year)")
    plan = year_plan(paths, trace.year, plans, what)
    agreement = find_agreement(plan, trace.district, what)
    data = agreement.data
    receipt = Receipt(
        slug=agreement.slug,
        year=agreement.year,
        designation=agreement.district.designation,
        route=SigningRoute.DIGITAL,
        ministry_on=data.ministry_signature.signed_on or received_on,
        district_on=data.signatory.signed_on or received_on,
        data_file=agreement.sources[-1],
        source=source,
        stored=signed_path(paths.counties, agreement.year, agreement.slug),
    )
    digest = sha256_hex(content)
    copy = data.signed_copy
    if data.status is Status.SIGNED and copy and copy.route is SigningRoute.DIGITAL and copy.sha256 == digest:
        receipt.already = True
        receipt.ministry_signer, receipt.district_signer = copy.ministry_signer, copy.district_signer
        if not receipt.stored.is_file() or sha256_hex(receipt.stored.read_bytes()) != digest:
            receipt.content = content  # the kept copy went missing or was changed: put it back
        return receipt
    if data.status is Status.SIGNED:
        raise Refusal(f"is {what}, which is already recorded as signed ({already_signed(agreement)})")
    if data.status is not Status.FOR_SIGNATURE:
        raise Refusal(f"is {what}, but its data says '{data.status}', not 'for_signature'")
    receipt.notes += match_build(paths, plan, agreement, first, trace)
    try:
        parties = validate_signed_copy(content, agreement.slug, roots, accept_untrusted)
    except UntrustedSignature as exc:
        raise Refusal(f"{exc}, or take it after checking who signed with --accept-untrusted") from exc
    receipt.ministry_on, receipt.district_on = parties.ministry.day, parties.district.day
    receipt.ministry_signer, receipt.district_signer = parties.ministry.signer, parties.district.signer
    receipt.notes += _name_notes(agreement, parties)
    untrusted = [p for p in (parties.ministry, parties.district) if not p.trusted]
    for party in untrusted:
        receipt.notes.append(f"accepted untrusted: {party.field} by {party.subject} (--accept-untrusted)")
    receipt.content = content
    conformance = validate_conformance(content)  # recorded, not refused: a signed file cannot be repaired
    receipt.notes += conformance_notes(conformance)
    copy_record: dict[str, object] = {
        "route": str(SigningRoute.DIGITAL),
        "received_on": received_on,
        "file": receipt.stored.relative_to(paths.counties / str(agreement.year)).as_posix(),
        "sha256": digest,
        "ministry_signer": parties.ministry.signer,
        "district_signer": parties.district.signer,
        "untrusted_accepted": bool(untrusted),
        "conformance": conformance.record(),
    }
    prepare(receipt, agreement, copy_record, parties.district.signer)
    return receipt


def receive_signed(
    paths: Paths,
    files: Sequence[Path],
    year: int | None = None,
    trust: Iterable[Path] = (),
    accept_untrusted: bool = False,
    received_on: dt.date | None = None,
) -> list[Receipt]:
    """Check every file, then keep them all and update the data – or raise InputError and change nothing."""
    received_on = received_on or today()
    roots = trust_roots(paths.counties, trust)
    plans: dict[int, YearPlan] = {}
    receipts: list[Receipt] = []
    problems: list[Problem] = []
    seen: dict[tuple[int, str], Path] = {}
    for source in files:
        try:
            content = source.read_bytes()
            receipt = _examine(paths, source, content, year, roots, accept_untrusted, plans, received_on)
        except OSError as exc:
            problems.append(Problem(source, None, None, f"cannot be read ({exc.strerror})"))
            continue
        except SignatureProblem as exc:
            problems.append(Problem(source, None, None, str(exc)))
            continue
        key = (receipt.year, receipt.slug)
        if key in seen:
            problems.append(Problem(source, None, None, f"is a second file for {receipt.slug} {receipt.year}"))
            continue
        seen[key] = source
        receipts.append(receipt)
    if problems:
        raise InputError(problems)
    store(receipts)
    return receipts
