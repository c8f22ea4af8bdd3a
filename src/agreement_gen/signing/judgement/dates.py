"""When each party signed: from a timestamp whose TSA is trusted, else the signer's own claim, within the window.

The window: after the document was built for signature (`sent_at`, when known) and not after the day
it was received; and the two signatures' times in the order of their revisions.
"""

from __future__ import annotations

import datetime as dt

from agreement_gen.i18n import _
from agreement_gen.signing.judgement.crypto import Checked
from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.judgement.verdict import LOCAL_TIME


def signing_time(checked: Checked) -> tuple[dt.datetime, str | None]:
    """The time a signature counts as made, and the TSA that vouches for it (None: the signer's claim)."""
    if checked.timestamp_at is not None:
        return checked.timestamp_at, checked.timestamp_by
    if checked.claimed_at is None:
        raise SignatureProblem(_("the signature in {field} does not say when it was made").format(field=checked.field))
    return checked.claimed_at, None


def _source(by: str | None) -> str:
    return _("its timestamp (by {tsa})").format(tsa=by) if by else _("its signer's own claim")


def window_problem(
    field: str, at: dt.datetime, by: str | None, sent_at: dt.datetime | None, received_on: dt.date
) -> str | None:
    day = at.astimezone(LOCAL_TIME).date()
    if sent_at is not None and at < sent_at:
        return _(
            "the signature in {field} was made on {day} by {source}, before the document was built "
            "for signature on {date}"
        ).format(field=field, day=day, source=_source(by), date=sent_at.astimezone(LOCAL_TIME).date())
    if day > received_on:
        return _(
            "the signature in {field} was made on {day} by {source}, after the day it was received ({received_on})"
        ).format(field=field, day=day, source=_source(by), received_on=received_on)
    return None


def order_problem(first: tuple[str, dt.datetime], second: tuple[str, dt.datetime]) -> str | None:
    """The later revision's signature cannot be older than the earlier one's."""
    if second[1] < first[1]:
        return _(
            "the signature in {second} says it was made on {second2:%Y-%m-%d %H:%M}, before the one "
            "in {first} ({first2:%Y-%m-%d %H:%M}) that it was added after"
        ).format(second=second[0], second2=second[1], first=first[0], first2=first[1])
    return None
