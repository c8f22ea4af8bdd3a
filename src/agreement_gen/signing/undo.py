"""Taking a step of the signing round back: `withdraw` (a document sent) and `unreceive` (a receive).

Nothing of the year's record is deleted: what is taken back is moved to counties/YEAR/archive/
under a name that says what it was and when (`fulda-sent-20261120T091500Z.pdf`,
`fulda-signed-2026-12-01-1a2b3c4d.pdf`), so `receive` can still tell a withdrawn version when
it comes back signed. Each step checks everything first, then moves the files and rewrites the
year file (yamledit, comments and order kept, atomically); a failure moves the files back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from agreement_gen.data import yamledit
from agreement_gen.data.models import DistrictYear, SigningRoute, Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.structure import Agreement
from agreement_gen.errors import InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write_all
from agreement_gen.signing.receive.receipt import Refusal, sha256_hex, signed_path
from agreement_gen.signing.record import ARCHIVE_DIR, load_sent, sent_paths

NONE = "(none)"  # a value removed; shown translated


@dataclass
class Undone:
    """What one district's undo changes: the year file's values (old → new) and the files moved."""

    slug: str
    data_file: Path
    text: str = ""
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # (from, to)


def _archive(counties: Path, year: int, name: str) -> Path:
    return counties / str(year) / ARCHIVE_DIR / name


def _free(path: Path) -> Path:
    """`path`, or with -2, -3 … when an earlier undo left a file of that name (never overwrite the archive)."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def _checked_text(data: CommentedMap, path: Path) -> str:
    text = yamledit.dump(data)
    try:
        DistrictYear.model_validate(yamledit.load(text))
    except (YAMLError, ValueError) as exc:
        raise Refusal(_("cannot be written back to {file}: {reason}").format(file=path, reason=exc)) from exc
    return text


def _load(path: Path) -> CommentedMap:
    try:
        return yamledit.load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, ValueError) as exc:
        raise Refusal(_("cannot read {file}: {reason}").format(file=path, reason=exc)) from exc


def _withdrawal(paths: Paths, agreement: Agreement) -> Undone:
    data_file = agreement.sources[-1]
    status = agreement.data.status
    record = load_sent(paths.counties, agreement.year, agreement.slug)
    if status is Status.SIGNED:
        raise Refusal(
            _(
                "is signed: a signed agreement is not withdrawn; take the receive back first "
                "(`agreement-gen unreceive {slug}`)"
            ).format(slug=agreement.slug)
        )
    if record is None:
        missing = sent_paths(paths.counties, agreement.year, agreement.slug)[1]
        raise Refusal(_("was not sent: {file} does not exist").format(file=missing))
    undone = Undone(agreement.slug, data_file)
    stamp = record.sent_at.strftime("%Y%m%dT%H%M%SZ")
    pdf, meta = sent_paths(paths.counties, agreement.year, agreement.slug)
    target = _free(_archive(paths.counties, agreement.year, f"{agreement.slug}-sent-{stamp}.json"))
    if pdf.exists():
        undone.moves.append((pdf, target.with_suffix(".pdf")))
    undone.moves.append((meta, target))
    data = _load(data_file)
    if status is Status.FOR_SIGNATURE:
        data["status"] = str(Status.DRAFT)
        undone.values.append(("status", str(status), str(Status.DRAFT)))
    undone.text = _checked_text(data, data_file)
    return undone


def _unreceipt(paths: Paths, agreement: Agreement) -> Undone:
    data_file = agreement.sources[-1]
    copy = agreement.data.signed_copy
    if agreement.data.status is not Status.SIGNED:
        raise Refusal(
            _("is not recorded as signed (its data says '{status}'): nothing to take back").format(
                status=agreement.data.status
            )
        )
    if copy is None:
        raise Refusal(
            _("was set to signed by hand, not by `receive` (no signed_copy in {file}): edit the data instead").format(
                file=data_file
            )
        )
    undone = Undone(agreement.slug, data_file)
    data = _load(data_file)
    data["status"] = str(Status.FOR_SIGNATURE)
    undone.values.append(("status", str(Status.SIGNED), str(Status.FOR_SIGNATURE)))
    signatory = data.get("signatory")
    if isinstance(signatory, CommentedMap) and "signed_on" in signatory:
        undone.values.append(("signatory.signed_on", str(signatory.pop("signed_on")), NONE))
    ministry = data.get("ministry_signature")
    if isinstance(ministry, CommentedMap) and "signed_on" in ministry:
        undone.values.append(("ministry_signature.signed_on", str(ministry.pop("signed_on")), NONE))
        if not ministry:
            data.pop("ministry_signature")
    data.pop("signed_copy", None)
    received = _("{route}, received {day}").format(route=copy.route, day=copy.received_on)
    undone.values.append(("signed_copy", received, NONE))
    undone.text = _checked_text(data, data_file)
    kept = paths.counties / str(agreement.year) / copy.file if copy.file else None
    if kept is None and copy.route is SigningRoute.DIGITAL:
        kept = signed_path(paths.counties, agreement.year, agreement.slug)
    if kept is not None and kept.is_file():
        label = f"{copy.received_on}-{sha256_hex(kept.read_bytes())[:8]}"
        scan = "-scan" if kept.stem.endswith("-scan") else ""
        target = _free(_archive(paths.counties, agreement.year, f"{agreement.slug}-signed{scan}-{label}.pdf"))
        undone.moves.append((kept, target))
    return undone


def _apply(items: Sequence[Undone]) -> None:
    """Move the files, then write the year files; a failure moves every file back."""
    moved: list[tuple[Path, Path]] = []
    try:
        for item in items:
            for source, target in item.moves:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
                moved.append((source, target))
        atomic_write_all({item.data_file: item.text for item in items})
    except BaseException:
        for source, target in reversed(moved):
            os.replace(target, source)
        raise


def _run(
    paths: Paths, year: int | None, slugs: Sequence[str], examine: Callable[[Paths, Agreement], Undone]
) -> list[Undone]:
    plan = plan_year(paths, year, only=slugs)
    items, problems = [], []
    for agreement in plan.agreements:
        try:
            items.append(examine(paths, agreement))
        except Refusal as exc:
            problems.append(Problem(agreement.sources[-1], None, None, f"{agreement.slug}: {exc}"))
    if problems:
        raise InputError(problems)
    _apply(items)
    return items


def withdraw(paths: Paths, year: int | None, slugs: Sequence[str]) -> list[Undone]:
    """Take documents sent for signature back: status draft again, their record moved to the archive."""
    return _run(paths, year, slugs, _withdrawal)


def unreceive(paths: Paths, year: int | None, slugs: Sequence[str]) -> list[Undone]:
    """Take a `receive` back: the data as before it (for_signature), the kept signed copy moved to the archive."""
    return _run(paths, year, slugs, _unreceipt)
