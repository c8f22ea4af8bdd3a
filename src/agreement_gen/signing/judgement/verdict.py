"""What the judgement hands back: each party's signature as read and checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from agreement_gen.i18n import _

# Signing times are recorded as the date in Hesse: a signature at 23:30 UTC on 1 August is one of 2 August.
LOCAL_TIME = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Signature:
    """One party's signature."""

    field: str
    signer: str  # the certificate's common name (or its whole subject when it has none)
    subject: str
    signed_at: dt.datetime
    trusted: bool  # the certificate chains to a trusted root
    timestamped_by: str | None  # the trusted TSA whose token gives signed_at; None: the signer's own claim
    revision: int  # 1 = the first revision after ours
    fingerprint: str  # SHA-256 of the certificate
    deputy: str | None = None  # the signer, accepted with --deputy in place of the person the data names

    @property
    def day(self) -> dt.date:
        return self.signed_at.astimezone(LOCAL_TIME).date()

    @property
    def time_source(self) -> str:
        if self.timestamped_by:
            return _("timestamp by {timestamped_by}").format(timestamped_by=self.timestamped_by)
        return _("the signer's own claim (no trusted timestamp)")


@dataclass(frozen=True)
class SignedParties:
    ministry: Signature
    district: Signature

    @property
    def in_order(self) -> tuple[Signature, Signature]:
        """The two signatures in the order they were made (revision order)."""
        return tuple(sorted((self.ministry, self.district), key=lambda s: s.revision))  # type: ignore[return-value]
