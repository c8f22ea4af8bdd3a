"""Same inputs, same bytes: the timestamps every output carries, fixed instead of "now".

The time is $SOURCE_DATE_EPOCH when set (the reproducible-builds convention), otherwise derived
from the data: a signed agreement is dated by its last signature, any other by 1 January of
its fiscal year. A DOCX is a zip whose entries carry a modification time each; they get this
time too.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

from agreement_gen.data.models import Status
from agreement_gen.data.structure import Agreement

ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the earliest time a zip entry can carry


def build_timestamp(agreement: Agreement) -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    data = agreement.data
    days = [d for d in (data.signatory.signed_on, data.ministry_signature.signed_on) if d]
    day = max(days) if agreement.status is Status.SIGNED and days else dt.date(agreement.year, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def normalize_zip(content: bytes, when: dt.datetime) -> bytes:
    """The same zip with every entry stamped `when`, in the same order, with fixed attributes."""
    stamp = max(when, ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine built it
            target.writestr(info, source.read(entry.filename), compresslevel=6)
    return out.getvalue()
