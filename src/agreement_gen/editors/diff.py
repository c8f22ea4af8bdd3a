"""What changed: every district's agreement, as text, before and after an edit – grouped by change.

An editor who changes one sentence of the template changes 26 legal documents. This module
renders every agreement of two versions (the working tree and a git revision, or two fiscal
years) in memory – no LibreOffice, about a second for all – and compares their text
(`text.lines`: properties, headers, body with its text boxes, footnotes, footers).

The same edit shows in every district with different words around it ("des Landkreises Fulda",
"der Stadt Kassel"). Before changes are grouped, each district's case forms are replaced by
placeholders (‹district.genitive›), so one edit to the wording reads as one change of
26 districts, and a change of one district's data stays its own.
"""

from __future__ import annotations

import difflib
import html
import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agreement_gen.data.grammar import capfirst
from agreement_gen.data.load import available_years
from agreement_gen.data.paths import Paths
from agreement_gen.errors import AgreementGenError, InputError, Problem
from agreement_gen.i18n import _
from agreement_gen.render.changes import Change, quote, unmarked
from agreement_gen.render.sections import (
    line_sections,
)


@dataclass(frozen=True)
class Version:
    """One side of the comparison: where its data and template are, and which fiscal year."""

    label: str  # "HEAD", "working tree" (translated), "2025"
    label_de: str  # the same for the HTML report: "HEAD", "Arbeitskopie", "2025"
    paths: Paths
    year: int


@dataclass(frozen=True)
class Rendered:
    """One agreement as lines of text, with what is district-specific in them."""

    slug: str
    name: str
    lines: tuple[str, ...]
    forms: tuple[tuple[str, str], ...]  # (text, placeholder), longest text first


@dataclass
class Group:
    """The same change in several districts."""

    change: Change
    slugs: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    old: Version
    new: Version
    districts: int  # agreements compared (present on both sides)
    groups: list[Group]
    changed: list[str]  # slugs whose text differs
    added: list[str]  # only in the new version
    removed: list[str]  # only in the old version
    names: dict[str, str]  # slug → designation
    notes: list[str] = field(default_factory=list)  # e.g. the edited template belongs to a closed year

    @property
    def unchanged(self) -> bool:
        return not (self.groups or self.added or self.removed)


# --- rendering both sides ----------------------------------------------------------------------


# Values that differ from district to district besides the name's case forms, as the template names them.
DISTRICT_VALUES = (
    ("district", "seat"),
    ("district", "ags"),
    ("budget",),
    ("signatures", "district", "name"),
    ("signatures", "district", "title"),
    ("signatures", "district", "place"),
    ("signatures", "district", "date"),
    ("signatures", "ministry", "date"),
)
MIN_VALUE_LENGTH = 3  # shorter values ('N.') would replace pieces of words


def _forms(context: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Each district-dependent text of one agreement → its placeholder, longest text first."""
    district = context["district"]
    pairs: dict[str, str] = {}
    for key in ("nominative", "genitive", "dative", "accusative"):
        pairs.setdefault(district[key], f"‹district.{key}›")
        pairs.setdefault(capfirst(district[key]), f"‹district.{key}|capfirst›")
    pairs.setdefault(district["name"], "‹district.name›")
    for path in DISTRICT_VALUES:
        value: object = context
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and len(value.strip()) >= MIN_VALUE_LENGTH:
            pairs.setdefault(value, f"‹{'.'.join(path)}›")
    return tuple(sorted(pairs.items(), key=lambda item: -len(item[0])))


def render_version(
    version: Version, only: Iterable[str] | None = None, notes: list[str] | None = None
) -> dict[str, Rendered]:
    """Every agreement of the version, rendered in memory and read back as lines. With `notes` (the edited
    side), only if the template check finds no error – what `check` refuses is no change to show – and a
    changed closed template is noted there (diff shows the change; build refuses it)."""
    from agreement_gen.data.plan import plan_year
    from agreement_gen.lint.closing import closed_template_problems
    from agreement_gen.lint.gate import template_gate
    from agreement_gen.render.context import template_context
    from agreement_gen.render.renderer import TemplateRenderer
    from agreement_gen.render.text import lines as document_lines

    plan = plan_year(version.paths, version.year, only)
    if notes is not None:
        template_gate(plan, closed=False)
        notes += [f"{plan.template}: {problem.message}" for problem in closed_template_problems(plan)]
    renderer = TemplateRenderer(plan.template)
    rendered = {}
    for agreement in plan.agreements:
        lines = tuple(document_lines(renderer.render(agreement)))
        rendered[agreement.slug] = Rendered(
            agreement.slug, agreement.district.designation, lines, _forms(template_context(agreement))
        )
    return rendered


# --- comparing ---------------------------------------------------------------------------------


def normalise(line: str, forms: Iterable[tuple[str, str]]) -> str:
    """District-dependent text → placeholders, whole words only ('Kassel' not inside 'Kasseler')."""
    for text, placeholder in forms:
        if text in line:
            line = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", placeholder, line)
    return line


def changes(old: Rendered, new: Rendered) -> list[Change]:
    """The changed stretches between two renderings of one district, in document order."""
    # Only what both sides share becomes a placeholder: a changed budget or name stays visible as it is.
    shared = set(old.forms)
    forms = tuple(pair for pair in new.forms if pair in shared)
    sections_new = line_sections(list(new.lines))
    sections_old = line_sections(list(old.lines))
    matcher = difflib.SequenceMatcher(None, old.lines, new.lines, autojunk=False)
    result = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Paragraphs edited one for one are separate changes: each may be shared by other districts.
        stretches = (
            [(i, i + 1, j1 + (i - i1), j1 + (i - i1) + 1) for i in range(i1, i2)]
            if tag == "replace" and i2 - i1 == j2 - j1
            else [(i1, i2, j1, j2)]
        )
        for a1, a2, b1, b2 in stretches:
            section = sections_new[b1] if b1 < b2 else (sections_old[a1] if a1 < len(sections_old) else "")
            result.append(
                Change(
                    section,
                    tuple(normalise(line, forms) for line in old.lines[a1:a2]),
                    tuple(normalise(line, forms) for line in new.lines[b1:b2]),
                    # where a removed stretch stood: a moved paragraph names both places
                    sections_old[a1] if a1 < a2 and b1 == b2 else "",
                )
            )
    return _moves(result)


def _moves(found: list[Change]) -> list[Change]:
    """A stretch removed in one place and added unchanged in another is one change: moved."""
    removed = [c for c in found if c.old and not c.new and any(line.strip() for line in c.old)]
    result = []
    for change in found:
        if change.new and not change.old:
            twin = next((r for r in removed if r.old == change.new), None)
            if twin is not None:
                removed = [r for r in removed if r is not twin]
                result.append(Change(change.section, change.new, change.new, twin.moved_from or twin.section))
                continue
        result.append(change)
    left = {id(r) for r in removed}  # removals no addition took: still removals
    kept = [c for c in result if c.new or not c.old or id(c) in left]
    return [replace(c, moved_from="") if not c.new else c for c in kept]


def compare(
    old: dict[str, Rendered],
    new: dict[str, Rendered],
    old_version: Version,
    new_version: Version,
    notes: list[str] | None = None,
) -> Comparison:
    groups: dict[tuple[tuple[object, ...], int], Group] = {}
    changed = []
    common = sorted(set(old) & set(new))
    for slug in common:
        found = changes(old[slug], new[slug])
        if found:
            changed.append(slug)
        seen: dict[tuple[object, ...], int] = {}
        for change in found:
            seen[change.key] = seen.get(change.key, 0) + 1
            key = (change.key, seen[change.key])  # the same edit twice in one document is two changes
            groups.setdefault(key, Group(change)).slugs.append(slug)
    names = {r.slug: r.name for r in (*old.values(), *new.values())}
    return Comparison(
        old_version,
        new_version,
        len(common),
        list(groups.values()),
        changed,
        sorted(set(new) - set(old)),
        sorted(set(old) - set(new)),
        names,
        list(notes or []),
    )


# --- the versions: working tree, a git revision, another year -----------------------------------


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise AgreementGenError(_("git is not installed; compare two years with --year and --against instead")) from exc


@contextmanager
def revision(paths: Paths, rev: str) -> Iterator[Paths]:
    """counties/ and templates/ as they were in git revision `rev`, in a temporary folder."""
    folders = {"counties": paths.counties.resolve(), "templates": paths.templates.resolve()}
    with tempfile.TemporaryDirectory(prefix="agreement-gen-diff-") as tmp:
        result = {}
        for name, folder in folders.items():
            anchor = folder if folder.is_dir() else folder.parent
            top = _git(["rev-parse", "--show-toplevel"], anchor)
            if top.returncode != 0:
                raise AgreementGenError(
                    _(
                        "{folder} is not in a git repository; compare two years with --year and --against instead"
                    ).format(folder=folder)
                )
            root = Path(top.stdout.decode().strip()).resolve()
            if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).returncode != 0:
                raise AgreementGenError(_("git does not know the revision '{rev}'").format(rev=rev))
            relative = folder.relative_to(root).as_posix()
            archive = _git(["archive", "--format=tar", rev, "--", relative], root)
            if archive.returncode != 0:
                raise AgreementGenError(
                    _("'{folder}' does not exist in revision {rev}").format(folder=relative, rev=rev)
                )
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(Path(tmp) / name, filter="data")
            result[name] = Path(tmp) / name / relative
        yield Paths(counties=result["counties"], templates=result["templates"], out=paths.out)


def _in_revision(error: InputError, snapshot: Paths, paths: Paths, rev: str) -> InputError:
    """Problems of the old version name its files as git does ('HEAD:counties/2025/fulda.yaml')."""

    def rename(problem: Problem) -> Problem:
        if problem.file is None:
            return problem
        for temp, real in ((snapshot.counties, paths.counties), (snapshot.templates, paths.templates)):
            if problem.file.is_relative_to(temp):
                return replace(problem, file=Path(f"{rev}:{real / problem.file.relative_to(temp)}"))
        return problem

    return InputError(rename(p) for p in error.problems)


def run_diff(
    paths: Paths, year: int | None, rev: str | None, against: int | None, only: Iterable[str] | None = None
) -> Comparison:
    """Compare the working tree with `rev` (default HEAD), or year `year` with year `against`."""
    year = paths.resolve_year(year)
    notes: list[str] = []
    if against is None:
        new_version = Version(_("working tree"), "Arbeitskopie", paths, year)
    else:
        new_version = Version(str(year), str(year), paths, year)
    if rev is None and against is not None:
        old_version = Version(str(against), str(against), paths, paths.resolve_year(against))
        new = render_version(new_version, only, notes)
        return compare(render_version(old_version, only), new, old_version, new_version, notes)
    rev = rev or "HEAD"
    new = render_version(new_version, only, notes)  # the edited side first: its errors stop the diff
    old_year = against if against is not None else year
    with revision(paths, rev) as snapshot:
        if old_year not in available_years(snapshot.counties):
            have = ", ".join(map(str, available_years(snapshot.counties))) or _("none")
            raise AgreementGenError(
                _(
                    "{rev} has no data for {year} (it has: {years}); to compare two years use --year and --against"
                ).format(rev=rev, year=old_year, years=have)
            )
        label = rev if against is None else f"{against} ({rev})"
        old_version = Version(label, label, snapshot, old_year)
        try:
            old = render_version(old_version, only)
        except InputError as exc:
            raise _in_revision(exc, snapshot, paths, rev) from exc
    return compare(old, new, old_version, new_version, notes)


# --- the HTML report ---------------------------------------------------------------------------

_STYLE = """
body { font-family: "Liberation Sans", Arial, sans-serif; color: #1a1a1a; }
body { margin: 2em auto; padding: 0 2em; max-width: 75em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.1em; margin: 2em 0 0.2em; }
p.districts { color: #555; margin: 0 0 0.6em; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.diff th { background: #eee; text-align: left; padding: 0.3em 0.6em; }
table.diff td { vertical-align: top; padding: 0.4em 0.6em; border-top: 1px solid #ddd; line-height: 1.45; }
del { background: #ffd0d0; } ins { background: #c8f0c8; text-decoration: none; }
"""


def _side_by_side(old: tuple[str, ...], new: tuple[str, ...], old_label: str, new_label: str) -> str:
    """Old and new paragraphs next to each other; removed words struck through, added ones marked."""
    rows = []
    if len(old) == len(new):
        for before, after in zip(old, new, strict=True):
            a, b = before.split(" "), after.split(" ")
            left, right = [], []
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
                removed, added = html.escape(" ".join(a[i1:i2])), html.escape(" ".join(b[j1:j2]))
                if tag == "equal":
                    left.append(removed)
                    right.append(added)
                    continue
                if removed:
                    left.append(f"<del>{removed}</del>")
                if added:
                    right.append(f"<ins>{added}</ins>")
            rows.append((" ".join(left), " ".join(right)))
    else:
        rows.append(
            (
                "<br>".join(f"<del>{html.escape(line)}</del>" for line in old),
                "<br>".join(f"<ins>{html.escape(line)}</ins>" for line in new),
            )
        )
    body = "".join(f"<tr><td>{left}</td><td>{right}</td></tr>" for left, right in rows)
    head = f"<tr><th>{html.escape(old_label)}</th><th>{html.escape(new_label)}</th></tr>"
    return f'<table class="diff"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _moved(change: Change) -> str:
    """A paragraph moved unchanged: where it was, where it is, and its text once."""
    text = "<br>".join(html.escape(unmarked(line)) for line in change.new)
    return (
        f'<p class="moved">unverändert verschoben: {html.escape(change.moved_from)} → '
        f"{html.escape(change.section)}</p><blockquote>{text}</blockquote>"
    )


def html_report(comparison: Comparison) -> str:
    """A side-by-side page of every change, in German, for a browser (UTF-8, lang="de")."""
    old, new = comparison.old, comparison.new
    year = new.year if old.year == new.year else f"{old.year} → {new.year}"
    title = f"Änderungen an den Zielvereinbarungen {year}"
    compared = f"Vergleich: {html.escape(old.label_de)} → {html.escape(new.label_de)}"
    if comparison.unchanged:
        summary = f"{compared} · Keine Änderungen in den {comparison.districts} Vereinbarungen."
    else:
        summary = f"{compared} · {len(comparison.changed)} von {comparison.districts} Vereinbarungen ändern sich."
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>{summary}</p>"]
    for group in comparison.groups:
        change = group.change
        what = (
            f"verschoben aus {change.moved_from}: {quote(' '.join(map(unmarked, change.new)))}"
            if change.moved_from
            else change.summary
        )
        heading = f"{_districts_de(len(group.slugs))}: {change.section} {what}"
        names = (
            "alle"
            if len(group.slugs) == comparison.districts > 1
            else ", ".join(comparison.names.get(s, s) for s in group.slugs)
        )
        body += [
            f"<h2>{html.escape(heading)}</h2>",
            f'<p class="districts">{html.escape(names)}</p>',
            _moved(change) if change.moved_from else _side_by_side(change.old, change.new, old.label_de, new.label_de),
        ]
    for label, slugs in (("Neu", comparison.added), ("Entfallen", comparison.removed)):
        if slugs:
            listed = ", ".join(comparison.names.get(s, s) for s in slugs)
            body.append(f"<h2>{label}</h2><p>{html.escape(listed)}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _districts_de(count: int) -> str:
    return "1 Kreis/Stadt" if count == 1 else f"{count} Kreise und Städte"
