"""PDF/A-2b and PDF/UA-1 as a validator sees them: page-validation's verdict, by clause, in plain words.

This is the one place that runs the validator (`page`, pinned in pyproject.toml). Each failed rule
is reported with the clause of ISO 19005-2 (PDF/A-2) or ISO 14289-1 (PDF/UA-1) it belongs to, in
words a reader can act on, and the validator's own message.

page-validation 0.11.0 disagrees with veraPDF in three known places (each checked against veraPDF's
rules). Such a finding is set aside only where our own check of the same clause passes, and the
verdict says so by rule name:

(a) PDFA2B-SIGNATURE-BYTERANGE-001 flags every signature but the last, though a signature's byte
    range rightly ends at its own revision's %%EOF: our check reads each /ByteRange and accepts it
    when it starts at 0, leaves out exactly the /Contents string and ends at an %%EOF marker.
(b) seven PDFA2B-XMP-EXTENSION-*/PDFA2B-XMP-PROPERTY-DEFINITION-001 findings on the XMP as pyHanko
    re-serialises it when signing (attribute form, namespaceURI as rdf:resource): our check reads
    every property outside the schemas PDF/A predefines and requires its namespace to be declared
    in pdfaExtension:schemas with a prefix, and the property with a name and value type.
(c) PDFA2B-STREAM-LENGTH-001 on a stream whose data happens to end in CR: our check finds the
    stream in the file and requires /Length bytes of data followed by an end-of-line and "endstream".
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from agreement_gen.i18n import N_, _

if TYPE_CHECKING:  # pikepdf, lxml and pydantic are loaded where they are used: `status` only formats a record
    from lxml import etree

    from agreement_gen.data.models import SignedCopy
    from agreement_gen.pdf.checks import Finding

PDFA, PDFUA = "PDF/A-2b", "PDF/UA-1"
PROFILES = {PDFA: "2b", PDFUA: "ua1"}
STANDARD = {PDFA: "ISO 19005-2", PDFUA: "ISO 14289-1"}

# Rule families (the rule id without profile prefix and number) → (clause, what it means), longest
# prefix first. A rule not listed here is still reported, with the validator's own message.
PDFA_CLAUSES: list[tuple[str, str, str]] = [
    ("HEADER", "6.1.2", N_("the file header is not as PDF/A requires")),
    ("TRAILER", "6.1.3", N_("the file trailer (ID, encryption) is not as PDF/A requires")),
    ("POST-EOF", "6.1.3", N_("data follows the last %%EOF")),
    ("ENCRYPTION", "6.1.3", N_("the file is encrypted")),
    ("XREF", "6.1.4", N_("the cross-reference table is malformed")),
    ("HEX-STRING", "6.1.6", N_("a hexadecimal string is malformed")),
    ("STRING", "6.1.6", N_("a string is too long")),
    ("STREAM-LENGTH", "6.1.7.1", N_("a stream's /Length does not match its data")),
    ("STREAM", "6.1.7", N_("a stream uses external data, LZW or a forbidden filter")),
    ("INDIRECT-OBJECT", "6.1.8", N_("an object is written incorrectly")),
    ("ARRAY-LENGTH", "6.1.13", N_("an implementation limit is exceeded")),
    ("DICTIONARY-LENGTH", "6.1.13", N_("an implementation limit is exceeded")),
    ("NAME-LENGTH", "6.1.13", N_("an implementation limit is exceeded")),
    ("INTEGER-RANGE", "6.1.13", N_("an implementation limit is exceeded")),
    ("REAL", "6.1.13", N_("an implementation limit is exceeded")),
    ("OUTPUTINTENT", "6.2.3", N_("the output intent (embedded colour profile) is missing or wrong")),
    ("DEVICE", "6.2.4.3", N_("device colours are used without a matching output intent")),
    ("ICCBASED", "6.2.4.2", N_("an ICC colour space is invalid")),
    ("SEPARATION", "6.2.4.4", N_("a separation colour space is inconsistent")),
    ("DEVICEN", "6.2.4.4", N_("a DeviceN colour space is invalid")),
    ("IMAGE", "6.2.8", N_("an image uses a feature PDF/A forbids")),
    ("JPEG2000", "6.2.8.3", N_("a JPEG 2000 image is not as PDF/A requires")),
    ("INLINE-IMAGE", "6.2.8", N_("an inline image uses a forbidden filter")),
    ("EXTGSTATE", "6.2.5", N_("a graphics state uses a forbidden feature")),
    ("TRANSPARENCY", "6.2.10", N_("transparency is used without the colour space it needs")),
    ("FONT-EMBEDDING", "6.2.11.4.1", N_("a font is not embedded")),
    ("FONT-WIDTHS", "6.2.11.5", N_("a font's glyph widths disagree with the embedded font")),
    ("TRUETYPE-GLYPH-WIDTH", "6.2.11.5", N_("a font's glyph widths disagree with the embedded font")),
    ("TRUETYPE-GLYPH-PRESENCE", "6.2.11.4.1", N_("a font lacks a glyph the text uses")),
    ("TYPE1", "6.2.11.4", N_("a Type 1 font subset is incomplete")),
    ("TRUETYPE", "6.2.11.6", N_("a TrueType font's encoding or cmap is not as PDF/A requires")),
    ("UNICODE", "6.2.11.7", N_("text cannot be mapped to Unicode")),
    ("NOTDEF", "6.2.11.8", N_("the text uses the .notdef glyph")),
    ("CMAP", "6.2.11.3", N_("a CMap is not embedded or invalid")),
    ("CID", "6.2.11.4.2", N_("a CID font's character set information is incomplete")),
    ("CIDTOGIDMAP", "6.2.11.3.2", N_("a CID font lacks its CIDToGIDMap")),
    ("TYPE0", "6.2.11.3.1", N_("a composite font's CIDSystemInfo is inconsistent")),
    ("FONT", "6.2.11", N_("a font is not as PDF/A requires")),
    ("ANNOTATION", "6.3", N_("an annotation is hidden, not printable, or its appearance is not fixed")),
    ("WIDGET", "6.3", N_("a form field's appearance or actions are not as PDF/A requires")),
    ("ACROFORM", "6.4.1", N_("the form asks viewers to build appearances or uses XFA")),
    ("FIELD", "6.4.1", N_("a form field carries actions")),
    ("SIGNATURE", "6.4.3", N_("a digital signature is not as PDF/A requires")),
    ("ACTION", "6.5.1", N_("the file uses a forbidden action (JavaScript, launch, …)")),
    ("NAMED-ACTION", "6.5.1", N_("the file uses a forbidden named action")),
    ("PAGE-ADDITIONAL-ACTIONS", "6.5.2", N_("a page carries additional actions")),
    ("CATALOG-ADDITIONAL-ACTIONS", "6.5.2", N_("the document carries additional actions")),
    ("XMP-EXTENSION", "6.6.2.3", N_("the XMP extension schemas do not declare a property correctly")),
    ("XMP-PROPERTY-DEFINITION", "6.6.2.3", N_("the XMP holds a property no schema declares")),
    ("XMP", "6.6.2", N_("the XMP metadata is malformed")),
    ("METADATA", "6.6.2", N_("the XMP metadata stream is missing or filtered")),
    ("INFO", "6.6.3", N_("the Info dictionary and the XMP metadata disagree")),
    ("ID", "6.6.4", N_("the PDF/A identification in the XMP is missing or wrong")),
    ("OPTIONAL-CONTENT", "6.7", N_("optional content (layers) is not as PDF/A requires")),
    ("EMBEDDED-FILE", "6.8", N_("an embedded file is not PDF/A")),
    ("FILE-SPEC", "6.8", N_("an embedded file's specification is incomplete")),
    ("NAMES-EMBEDDED-FILES", "6.8", N_("the file has attachments")),
    ("CATALOG", "6.1", N_("the document catalog uses a forbidden entry")),
    ("CONTENT", "6.2.2", N_("a content stream uses an unknown operator or lacks its resources")),
    ("RENDERING-INTENT", "6.2.5", N_("a rendering intent is not one PDF defines")),
    ("HALFTONE", "6.2.5", N_("a halftone is not as PDF/A requires")),
    ("XOBJECT", "6.2.9", N_("an XObject uses a forbidden feature (PostScript, OPI, …)")),
    ("FORM-POSTSCRIPT", "6.2.9", N_("a form XObject carries PostScript")),
    ("GRAPHICS-STATE-NESTING", "6.1.13", N_("graphics states are nested too deeply")),
    ("PAGE-BOUNDARY", "6.1.13", N_("a page is larger or smaller than PDF/A allows")),
    ("PERMS", "6.1.12", N_("the permissions dictionary holds a forbidden entry")),
    ("ALTERNATE-PRESENTATIONS", "6.10", N_("the file has alternate presentations")),
    ("PRES-STEPS", "6.10", N_("a page has presentation steps")),
]
PDFUA_CLAUSES: list[tuple[str, str, str]] = [
    ("ID", "5", N_("the PDF/UA identification in the XMP is missing or wrong")),
    ("HEADER", "6.1", N_("the file is not a conforming PDF")),
    ("CONTENT-TAGGING", "7.1", N_("content is neither tagged nor marked as an artifact")),
    ("ARTIFACT", "7.1", N_("an artifact sits inside tagged content")),
    ("TAGGED-CONTENT-INSIDE-ARTIFACT", "7.1", N_("tagged content sits inside an artifact")),
    ("TAGGED-DOCUMENT", "7.1", N_("the document is not marked as tagged")),
    ("SUSPECTS", "7.1", N_("the tags are marked as suspect")),
    ("STRUCT-TREE", "7.1", N_("the structure tree or its role map is missing or wrong")),
    ("STRUCT-ELEMENT", "7.1", N_("a structure element sits where it may not")),
    ("VIEWER-PREFERENCES", "7.1", N_("the window does not show the document's title")),
    ("METADATA-TITLE", "7.1", N_("the XMP has no dc:title")),
    ("METADATA", "7.1", N_("the XMP metadata is missing or malformed")),
    ("LANGUAGE", "7.2", N_("a language tag is invalid")),
    ("TEXT-LANGUAGE", "7.2", N_("text has no language")),
    ("FIGURE", "7.3", N_("a figure has no alternative text")),
    ("HEADING", "7.4", N_("headings skip a level or are structured wrongly")),
    ("TABLE", "7.5", N_("a table's structure is inconsistent")),
    ("TR", "7.5", N_("a table row sits where it may not")),
    ("TD", "7.5", N_("a table cell sits where it may not")),
    ("TH", "7.5", N_("a table header cell sits where it may not")),
    ("THEAD", "7.5", N_("a table head is structured wrongly")),
    ("TBODY", "7.5", N_("a table body is structured wrongly")),
    ("TFOOT", "7.5", N_("a table foot is structured wrongly")),
    ("L", "7.6", N_("a list is structured wrongly")),
    ("LI", "7.6", N_("a list item is structured wrongly")),
    ("LBODY", "7.6", N_("a list item's body sits where it may not")),
    ("FORMULA", "7.7", N_("a formula has no alternative text")),
    ("NOTE", "7.9", N_("a note has no unique ID")),
    ("OPTIONAL-CONTENT", "7.10", N_("an optional-content layer has no name")),
    ("FILE-SPEC", "7.11", N_("an embedded file's specification is incomplete")),
    ("TOC", "7.1", N_("a table of contents is structured wrongly")),
    ("DYNAMIC-XFA", "7.15", N_("the file uses dynamic XFA forms")),
    ("ENCRYPTION", "7.16", N_("encryption keeps assistive technology from reading the text")),
    ("PAGE-TABS", "7.18.3", N_("a page with annotations does not set the tab order to the structure (/Tabs /S)")),
    ("WIDGET-FORM-TAG", "7.18.4", N_("a form field is not inside a Form structure element")),
    ("FORM", "7.18.4", N_("a form field's structure is incomplete")),
    ("FORM-FIELD-TU", "7.18.1", N_("a form field has no readable name (/TU)")),
    ("TRAPNET", "7.18.2", N_("the file has a trap network annotation")),
    ("LINK", "7.18.5", N_("a link is not tagged or has no description")),
    ("MEDIA-CLIP", "7.18.6.2", N_("a media clip has no alternative description")),
    ("PRINTER-MARK", "7.18.8", N_("a printer's mark is not an artifact")),
    ("ANNOTATION", "7.18.1", N_("an annotation is not tagged or has no description")),
    ("FONT", "7.21", N_("a font is not as PDF/UA requires")),
    ("TRUETYPE", "7.21", N_("a TrueType font's encoding or cmap is not as PDF/UA requires")),
    ("CMAP", "7.21", N_("a CMap is not embedded or invalid")),
    ("CID", "7.21", N_("a CID font is not as PDF/UA requires")),
    ("TYPE0", "7.21", N_("a composite font's CIDSystemInfo is inconsistent")),
    ("NOTDEF", "7.21.8", N_("the text uses the .notdef glyph")),
]
# Longest prefix wins ("FONT-EMBEDDING" before "FONT"); a prefix matches whole words ("L" not "LI").
for _table in (PDFA_CLAUSES, PDFUA_CLAUSES):
    _table.sort(key=lambda row: -len(row[0]))

BYTERANGE_RULE = "PDFA2B-SIGNATURE-BYTERANGE-001"
STREAM_LENGTH_RULE = "PDFA2B-STREAM-LENGTH-001"
XMP_RULES = re.compile(r"^PDFA2B-XMP-(EXTENSION-[A-Z-]+|PROPERTY-DEFINITION)-001$")


@dataclass(frozen=True)
class Violation:
    """One failed rule: its id, the clause, plain words, the validator's message, and whether it is set aside."""

    rule: str
    clause: str
    meaning: str
    detail: str
    set_aside: str = ""  # why this is a known divergence of the validator that our own check disproves

    def __str__(self) -> str:
        text = f"{self.clause}: {self.meaning} ({self.rule}: {self.detail})"
        return (
            _("{finding} – set aside: {reason}").format(finding=text, reason=self.set_aside) if self.set_aside else text
        )


@dataclass(frozen=True)
class Verdict:
    """The validator's verdict on one profile, after setting aside the known divergences."""

    profile: str  # "PDF/A-2b" or "PDF/UA-1"
    rules_checked: int
    violations: tuple[Violation, ...] = ()
    error: str = ""  # the validator could not read the file

    @property
    def failures(self) -> list[Violation]:
        return [v for v in self.violations if not v.set_aside]

    @property
    def set_aside(self) -> list[Violation]:
        return [v for v in self.violations if v.set_aside]

    @property
    def passed(self) -> bool:
        return not self.error and not self.failures

    def summary(self) -> str:
        if self.error:
            return _("{profile}: not validated – {error}").format(profile=self.profile, error=self.error)
        if self.passed:
            aside = sorted({v.rule for v in self.set_aside})
            text = _("{profile}: passes all {count} rules").format(profile=self.profile, count=self.rules_checked)
            if aside:
                text += " " + _("(known divergences set aside: {rules})").format(rules=", ".join(aside))
            return text
        clauses = sorted({v.clause for v in self.failures}, key=clause_key)
        return _("{profile}: FAILS {standard} {clauses}").format(
            profile=self.profile, standard=STANDARD[self.profile], clauses=", ".join(clauses)
        )


@dataclass(frozen=True)
class Conformance:
    """Both profiles' verdicts on one PDF."""

    verdicts: tuple[Verdict, ...]
    validator: str = field(default_factory=lambda: f"page-validation {version('page-validation')}")

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    def verdict(self, profile: str) -> Verdict:
        return next(v for v in self.verdicts if v.profile == profile)

    def problems(self) -> list[str]:
        """One sentence per failure, for build messages."""
        out = []
        for verdict in self.verdicts:
            if verdict.error:
                out.append(verdict.summary())
            out.extend(f"{verdict.profile} {STANDARD[verdict.profile]} {v}" for v in verdict.failures)
        return out

    def record(self) -> dict[str, str]:
        """What the data keeps for a signed copy: per profile "passes" or the clauses it fails."""
        keys = {PDFA: "pdfa", PDFUA: "pdfua"}
        return {
            keys[v.profile]: "passes"
            if v.passed
            else "fails " + ", ".join(sorted({x.clause for x in v.failures}, key=clause_key)) or v.error
            for v in self.verdicts
        } | {"validator": self.validator}


def clause_key(clause: str) -> tuple[int, ...]:
    """ "6.2.11.5" sorts after "6.2.3": clause numbers compared part by part."""
    return tuple(int(part) for part in clause.split(".") if part.isdigit())


def _describe(profile: str, rule: str) -> tuple[str, str]:
    family = re.sub(r"^PDF(A2B|UA1)-|-\d{3}$", "", rule)
    if profile == PDFUA and family.endswith("LANGUAGE"):
        return "7.2", _("text, alternative text or a form field's name has no valid language")
    for prefix, clause, meaning in PDFA_CLAUSES if profile == PDFA else PDFUA_CLAUSES:
        if family == prefix or family.startswith(prefix + "-"):
            return clause, _(meaning)
    return _("(unlisted rule)"), _("see the validator's message")


# --- our own checks of the clauses where the validator is known to diverge --------------------------------------

_EOF_END = re.compile(rb"%%EOF[\r\n]*")


def byte_ranges_ok(data: bytes) -> str:
    """Every signature's /ByteRange starts at 0, leaves out exactly its /Contents string and ends at
    an %%EOF: "" when so, else what is wrong."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as doc:
        ranges = [
            [int(x) for x in obj.ByteRange]
            for obj in doc.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Sig" and "/ByteRange" in obj
        ]
    if not ranges:
        return "no signature with a /ByteRange"
    ends = {m.start() + 5 for m in re.finditer(rb"%%EOF", data)}
    ends |= {m.end() for m in _EOF_END.finditer(data)}
    for start, first, second, length in ranges:
        gap = data[start + first : second]
        if start != 0 or not (gap.startswith(b"<") and gap.endswith(b">")):
            return f"byte range {[start, first, second, length]} does not leave out exactly the signature value"
        if not re.fullmatch(rb"<[0-9A-Fa-f]*>", gap):
            return f"byte range {[start, first, second, length]} leaves out more than the signature value"
        if second + length not in ends:
            return f"byte range {[start, first, second, length]} does not end at an %%EOF"
    return ""


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_EXT = "http://www.aiim.org/pdfa/ns/extension/"
_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
# The schemas ISO 19005-2 predefines (6.6.2.3.1, XMP 2004 and the PDF/A schemas themselves).
PREDEFINED = {
    "http://purl.org/dc/elements/1.1/",
    "http://ns.adobe.com/xap/1.0/",
    "http://ns.adobe.com/xap/1.0/rights/",
    "http://ns.adobe.com/xap/1.0/mm/",
    "http://ns.adobe.com/xap/1.0/bj/",
    "http://ns.adobe.com/xap/1.0/t/pg/",
    "http://ns.adobe.com/xap/1.0/t/",
    "http://ns.adobe.com/xap/1.0/g/img/",
    "http://ns.adobe.com/xmp/Identifier/qual/1.0/",
    "http://ns.adobe.com/pdf/1.3/",
    "http://ns.adobe.com/photoshop/1.0/",
    "http://ns.adobe.com/tiff/1.0/",
    "http://ns.adobe.com/exif/1.0/",
    "http://ns.adobe.com/exif/1.0/aux/",
    "http://ns.adobe.com/camera-raw-settings/1.0/",
    "http://www.aiim.org/pdfa/ns/id/",
    _EXT,
    _SCHEMA,
    _PROPERTY,
    "http://www.aiim.org/pdfa/ns/type#",
    "http://www.aiim.org/pdfa/ns/field#",
    RDF,
    "http://www.w3.org/XML/1998/namespace",
}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _simple(node: etree._Element, ns: str, name: str) -> str | None:
    """A simple value in any XMP spelling: attribute, element text, or rdf:resource."""
    attribute = node.get(_q(ns, name))
    if attribute is not None:
        return str(attribute)
    child = node.find(_q(ns, name))
    if child is None:
        return None
    return child.get(_q(RDF, "resource")) or (child.text or "").strip()


def _as_node(item: etree._Element) -> etree._Element:
    inner = item.find(_q(RDF, "Description"))
    return inner if inner is not None else item


def xmp_extensions_ok(packet: bytes) -> str:
    """Every XMP property outside the predefined schemas is declared in pdfaExtension:schemas (namespace
    with prefix, property with name and value type): "" when so, else the undeclared ones."""
    from lxml import etree

    try:
        root = etree.fromstring(packet, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return f"the XMP is not well-formed XML ({exc})"
    declared: dict[str, set[str]] = {}
    for schemas in root.iter(_q(_EXT, "schemas")):
        for entry in schemas.iter(_q(RDF, "li")):
            node = _as_node(entry)
            uri = _simple(node, _SCHEMA, "namespaceURI")
            if not uri or not _simple(node, _SCHEMA, "prefix"):
                continue
            names = declared.setdefault(uri, set())
            for item in node.iter(_q(RDF, "li")):
                prop = _as_node(item)
                name, value_type = _simple(prop, _PROPERTY, "name"), _simple(prop, _PROPERTY, "valueType")
                if name and value_type:
                    names.add(name)
    used: set[tuple[str, str]] = set()
    for description in root.iter(_q(RDF, "Description")):
        if description.getparent() is None or description.getparent().tag != _q(RDF, "RDF"):
            continue  # only top-level properties; nested ones belong to their property's value type
        for key in description.attrib:
            if key.startswith("{"):
                namespace, _brace, name = key[1:].partition("}")
                used.add((namespace, name))
        for child in description:
            if isinstance(child.tag, str) and child.tag.startswith("{"):
                namespace, _brace, name = child.tag[1:].partition("}")
                used.add((namespace, name))
    missing = sorted(
        f"{{{ns}}}{name}" for ns, name in used if ns not in PREDEFINED and name not in declared.get(ns, ())
    )
    return f"undeclared: {', '.join(missing)}" if missing else ""


_OBJ = re.compile(rb"(?<![0-9])(\d+)\s+(\d+)\s+obj\b")


_LENGTH = re.compile(rb"/Length\s+(\d+)(\s+(\d+)\s+R)?")


def stream_length_ok(data: bytes, number: int, generation: int) -> str:
    """The stream object's /Length (as written in the file, not as a reader repairs it) counts its data
    exactly: the data is followed by an end-of-line and "endstream". "" when so, else what is wrong."""
    starts = [m for m in _OBJ.finditer(data) if (int(m.group(1)), int(m.group(2))) == (number, generation)]
    if not starts:
        return f"object {number} {generation} not found in the file"
    keyword = data.find(b"stream", starts[-1].end())  # the last definition is the current one
    written = _LENGTH.search(data, starts[-1].end(), keyword) if keyword > 0 else None
    if written is None:
        return f"object {number} {generation} is not a stream with a /Length"
    length = int(written.group(1))
    if written.group(2):  # an indirect length: its value as the file defines it
        ref = [m for m in _OBJ.finditer(data) if (int(m.group(1)), int(m.group(2))) == (length, int(written.group(3)))]
        value = re.match(rb"\s*(\d+)", data[ref[-1].end() :]) if ref else None
        if value is None:
            return f"object {number}: its indirect /Length cannot be read"
        length = int(value.group(1))
    begin = keyword + 6
    if data[begin : begin + 2] == b"\r\n":
        begin += 2
    elif data[begin : begin + 1] == b"\n":
        begin += 1
    else:
        return f"the stream keyword of object {number} is not followed by an end-of-line"
    if not re.match(rb"(\r\n|\n|\r)endstream", data[begin + length : begin + length + 12]):
        return f"object {number}: /Length {length} does not end at an end-of-line before endstream"
    return ""


def _set_aside(rule: str, failure: object, data: bytes, packet: bytes, cache: dict[str, str]) -> str:
    """Why a finding is a known divergence our own check disproves, or "" (then it counts)."""
    if rule == BYTERANGE_RULE:
        if "byterange" not in cache:
            cache["byterange"] = byte_ranges_ok(data)
        if not cache["byterange"]:
            return _(
                "divergence (a): our check finds every /ByteRange starts at 0, leaves out exactly its "
                "signature and ends at its revision's %%EOF"
            )
    elif XMP_RULES.match(rule):
        if "xmp" not in cache:
            cache["xmp"] = xmp_extensions_ok(packet)
        if not cache["xmp"]:
            return _(
                "divergence (b): our check finds every XMP property outside the predefined schemas "
                "declared with name and value type"
            )
    elif rule == STREAM_LENGTH_RULE:
        obj = getattr(failure, "object_id", None)
        if obj is not None and not stream_length_ok(data, obj.object_number, obj.generation):
            return _("divergence (c): our check finds the /Length of object {number} matches its data").format(
                number=obj.object_number
            )
    return ""


def _xmp_packet(data: bytes) -> bytes:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as doc:
            metadata = doc.Root.get("/Metadata")
            return metadata.read_bytes() if isinstance(metadata, pikepdf.Stream) else b""
    except pikepdf.PdfError:
        return b""


def validate_conformance(pdf: Path | bytes) -> Conformance:
    """PDF/A-2b and PDF/UA-1 verdicts for one PDF (a path or its bytes)."""
    import page  # the Rust validator; loaded only where a PDF is checked

    data = pdf.read_bytes() if isinstance(pdf, Path) else bytes(pdf)
    packet: bytes | None = None
    cache: dict[str, str] = {}
    verdicts = []
    for profile, code in PROFILES.items():
        try:
            report = page.validate_pdf_bytes(data, profile=code)
        except page.PageError as exc:
            verdicts.append(
                Verdict(profile, 0, error=_("the validator cannot read the file ({error})").format(error=exc))
            )
            continue
        violations = []
        for failure in report.failures:
            clause, meaning = _describe(profile, failure.rule_id)
            aside = ""
            if profile == PDFA:
                if packet is None:
                    packet = _xmp_packet(data)
                aside = _set_aside(failure.rule_id, failure, data, packet, cache)
            violations.append(Violation(failure.rule_id, clause, meaning, failure.message, aside))
        verdicts.append(Verdict(profile, report.rules.total, tuple(violations)))
    return Conformance(tuple(verdicts))


def conformance_findings(result: Conformance, signed: bool) -> list[Finding]:
    """The verdicts as `verify` lines: one per profile, then each failure by clause. A signed file
    cannot be repaired without breaking its signatures, so there a failure is reported as a warning
    (receive records it, publish claims only what passes); in a file of ours it is a failure."""
    from agreement_gen.pdf.checks import Finding

    findings = []
    for verdict in result.verdicts:
        findings.append(Finding(verdict.passed, f"{verdict.summary()} ({result.validator})", warning=signed))
        findings.extend(
            Finding(False, f"  {STANDARD[verdict.profile]} {violation}", warning=signed)
            for violation in verdict.failures
        )
    return findings


def conformance_notes(result: Conformance) -> list[str]:
    """What `receive` says of a signed copy that fails a profile: it is kept all the same (a signed file
    cannot be repaired), the data records it, and the public page does not claim that profile for it."""
    return [
        _("{summary}: recorded in signed_copy.conformance; the public page will not claim {profile}").format(
            summary=verdict.summary(), profile=verdict.profile
        )
        for verdict in result.verdicts
        if not verdict.passed
    ]


def recorded_conformance(copy: SignedCopy | None) -> str:
    """For `status`: what receive recorded of a signed copy's conformance, as a sentence ('' if nothing)."""
    record = copy.conformance if copy is not None else None
    if record is None:
        return ""

    def said(value: str) -> str:
        if value == "passes":
            return _("passes")
        return _("fails {clauses}").format(clauses=value.removeprefix("fails ")) if value.startswith("fails") else value

    return _("signed copy as received: {pdfa_profile} {pdfa}, {pdfua_profile} {pdfua} ({validator})").format(
        pdfa_profile=PDFA,
        pdfa=said(record.pdfa),
        pdfua_profile=PDFUA,
        pdfua=said(record.pdfua),
        validator=record.validator,
    )
