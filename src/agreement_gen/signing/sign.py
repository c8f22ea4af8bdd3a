"""`agreement-gen sign`: one party signs the year's agreements that are out for signature, in one batch.

Each document is the PDF kept when it was sent, `counties/YEAR/sent/SLUG.pdf` (or the copy in the
outbox that already carries the other party's signature, when its first revision is that PDF byte for
byte). Everything is checked before the key is opened, and nothing is signed unless every document
may be: its text must still be the text sent; the party's field must exist and be empty.
Then the key is opened once (one PIN), its certificate checked, and each document signed in an
incremental update – our revision stays byte for byte, so `receive` recognises the file – with the
German appearance, a timestamp from the configured TSA (PAdES B-T) and validation data (B-LT) when
reachable. Each signed file is written to `OUT/YEAR/outbox/SLUG.pdf` by an atomic rename: a batch
interrupted halfway leaves every file signed completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from agreement_gen.data.formatting import german_date
from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.errors import AgreementGenError, InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write, describe_os_error
from agreement_gen.pdf.fields import MINISTRY_FIELD
from agreement_gen.signing import record as sent_record
from agreement_gen.signing.appearance import AppearanceError, SignatureAppearance, signature_text
from agreement_gen.signing.judgement import LOCAL_TIME, SignatureProblem, district_field, first_revision, trust_roots
from agreement_gen.signing.keys import OpenKey, ask_secret, open_key
from agreement_gen.signing.levels import SignatureLevel, signature_levels
from agreement_gen.signing.receive.identify import revision_trace
from agreement_gen.signing.receive.receipt import Refusal
from agreement_gen.signing.settings import SETTINGS_FILE, KeySource, SigningSettings

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

MINISTRY, DISTRICT = "ministry", "district"
OUTBOX = "outbox"  # OUT/YEAR/outbox/SLUG.pdf: signed here, to mail to the other party (or to `receive`)


class KeepMetadataWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves /Info and the XMP packet as we wrote them.

    pyHanko re-serialises the XMP on every save (ModDate), in a form PDF/A validators read
    differently; a signature does not need it, and our trace properties stay exactly as built.
    """

    def _update_meta(self) -> None:
        pass


@dataclass
class Job:
    """One document to sign, checked and read."""

    agreement: Agreement
    field_name: str  # the signature field this run signs
    source: Path
    content: bytes
    target: Path
    notes: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    slug: str
    target: Path
    level: SignatureLevel | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def outbox_path(paths: Paths, year: int, slug: str) -> Path:
    return paths.year_out(year) / OUTBOX / f"{slug}.pdf"


def field_of(party: str, slug: str) -> str:
    return MINISTRY_FIELD if party == MINISTRY else district_field(slug)


def _fields(content: bytes) -> dict[str, str | None]:
    """Every signature field of the file → the common name of whoever signed it, or None while it is empty."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    fields: dict[str, str | None] = {name: None for name, _value, _ref in enumerate_sig_fields(reader)}
    for signature in reader.embedded_signatures:
        fields[signature.field_name] = _common_name(signature.signer_cert)
    return fields


def _examine(paths: Paths, plan: YearPlan, agreement: Agreement, party: str) -> Job:
    # The copy kept when it was sent (tracked), not build/'s: make clean or a new generator change nothing.
    built, _meta = sent_record.sent_paths(paths.counties, agreement.year, agreement.slug)
    target = outbox_path(paths, agreement.year, agreement.slug)
    if not built.is_file():
        raise Refusal(
            _(
                "{slug} has not been sent for signature ({built} is missing): "
                "send it first with `agreement-gen send {slug} --year {year}`"
            ).format(slug=agreement.slug, built=built, year=agreement.year)
        )
    sent = built.read_bytes()
    source, content = built, sent
    if target.is_file():
        kept = target.read_bytes()
        if first_revision(kept) == sent:  # the outbox copy carries the other party's signature of this build
            source, content = target, kept
    first = first_revision(content)
    trace = revision_trace(first)
    if trace is None or trace.district != agreement.slug or trace.year != agreement.year:
        raise Refusal(
            _("{source} is not agreement-gen's document of {slug} {year}").format(
                source=source, slug=agreement.slug, year=agreement.year
            )
        )
    if trace.stage != Status.FOR_SIGNATURE:
        raise Refusal(
            _("{source} is a '{stage}' print, not the version for signature").format(source=source, stage=trace.stage)
        )
    job = Job(agreement, field_of(party, agreement.slug), source, content, target)
    try:
        sent_record.check_sent(paths, plan, agreement, first, signed=False)
    except Refusal as exc:  # its sentence has the file as subject
        raise Refusal(f"{source} {exc}") from exc
    fields = _fields(content)
    if job.field_name not in fields:
        raise Refusal(_("{source} has no signature field {field}").format(source=source, field=job.field_name))
    if fields[job.field_name] is not None:
        raise Refusal(
            _("{source}: {field} is already signed (by {signer}); nothing to sign").format(
                source=source, field=job.field_name, signer=fields[job.field_name]
            )
        )
    return job


def prepare_jobs(paths: Paths, plan: YearPlan, party: str, only: Iterable[str] | None) -> list[Job]:
    """Every document to sign, all checked; InputError lists every refusal and nothing is signed."""
    problems: list[Problem] = []
    by_slug = {agreement.slug: agreement for agreement in plan.agreements}
    if only is not None:
        chosen = []
        for slug in only:
            agreement = by_slug.get(slug)
            if agreement is None:
                problems.append(
                    Problem(
                        None,
                        None,
                        "--only",
                        _("{year} has no district '{slug}'").format(year=plan.fiscal_year.year, slug=slug),
                    )
                )
            elif agreement.data.status is not Status.FOR_SIGNATURE:
                problems.append(
                    Problem(
                        agreement.sources[-1],
                        None,
                        "status",
                        _("is '{status}', not 'for_signature'").format(status=agreement.data.status),
                    )
                )
            else:
                chosen.append(agreement)
    else:
        chosen = [a for a in plan.agreements if a.data.status is Status.FOR_SIGNATURE]
        if not chosen:
            problems.append(
                Problem(
                    None,
                    None,
                    None,
                    _("no agreement of {year} is out for signature").format(year=plan.fiscal_year.year),
                )
            )
    jobs = []
    for agreement in chosen:
        try:
            jobs.append(_examine(paths, plan, agreement, party))
        except SignatureProblem as exc:  # each sentence names the file (which names the district)
            problems.append(Problem(None, None, None, str(exc)))
    if problems:
        raise InputError(problems)
    return jobs


def _common_name(certificate: object) -> str:
    subject = certificate.subject  # type: ignore[attr-defined]
    name = subject.native.get("common_name")
    return str(name[0] if isinstance(name, list) else name or subject.human_friendly).strip()


def _normalised(name: str) -> str:
    return " ".join(name.split()).casefold()


def expected_signer(party: str, agreement: Agreement) -> tuple[str | None, str | None]:
    """The name and title the data gives for the party's signatory."""
    if party == MINISTRY:
        minister = agreement.fiscal_year.ministry.minister
        return minister.name, minister.title
    return agreement.data.signatory.name, agreement.data.signatory.title


def signer_problem(key: OpenKey, party: str, agreement: Agreement, roots: list[Any], counties: Path) -> str | None:
    """Why this certificate may not sign the party's field, or None.

    The same rules as `receive` judges by (signing/parties.py): the certificate belongs to the
    field's party, its holder is the signatory the data names (the year file's minister, the
    district's signatory), and it chains to a trusted root.
    """
    from agreement_gen.signing import parties

    if party == MINISTRY:
        belongs = parties.ministry_signer_problem(key.certificate, counties)
    else:
        belongs = parties.district_signer_problem(key.certificate, agreement.district, counties)
    if belongs:
        return belongs
    name = _common_name(key.certificate)
    wanted, _title = expected_signer(party, agreement)
    if wanted is None or _normalised(name) != _normalised(wanted):
        if party == MINISTRY:
            text = _("the certificate of {key} is issued to '{name}', not to the year file's minister '{wanted}'")
        else:
            text = _("the certificate of {key} is issued to '{name}', not to {slug}'s signatory '{wanted}'")
        return text.format(key=key.described, name=name, wanted=wanted, slug=agreement.slug)
    return _chain_problem(key, roots)


def _chain_problem(key: OpenKey, roots: list[Any]) -> str | None:
    import asyncio

    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    if not roots:
        return _("no trusted root certificate in counties/trust/ or --trust to check {key} against").format(
            key=key.described
        )
    intermediates = list(key.signer.cert_registry)
    context = ValidationContext(trust_roots=roots, other_certs=intermediates, allow_fetching=False)
    validator = CertificateValidator(key.certificate, validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))  # type: ignore[no-untyped-call]
    except (PathBuildingError, PathValidationError) as exc:
        subject = key.certificate.subject.human_friendly  # type: ignore[attr-defined]
        return _("the certificate of {key} ({subject}) is not trusted: {reason}").format(
            key=key.described, subject=subject, reason=exc
        )
    return None


def _validation_context(roots: list[Any], intermediates: list[Any]) -> ValidationContext:
    from pyhanko_certvalidator import ValidationContext

    # the OCSP responder's clock may run a little ahead of ours: an answer "from the future" by seconds is fine
    return ValidationContext(
        trust_roots=roots, other_certs=intermediates, allow_fetching=True, time_tolerance=dt.timedelta(minutes=1)
    )


def _appearance(party: str, agreement: Agreement, signer_name: str, when: dt.datetime) -> str:
    wanted, title = expected_signer(party, agreement)
    if wanted is None or _normalised(wanted) != _normalised(signer_name):
        title = None  # a deputy: their own name, without the office the data names
    if party == MINISTRY:
        pattern = agreement.data.ministry_signature.date_pattern or agreement.fiscal_year.ministry.date_pattern
    else:
        pattern = agreement.data.signatory.date_pattern
    return signature_text(signer_name, title, german_date(when.astimezone(LOCAL_TIME).date(), pattern))


def sign_document(
    job: Job, party: str, key: OpenKey, settings: SigningSettings, roots: list[Any], when: dt.datetime | None = None
) -> Outcome:
    """Sign one document; the signed file replaces the outbox copy atomically, or nothing is written."""
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    outcome = Outcome(job.agreement.slug, job.target, notes=list(job.notes))
    now = when or dt.datetime.now(dt.UTC)
    text = _appearance(party, job.agreement, _common_name(key.certificate), now)
    url = settings.timestamp.url
    timestamper = HTTPTimeStamper(str(url), timeout=10) if url else None
    intermediates = list(key.signer.cert_registry)

    def attempt(with_validation_data: bool) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=job.field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=with_validation_data,
            validation_context=_validation_context(roots, intermediates) if with_validation_data else None,
            # the validation data goes into the signature's own revision: one revision per signature, as
            # `receive` expects, and no second save that would rewrite the metadata
            dss_settings=DSSContentSettings(
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
            ),
        )
        signer = signers.PdfSigner(
            meta, key.signer, timestamper=timestamper, stamp_style=SignatureAppearance(text=text)
        )
        out = io.BytesIO()
        signer.sign_pdf(KeepMetadataWriter(io.BytesIO(job.content)), output=out)
        return out.getvalue()

    want_validation = bool(timestamper and settings.timestamp.validation_data and roots)
    try:
        try:
            signed = attempt(want_validation)
        except (SigningError, ValueError, OSError) as exc:
            if not want_validation or isinstance(exc, TimestampRequestError):
                raise
            # no OCSP/CRL answer for the chain: the signature still stands, at a lower level
            outcome.notes.append(_("validation data not embedded ({reason})").format(reason=exc))
            signed = attempt(False)
    except TimestampRequestError as exc:
        outcome.error = _("the time-stamping service {url} did not answer ({reason}); not signed").format(
            url=url, reason=exc
        )
        return outcome
    except AppearanceError as exc:
        outcome.error = _("{reason}; not signed").format(reason=exc)
        return outcome
    except (SigningError, ValueError, OSError) as exc:
        outcome.error = _("signing failed ({reason}); not signed").format(reason=exc)
        return outcome
    if first_revision(signed) != first_revision(job.content):
        outcome.error = _("signing would have changed the document's first revision; not written")
        return outcome
    try:
        atomic_write(job.target, signed)
    except OSError as exc:
        outcome.error = _("cannot write {file}: {reason}").format(file=job.target, reason=describe_os_error(exc))
        return outcome
    levels = {level.field: level for level in signature_levels(signed)}
    outcome.level = levels.get(job.field_name)
    return outcome


def key_source(settings: SigningSettings, party: str, pkcs12: Path | None, counties: Path) -> KeySource:
    if pkcs12 is not None:
        return KeySource(pkcs12=pkcs12.resolve())
    source = settings.ministry if party == MINISTRY else settings.district
    if source is None:
        raise InputError(
            [
                Problem(
                    counties / SETTINGS_FILE,
                    None,
                    party,
                    (
                        _(
                            "no key configured for the ministry's signature: give 'ministry: pkcs11: …' or "
                            "'ministry: pkcs12: FILE' there, or --pkcs12 FILE"
                        )
                        if party == MINISTRY
                        else _(
                            "no key configured for the district's signature: give 'district: pkcs11: …' or "
                            "'district: pkcs12: FILE' there, or --pkcs12 FILE"
                        )
                    ),
                )
            ]
        )
    return source


class SignerRefused(AgreementGenError):
    """The certificate may not sign this field; nothing was signed."""


def sign_batch(
    paths: Paths,
    plan: YearPlan,
    jobs: list[Job],
    party: str,
    source: KeySource,
    settings: SigningSettings,
    trust: Iterable[Path],
    report: Callable[[Outcome], None],
    secret: Callable[[str], str] = ask_secret,
) -> list[Outcome]:
    """Open the key once, check its certificate for every document, then sign each one in turn."""
    roots = trust_roots(paths.counties, trust)
    outcomes = []
    with open_key(source, paths.counties, secret) as key:
        problems = [p for job in jobs if (p := signer_problem(key, party, job.agreement, roots, paths.counties))]
        if problems:
            raise SignerRefused(_("{reason}; nothing was signed").format(reason=problems[0]))
        for job in jobs:
            outcome = sign_document(job, party, key, settings, roots)
            report(outcome)
            outcomes.append(outcome)
    return outcomes
