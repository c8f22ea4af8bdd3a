"""What we check before a PDF is published, and when one comes back signed (`agreement-gen verify`).

No PDF/A validator (veraPDF) installs from the registries this project reaches, so the PDF/A-2b
rules that matter here are checked structurally: identification in XMP, Info and XMP in sync,
an embedded output intent, every font embedded, nothing forbidden (encryption, JavaScript,
launch actions, attachments), printable annotations with plain appearances. Then what makes it
accessible (tags, language, title, headings), where it comes from (our XMP trace, declared in a
PDF/A extension schema) and every signature (pyHanko's validator: intact, what it covers, what
changed after it).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf

from agreement_gen.data.models import Status
from agreement_gen.i18n import N_, _, ngettext
from agreement_gen.pdf.trace import read_trace, undeclared

# Info key → XMP property that PDF/A requires to carry the same value.
INFO_TO_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Producer": "pdf:Producer",
    "/Creator": "xmp:CreatorTool",
}
ANNOT_PRINT, ANNOT_HIDDEN_BITS = 4, 1 | 2 | 32  # /F: Print; Invisible, Hidden, NoView


MARKS = (N_("ok"), N_("warn"), N_("FAIL"))  # a finding's mark: passed, a warning, a failure


@dataclass(frozen=True)
class Finding:
    ok: bool
    message: str
    warning: bool = False  # reported, but does not fail the check
    signature: bool = False  # about one signature field's signature (then verify also judges the parties)

    @property
    def mark(self) -> str:
        """'ok', 'warn' or 'FAIL' in the current language, padded to the longest of them (a column)."""
        width = max(len(_(mark)) for mark in MARKS)
        return _(MARKS[0] if self.ok else (MARKS[1] if self.warning else MARKS[2])).ljust(width)

    def __str__(self) -> str:
        return f"{self.mark} {self.message}"


def _values(obj: pikepdf.Object | None) -> list[pikepdf.Object]:
    """The values of a PDF dictionary, none for anything else (a damaged file may hold anything anywhere)."""
    return list(obj.values()) if isinstance(obj, pikepdf.Dictionary) else []


def _items(obj: pikepdf.Object | None) -> list[pikepdf.Object]:
    """The items of a PDF array, none for anything else."""
    return list(obj) if isinstance(obj, pikepdf.Array) else []


def _flag(doc: pikepdf.Pdf, dictionary: str, key: str) -> bool:
    """A boolean entry of a dictionary in the catalog (/MarkInfo /Marked); False where either is missing."""
    found = doc.Root.get(dictionary)
    return isinstance(found, pikepdf.Dictionary) and bool(found.get(key, False))


def _fonts(doc: pikepdf.Pdf) -> Iterator[tuple[str, pikepdf.Dictionary]]:
    seen: set[tuple[int, int]] = set()

    def from_resources(resources: pikepdf.Object | None) -> Iterator[tuple[str, pikepdf.Dictionary]]:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        for font in _values(resources.get("/Font")):
            if not isinstance(font, pikepdf.Dictionary):
                continue
            key = font.objgen
            if key in seen and key != (0, 0):
                continue
            seen.add(key)
            yield str(font.get("/BaseFont", "?")), font
        for xobject in _values(resources.get("/XObject")):
            if (
                isinstance(xobject, pikepdf.Stream)
                and xobject.get("/Subtype") == "/Form"
                and xobject.objgen not in seen
            ):
                seen.add(xobject.objgen)
                yield from from_resources(xobject.get("/Resources"))

    for page in doc.pages:
        yield from from_resources(page.obj.get("/Resources"))
        for annot in _items(page.obj.get("/Annots")):
            appearance = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
            normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
            if isinstance(normal, pikepdf.Stream):
                yield from from_resources(normal.get("/Resources"))


def _embedded(font: pikepdf.Dictionary) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by content streams inside the file
    if font.get("/Subtype") == "/Type0":
        descendants = _items(font.get("/DescendantFonts"))
        if not descendants or not isinstance(descendants[0], pikepdf.Dictionary):
            return False  # a composite font without its descendant font has no glyphs in the file
        font = descendants[0]
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _structure_types(doc: pikepdf.Pdf, limit: int = 20000) -> set[str]:
    root = doc.Root.get("/StructTreeRoot")
    types: set[str] = set()
    role_map = {str(k): str(v) for k, v in dict(root.get("/RoleMap", {})).items()} if root is not None else {}
    stack = [root.get("/K")] if root is not None else []
    while stack and limit:
        limit -= 1
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            name = str(node.S)
            types.add(role_map.get(name, name))
            if "/K" in node:
                stack.append(node.K)
    return types


def check_pdfa(doc: pikepdf.Pdf) -> list[Finding]:
    """PDF/A-2b, structurally (see the module docstring for what is and is not covered)."""
    findings: list[Finding] = []
    meta = doc.open_metadata()
    part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
    findings.append(
        Finding(
            part == "2" and conformance == "B",
            _("PDF/A identification: part {part}, conformance {conformance}").format(
                part=part, conformance=conformance
            ),
        )
    )

    out_of_sync = []
    for info_key, xmp_key in INFO_TO_XMP.items():
        if info_key in doc.docinfo:
            info_value = str(doc.docinfo[info_key])
            xmp_value = meta.get(xmp_key)
            if isinstance(xmp_value, list):
                xmp_value = ", ".join(xmp_value)
            if info_value != xmp_value:
                out_of_sync.append(f"{info_key[1:]} ({info_value!r} ≠ {xmp_value!r})")
    findings.append(
        Finding(
            not out_of_sync,
            _("Info and XMP metadata in sync: {differences}").format(differences="; ".join(out_of_sync))
            if out_of_sync
            else _("Info and XMP metadata in sync"),
        )
    )

    intents = [i for i in _items(doc.Root.get("/OutputIntents")) if isinstance(i, pikepdf.Dictionary)]
    has_icc = any(i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents)
    findings.append(
        Finding(
            has_icc,
            _("output intent with embedded ICC profile")
            if has_icc
            else _("output intent with embedded ICC profile missing"),
        )
    )

    fonts = list(_fonts(doc))
    missing = sorted({name for name, font in fonts if not _embedded(font)})
    findings.append(
        Finding(
            not missing,
            ngettext("{count} font embedded", "all {count} fonts embedded", len(fonts)).format(count=len(fonts))
            if not missing
            else _("fonts not embedded: {fonts}").format(fonts=", ".join(missing)),
        )
    )

    forbidden = []
    if doc.is_encrypted or "/Encrypt" in doc.trailer:
        forbidden.append(_("encryption"))
    names = doc.Root.get("/Names")
    names_keys = set(names.keys()) if isinstance(names, pikepdf.Dictionary) else set()
    if "/JavaScript" in names_keys:
        forbidden.append("JavaScript")
    if "/EmbeddedFiles" in names_keys:
        forbidden.append(_("embedded files"))
    for obj in doc.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in ("/JavaScript", "/Launch"):
            forbidden.append(_("{action} action").format(action=str(obj.S)[1:]))
    findings.append(
        Finding(
            not forbidden,
            _("no encryption, JavaScript, launch actions or attachments")
            if not forbidden
            else _("forbidden in PDF/A: {items}").format(items=", ".join(sorted(set(forbidden)))),
        )
    )

    bad_annots = []
    for number, page in enumerate(doc.pages, 1):
        for annot in page.obj.get("/Annots", []):
            flags = int(annot.get("/F", 0))
            name = str(annot.get("/T", annot.get("/Subtype", "?")))
            if annot.get("/Subtype") != "/Popup" and (not flags & ANNOT_PRINT or flags & ANNOT_HIDDEN_BITS):
                bad_annots.append(_("{name} on page {page} is not printable/visible").format(name=name, page=number))
            appearance = annot.get("/AP")
            if appearance is not None and set(appearance.keys()) - {"/N"} and annot.get("/FT") == "/Sig":
                bad_annots.append(
                    _("{name} on page {page} has appearances other than /N").format(name=name, page=number)
                )
    acroform = doc.Root.get("/AcroForm")
    if acroform is not None and bool(acroform.get("/NeedAppearances", False)):
        bad_annots.append(_("form asks viewers to build appearances (NeedAppearances)"))
    findings.append(
        Finding(
            not bad_annots,
            _("annotations printable, with fixed appearances") if not bad_annots else "; ".join(bad_annots),
        )
    )
    return findings


def check_accessibility(doc: pikepdf.Pdf, expected_title: str | None = None) -> list[Finding]:
    """Tagged PDF (PDF/UA flag), language, the title in the window, headings as headings."""
    meta = doc.open_metadata()
    findings = [
        Finding(
            meta.get("pdfuaid:part") == "1",
            _("PDF/UA identification: part {part}").format(part=meta.get("pdfuaid:part")),
        ),
        Finding(
            "/StructTreeRoot" in doc.Root and _flag(doc, "/MarkInfo", "/Marked"),
            _("tagged PDF (structure tree, MarkInfo)"),
        ),
    ]
    lang = str(doc.Root.get("/Lang", ""))
    findings.append(
        Finding(lang.lower().startswith("de"), _("document language {language}").format(language=lang or _("not set")))
    )
    title = meta.get("dc:title") or ""
    shows = _flag(doc, "/ViewerPreferences", "/DisplayDocTitle")
    title_ok = bool(title) and shows and (expected_title is None or title == expected_title)
    shown_title = _("title {title}") if shows else _("title {title} (not shown in the window)")
    findings.append(Finding(title_ok, shown_title.format(title=repr(title))))
    headings = sorted(t for t in _structure_types(doc) if t.startswith("/H") and t[2:].isdigit())
    levels = ", ".join(h[1:] for h in headings) or _("none")
    findings.append(Finding(bool(headings), _("headings tagged: {levels}").format(levels=levels)))
    return findings


def check_marks_and_headings(doc: pikepdf.Pdf, draft: bool | None = None, example: bool | None = None) -> list[Finding]:
    """On the PDF itself: a draft's marking and every page number on every page; headings as headings.

    `draft` and `example` are what the data says (a new build); None: the file's own trace says whether
    it is a draft, and one page showing the example marking requires it on all (verify)."""
    from agreement_gen.pdf.marks import heading_problems, mark_problems

    if draft is None:
        metadata = doc.Root.get("/Metadata")
        trace = read_trace(metadata.read_bytes() if isinstance(metadata, pikepdf.Stream) else b"")
        draft = trace is not None and trace.stage is Status.DRAFT
    marks = mark_problems(doc, draft=draft, example=example)
    headings = heading_problems(doc)
    on_all = _("markings and page numbers on all {pages} page(s)").format(pages=len(doc.pages))
    return [
        Finding(not marks, "; ".join(marks) or on_all),
        Finding(not headings, "; ".join(headings) or _("every § heading tagged as a heading, no level skipped")),
    ]


def check_trace(doc: pikepdf.Pdf) -> list[Finding]:
    """Our XMP properties (which district, year, stage and inputs) and their PDF/A extension schema."""
    metadata = doc.Root.get("/Metadata")
    packet = metadata.read_bytes() if isinstance(metadata, pikepdf.Stream) else b""
    trace = read_trace(packet)
    if trace is None:
        return [Finding(False, _("no agreement-gen trace in the XMP (district, fiscal year, stage, inputs)"))]
    fingerprint_ok = len(trace.fingerprint) == 64 and all(c in "0123456789abcdef" for c in trace.fingerprint)
    traceable = (
        _("traceable: {district} {year}, stage {stage}, inputs {inputs}…, generator {generator}")
        if fingerprint_ok
        else _(
            "traceable: {district} {year}, stage {stage}, inputs {inputs}…, generator {generator} "
            "(the inputs' SHA-256 is malformed)"
        )
    )
    findings = [
        Finding(
            fingerprint_ok,
            traceable.format(
                district=trace.district,
                year=trace.year,
                stage=trace.stage,
                inputs=trace.fingerprint[:12],
                generator=trace.generator,
            ),
        )
    ]
    missing = undeclared(packet)
    findings.append(
        Finding(
            not missing,
            _("PDF/A extension schema declares the trace properties")
            if not missing
            else _("PDF/A extension schema does not declare {properties}").format(properties=", ".join(missing)),
        )
    )
    return findings


def has_signatures(doc: pikepdf.Pdf) -> bool:
    """Whether any signature field holds a signature (then pyHanko validates; it is slow to load)."""
    acroform = doc.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return False
    flagged = int(acroform.get("/SigFlags", 0)) & 1  # "SignaturesExist"
    fields = [f for f in _items(acroform.get("/Fields")) if isinstance(f, pikepdf.Dictionary)]
    return bool(flagged) or any(f.get("/FT") == "/Sig" and "/V" in f for f in fields)


def signature_field_names(doc: pikepdf.Pdf) -> list[str]:
    """Names of all signature fields, signed or empty."""
    acroform = doc.Root.get("/AcroForm")
    if acroform is None:
        return []
    return [str(f.get("/T")) for f in acroform.get("/Fields", []) if f.get("/FT") == "/Sig"]


def verify_pdf(
    data: bytes, expected_title: str | None = None, *, draft: bool | None = None, example: bool | None = None
) -> list[Finding]:
    """All checks on one PDF's bytes, but its signatures (signing/report.py: the signing round's business).

    A new build passes what its data says (`expected_title`, `draft`, `example`); `verify` knows only the file."""
    try:
        doc = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        return [Finding(False, _("not a readable PDF: {error}").format(error=exc))]
    with doc:
        findings = (
            check_pdfa(doc) + check_accessibility(doc, expected_title) + check_marks_and_headings(doc, draft, example)
        )
        findings += check_trace(doc)
        fields = signature_field_names(doc)
    if fields:
        findings.append(Finding(True, _("signature fields: {fields}").format(fields=", ".join(fields))))
    return findings


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok and not f.warning]
