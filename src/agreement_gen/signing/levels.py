"""Which PAdES baseline level each signature of a file reaches, read from the file itself.

- B-B: a signature, nothing more. Valid while its certificate is; afterwards nobody can prove when it was made.
- B-T: plus an RFC 3161 timestamp on the signature: proves it existed before the certificate expired.
- B-LT: plus the certificates and revocation answers (OCSP/CRL) in the file's /DSS: checkable without
  asking anyone, after the CA is gone.
- B-LTA: plus a document timestamp over all of it, renewable before its own certificate expires.

This module only reads what is there; whether the parts are valid is pyHanko's validator's job.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from agreement_gen.i18n import _


@dataclass(frozen=True)
class SignatureLevel:
    field: str
    level: str  # "B-B", "B-T", "B-LT" or "B-LTA"
    timestamp: dt.datetime | None  # the signature timestamp's time (B-T and above)
    validation_data: bool  # a /DSS with certificates and OCSP or CRL answers was added after the signature

    def describe(self) -> str:
        """'PAdES B-T, timestamp 2025-03-01T10:00:00+00:00, no validation data embedded', in the current language."""
        if self.timestamp is None:
            said = (
                _("PAdES {level}, validation data embedded")
                if self.validation_data
                else _("PAdES {level}, no validation data embedded")
            )
        else:
            said = (
                _("PAdES {level}, timestamp {when}, validation data embedded")
                if self.validation_data
                else _("PAdES {level}, timestamp {when}, no validation data embedded")
            )
        when = self.timestamp.isoformat(timespec="seconds") if self.timestamp is not None else ""
        return said.format(level=self.level, when=when)


def _timestamp_of(signature: object) -> dt.datetime | None:
    from asn1crypto import cms, tsp

    unsigned = signature.signer_info["unsigned_attrs"]  # type: ignore[attr-defined]
    if not unsigned or unsigned.native is None:
        return None
    for attribute in unsigned:
        if attribute["type"].native == "signature_time_stamp_token":
            token: cms.ContentInfo = attribute["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            assert isinstance(info, tsp.TSTInfo)
            when: dt.datetime | None = info["gen_time"].native
            return when
    return None


def _dss_revision(reader: object) -> int | None:
    """The last revision that wrote the /DSS with at least one certificate and one OCSP or CRL answer."""
    root = reader.root  # type: ignore[attr-defined]
    if "/DSS" not in root:
        return None
    dss = root["/DSS"]
    if "/Certs" not in dss or not ("/OCSPs" in dss or "/CRLs" in dss):
        return None
    from pyhanko.pdf_utils import generic

    ref = root.raw_get("/DSS")
    # a /DSS written inline in the catalogue changes with the catalogue
    holder = ref.reference if isinstance(ref, generic.IndirectObject) else reader.root_ref  # type: ignore[attr-defined]
    revision: int | None = reader.xrefs.get_last_change(holder)  # type: ignore[attr-defined]
    return revision


def signature_levels(content: bytes) -> list[SignatureLevel]:
    """Each signature field's level, in the order they were signed (document timestamps count towards B-LTA)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    embedded = reader.embedded_signatures
    dss_revision = _dss_revision(reader)
    doc_timestamps = [s.signed_revision for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    levels = []
    for signature in embedded:
        if signature.sig_object_type == "/DocTimeStamp":
            continue
        stamp = _timestamp_of(signature)
        validation = dss_revision is not None and dss_revision >= signature.signed_revision
        level = "B-B"
        if stamp is not None:
            level = "B-T"
            if validation:
                level = "B-LT"
                if any(rev > signature.signed_revision and rev >= dss_revision for rev in doc_timestamps):
                    level = "B-LTA"
        levels.append(SignatureLevel(signature.field_name, level, stamp, validation))
    return levels
