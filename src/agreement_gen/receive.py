"""Taking back what both parties signed, so that what is published is provably what they signed.

Digital route (`receive FILE.pdf…`): the returned file names its district, year and stage in
its XMP (pdf/trace.py), so it is recognised under any file name. Its first revision must be
byte for byte a for_signature PDF we built – the manifest keeps the SHA-256 of every one
(`sent_for_signature`) – and built from the data and template as they are now; the revisions
after it must be the two signatures and nothing else (signatures.py). The file is then kept as
counties/YEAR/signed/SLUG.pdf and the district's year file records `status: signed`, both
signing dates (read from the signatures, as dates in Hesse) and a `signed_copy` record.

Paper route (`receive --paper SLUG --signed-on MINISTRY,DISTRICT [--scan FILE]`): the dates are
typed in; the published PDF is then the signed-stage build, the scan is kept beside it.

Names: the document prints the signatory's name from the data, so a certificate's common name
never replaces it. It fills `signatory.name` only when that is empty; when they differ, the
data's name stays, the certificate's is recorded in `signed_copy` and the difference reported.

A run is all or nothing: every file is checked first, and if one is refused (one sentence each,
exit 2) nothing is stored and no data file changes. Files are written atomically, the YAML
through yamledit (comments and key order kept). Receiving the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from agreement_gen import yamledit
from agreement_gen.build import plan_year
from agreement_gen.config import Paths
from agreement_gen.errors import InputError, Problem
from agreement_gen.formatting import euro
from agreement_gen.load import available_years
from agreement_gen.manifest import MANIFEST, Manifest, input_digests
from agreement_gen.models import DistrictYear, SignedCopy, SigningRoute, Status
from agreement_gen.output import atomic_write
from agreement_gen.pdf.trace import Trace, read_trace
from agreement_gen.signatures import (
    LOCAL_TIME,
    SignatureProblem,
    SignedParties,
    UntrustedSignature,
    first_revision,
    trust_roots,
    validate_signed_copy,
)
from agreement_gen.structure import Agreement, YearPlan
from agreement_gen.validate import stage_problems

SIGNED_DIR = "signed"  # counties/YEAR/signed/: the signed copies as they came back
SIGNED_COPY_COMMENT = "written by agreement-gen receive"


class Refusal(SignatureProblem):
    """This file (or paper record) is not taken; the message says why in one sentence."""


@dataclass
class Receipt:
    """One district's signed agreement: taken back now, or found taken already."""

    slug: str
    year: int
    designation: str
    route: SigningRoute
    ministry_on: dt.date
    district_on: dt.date
    data_file: Path
    source: Path | None = None  # the file given (a scan on the paper route)
    stored: Path | None = None  # where the copy is kept
    ministry_signer: str | None = None
    district_signer: str | None = None
    already: bool = False
    notes: list[str] = field(default_factory=list)
    text: str | None = None  # the data file's new content
    content: bytes | None = None  # the file to keep


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TIME).date()


def signed_path(counties: Path, year: int, slug: str, scan: bool = False) -> Path:
    return counties / str(year) / SIGNED_DIR / f"{slug}{'-scan' if scan else ''}.pdf"


def read_first_trace(content: bytes) -> Trace | None:
    """The trace in the XMP of the file's first revision – the part we wrote, whatever signers did after."""
    return _trace(first_revision(content))


def _trace(revision: bytes) -> Trace | None:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(revision)) as doc:
            metadata = doc.Root.get("/Metadata")
            return read_trace(metadata.read_bytes()) if isinstance(metadata, pikepdf.Stream) else None
    except pikepdf.PdfError:
        return None


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- checks ----------------------------------------------------------------------------------------------


def _year_plan(paths: Paths, year: int, plans: dict[int, YearPlan], what: str) -> YearPlan:
    if year not in plans:
        if year not in available_years(paths.counties):
            raise Refusal(f"is {what}, but {paths.counties} has no data for {year}")
        plans[year] = plan_year(paths, year)
    return plans[year]


def _agreement(plan: YearPlan, slug: str, what: str) -> Agreement:
    for agreement in plan.agreements:
        if agreement.slug == slug:
            return agreement
    raise Refusal(f"is {what}, but {plan.fiscal_year.year} has no district '{slug}'")


def _match_build(paths: Paths, plan: YearPlan, agreement: Agreement, first: bytes, trace: Trace) -> list[str]:
    """The first revision must be a for_signature PDF we built for this district, from today's inputs."""
    year_out = paths.year_out(agreement.year)
    districts = Manifest.load(year_out, agreement.year).districts
    record = districts.get(agreement.slug)
    sent = record.sent_for_signature if record else []
    digest = _sha256(first)
    entry = next((e for e in sent if e.sha256 == digest), None)
    if entry is None:
        for slug, other in districts.items():
            if slug != agreement.slug and any(digest == e.sha256 for e in other.sent_for_signature):
                raise Refusal(f"is the document built for {slug}, although its metadata names {agreement.slug}")
        if any(e.fingerprint == trace.fingerprint for e in sent):
            raise Refusal(
                "was changed before it was signed: its first revision is not byte for byte the document we built "
                "for signature"
            )
        raise Refusal(
            f"is not a document we sent for signature: {year_out / MANIFEST} records no for_signature PDF of "
            f"{agreement.slug} with this content"
        )
    current = input_digests(agreement, plan)
    names = entry.inputs.keys() | current.keys()
    changed = sorted(name for name in names if entry.inputs.get(name) != current.get(name))
    year_file = f"{plan.year_file.parent.name}/{plan.year_file.name}"
    terms = [name for name in changed if name != year_file]
    if terms:
        raise Refusal(
            f"is an earlier version: {', '.join(terms)} changed since it was built; have the current version "
            "signed, or restore what it was built from"
        )
    if changed:
        return [f"{year_file} changed since this version was built; the signed file keeps the text as it was then"]
    return []


def _already_signed(agreement: Agreement) -> str:
    copy = agreement.data.signed_copy
    if copy is None:
        return "by hand, without a received copy"
    return f"{copy.route}, received {copy.received_on}"


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


# --- the data file -----------------------------------------------------------------------------------------


def signed_data_text(before: str, ministry_on: dt.date, district_on: dt.date, copy: dict, name: str | None) -> str:
    """The year file's text with status signed, both dates and the signed_copy record; all else as it was."""
    data = yamledit.load(before)
    data["status"] = str(Status.SIGNED)
    signatory = data.get("signatory")
    if not isinstance(signatory, CommentedMap):
        raise ValueError("has no 'signatory' mapping")
    if name and not signatory.get("name"):
        if "name" in signatory:
            signatory["name"] = name
        else:
            signatory.insert(0, "name", name)
    yamledit.set_after(signatory, "signed_on", district_on, after="place")
    ministry = data.get("ministry_signature")
    if isinstance(ministry, CommentedMap):
        if "signed_on" not in ministry:
            ministry.insert(0, "signed_on", ministry_on)
        ministry["signed_on"] = ministry_on
    else:
        yamledit.set_after(data, "ministry_signature", CommentedMap(signed_on=ministry_on), after="signatory")
    record = CommentedMap((key, value) for key, value in copy.items() if value is not None and value is not False)
    data.pop("signed_copy", None)
    yamledit.set_after(data, "signed_copy", record, after="ministry_signature")
    data.yaml_add_eol_comment(f"# {SIGNED_COPY_COMMENT}", "signed_copy", column=_comment_column(data))
    return yamledit.dump(data)


def _comment_column(data: CommentedMap) -> int | None:
    """The column the file's top-level comments start in (they are aligned), so ours lines up with them."""
    for entry in data.ca.items.values():
        token = entry[2] if len(entry) > 2 else None
        if token is not None and getattr(token, "column", None):
            return int(token.column)
    return None


def _prepare(receipt: Receipt, agreement: Agreement, copy: dict, name: str | None) -> None:
    """Compute the data file's new text and check it the way a signed build would; refuse if it fails."""
    try:
        text = signed_data_text(
            receipt.data_file.read_text(encoding="utf-8"), receipt.ministry_on, receipt.district_on, copy, name
        )
        data = DistrictYear.model_validate(yamledit.load(text))
    except (OSError, YAMLError, ValueError) as exc:
        raise Refusal(f"cannot be recorded in {receipt.data_file}: {exc}") from exc
    problems = stage_problems(replace(agreement, data=data, status=Status.SIGNED), receipt.data_file)
    if problems:
        raise Refusal(f"cannot be recorded in {receipt.data_file}: {problems[0].field} {problems[0].message}")
    receipt.text = text


# --- digital route ---------------------------------------------------------------------------------------------


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
    trace = _trace(first)
    if trace is None:
        raise Refusal("was not made by agreement-gen: its metadata names no district and fiscal year")
    what = f"the {trace.year} agreement of {trace.district}"
    if trace.stage == Status.DRAFT:
        raise Refusal(f"is a draft ({what}), not the version sent for signature")
    if trace.stage != Status.FOR_SIGNATURE:
        raise Refusal(f"is a '{trace.stage}' print ({what}), not the version sent for signature")
    if year is not None and trace.year != year:
        raise Refusal(f"is {what}, not one of {year} (--year)")
    plan = _year_plan(paths, trace.year, plans, what)
    agreement = _agreement(plan, trace.district, what)
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
    digest = _sha256(content)
    copy = data.signed_copy
    if data.status is Status.SIGNED and copy and copy.route is SigningRoute.DIGITAL and copy.sha256 == digest:
        receipt.already = True
        receipt.ministry_signer, receipt.district_signer = copy.ministry_signer, copy.district_signer
        if not receipt.stored.is_file() or _sha256(receipt.stored.read_bytes()) != digest:
            receipt.content = content  # the kept copy went missing or was changed: put it back
        return receipt
    if data.status is Status.SIGNED:
        raise Refusal(f"is {what}, which is already recorded as signed ({_already_signed(agreement)})")
    if data.status is not Status.FOR_SIGNATURE:
        raise Refusal(f"is {what}, but its data says '{data.status}', not 'for_signature'")
    receipt.notes += _match_build(paths, plan, agreement, first, trace)
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
    copy_record = {
        "route": str(SigningRoute.DIGITAL),
        "received_on": received_on,
        "file": receipt.stored.relative_to(paths.counties / str(agreement.year)).as_posix(),
        "sha256": digest,
        "ministry_signer": parties.ministry.signer,
        "district_signer": parties.district.signer,
        "untrusted_accepted": bool(untrusted),
    }
    _prepare(receipt, agreement, copy_record, parties.district.signer)
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
    _store(receipts)
    return receipts


# --- paper route -----------------------------------------------------------------------------------------------


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
        raise InputError([Problem(where, None, "--paper", f"no district '{slug}' in {plan.fiscal_year.year}")])
    try:
        receipt = _examine_paper(paths, agreement, ministry_on, district_on, scan, received_on)
    except OSError as exc:
        raise InputError([Problem(scan, None, None, f"cannot be read ({exc.strerror})")]) from exc
    except SignatureProblem as exc:
        raise InputError([Problem(agreement.sources[-1], None, None, str(exc))]) from exc
    _store([receipt])
    return receipt


def _examine_paper(
    paths: Paths,
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
        designation=agreement.district.designation,
        route=SigningRoute.PAPER,
        ministry_on=ministry_on,
        district_on=district_on,
        data_file=agreement.sources[-1],
        source=scan,
        stored=signed_path(paths.counties, agreement.year, agreement.slug, scan=True) if scan else None,
    )
    content = scan.read_bytes() if scan else None
    digest = _sha256(content) if content is not None else None
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
        raise Refusal(f"{agreement.slug} {agreement.year} is already recorded as signed ({_already_signed(agreement)})")
    if data.status is not Status.FOR_SIGNATURE:
        raise Refusal(
            f"{agreement.slug} is still a '{data.status}': set `status: for_signature` (with the signatory's name), "
            "build and send it first"
        )
    for day in (ministry_on, district_on):
        if day > received_on:
            raise Refusal(f"the signing date {day} lies in the future")
    if content is not None:
        import pikepdf

        try:
            pikepdf.open(io.BytesIO(content)).close()
        except pikepdf.PdfError as exc:
            raise Refusal(f"the scan is not a readable PDF ({exc})") from exc
        receipt.content = content
    copy_record = {
        "route": str(SigningRoute.PAPER),
        "received_on": received_on,
        "file": receipt.stored.relative_to(paths.counties / str(agreement.year)).as_posix() if receipt.stored else None,
        "sha256": digest,
    }
    _prepare(receipt, agreement, copy_record, None)
    return receipt


# --- storing ----------------------------------------------------------------------------------------------------


def _store(receipts: Sequence[Receipt]) -> None:
    """The copies first, then the data files; a failure removes the copies this run added."""
    added: list[Path] = []
    try:
        for receipt in receipts:
            if receipt.content is None or receipt.stored is None:
                continue
            existed = receipt.stored.exists()
            atomic_write(receipt.stored, receipt.content)
            if not existed:
                added.append(receipt.stored)
        yamledit.write_atomic({r.data_file: r.text for r in receipts if r.text is not None})
    except BaseException:
        for path in added:
            path.unlink(missing_ok=True)
        raise


# --- for publish: is the kept copy still what was received, and still valid? ------------------------------------


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _terms_missing(content: bytes, agreement: Agreement) -> list[str]:
    """The budget and project titles the data gives that the signed PDF does not show."""
    from pypdf import PdfReader

    shown = _squeezed(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    data = agreement.data
    wanted = [euro(data.budget)] if data.budget is not None else []
    wanted += [title for titles in data.projects.values() for title in titles]
    return [item for item in wanted if _squeezed(item) not in shown]


def check_kept_copy(agreement: Agreement, counties: Path, roots: list) -> bytes:
    """The digitally signed copy of a district, re-checked before publishing; raises SignatureProblem."""
    copy: SignedCopy | None = agreement.data.signed_copy
    assert copy is not None and copy.route is SigningRoute.DIGITAL
    path = counties / str(agreement.year) / (copy.file or f"{SIGNED_DIR}/{agreement.slug}.pdf")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SignatureProblem(
            f"its signed PDF {path} is missing ({exc.strerror}): receive the signed file again"
        ) from exc
    if _sha256(content) != copy.sha256:
        raise SignatureProblem(f"its signed PDF {path} is not the file received (SHA-256 differs): receive it again")
    trace = read_first_trace(content)
    if trace is None or (trace.district, trace.year, trace.stage) != (agreement.slug, agreement.year, "for_signature"):
        raise SignatureProblem(f"its signed PDF {path} is not the for_signature document of {agreement.slug}")
    parties = validate_signed_copy(content, agreement.slug, roots, accept_untrusted=copy.untrusted_accepted)
    data = agreement.data
    recorded = (data.ministry_signature.signed_on, data.signatory.signed_on)
    if recorded != (parties.ministry.day, parties.district.day):
        raise SignatureProblem(
            f"the signing dates in the data ({recorded[0]}, {recorded[1]}) are not those of the signatures "
            f"({parties.ministry.day}, {parties.district.day})"
        )
    missing = _terms_missing(content, agreement)
    if missing:
        raise SignatureProblem(
            f"the signed PDF does not show {', '.join(missing)} from the data: the data changed after signing"
        )
    return content
