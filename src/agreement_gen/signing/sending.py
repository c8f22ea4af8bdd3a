"""`agreement-gen send`: a district's agreement goes out for signature, and the year's record keeps it.

For each district named (or all that are not yet out): it must be ready for signature by the same
rules a for_signature build applies (readiness.py); then its year file gets `status: for_signature`
(yamledit: comments and order kept), its PDF is built, and that exact PDF with its text is stored as
the year's record (signing/record.py). Everything is checked before anything is written; a failed
build puts the year files back as they were and stores no record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.error import YAMLError

from agreement_gen.build.builders.base import BuildProgress
from agreement_gen.build.pipeline import build
from agreement_gen.data import yamledit
from agreement_gen.data.models import DistrictYear, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.readiness import send_problems
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.errors import InputError, OutputError, Problem
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write_all
from agreement_gen.signing.receive.identify import revision_trace
from agreement_gen.signing.receive.receipt import Refusal
from agreement_gen.signing.record import SentRecord, changes_since_record, load_sent, store_sent, text_changes


@dataclass
class Sending:
    """One district's part in a `send` run."""

    slug: str
    data_file: Path
    old_status: Status
    record: SentRecord | None = None  # after storing; or the record found when it was sent already
    already: bool = False
    text: str | None = None  # the year file's new text (None: its status stays)
    notes: list[str] = field(default_factory=list)


def _chosen(plan: YearPlan, slugs: Sequence[str] | None) -> list[Agreement]:
    if slugs:
        wanted = set(slugs)
        return [a for a in plan.agreements if a.slug in wanted]
    # all: every district not yet signed (those already out are reported as such)
    return [a for a in plan.agreements if a.data.status is not Status.SIGNED]


def _examine(paths: Paths, plan: YearPlan, agreement: Agreement) -> Sending:
    data_file = agreement.sources[-1]
    sending = Sending(agreement.slug, data_file, agreement.data.status)
    if agreement.data.status is Status.SIGNED:
        raise Refusal(_("is signed already; nothing to send"))
    record = load_sent(paths.counties, agreement.year, agreement.slug)
    if record is not None and agreement.data.status is Status.FOR_SIGNATURE:
        changes = text_changes(agreement, plan, record)
        if changes:
            raise Refusal(
                _(
                    "was sent on {day} and its text changed since: {changes}; withdraw it first "
                    "(`agreement-gen withdraw {slug}`), then send the current version"
                ).format(
                    day=record.sent_at.date().isoformat(), changes="; ".join(map(str, changes)), slug=agreement.slug
                )
            )
        sending.record, sending.already = record, True
        return sending
    if record is not None:
        raise Refusal(
            _(
                "has a record of a document sent on {day} ({file}), but its data says '{status}': withdraw it "
                "(`agreement-gen withdraw {slug}`) first"
            ).format(
                day=record.sent_at.date().isoformat(),
                file=record.meta,
                status=agreement.data.status,
                slug=agreement.slug,
            )
        )
    problems = send_problems(agreement, plan, paths)
    if problems:
        raise Refusal(_("is not ready for signature: {problems}").format(problems="; ".join(problems)))
    if agreement.data.status is Status.DRAFT:
        try:
            edited = yamledit.load(data_file.read_text(encoding="utf-8"))
            edited["status"] = str(Status.FOR_SIGNATURE)
            text = yamledit.dump(edited)
            DistrictYear.model_validate(yamledit.load(text))
        except (OSError, YAMLError, ValueError) as exc:
            raise Refusal(
                _("cannot be set to for_signature in {file}: {reason}").format(file=data_file, reason=exc)
            ) from exc
        sending.text = text
    return sending


def send(
    paths: Paths,
    year: int | None,
    slugs: Sequence[str] | None,
    sent_at: dt.datetime | None = None,
    progress: BuildProgress | None = None,
) -> list[Sending]:
    """Send the named districts (or all not yet signed); InputError and nothing written if one is refused."""
    plan = plan_year(paths, year, only=slugs)
    chosen = _chosen(plan, slugs)
    problems, sendings = [], []
    for agreement in chosen:
        try:
            sendings.append(_examine(paths, plan, agreement))
        except Refusal as exc:
            problems.append(Problem(agreement.sources[-1], None, None, f"{agreement.slug}: {exc}"))
    if problems:
        raise InputError(problems)
    if not sendings:
        raise InputError(
            [Problem(None, None, None, _("{year}: no district left to send").format(year=plan.fiscal_year.year))]
        )
    todo = [s for s in sendings if not s.already]
    if not todo:
        return sendings
    before = {s.data_file: s.data_file.read_text(encoding="utf-8") for s in todo if s.text is not None}
    atomic_write_all({s.data_file: s.text for s in todo if s.text is not None})
    try:
        report = build(
            paths,
            plan.fiscal_year.year,
            only=[s.slug for s in todo],
            changes_since=changes_since_record,
            progress=progress,
        )
        if report.failed:
            reasons = "; ".join(f"{item.agreement.slug}: {item.error}" for item in report.failed)
            raise OutputError(
                _("the PDF for signature could not be built ({reasons}); nothing was sent").format(reasons=reasons)
            )
    except BaseException:
        atomic_write_all(before)  # the year files as they were: nothing was sent
        raise
    fresh = plan_year(paths, plan.fiscal_year.year, only=[s.slug for s in todo])
    by_slug = {a.slug: a for a in fresh.agreements}
    out_dir = paths.year_out(plan.fiscal_year.year)
    for sending in todo:
        pdf = (out_dir / f"{sending.slug}.pdf").read_bytes()
        trace = revision_trace(pdf)
        sending.record = store_sent(
            paths, by_slug[sending.slug], fresh, pdf, sent_at, trace.fingerprint if trace else None
        )
    return sendings
