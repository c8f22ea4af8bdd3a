"""Templates belong to years, and a year with a sent or signed agreement has a closed template.

Once the first agreement of a year goes out for signature (or is signed), every agreement of that
year must keep the wording it was sent with. The build that makes that first `for_signature` or
`signed` document keeps the template as it was: `counties/YEAR/closed-template.docx`, committed with
the year's data. From then on `check` and `build` compare the year's template with it, as text (what
`textconv` reads: body, headers, footers, text boxes, tags as typed, fields as fields), so saving it
again in Word or LibreOffice is no change, and a changed word is an error naming the agreements sent
or signed and how to change the wording for next year instead (`agreement-gen new-year`).

A year counts as sent or signed when a district's data says `status: for_signature` or `signed`, or
the signing round keeps a record of a document sent for signature (`counties/YEAR/sent/`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from agreement_gen.data.load import YEAR_FILE, available_years, read_yaml
from agreement_gen.data.structure import YearPlan
from agreement_gen.errors import Problem
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write
from agreement_gen.render.changes import Change

RECORD = "closed-template.docx"
SENT_DIR = "sent"  # the signing round's record of what went out (issue 11)
CLOSING_STATUSES = ("for_signature", "signed")


@dataclass(frozen=True)
class Closure:
    """Why a year's template is closed: the agreements out for signature or signed, by slug → status."""

    year: int
    record: Path
    agreements: dict[str, str]

    def described(self) -> str:
        """'darmstadt-dieburg is signed', 'fulda and 2 more are out for signature or signed'."""
        words = {"for_signature": _("out for signature"), "signed": _("signed"), "sent": _("sent for signature")}
        items = sorted(self.agreements.items())
        if len(items) == 1:
            slug, status = items[0]
            return _("{slug} is {status}").format(slug=slug, status=words[status])
        shown = ", ".join(f"{slug} ({words[status]})" for slug, status in items[:5])
        return shown + (_(" and {count} more").format(count=len(items) - 5) if len(items) > 5 else "")


def counties_of(plan: YearPlan) -> Path:
    return plan.year_file.parent.parent


def closure(plan: YearPlan) -> Closure | None:
    """The year's sent or signed agreements (all of the year, whatever `--only` chose), or None if none."""
    year_dir = plan.year_file.parent
    agreements: dict[str, str] = {}
    for path in sorted(year_dir.glob("*.yaml")):
        if path.name == YEAR_FILE:
            continue
        doc, _problems = read_yaml(path)  # problems are validate's business; a broken file closes nothing
        status = doc.data.get("status") if doc is not None else None
        if status in CLOSING_STATUSES:
            agreements[path.stem] = str(status)
    sent = year_dir / SENT_DIR
    if sent.is_dir():
        for path in sorted(sent.iterdir()):
            slug = path.name.split(".", 1)[0]
            if slug and not slug.startswith(".") and slug not in agreements:
                agreements[slug] = "sent"
    if not agreements:
        return None
    return Closure(plan.fiscal_year.year, year_dir / RECORD, agreements)


def template_lines(path: Path) -> list[str]:
    """The template as the text we compare (tags as typed, fields as fields, every header and box)."""
    from agreement_gen.render.text import lines as document_lines

    return document_lines(path)


def closed_template_problems(plan: YearPlan) -> list[Problem]:
    """One problem if the year is closed and its template's text differs from the kept one, else none."""
    closed = closure(plan)
    if closed is None or not closed.record.is_file():
        return []
    kept, now = template_lines(closed.record), template_lines(plan.template)
    if kept == now:
        return []
    return [Problem(plan.template, None, None, _message(plan, closed, kept, now))]


def _message(plan: YearPlan, closed: Closure, kept: list[str], now: list[str]) -> str:
    year = closed.year
    changes = _changes(kept, now)
    return _(
        "the template of {year} is closed – {why} – and its text was changed since ({changes}); every agreement "
        "of {year} keeps the wording that went out. Undo the change (the closed template is kept as {record}; "
        "copy it back over {template}), and make it for the next fiscal year instead: {advice}"
    ).format(
        year=year,
        why=closed.described(),
        changes=changes,
        record=closed.record,
        template=plan.template,
        advice=_next_year_advice(plan, year),
    )


def _next_year_advice(plan: YearPlan, year: int) -> str:
    counties = counties_of(plan)
    if year + 1 in available_years(counties):
        doc, _problems = read_yaml(counties / str(year + 1) / YEAR_FILE)
        name = doc.data.get("template") if doc is not None else None
        if name and name != plan.template.name:
            return _("{year} has its own template, {template}; edit that one").format(
                year=year + 1, template=plan.template.parent / str(name)
            )
        return _("give {year} a template of its own (`template:` in counties/{year}/{file})").format(
            year=year + 1, file=YEAR_FILE
        )
    return _(
        "`agreement-gen new-year {year}` gives {year} its data and its own copy of the template "
        "(templates/zielvereinbarung-{year}.docx)"
    ).format(year=year + 1)


def _changes(kept: list[str], now: list[str], limit: int = 3) -> str:
    """The changed lines in a few words: "'im Herbst' → 'im Frühjahr'", "added '…'"."""
    found = []
    matcher = difflib.SequenceMatcher(None, kept, now, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            found.append(Change("", tuple(kept[i1:i2]), tuple(now[j1:j2])).summary)
    shown = "; ".join(found[:limit])
    return shown + (_("; and {count} more").format(count=len(found) - limit) if len(found) > limit else "")


def closed_now_note(year: int, record: Path) -> str:
    """What `build` says when it has just closed a year's template."""
    return _(
        "{year}'s template is now closed (an agreement is sent or signed): kept as {record} – commit it with the "
        "data; change next year's wording with `new-year`"
    ).format(year=year, record=record)


def record_closure(plan: YearPlan) -> Path | None:
    """Keep the template as the year's closed template, if the year is closed and none is kept yet.

    Called by the build that makes the year's first `for_signature` or `signed` document (and by
    anything else that sends one). Returns the record's path when it was written now.
    """
    closed = closure(plan)
    if closed is None or closed.record.exists():
        return None
    atomic_write(closed.record, plan.template.read_bytes())
    return closed.record
