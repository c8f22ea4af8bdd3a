"""Helpers for the signing round's tests: sending at a fixed time, the year's record files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

from agreement_gen.cli import run
from agreement_gen.data.paths import Paths

from .helpers import folder_args

# The day the round's documents went out: before the signing times the tests sign at (August 2025).
SENT_AT = dt.datetime(2025, 7, 30, 8, 0, tzinfo=dt.UTC)


def send_at(paths: Paths, *args: str, when: dt.datetime = SENT_AT) -> int:
    """`agreement-gen send ARGS…` as if run at `when` (the record keeps that as `sent_at`)."""
    with mock.patch("agreement_gen.signing.record.utc_now", lambda: when):
        return run(["send", *folder_args(paths, "send"), *args])


def sent_files(paths: Paths, year: int, slug: str) -> tuple[Path, Path]:
    """The year's record of what was sent to `slug`: (SLUG.pdf, SLUG.json)."""
    folder = paths.counties / str(year) / "sent"
    return folder / f"{slug}.pdf", folder / f"{slug}.json"


def record_sent(paths: Paths, slug: str, year: int = 2025, when: dt.datetime = SENT_AT) -> Path:
    """Record `slug` as sent at `when` without LibreOffice: the record's text and facts are the real
    for_signature rendering; its PDF stands in for the built one (tests of the text, not of the bytes)."""
    from agreement_gen.data.plan import plan_year
    from agreement_gen.signing.record import store_sent

    plan = plan_year(paths, year)
    agreement = next(a for a in plan.agreements if a.slug == slug)
    pdf = f"%PDF-1.7\n% stands in for the for_signature PDF of {slug} {year}\n".encode()
    return store_sent(paths, agreement, plan, pdf, when).meta


def make_real(counties: Path, slug: str = "landkreis-kassel", name: str = "Andreas Siebert") -> None:
    """Test data only: a district of the repository's example data given real figures and a signatory (still a draft)."""
    path = counties / "2025" / f"{slug}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "source: example" in text and "  title: " in text
    text = text.replace("source: example", "source: Haushaltsplan 2025 (Testfall)", 1)
    path.write_text(text.replace("  title: ", f"  name: {name}\n  title: ", 1), encoding="utf-8")


def git(root: Path, *args: str) -> str:
    """git in `root` with a fixed identity (the clerk's repository of the data)."""
    import subprocess

    identity = ["-c", "user.name=Sachbearbeitung", "-c", "user.email=aqb@example.org"]
    done = subprocess.run(["git", "-C", str(root), *identity, *args], capture_output=True, text=True, check=True)
    return done.stdout
