"""The paper route: an agreement signed on paper, its dates typed in and optionally its scan kept."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from agreement_gen.data.models import SignedCopy, SigningRoute, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import N_, _
from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.receive.receipt import Receipt, Refusal, already_signed, sha256_hex, signed_path, today
from agreement_gen.signing.receive.record import prepare, store

# What scanners and office programs write instead of a PDF, by the file's first bytes: a clerk who gave the
# wrong file hears which one it is.
_OTHER_FILES = (
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"\x89PNG\r\n", N_("a PNG image")),
    (b"II*\x00", N_("a TIFF image")),
    (b"MM\x00*", N_("a TIFF image")),
    (b"PK\x03\x04", N_("a Word document or another ZIP file")),
    (b"\xd0\xcf\x11\xe0", N_("an old Word or Excel document")),
)


def scan_problem(content: bytes) -> str | None:
    """Why `content` is no readable PDF, in a sentence a clerk can act on; None when it is one."""
    if not content:
        return _("the scan is empty (0 bytes): scan the signed paper again")
    if b"%PDF-" not in content[:1024]:
        kind = next((kind for magic, kind in _OTHER_FILES if content.startswith(magic)), None)
        if kind is not None:
            return _("the scan is {kind}, not a PDF: save the scan as PDF and give that file").format(kind=_(kind))
        return _("the scan is not a PDF (it does not start with %PDF-): save the scan as PDF and give that file")
    import pikepdf

    try:
        pikepdf.open(io.BytesIO(content)).close()
    except pikepdf.PdfError as exc:
        reason = str(exc).partition(">: ")[2] or str(exc)  # without pikepdf's "stream <_io.BytesIO …>: "
        return _("the scan is a damaged PDF ({reason}): scan the signed paper again").format(reason=reason)
    return None


def receive_paper(
    paths: Paths,
    slug: str,
    year: int | None,
    ministry_on: dt.date,
    district_on: dt.date,
    scan: Path | None = None,
    received_on: dt.date | None = None,
) -> Receipt:
    """Record an agreement signed on paper (dates typed in, optionally its scan); InputError if refused."""
    received_on = received_on or today()
    plan = plan_year(paths, year)
    agreement = next((a for a in plan.agreements if a.slug == slug), None)
    if agreement is None:
        where = paths.counties / str(plan.fiscal_year.year)
        message = _("no district '{slug}' in {year}").format(slug=slug, year=plan.fiscal_year.year)
        raise InputError([Problem(where, None, "--paper", message)])
    try:
        receipt = _examine_paper(paths, plan, agreement, ministry_on, district_on, scan, received_on)
    except OSError as exc:
        message = _("cannot be read ({reason})").format(reason=exc.strerror)
        raise InputError([Problem(scan, None, None, message)]) from exc
    except SignatureProblem as exc:
        raise InputError([Problem(agreement.sources[-1], None, None, str(exc))]) from exc
    store([receipt])
    return receipt


def _check_sent_text(paths: Paths, plan: YearPlan, agreement: Agreement) -> None:
    """What was signed on paper is the document sent: it must be on record, and its text unchanged since."""
    from agreement_gen.signing.record import SENT_DIR, load_sent, text_changes

    record = load_sent(paths.counties, agreement.year, agreement.slug)
    if record is None:
        folder = paths.counties / str(agreement.year) / SENT_DIR
        raise Refusal(
            _(
                "{slug} was not sent for signature: {folder} has no record of it "
                "(send it with `agreement-gen send {slug} --year {year}`)"
            ).format(slug=agreement.slug, folder=folder, year=agreement.year)
        )
    changes = text_changes(agreement, plan, record)
    if changes:
        raise Refusal(
            _(
                "{slug} was signed on paper, but the text changed since it was sent: {changes}; have the current "
                "version signed, or restore the data"
            ).format(slug=agreement.slug, changes="; ".join(map(str, changes)))
        )


def _examine_paper(
    paths: Paths,
    plan: YearPlan,
    agreement: Agreement,
    ministry_on: dt.date,
    district_on: dt.date,
    scan: Path | None,
    received_on: dt.date,
) -> Receipt:
    data = agreement.data
    receipt = Receipt(
        slug=agreement.slug,
        year=agreement.year,
        route=SigningRoute.PAPER,
        ministry_on=ministry_on,
        district_on=district_on,
        data_file=agreement.sources[-1],
        stored=signed_path(paths.counties, agreement.year, agreement.slug, scan=True) if scan else None,
    )
    content = scan.read_bytes() if scan else None
    digest = sha256_hex(content) if content is not None else None
    copy = data.signed_copy
    if data.status is Status.SIGNED:
        same = (
            copy is not None
            and copy.route is SigningRoute.PAPER
            and (data.ministry_signature.signed_on, data.signatory.signed_on) == (ministry_on, district_on)
            and (digest is None or copy.sha256 == digest)
        )
        if same:
            receipt.already = True
            return receipt
        raise Refusal(
            _("{slug} {year} is already recorded as signed ({how})").format(
                slug=agreement.slug, year=agreement.year, how=already_signed(agreement)
            )
        )
    if data.status is not Status.FOR_SIGNATURE:
        raise Refusal(
            _(
                "{slug} is still a '{status}': set `status: for_signature` (with the signatory's name), "
                "build and send it first"
            ).format(slug=agreement.slug, status=data.status)
        )
    for day in (ministry_on, district_on):
        if day > received_on:
            raise Refusal(_("the signing date {day} lies in the future").format(day=day))
    if content is not None:
        unreadable = scan_problem(content)
        if unreadable:
            raise Refusal(unreadable)
        receipt.content = content
    copy = SignedCopy(
        route=SigningRoute.PAPER,
        received_on=received_on,
        file=receipt.stored.relative_to(paths.counties / str(agreement.year)).as_posix() if receipt.stored else None,
        sha256=digest,
    )
    prepare(receipt, agreement, copy, None)
    _check_sent_text(paths, plan, agreement)  # after the dates: a wrong date is the first thing to hear
    return receipt
