"""The build, top to bottom: load → validate → skip what is current → render → convert → publish.

Everything is produced in a staging folder inside the output folder first, the new manifest
included; only documents whose every format succeeded are moved into place, each file by an
atomic rename, and the manifest is moved last. A failed or interrupted build therefore leaves the
previous good outputs exactly as they were, and the next build picks up where this one stopped.
A build holds OUT/YEAR's lock throughout (lock.py): a second one waits for it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agreement_gen.build.builders.base import FORMATS, Builder, BuildProgress, Format, Item
from agreement_gen.build.lock import STAGING_PREFIX, year_lock
from agreement_gen.build.manifest import MANIFEST, Manifest, OutputRecord, fingerprint, input_digests, sha256_file
from agreement_gen.data.models import SLUG_PATTERN, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.errors import InputError, OutputError, Problem
from agreement_gen.i18n import _
from agreement_gen.output import describe_os_error


@dataclass
class BuildReport:
    year: int
    out_dir: Path
    closed_template: Path | None = None  # kept now: this build made the year's first sent or signed document
    built: list[Item] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    up_to_date: list[Agreement] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # sent districts: their text's changes since

    @property
    def ok(self) -> bool:
        return not self.failed


def builders_for(plan: YearPlan, formats: set[Format], count: int) -> list[Builder]:
    """The builders for the requested formats, in order (the PDF is converted from the DOCX), for `count`
    documents.

    LibreOffice is started first, so that its start-up (a second) runs from here on, beside the
    imports, the gate and the rendering. The builders are imported here, not at the top: a build
    with nothing to do never loads docxtpl or pikepdf.
    """
    from agreement_gen.build.libreoffice import LibreOfficeConverter

    converter = LibreOfficeConverter(expected=count) if Format.PDF in formats else None
    try:
        from agreement_gen.build.builders.docx import DocxBuilder
        from agreement_gen.build.builders.pdf import PdfBuilder

        builders: list[Builder] = [DocxBuilder(plan.template)]
        if converter is not None:
            builders.append(PdfBuilder(converter))
    except BaseException:
        if converter is not None:
            converter.close(abort=True)
        raise
    return builders


def _output_record(path: Path) -> OutputRecord:
    pages = None
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(path.read_bytes())).pages)
    return OutputRecord(file=path.name, sha256=sha256_file(path), size=path.stat().st_size, pages=pages)


def _template_gate(plan: YearPlan) -> Path | None:
    """What `check` refuses never builds (exit 2, nothing written), nor a changed closed template; only run
    when something is to be built. The year's first sent or signed document closes its template (closing.py)."""
    from agreement_gen.lint.closing import record_closure
    from agreement_gen.lint.gate import template_gate

    template_gate(plan)
    return record_closure(plan)


# What the signing round knows of a sent or signed district: each change of its text since it was
# sent or signed (empty: none). The round is a later stage, so the build's caller passes it in
# (signing.record.changes_since_record).
ChangesSince = Callable[[Agreement, YearPlan], list[str]]


def _changes_since_record(plan: YearPlan, agreements: list[Agreement], since: ChangesSince) -> dict[str, list[str]]:
    """Each change of a sent or signed district's text since its record; refuses to print a signed one changed.

    A `signed` print whose text differs from what was signed would show terms nobody signed: InputError.
    """
    changed: dict[str, list[str]] = {}
    problems = []
    for agreement in agreements:
        if agreement.data.status is Status.DRAFT and agreement.status is not Status.SIGNED:
            continue
        changes = since(agreement, plan)
        if not changes:
            continue
        if agreement.status is Status.SIGNED:
            problems.append(
                Problem(
                    agreement.sources[-1],
                    None,
                    None,
                    _(
                        "{slug} would be printed as signed, but its text differs from what was signed: {changes}; "
                        "restore the data (or take the signing back with `agreement-gen unreceive {slug}`)"
                    ).format(slug=agreement.slug, changes="; ".join(changes)),
                )
            )
        else:
            changed[agreement.slug] = changes
    if problems:
        raise InputError(problems)
    return changed


def build(
    paths: Paths,
    year: int | None = None,
    only: Iterable[str] | None = None,
    stage: Status | None = None,
    formats: Iterable[Format] = FORMATS,
    force: bool = False,
    *,
    changes_since: ChangesSince,
    progress: BuildProgress | None = None,
) -> BuildReport:
    """Build the year's documents; `changes_since` is the signing round's view of sent and signed ones."""
    plan = plan_year(paths, year, only, stage)
    wanted = set(formats)
    out_dir = paths.year_out(plan.fiscal_year.year)
    report = BuildReport(year=plan.fiscal_year.year, out_dir=out_dir)
    for agreement in plan.agreements:  # outputs are named after slugs: never a path (validated; checked again)
        if not re.fullmatch(SLUG_PATTERN, agreement.slug):
            message = _("'{slug}' is not a valid slug").format(slug=agreement.slug)
            raise InputError([Problem(agreement.sources[0], None, "slug", message)])
    # One build per output folder; it also clears what a killed build left (see lock.py).
    with year_lock(out_dir, report.year):
        return _build_locked(plan, out_dir, report, wanted, force, changes_since, progress or BuildProgress())


def _build_locked(
    plan: YearPlan,
    out_dir: Path,
    report: BuildReport,
    wanted: set[Format],
    force: bool,
    changes_since: ChangesSince,
    progress: BuildProgress,
) -> BuildReport:
    manifest = Manifest.load(out_dir, report.year)
    hashed: dict[Path, str] = {}
    prints, inputs = {}, {}
    for agreement in plan.agreements:
        inputs[agreement.slug] = input_digests(agreement, plan, hashed)
        prints[agreement.slug] = fingerprint(agreement, inputs[agreement.slug], wanted)
    stale = []
    for agreement in plan.agreements:
        if not force and manifest.is_current(agreement.slug, prints[agreement.slug], out_dir, wanted):
            report.up_to_date.append(agreement)
        else:
            stale.append(agreement)
    if not stale:
        return report
    items = [Item(agreement, fingerprint=prints[agreement.slug]) for agreement in stale]
    builders: list[Builder] = []
    staging: Path | None = None
    aborted, moved = True, False
    try:  # from here on the builders are closed and the staging folder goes, whatever happens
        builders = builders_for(plan, wanted, len(items))  # LibreOffice starts up during the gate and rendering
        report.closed_template = _template_gate(plan)
        report.changed = _changes_since_record(plan, stale, changes_since)
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        except OSError as exc:
            message = _("cannot write to {folder}: {reason}; nothing was written")
            raise OutputError(message.format(folder=out_dir, reason=describe_os_error(exc)), 2) from exc
        progress.start(report.year, len(items), len(builders))
        for builder in builders:
            builder.build([item for item in items if item.ok], staging, progress)
        done = [item for item in items if item.ok]
        report.failed.extend(item for item in items if not item.ok)
        for item in done:
            outputs = {str(fmt): _output_record(path) for fmt, path in item.staged.items()}
            manifest.record(item.agreement, prints[item.agreement.slug], inputs[item.agreement.slug], outputs)
        # Every byte is written before anything moves: a full disk stops the build with nothing changed.
        manifest.save(staging)
        moved = True
        for item in done:
            for path in item.staged.values():
                os.replace(path, out_dir / path.name)
            item.staged = {fmt: out_dir / path.name for fmt, path in item.staged.items()}
            report.built.append(item)
        os.replace(staging / MANIFEST, out_dir / MANIFEST)
        aborted = False
    except InterruptedError:
        raise
    except OSError as exc:
        if moved:
            message = _(
                "the build stopped: {reason}; documents moved in so far are complete, and the next build redoes them "
                "(the manifest was not updated)"
            )
        else:
            message = _("the build stopped: {reason}; nothing in {folder} was changed")
        raise OutputError(message.format(reason=describe_os_error(exc), folder=out_dir)) from exc
    finally:
        progress.finish()
        for builder in builders:
            builder.close(abort=aborted)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return report
