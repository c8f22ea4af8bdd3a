"""What a round of `receive` produces and refuses with, and where the signed copies are kept."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from agreement_gen.data.models import SigningRoute
from agreement_gen.data.structure import Agreement
from agreement_gen.i18n import _
from agreement_gen.labels import route_label
from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.judgement.verdict import LOCAL_TIME

SIGNED_DIR = "signed"  # counties/YEAR/signed/: the signed copies as they came back


class Refusal(SignatureProblem):
    """This file (or paper record) is not taken; the message says why in one sentence."""


@dataclass
class Receipt:
    """One district's signed agreement: taken back now, or found taken already."""

    slug: str
    year: int
    route: SigningRoute
    ministry_on: dt.date
    district_on: dt.date
    data_file: Path
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


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def already_signed(agreement: Agreement) -> str:
    copy = agreement.data.signed_copy
    if copy is None:
        return _("by hand, without a received copy")
    return _("{route}, received {day}").format(route=route_label(copy.route), day=copy.received_on)
