"""The last touch on a converted PDF: complete metadata, and the same bytes for the same inputs.

LibreOffice stamps the export time into five places (Info /CreationDate, XMP CreateDate, the
date in the embedded ICC profile's header, the trailer's /DocChecksum and /ID). We set the
dates from the inputs, drop the checksum and derive /ID from the content, so rebuilding
unchanged inputs gives byte-identical files. Info and XMP are kept in sync (PDF/A requires
it); Info /Producer and /ModDate are left out so that a later signature, which updates them,
cannot make the two disagree. What LibreOffice's tagging leaves out is added (pdf/tagging.py:
artifacts, the draft marking read aloud, signature fields in the structure). The XMP also says
which district, year, stage and inputs the file is (pdf/trace.py), so a signed copy that comes back
can be matched to its build.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pikepdf

from agreement_gen.pdf.tagging import complete_tagging
from agreement_gen.pdf.trace import Trace, add_trace
from agreement_gen.render.metadata import DocumentMetadata

ICC_DATE_OFFSET = 24  # ICC header: dateTimeNumber, six big-endian uint16 at bytes 24–35


def _fix_icc_date(doc: pikepdf.Pdf, when: dt.datetime) -> None:
    for intent in doc.Root.get("/OutputIntents", []):
        profile = intent.get("/DestOutputProfile")
        if profile is None:
            continue
        data = bytearray(profile.read_bytes())
        if len(data) < 36:
            continue
        data[ICC_DATE_OFFSET:36] = struct.pack(
            ">6H", when.year, when.month, when.day, when.hour, when.minute, when.second
        )
        profile.write(zlib.compress(bytes(data), 9), filter=pikepdf.Name.FlateDecode)


def finish_pdf(pdf: bytes, meta: DocumentMetadata, trace: Trace | None = None) -> bytes:
    """Metadata set and synchronised, export-time stamps replaced, our `trace` (district, year, stage,
    inputs: pdf/trace.py) added; returns the new file (one revision)."""
    when = meta.created.astimezone(dt.UTC).replace(microsecond=0)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        with doc.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["dc:title"] = meta.title
            xmp["dc:creator"] = [meta.author]
            xmp["dc:description"] = meta.subject
            xmp["pdf:Keywords"] = meta.keywords
            for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
                xmp[key] = when.isoformat()
        if trace is not None:  # after pikepdf wrote the packet: ours adds a nested extension schema
            doc.Root.Metadata.write(add_trace(doc.Root.Metadata.read_bytes(), trace))
        for key in ("/Producer", "/ModDate"):
            if key in doc.docinfo:
                del doc.docinfo[key]
        doc.Root.Lang = pikepdf.String(meta.language)
        _fix_icc_date(doc, when)
        complete_tagging(doc)  # what LibreOffice's and pyHanko's tagging leave out (PDF/UA-1)
        if "/DocChecksum" in doc.trailer:
            del doc.trailer["/DocChecksum"]
        if "/ID" in doc.trailer:
            del doc.trailer["/ID"]
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()
