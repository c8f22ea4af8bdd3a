"""The digital route: examining a file both parties signed, and `receive_signed`, the round over all files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agreement_gen.data.models import CopyConformance, SignedCopy, SigningRoute, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.structure import YearPlan
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.pdf.conformance import conformance_notes, validate_conformance
from agreement_gen.signing import record as sent_record
from agreement_gen.signing.judgement import (
    LOCAL_TIME,
    SignatureProblem,
    SignedParties,
    UntrustedSignature,
    first_revision,
    judge,
    trust_roots,
)
from agreement_gen.signing.receive.identify import find_agreement, revision_trace, year_plan
from agreement_gen.signing.receive.receipt import Receipt, Refusal, already_signed, sha256_hex, signed_path, today
from agreement_gen.signing.receive.record import prepare, store


@dataclass(frozen=True)
class Options:
    """What the clerk said on the command line, for every file of the run."""

    year: int | None = None
    accept_untrusted: bool = False
    deputies: tuple[str, ...] = ()


def _signature_notes(parties: SignedParties) -> list[str]:
    """What the clerk should know about how each signature was accepted."""
    notes = []
    for party in (parties.ministry, parties.district):
        if party.deputy:
            notes.append(
                _("{field}: signed by the deputy '{deputy}' (--deputy; recorded in signed_copy)").format(
                    field=party.field, deputy=party.deputy
                )
            )
        when = party.signed_at.astimezone(LOCAL_TIME)
        notes.append(
            _("{field}: signed {when:%Y-%m-%d %H:%M} according to {source}").format(
                field=party.field, when=when, source=party.time_source
            )
        )
    return notes


def _examine(
    paths: Paths,
    content: bytes,
    options: Options,
    roots: list[Any],
    plans: dict[int, YearPlan],
    received_on: dt.date,
) -> Receipt:
    first = first_revision(content)
    trace = revision_trace(first)
    if trace is None:
        raise Refusal(_("was not made by agreement-gen: its metadata names no district and fiscal year"))
    what = _("the {year} agreement of {slug}").format(year=trace.year, slug=trace.district)
    if trace.stage == Status.DRAFT:
        raise Refusal(_("is a draft ({what}), not the version sent for signature").format(what=what))
    if trace.stage != Status.FOR_SIGNATURE:
        raise Refusal(
            _("is a '{stage}' print ({what}), not the version sent for signature").format(stage=trace.stage, what=what)
        )
    if options.year is not None and trace.year != options.year:
        raise Refusal(_("is {what}, not one of {year} (--year)").format(what=what, year=options.year))
    plan = year_plan(paths, trace.year, plans, what)
    agreement = find_agreement(plan, trace.district, what)
    data = agreement.data
    stored = signed_path(paths.counties, agreement.year, agreement.slug)
    receipt = Receipt(
        slug=agreement.slug,
        year=agreement.year,
        route=SigningRoute.DIGITAL,
        ministry_on=data.ministry_signature.signed_on or received_on,
        district_on=data.signatory.signed_on or received_on,
        data_file=agreement.sources[-1],
        stored=stored,
    )
    digest = sha256_hex(content)
    copy = data.signed_copy
    if data.status is Status.SIGNED and copy and copy.route is SigningRoute.DIGITAL and copy.sha256 == digest:
        receipt.already = True
        receipt.ministry_signer, receipt.district_signer = copy.ministry_signer, copy.district_signer
        if not stored.is_file() or sha256_hex(stored.read_bytes()) != digest:
            receipt.content = content  # the kept copy went missing or was changed: put it back
        return receipt
    if data.status is Status.SIGNED:
        raise Refusal(
            _("is {what}, which is already recorded as signed ({how})").format(what=what, how=already_signed(agreement))
        )
    if data.status is not Status.FOR_SIGNATURE:
        raise Refusal(
            _("is {what}, but its data says '{status}', not 'for_signature'").format(what=what, status=data.status)
        )
    sent = sent_record.check_sent(paths, plan, agreement, first)
    try:
        parties = judge(
            content,
            agreement,
            counties=paths.counties,
            roots=roots,
            accept_untrusted=options.accept_untrusted,
            deputies=options.deputies,
            sent_at=sent.sent_at,
            received_on=received_on,
        )
    except UntrustedSignature as exc:
        raise Refusal(
            _("{reason}, or take it after checking who signed with --accept-untrusted").format(reason=exc)
        ) from exc
    receipt.ministry_on, receipt.district_on = parties.ministry.day, parties.district.day
    receipt.ministry_signer, receipt.district_signer = parties.ministry.signer, parties.district.signer
    receipt.notes += _signature_notes(parties)
    untrusted = [p for p in (parties.ministry, parties.district) if not p.trusted]
    for party in untrusted:
        receipt.notes.append(
            _("accepted untrusted: {field} by {subject} (--accept-untrusted)").format(
                field=party.field, subject=party.subject
            )
        )
    receipt.content = content
    conformance = validate_conformance(content)  # recorded, not refused: a signed file cannot be repaired
    receipt.notes += conformance_notes(conformance)
    signed_copy = SignedCopy(
        route=SigningRoute.DIGITAL,
        received_on=received_on,
        file=stored.relative_to(paths.counties / str(agreement.year)).as_posix(),
        sha256=digest,
        ministry_signer=parties.ministry.signer,
        district_signer=parties.district.signer,
        untrusted_accepted=bool(untrusted),
        conformance=CopyConformance(**conformance.record()),
        deputies=[p.deputy for p in (parties.ministry, parties.district) if p.deputy],
    )
    prepare(receipt, agreement, signed_copy, parties.district.signer)
    return receipt


def receive_signed(
    paths: Paths,
    files: Sequence[Path],
    options: Options = Options(),
    trust: Iterable[Path] = (),
    received_on: dt.date | None = None,
) -> list[Receipt]:
    """Check every file, then keep them all and update the data – or raise InputError and change nothing.

    Every file is judged, whatever became of the others; one refused file is reported with the rest.
    """
    received_on = received_on or today()
    try:
        roots = trust_roots(paths.counties, trust)
    except SignatureProblem as exc:
        raise InputError([Problem(None, None, "--trust", str(exc))]) from exc
    plans: dict[int, YearPlan] = {}
    receipts: list[Receipt] = []
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for source in files:
        try:
            content = source.read_bytes()
            receipt = _examine(paths, content, options, roots, plans, received_on)
        except OSError as exc:
            problems.append(Problem(source, None, None, _("cannot be read ({reason})").format(reason=exc.strerror)))
            continue
        except SignatureProblem as exc:
            problems.append(Problem(source, None, None, str(exc)))
            continue
        except InputError:
            raise  # the year's data itself is invalid: that is for `check`, not a verdict on this file
        except Exception as exc:  # a last guard: a hostile file must be a refusal, never a traceback
            problems.append(
                Problem(
                    source, None, None, _("cannot be judged ({name}); it is not taken").format(name=type(exc).__name__)
                )
            )
            continue
        key = (receipt.year, receipt.slug)
        if key in seen:
            message = _("is a second file for {slug} {year}").format(slug=receipt.slug, year=receipt.year)
            problems.append(Problem(source, None, None, message))
            continue
        seen.add(key)
        receipts.append(receipt)
    if problems:
        raise InputError(problems)
    store(receipts)
    return receipts
