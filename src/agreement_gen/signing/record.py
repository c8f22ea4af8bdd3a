"""The year's tracked record of what was sent for signature, and of the text that was signed.

`agreement-gen send` keeps, under counties/YEAR/sent/ (tracked in git, unlike build/):

- SLUG.pdf: the exact bytes that went out; the first revision of a signed copy must hash to them;
- SLUG.json: when (`sent_at`, UTC), the PDF's SHA-256, the generator and the inputs it was built
  from, and the document's **text** (the for_signature rendering, read back with text.py, one
  normalised paragraph per line) with its named **facts** (budget, projects, signatory, the
  year file's clauses).

A district signed without being sent through agreement-gen (Darmstadt-Dieburg 2025, entered by
hand) has a record of its signed text instead: counties/YEAR/signed/SLUG.json, same form, no PDF.

Changes are judged by the text, not by file bytes: a comment or a reformatted YAML file renders
the same text and is no change; a budget, project, signatory, clause or template wording that
alters the text is, and each is named with its old and new value (`text_changes`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write
from agreement_gen.signing.receive.receipt import Refusal

SENT_DIR = "sent"  # counties/YEAR/sent/: what went out for signature
ARCHIVE_DIR = "archive"  # counties/YEAR/archive/: withdrawn or taken-back records, never deleted
SIGNED_TEXT_DIR = "signed"  # counties/YEAR/signed/SLUG.json: the signed text of a hand-entered signing
FORMAT: Final = 1
EURO_SUFFIX = " Euro"
LONG = 80  # characters: a value longer than this is named by its changed words


def utc_now() -> dt.datetime:
    """The clock `send` records; one function, so a test can set the day a document went out."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class RecordFile(BaseModel):
    """SLUG.json as written; unknown fields are refused (a hand edit must not pass unnoticed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = FORMAT
    kind: Literal["sent", "signed"]
    slug: str
    year: int
    sent_at: dt.datetime  # kind "signed": when the record of the signed text was made
    pdf: Annotated[str, Field(pattern=r"^sent/[a-z0-9-]+\.pdf$")] | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    generator: str
    fingerprint: str | None = None  # the PDF's InputsSHA256 trace
    inputs: dict[str, str]
    facts: dict[str, str]
    text: list[str]

    @model_validator(mode="after")
    def _sent_has_its_pdf(self) -> RecordFile:
        # without them a record of a sent document cannot be checked against the copy that comes back
        if self.kind == "sent" and (self.pdf is None or self.sha256 is None):
            raise ValueError("a record of kind 'sent' needs pdf and sha256")
        return self


class _TextFields(TypedDict):
    """The fields of a TextRecord, as read from its file (SentRecord adds its own)."""

    slug: str
    year: int
    kind: str
    sent_at: dt.datetime
    generator: str
    inputs: dict[str, str]
    facts: dict[str, str]
    text: tuple[str, ...]
    meta: Path


@dataclass(frozen=True)
class TextRecord:
    """What a district's agreement said when it was sent (or, entered by hand, when it was signed)."""

    slug: str
    year: int
    kind: str  # "sent" or "signed"
    sent_at: dt.datetime
    generator: str
    inputs: dict[str, str]
    facts: dict[str, str]
    text: tuple[str, ...]
    meta: Path  # the .json file

    @property
    def since(self) -> str:
        day = self.sent_at.date().isoformat()
        return (_("sent on {day}") if self.kind == "sent" else _("signed on {day}")).format(day=day)


@dataclass(frozen=True)
class SentRecord(TextRecord):
    """A document sent for signature: its exact bytes are kept as `pdf`."""

    sha256: str = ""
    fingerprint: str | None = None
    pdf: Path = Path()


@dataclass(frozen=True)
class Change:
    """One named difference between the text recorded and the text the data gives now."""

    field: str
    old: str
    new: str
    since: str

    def __str__(self) -> str:
        old, new = self.old, self.new
        if old.endswith(EURO_SUFFIX) and new.endswith(EURO_SUFFIX):
            old, new = old.removesuffix(EURO_SUFFIX), new
        else:
            old, new = _quoted(old), _quoted(new)
        return _("{field} {old} → {new} since {since}").format(field=self.field, old=old, new=new, since=self.since)


def _quoted(value: str, limit: int = 100) -> str:
    if not value:
        return _("(none)")
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"'{value}'"


# --- where the files are ----------------------------------------------------------------------------------------


def sent_paths(counties: Path, year: int, slug: str) -> tuple[Path, Path]:
    """(SLUG.pdf, SLUG.json) under counties/YEAR/sent/."""
    folder = counties / str(year) / SENT_DIR
    return folder / f"{slug}.pdf", folder / f"{slug}.json"


def signed_text_path(counties: Path, year: int, slug: str) -> Path:
    return counties / str(year) / SIGNED_TEXT_DIR / f"{slug}.json"


def record_files(counties: Path, year: int) -> list[Path]:
    """Every file of the year's record: what was sent, what came back, what was archived; and the trust roots."""
    found: list[Path] = []
    for name in (SENT_DIR, SIGNED_TEXT_DIR, ARCHIVE_DIR):
        folder = counties / str(year) / name
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    trust = counties / "trust"
    if trust.is_dir():
        found += sorted(p for p in trust.iterdir() if p.is_file())
    return found


# --- reading ----------------------------------------------------------------------------------------------------


def _read(meta: Path) -> RecordFile | None:
    try:
        raw = meta.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Refusal(_("the record {file} cannot be read ({reason})").format(file=meta, reason=exc.strerror)) from exc
    try:
        return RecordFile.model_validate_json(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or _("the file")
        raise Refusal(
            _("the record {file} is damaged ({field}: {reason}); restore it from git").format(
                file=meta, field=where, reason=error["msg"]
            )
        ) from exc


def _text_record(counties: Path, meta: Path, raw: RecordFile) -> TextRecord:
    common: _TextFields = {
        "slug": raw.slug,
        "year": raw.year,
        "kind": raw.kind,
        "sent_at": raw.sent_at.astimezone(dt.UTC),
        "generator": raw.generator,
        "inputs": dict(raw.inputs),
        "facts": dict(raw.facts),
        "text": tuple(raw.text),
        "meta": meta,
    }
    if raw.kind == "sent":
        # RecordFile refuses a record of kind "sent" without them
        assert raw.pdf is not None and raw.sha256 is not None
        return SentRecord(
            **common, sha256=raw.sha256, fingerprint=raw.fingerprint, pdf=counties / str(raw.year) / raw.pdf
        )
    return TextRecord(**common)


def load_sent(counties: Path, year: int, slug: str) -> SentRecord | None:
    """The record of the document sent to `slug` in `year`, or None; Refusal when it is damaged."""
    _pdf, meta = sent_paths(counties, year, slug)
    raw = _read(meta)
    if raw is None:
        return None
    if raw.kind != "sent" or raw.slug != slug or raw.year != year or raw.pdf is None or raw.sha256 is None:
        raise Refusal(
            _("the record {file} is not the record of {slug} {year} sent for signature; restore it from git").format(
                file=meta, slug=slug, year=year
            )
        )
    record = _text_record(counties, meta, raw)
    assert isinstance(record, SentRecord)
    return record


def sent_at(counties: Path, year: int, slug: str) -> dt.datetime | None:
    """When the document of `slug` was sent for signature (the judgement's earliest signing time), if recorded."""
    record = load_sent(counties, year, slug)
    return record.sent_at if record is not None else None


def load_reference(counties: Path, year: int, slug: str) -> TextRecord | None:
    """The text a district's agreement must keep: its signed text if recorded by hand, else what was sent."""
    meta = signed_text_path(counties, year, slug)
    raw = _read(meta)
    if raw is not None:
        if raw.kind != "signed" or raw.slug != slug or raw.year != year:
            raise Refusal(
                _("the record {file} is not the signed text of {slug} {year}; restore it from git").format(
                    file=meta, slug=slug, year=year
                )
            )
        return _text_record(counties, meta, raw)
    return load_sent(counties, year, slug)


def archived_records(counties: Path, year: int, slug: str) -> list[SentRecord]:
    """Records of documents once sent to `slug` and withdrawn since (counties/YEAR/archive/), oldest first."""
    folder = counties / str(year) / ARCHIVE_DIR
    found = []
    for meta in sorted(folder.glob(f"{slug}-sent-*.json")):
        try:
            raw = _read(meta)
        except Refusal:
            continue
        if raw is not None and raw.kind == "sent" and raw.sha256:
            found.append(
                SentRecord(
                    slug=raw.slug,
                    year=raw.year,
                    kind="sent",
                    sent_at=raw.sent_at,
                    generator=raw.generator,
                    inputs=dict(raw.inputs),
                    facts=dict(raw.facts),
                    text=tuple(raw.text),
                    meta=meta,
                    sha256=raw.sha256,
                    fingerprint=raw.fingerprint,
                    pdf=meta.with_suffix(".pdf"),
                )
            )
    return found


# --- the text and its facts -------------------------------------------------------------------------------------


def normalised_lines(docx: bytes) -> tuple[str, ...]:
    """The document's paragraphs (text.py), whitespace collapsed, empty ones dropped."""
    from agreement_gen.render.text import paragraphs

    return tuple(line for line in (" ".join(p.split()) for p in paragraphs(docx)) if line)


def rendered_text(agreement: Agreement, plan: YearPlan) -> tuple[str, ...]:
    """The text of the agreement as it would be sent for signature now (rendered in memory)."""
    from agreement_gen.render.renderer import TemplateRenderer

    return normalised_lines(TemplateRenderer(plan.template).render(agreement.at_stage(Status.FOR_SIGNATURE)))


def facts(agreement: Agreement) -> dict[str, str]:
    """The named values the text is made of, as printed: a change is named by these."""
    from agreement_gen.render.context import template_context

    context = template_context(agreement.at_stage(Status.FOR_SIGNATURE))
    data = agreement.data
    year = agreement.fiscal_year
    named = {
        "district": agreement.district.designation,
        "budget": context["budget"],
    }
    for number, title in year.massnahmenarten.items():
        named[f"projects {number}"] = " | ".join(data.projects.get(number, []))
        named[f"massnahmenarten.{number}"] = title
    named.update(
        {
            "signatory.name": data.signatory.name or "",
            "signatory.title": data.signatory.title,
            "signatory.place": data.signatory.place,
            "ministry.name": year.ministry.name,
            "ministry.minister.name": year.ministry.minister.name,
            "ministry.minister.title": year.ministry.minister.title,
            "grant_authority": year.grant_authority,
            "buendnis": year.buendnis,
            "migration_clause": year.migration_clause,
        }
    )
    return named


def text_changes(agreement: Agreement, plan: YearPlan, record: TextRecord) -> list[Change]:
    """What changed in the text since `record`, each named: no change when the text renders the same."""
    from agreement_gen.render.sections import line_sections

    now = rendered_text(agreement, plan)
    if now == record.text:
        return []
    current = facts(agreement)
    # A fact is named only when its old value is printed in the recorded text (the place of signing is not).
    changed = [
        (name, record.facts.get(name, ""), value)
        for name, value in current.items()
        if record.facts.get(name, "") != value and _printed(record.facts.get(name, ""), record.text, value, now)
    ]
    explained = [(old, new) for _name, old, new in changed]
    # A long clause is named by the words that changed in it, a short value whole.
    named = [
        Change(name, *(_changed_words(old, new) if max(len(old), len(new)) > LONG else (old, new)), record.since)
        for name, old, new in changed
    ]
    sections = line_sections(list(now))
    old_sections = line_sections(list(record.text))
    wording = []
    matcher = difflib.SequenceMatcher(None, record.text, now, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = " ".join(record.text[i1:i2]), " ".join(now[j1:j2])
        if any(_explains(o, n, old, new) for o, n in explained):
            continue
        where = sections[j1] if j1 < j2 else (old_sections[i1] if i1 < len(old_sections) else "")
        old, new = _changed_words(old, new)
        label = _("text of {section}").format(section=where) if where else _("text")
        wording.append(Change(label, old, new, record.since))
    return named + wording


def _changed_words(old: str, new: str, context: int = 3) -> tuple[str, str]:
    """The changed words of a paragraph with a few words around them ('… ermöglichen.' → '… ermöglichen. Neu.')."""
    a, b = old.split(), new.split()
    blocks = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not blocks:
        return old, new
    i1, j1 = max(blocks[0][1] - context, 0), max(blocks[0][3] - context, 0)
    i2, j2 = min(blocks[-1][2] + context, len(a)), min(blocks[-1][4] + context, len(b))

    def piece(words: list[str], start: int, end: int) -> str:
        text = " ".join(words[start:end])
        return ("… " if start > 0 else "") + text + (" …" if end < len(words) else "") if text else ""

    return piece(a, i1, i2), piece(b, j1, j2)


def _printed(old: str, old_text: tuple[str, ...], new: str, new_text: tuple[str, ...]) -> bool:
    """Whether a fact's value shows in the text at all (old in the old text, or new in the new)."""
    joined_old, joined_new = " ".join(old_text), " ".join(new_text)
    parts_old = [part for part in old.split(" | ") if part]
    parts_new = [part for part in new.split(" | ") if part]
    return any(" ".join(p.split()) in joined_old for p in parts_old) or any(
        " ".join(p.split()) in joined_new for p in parts_new
    )


def _explains(fact_old: str, fact_new: str, old: str, new: str) -> bool:
    """A changed stretch of text is explained by a fact when the fact's old or new value lies in it."""
    values = [part for value in (fact_old, fact_new) for part in value.split(" | ") if part]
    squeezed_old, squeezed_new = " ".join(old.split()), " ".join(new.split())
    return any(" ".join(v.split()) in squeezed_old or " ".join(v.split()) in squeezed_new for v in values)


# --- writing ----------------------------------------------------------------------------------------------------


def _dump(raw: RecordFile) -> bytes:
    data = raw.model_dump(mode="json", exclude_none=True)
    data["sent_at"] = raw.sent_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sent_record_bytes(
    agreement: Agreement, plan: YearPlan, pdf: bytes, sent_at: dt.datetime, fingerprint: str | None
) -> bytes:
    """The JSON record of sending `pdf` (the district's for_signature build) at `sent_at`."""
    from agreement_gen.build.manifest import generator_fingerprint, input_digests

    raw = RecordFile(
        kind="sent",
        slug=agreement.slug,
        year=agreement.year,
        sent_at=sent_at,
        pdf=f"{SENT_DIR}/{agreement.slug}.pdf",
        sha256=hashlib.sha256(pdf).hexdigest(),
        generator=generator_fingerprint(),
        fingerprint=fingerprint,
        inputs=input_digests(agreement, plan),
        facts=facts(agreement),
        text=list(rendered_text(agreement, plan)),
    )
    return _dump(raw)


def store_sent(
    paths: Paths,
    agreement: Agreement,
    plan: YearPlan,
    pdf: bytes,
    sent_at: dt.datetime | None = None,
    fingerprint: str | None = None,
) -> SentRecord:
    """Keep `pdf` as what went out to the district and write its record (PDF first, then the JSON)."""
    when = (sent_at or utc_now()).astimezone(dt.UTC)
    pdf_path, meta = sent_paths(paths.counties, agreement.year, agreement.slug)
    record = sent_record_bytes(agreement, plan, pdf, when, fingerprint)
    atomic_write(pdf_path, pdf)
    atomic_write(meta, record)
    loaded = load_sent(paths.counties, agreement.year, agreement.slug)
    assert loaded is not None
    return loaded


def store_signed_text(paths: Paths, agreement: Agreement, plan: YearPlan, at: dt.datetime | None = None) -> Path:
    """Record the text of an agreement signed outside agreement-gen (entered by hand) as signed/SLUG.json."""
    from agreement_gen.build.manifest import generator_fingerprint, input_digests

    raw = RecordFile(
        kind="signed",
        slug=agreement.slug,
        year=agreement.year,
        sent_at=(at or utc_now()).astimezone(dt.UTC),
        generator=generator_fingerprint(),
        inputs=input_digests(agreement, plan),
        facts=facts(agreement),
        text=list(rendered_text(agreement, plan)),
    )
    meta = signed_text_path(paths.counties, agreement.year, agreement.slug)
    atomic_write(meta, _dump(raw))
    return meta


# --- checking a returned document ---------------------------------------------------------------------------------


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_sent(
    paths: Paths, plan: YearPlan, agreement: Agreement, first_revision: bytes, *, signed: bool = True
) -> SentRecord:
    """The record of what was sent, if `first_revision` is that document and its text still holds.

    Raises Refusal with one sentence: no record, another district's document, a withdrawn version,
    changed before signing, not the document sent, or stale (each change named). `signed=False`
    words it for a document about to be signed (`agreement-gen sign`).
    """
    from agreement_gen.signing.receive.identify import revision_trace

    slug, year = agreement.slug, agreement.year
    record = load_sent(paths.counties, year, slug)
    digest = _sha256(first_revision)
    pdf_path, meta = sent_paths(paths.counties, year, slug)
    if record is None or record.sha256 != digest:
        for other in plan.agreements:
            if other.slug == slug:
                continue
            try:
                theirs = load_sent(paths.counties, year, other.slug)
            except Refusal:
                continue
            if theirs is not None and theirs.sha256 == digest:
                raise Refusal(
                    _("is the document sent to {other}, although its metadata names {slug}").format(
                        other=other.slug, slug=slug
                    )
                )
        withdrawn = next((r for r in archived_records(paths.counties, year, slug) if r.sha256 == digest), None)
        if withdrawn is not None:
            raise Refusal(
                _("is a version sent on {day} and withdrawn since ({file}); have the version sent now signed").format(
                    day=withdrawn.sent_at.date().isoformat(), file=withdrawn.meta
                )
            )
        if record is None:
            raise Refusal(
                _(
                    "is not a document we sent for signature: {folder} has no record of {slug} "
                    "(send it with `agreement-gen send {slug} --year {year}`)"
                ).format(folder=meta.parent, slug=slug, year=year)
            )
        trace = revision_trace(first_revision)
        if trace is not None and record.fingerprint and trace.fingerprint == record.fingerprint:
            raise Refusal(
                _(
                    "was changed before it was signed: its first revision is not byte for byte the document we sent "
                    "for signature ({file})"
                ).format(file=pdf_path)
            )
        raise Refusal(
            _(
                "is not the document recorded as sent to {slug} ({file}, sent on {day}): its first revision has "
                "other content"
            ).format(slug=slug, file=pdf_path, day=record.sent_at.date().isoformat())
        )
    changes = text_changes(agreement, plan, record)
    if changes and not signed:  # `sign`: before anyone signs it
        raise Refusal(
            _(
                "is stale: the text changed since it was sent: {changes}; send the current version "
                "(`agreement-gen withdraw {slug}`, then `send`), or restore the data"
            ).format(changes="; ".join(map(str, changes)), slug=slug)
        )
    if changes:
        raise Refusal(
            _(
                "was signed, but the text changed since it was sent: {changes}; have the current version signed "
                "(`agreement-gen withdraw {slug}`, then `send`), or restore the data"
            ).format(changes="; ".join(map(str, changes)), slug=slug)
        )
    return record


def changes_since_record(agreement: Agreement, plan: YearPlan) -> list[str]:
    """Each change of a sent or signed district's text since its record, for the build (a damaged record:
    its sentence, so the build stops there rather than print over it)."""
    counties = plan.year_file.parent.parent
    try:
        record = load_reference(counties, agreement.year, agreement.slug)
        return [str(change) for change in text_changes(agreement, plan, record)] if record else []
    except Refusal as exc:
        return [str(exc)]
