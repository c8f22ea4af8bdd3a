"""The archival form of a signed agreement: PAdES B-LTA, next to the copy exactly as received.

One incremental update after the last signature adds what a validator needs in decades, when the
CAs and their OCSP services are gone: every certificate and OCSP/CRL answer for both signatures
and their timestamps (/DSS), then a document timestamp from the configured TSA over all of it.
The received file stays byte for byte as it came (it is the first part of the archival copy), and
the XMP and /Info are not touched. Renewing is another document timestamp before this one's
certificate expires.

The copy stays PDF/A-2b. Its document timestamp's invisible widget is not in the structure tree
(PDF/UA-1 7.18): adding it there would change the tagged structure after both signatures, which
signature validators rightly treat as a change to the signed document. The archival copy is for
the archive; readers get the file exactly as received, which is what `publish` publishes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agreement_gen.data.paths import Paths
from agreement_gen.errors import AgreementGenError
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write

if TYPE_CHECKING:
    from agreement_gen.signing.receive import Receipt

ARCHIVE_SUFFIX = "-lta"  # counties/YEAR/signed/SLUG-lta.pdf next to SLUG.pdf
ARCHIVE_FIELD = "Archivzeitstempel"  # the document timestamp's (invisible) field


class ArchiveProblem(AgreementGenError):
    """The archival copy could not be made (TSA or OCSP unreachable); the received copy is unaffected."""


def archival_copy(content: bytes, roots: list[Any], tsa_url: str) -> bytes:
    """`content` + one revision: validation data for every signature, then a document timestamp (B-LTA)."""
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    try:
        # one event loop for all of it: the validation context's HTTP session belongs to the loop that opened it
        return asyncio.run(_archival_copy(content, roots, tsa_url))
    except (TimestampRequestError, SigningError, PathBuildingError, PathValidationError, OSError, ValueError) as exc:
        raise ArchiveProblem(_("no archival copy (PAdES B-LTA) made: {reason}").format(reason=exc)) from exc


async def _archival_copy(content: bytes, roots: list[Any], tsa_url: str) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.signers.pdf_signer import TimestampDSSContentSettings
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation import DocumentSecurityStore, collect_validation_info
    from pyhanko_certvalidator import ValidationContext

    from agreement_gen.signing.sign import KeepMetadataWriter

    context = ValidationContext(
        trust_roots=roots, allow_fetching=True, revocation_mode="hard-fail", time_tolerance=dt.timedelta(minutes=1)
    )
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    paths = []
    for signature in reader.embedded_signatures:
        paths += await collect_validation_info(signature, context)
    writer = KeepMetadataWriter(io.BytesIO(content))
    DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths, validation_context=context)
    out = io.BytesIO()
    stamper = PdfTimeStamper(HTTPTimeStamper(tsa_url, timeout=10), field_name=ARCHIVE_FIELD)
    await stamper.async_timestamp_pdf(
        writer,
        "sha256",
        validation_context=context,
        output=out,
        # the TSA's own validation data in the same revision: one update, then nothing
        dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
    )
    return out.getvalue()


def archive_path(kept: Path) -> Path:
    """counties/YEAR/signed/SLUG.pdf → counties/YEAR/signed/SLUG-lta.pdf."""
    return kept.with_name(f"{kept.stem}{ARCHIVE_SUFFIX}{kept.suffix}")


def add_archival_copies(paths: Paths, receipts: Iterable[Receipt], trust: Iterable[Path] = ()) -> None:
    """For each copy just received digitally, its B-LTA form next to it, when a TSA is configured.

    The received copy is already kept and recorded; an archival copy that cannot be made (TSA or
    OCSP unreachable) is a note on the receipt, and `receive` can be run again later.
    """
    from agreement_gen.data.models import SigningRoute
    from agreement_gen.signing.judgement import trust_roots
    from agreement_gen.signing.settings import load_settings

    url = load_settings(paths.counties).timestamp.url
    if url is None:
        return
    roots = trust_roots(paths.counties, trust)
    for receipt in receipts:
        if receipt.route is not SigningRoute.DIGITAL or receipt.stored is None or not receipt.stored.is_file():
            continue
        target = archive_path(receipt.stored)
        if target.is_file() and target.read_bytes().startswith(receipt.stored.read_bytes()):
            continue  # received again: its archival copy is there
        try:
            atomic_write(target, archival_copy(receipt.stored.read_bytes(), roots, str(url)))
        except ArchiveProblem as exc:
            receipt.notes.append(str(exc))
            continue
        receipt.notes.append(_("archival copy (PAdES B-LTA) → {file}").format(file=target))
