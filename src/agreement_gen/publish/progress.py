"""Where each district stands in the signing round: the overview a ministry clerk asks for.

Read only, from what is already there: the data (stage, and what the next stage lacks, by the
same rules a build applies – readiness.py), the year's record of what was sent (signing/record.py:
was it sent, and has its text changed since it was sent or signed), the `signed_copy` record or the
kept file (when it came back), the last bundle's SHA256SUMS (is it published), and git (are the
year's record files committed).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.data.readiness import BELOW_MINIMUM, REAL_FIGURES, readiness
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.i18n import N_, _
from agreement_gen.labels import route_label
from agreement_gen.pdf.conformance import recorded_conformance
from agreement_gen.publish.bundle import BUNDLE
from agreement_gen.publish.overview import SUMS, portal_file_name
from agreement_gen.signing.judgement.verdict import LOCAL_TIME
from agreement_gen.signing.receive import Refusal, signed_path
from agreement_gen.signing.record import load_reference, record_files, text_changes

# readiness items (readiness.py's keys) in the words of the signing round; another field is shown by its name
_SHORT = {
    "budget": N_("budget"),
    "signatory.name": N_("signatory"),
    "signatory.signed_on": N_("signatures"),
    "ministry_signature.signed_on": N_("signatures"),
    BELOW_MINIMUM: N_("budget below the plausible minimum"),
    REAL_FIGURES: N_("real figures (example data)"),
}


def short_missing(key: str) -> str:
    return _(_SHORT[key]) if key in _SHORT else key


@dataclass(frozen=True)
class DistrictProgress:
    slug: str
    designation: str
    stage: Status
    missing: tuple[str, ...]
    received: str  # "2025-08-11 (digital)", or "" while nothing came back (in the current language)
    published: bool
    conformance: str = ""  # what receive recorded of a digital copy's PDF/A-2b and PDF/UA-1 ("" if nothing)
    changes: tuple[str, ...] = ()  # the text's changes since it was sent or signed, each named


def _published_names(folder: Path) -> set[str]:
    try:
        lines = (folder / SUMS).read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.split("  ", 1)[1] for line in lines if "  " in line}


def _received(agreement: Agreement, counties: Path) -> str:
    copy = agreement.data.signed_copy
    if copy is not None:
        return f"{copy.received_on} ({route_label(copy.route)})"
    for scan in (False, True):  # a file kept without a record: its modification time is the best we know
        path = signed_path(counties, agreement.year, agreement.slug, scan=scan)
        if path.is_file():
            return _("{day} (file)").format(day=dt.datetime.fromtimestamp(path.stat().st_mtime, LOCAL_TIME).date())
    return _("entered by hand") if agreement.data.status is Status.SIGNED else ""


def changes_since(paths: Paths, plan: YearPlan, agreement: Agreement) -> list[str]:
    """For a district sent or signed: each change of its text since then (old → new), or why it cannot be told."""
    if agreement.data.status is Status.DRAFT:
        return []
    try:
        record = load_reference(paths.counties, agreement.year, agreement.slug)
    except Refusal as exc:
        return [str(exc)]
    if record is None:
        return []
    return [str(change) for change in text_changes(agreement, plan, record)]


def progress(paths: Paths, year: int | None) -> tuple[int, list[DistrictProgress]]:
    """The fiscal year and one line per district, in slug order."""
    plan = plan_year(paths, year)
    resolved = plan.fiscal_year.year
    out_dir = paths.year_out(resolved)
    published = _published_names(out_dir / BUNDLE)
    lines = []
    for agreement in plan.agreements:
        missing = [short_missing(key) for key in readiness(agreement).lacking]
        if agreement.data.status is Status.FOR_SIGNATURE:
            try:
                sent = load_reference(paths.counties, resolved, agreement.slug)
            except Refusal:
                sent = None
            if sent is None:
                missing.insert(0, _("not sent"))
        lines.append(
            DistrictProgress(
                slug=agreement.slug,
                designation=agreement.district.designation,
                stage=agreement.data.status,
                missing=tuple(dict.fromkeys(missing)),
                received=_received(agreement, paths.counties),
                published=portal_file_name(agreement) in published,
                conformance=recorded_conformance(agreement.data.signed_copy),
                changes=tuple(changes_since(paths, plan, agreement)),
            )
        )
    return resolved, lines


def _git(counties: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(counties), *args], capture_output=True, text=True, check=False)


def uncommitted(counties: Path, year: int) -> list[str]:
    """The year's record files (sent/, signed/, archive/, trust/) not committed in git as they are now.

    Empty when all are committed; one line saying so when counties/ is not in a git work tree.
    """
    files = record_files(counties, year)
    if not files:
        return []
    try:
        top = _git(counties, "rev-parse", "--show-toplevel")
    except OSError:
        return [_("git is not installed: cannot tell whether the year's record is committed")]
    if top.returncode != 0:
        return [
            _("{folder} is not in a git repository: the year's record ({count} files) is kept nowhere else").format(
                folder=counties, count=len(files)
            )
        ]
    root = Path(top.stdout.strip()).resolve()
    committed = set(_git(counties, "ls-tree", "-r", "--full-name", "--name-only", "HEAD").stdout.splitlines())
    changed = set(_git(counties, "diff", "--name-only", "HEAD", "--", ".").stdout.splitlines())
    found = []
    for path in files:
        name = path.resolve().relative_to(root).as_posix()
        if name not in committed:
            found.append(_("{file} (not committed)").format(file=name))
        elif name in changed:
            found.append(_("{file} (changed since the last commit)").format(file=name))
    return found


def unconfirmed(paths: Paths, year: int) -> list[str]:
    """The year file's clauses copied by new-year and not yet confirmed for `year`."""
    return list(plan_year(paths, year).fiscal_year.to_confirm)
