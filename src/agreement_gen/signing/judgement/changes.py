"""What a revision after ours may contain: only what a signature in one of our two fields needs.

Accepted, per revision, and nothing else (each other object written is refused, named):

- a signature: one of our two empty fields gets its value (/V, a new signature dictionary whose
  /ByteRange covers exactly this revision but its /Contents) and its appearance (/AP /N, a new
  form XObject with whatever new resources it draws with); the AcroForm's /SigFlags;
- a document timestamp: a new, invisible signature field (zero rectangle) appended to the
  AcroForm's /Fields and its page's /Annots, valued with a /DocTimeStamp dictionary;
- validation data: the catalog's /DSS, with certificates, OCSP responses and CRLs that parse as such;
- alongside these: the catalog's /Extensions (developer extension levels), the /Info entries
  /Producer and /ModDate, and an XMP packet that says the same as before except its dates and producer.

Each rule compares value by value with the object as it stood one revision earlier.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from agreement_gen.i18n import _
from agreement_gen.signing.judgement import xmp
from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.judgement.structure import Document, Name, Ref, Stream, String

MAX_DECODED = 10_000_000  # bytes a metadata or validation-data stream may decode to
SIGNATURE_KEYS = {
    "Type", "Filter", "SubFilter", "ByteRange", "Contents", "M", "Name", "Reason", "Location", "ContactInfo",
    "Prop_Build", "Prop_AuthTime", "Prop_AuthType",
}  # fmt: skip
SUBFILTERS = {"/Sig": {"adbe.pkcs7.detached", "ETSI.CAdES.detached"}, "/DocTimeStamp": {"ETSI.RFC3161"}}
EXTENSION_KEYS = {"Type", "BaseVersion", "ExtensionLevel", "URL", "ExtensionRevision"}
DSS_KEYS = {"Type", "Certs", "OCSPs", "CRLs", "VRI"}
VRI_KEYS = {"Type", "Cert", "OCSP", "CRL", "TU", "TS"}
INFO_UPDATED = {"Producer", "ModDate"}


class ChangeProblem(SignatureProblem):
    """A revision after ours contains something a signature does not need."""


@dataclass(frozen=True)
class Signed:
    """What one revision after ours did."""

    revision: int
    field: str | None  # the field it signed (one of ours, or a new document-timestamp field)
    kind: str | None  # '/Sig' or '/DocTimeStamp'
    validation_data: bool


@dataclass
class _State:
    """Where the document's parts are, as the revisions go on."""

    root: int
    info: int | None
    acroform: int
    fields: dict[int, str]  # our two fields: object number → name
    metadata: int | None
    pages: dict[int, int]  # page object → page number (1-based)
    contents: dict[int, int]  # content stream → page number
    signed: set[int] = field(default_factory=set)  # fields that have a value
    roles: dict[int, str] = field(default_factory=dict)  # what objects added after ours are
    dss: int | None = None


def _text(value: Any) -> str:
    if isinstance(value, String):
        raw = value.value
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be", "replace")
        return raw.decode("latin-1")
    return str(value)


def _decoded(stream: Stream, what: str) -> bytes:
    filters = stream.dictionary.get(Name("Filter"))
    if filters is None:
        return stream.data
    if filters not in (Name("FlateDecode"), [Name("FlateDecode")]) or Name("DecodeParms") in stream.dictionary:
        raise ChangeProblem(
            _("{what} is encoded in a way signing software does not use ({filters})").format(what=what, filters=filters)
        )
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(stream.data, MAX_DECODED)
    except zlib.error as exc:
        raise ChangeProblem(_("{what} cannot be decoded ({exc})").format(what=what, exc=exc)) from exc
    if inflater.unconsumed_tail:
        raise ChangeProblem(
            _("{what} decodes to more than {MAX_DECODED} bytes").format(what=what, MAX_DECODED=MAX_DECODED)
        )
    return data


class Review:
    """The revisions after ours, judged one by one against the one before."""

    def __init__(self, doc: Document, wanted: tuple[str, str]):
        self.doc = doc
        self.wanted = wanted
        self.state = self._ours()

    # --- our revision: where everything is ------------------------------------------------------------------------

    def _ours(self) -> _State:
        doc = self.doc
        trailer = doc.revisions[0].trailer
        root, info = trailer.get(Name("Root")), trailer.get(Name("Info"))
        catalog = doc.resolve(root, 0)
        acroform = catalog.get(Name("AcroForm")) if isinstance(catalog, dict) else None
        form = doc.resolve(acroform, 0)
        if not isinstance(root, Ref) or not isinstance(acroform, Ref) or not isinstance(form, dict):
            raise ChangeProblem(_("its first revision does not have the form our documents have"))
        fields: dict[int, str] = {}
        for ref in doc.resolve(form.get(Name("Fields"), []), 0):
            value = doc.resolve(ref, 0)
            if isinstance(ref, Ref) and isinstance(value, dict) and _text(value.get(Name("T"))) in self.wanted:
                fields[ref.num] = _text(value[Name("T")])
        if sorted(fields.values()) != sorted(self.wanted):
            raise ChangeProblem(
                _("its first revision does not have the two fields {items}").format(items=" and ".join(self.wanted))
            )
        metadata = catalog.get(Name("Metadata"))
        pages: dict[int, int] = {}  # page object → page number, in reading order
        contents: dict[int, int] = {}
        stack, visited = [catalog.get(Name("Pages"))], set[int]()
        while stack:
            ref = stack.pop()
            if not isinstance(ref, Ref) or ref.num in visited:  # each node once: a page tree may loop
                continue
            visited.add(ref.num)
            node = doc.resolve(ref, 0)
            if not isinstance(node, dict):
                continue
            if node.get(Name("Type")) == Name("Page"):
                pages[ref.num] = len(pages) + 1
                content = node.get(Name("Contents"))
                for item in content if isinstance(content, list) else [content]:
                    if isinstance(item, Ref):
                        contents[item.num] = ref.num
            else:
                stack.extend(reversed(node.get(Name("Kids"), [])))
        tree = catalog.get(Name("Pages"))
        roles = {tree.num: _("the page tree")} if isinstance(tree, Ref) else {}
        return _State(
            roles=roles,
            root=root.num,
            info=info.num if isinstance(info, Ref) else None,
            acroform=acroform.num,
            fields=fields,
            metadata=metadata.num if isinstance(metadata, Ref) else None,
            pages=pages,
            contents={num: pages[page] for num, page in contents.items()},
        )

    def describe(self, num: int) -> str:
        state = self.state
        if num in state.roles:
            return _("object {num} ({roles})").format(num=num, roles=state.roles[num])
        if num in state.pages:
            return _("object {num} (page {pages})").format(num=num, pages=state.pages[num])
        if num in state.contents:
            return _("object {num} (the text and drawing of page {contents})").format(
                num=num, contents=state.contents[num]
            )
        return _("object {num}").format(num=num)

    # --- each revision ----------------------------------------------------------------------------------------

    def run(self) -> list[Signed]:
        return [self._revision(index) for index in range(1, len(self.doc.revisions))]

    def _revision(self, k: int) -> Signed:
        doc, state = self.doc, self.state
        written = doc.objects[k]
        added = {num for num in written if not doc.existed_before(num, k)}
        self.k, self.added = k, added
        self.claimed: set[int] = set()
        self.signed_now: list[tuple[str, str]] = []
        self.new_widgets: list[int] = []
        self.annotated: list[int] = []
        self.validation = False
        for num in sorted(set(written) - added):
            old, new = doc.get(num, k - 1), written[num]
            if num == state.root:
                self._catalog(old, new)
            elif num == state.info:
                self._info(old, new)
            elif num == state.acroform:
                self._acroform(old, new)
            elif num in state.fields:
                self._field(num, old, new)
            elif num == state.metadata:
                self._metadata(old, new, f"revision {k}'s metadata")
            elif num in state.pages:
                self._page(num, old, new)
            elif num == state.dss:
                self._dss(num)
            else:
                raise ChangeProblem(
                    _("revision {k} changes {describe}, which no signature changes").format(
                        k=k, describe=self.describe(num)
                    )
                )
        if sorted(self.annotated) != sorted(self.new_widgets):
            raise ChangeProblem(
                _("revision {k} adds an annotation to a page that is not a document timestamp's").format(k=k)
            )
        unclaimed = sorted(added - self.claimed)
        if unclaimed:
            raise ChangeProblem(
                _("revision {k} adds {describe}, which no signature uses").format(
                    k=k, describe=self.describe(unclaimed[0])
                )
            )
        if len(self.signed_now) > 1:
            raise ChangeProblem(_("revision {k} fills two signature fields at once").format(k=k))
        if not self.signed_now and not self.validation:
            raise ChangeProblem(
                _("revision {k} carries no signature, document timestamp or validation data").format(k=k)
            )
        name, kind = self.signed_now[0] if self.signed_now else (None, None)
        return Signed(k, name, kind, self.validation)

    def _claim(self, start: Any, role: str) -> None:
        """Claim the new objects reachable from `start` (existing ones may be referred to, not changed).

        Each new object is expanded once, so this visits no more values than the revision's parsing read
        (which structure.py bounds): no limit of its own is needed.
        """
        stack = [start]
        while stack:
            value = stack.pop()
            if isinstance(value, Ref):
                if value.num in self.added and value.num not in self.claimed:
                    self.claimed.add(value.num)
                    self.state.roles[value.num] = role
                    stack.append(self.doc.objects[self.k][value.num])
            elif isinstance(value, Stream):
                stack.extend(value.dictionary.values())
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)

    def _new(self, value: Any, what: str) -> Any:
        """A reference to an object this revision adds, resolved; anything else is refused."""
        if not isinstance(value, Ref) or value.num not in self.added or value.num in self.claimed:
            raise ChangeProblem(
                _("revision {k} gives {what} an object that is not new in it").format(k=self.k, what=what)
            )
        return self.doc.objects[self.k][value.num]

    def _differing(self, old: dict[str, Any], new: dict[str, Any]) -> set[str]:
        return {str(key) for key in set(old) | set(new) if old.get(key) != new.get(key)}

    def _refuse_keys(self, num: int, keys: set[str], allowed: set[str]) -> None:
        extra = sorted(keys - allowed)
        if extra:
            raise ChangeProblem(
                _("revision {k} changes /{items} of {describe}, which no signature changes").format(
                    k=self.k, items=", /".join(extra), describe=self.describe(num)
                )
            )

    # --- the rules, one per kind of object ----------------------------------------------------------------------

    def _catalog(self, old: Any, new: Any) -> None:
        state = self.state
        state.roles.setdefault(state.root, "the document catalog")
        if not isinstance(new, dict):
            raise ChangeProblem(_("revision {k} replaces the document catalog").format(k=self.k))
        keys = self._differing(old, new)
        self._refuse_keys(state.root, keys, {"Extensions", "DSS", "Metadata", "Version"})
        if "Version" in keys:
            version = str(new.get(Name("Version")))
            header = self.doc.content[5:8].decode("latin-1")
            if not re.fullmatch(r"[12]\.\d", version) or version < header:
                raise ChangeProblem(
                    _("revision {k} sets the PDF version to {version}").format(k=self.k, version=version)
                )
        if "Extensions" in keys:
            self._extensions(new.get(Name("Extensions")))
        if "Metadata" in keys:
            stream = self._new(new.get(Name("Metadata")), "the document's metadata")
            self.claimed.add(new[Name("Metadata")].num)
            previous = self.doc.get(state.metadata, self.k - 1) if state.metadata is not None else None
            self._metadata(previous, stream, f"revision {self.k}'s metadata")
            state.metadata = new[Name("Metadata")].num
            state.roles[state.metadata] = "the document's metadata"
        if "DSS" in keys:
            ref = new.get(Name("DSS"))
            if not isinstance(ref, Ref):
                raise ChangeProblem(
                    _("revision {k}'s validation data (/DSS) is not an object of its own").format(k=self.k)
                )
            self._dss(ref.num)
            state.dss = ref.num

    def _extensions(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise ChangeProblem(_("revision {k} sets developer extensions that are not a dictionary").format(k=self.k))
        for prefix, entries in value.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                if not isinstance(entry, dict) or set(map(str, entry)) - EXTENSION_KEYS:
                    raise ChangeProblem(
                        _("revision {k} sets a developer extension /{prefix} beyond a version level").format(
                            k=self.k, prefix=prefix
                        )
                    )
                if entry.get(Name("Type"), Name("DeveloperExtensions")) != Name("DeveloperExtensions"):
                    raise ChangeProblem(
                        _("revision {k} sets a developer extension /{prefix} of another type").format(
                            k=self.k, prefix=prefix
                        )
                    )

    def _info(self, old: Any, new: Any) -> None:
        assert self.state.info is not None
        self.state.roles.setdefault(self.state.info, "the document information")
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise ChangeProblem(_("revision {k} replaces the document information").format(k=self.k))
        keys = self._differing(old, new)
        self._refuse_keys(self.state.info, keys, INFO_UPDATED)
        for key in keys:
            value = new.get(Name(key))
            if not isinstance(value, String) or len(value.value) > 256:
                raise ChangeProblem(
                    _("revision {k} sets the document information's /{key} to something odd").format(k=self.k, key=key)
                )
            if key == "ModDate" and not re.fullmatch(rb"D:\d{4,14}([Z+\-][\d']*)?", value.value):
                raise ChangeProblem(
                    _("revision {k} sets the document information's /ModDate to no date").format(k=self.k)
                )

    def _acroform(self, old: Any, new: Any) -> None:
        num = self.state.acroform
        self.state.roles.setdefault(num, "the form")
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise ChangeProblem(_("revision {k} replaces the form").format(k=self.k))
        keys = self._differing(old, new)
        self._refuse_keys(num, keys, {"SigFlags", "Fields"})
        if "SigFlags" in keys and new.get(Name("SigFlags")) not in (1, 3):
            raise ChangeProblem(
                _("revision {k} sets the form's /SigFlags to {get}").format(k=self.k, get=new.get(Name("SigFlags")))
            )
        if "Fields" in keys:
            before, after = old[Name("Fields")], new.get(Name("Fields"))  # our form has them (see _ours)
            if not isinstance(after, list) or after[: len(before)] != before:
                raise ChangeProblem(_("revision {k} removes or reorders the form's fields").format(k=self.k))
            for ref in after[len(before) :]:
                self._timestamp_field(ref)

    def _field(self, num: int, old: Any, new: Any) -> None:
        name = self.state.fields[num]
        if num in self.state.signed:
            raise ChangeProblem(
                _("revision {k} changes the field {name} after it was signed").format(k=self.k, name=name)
            )
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise ChangeProblem(_("revision {k} replaces the field {name}").format(k=self.k, name=name))
        self.state.roles.setdefault(num, f"the field {name}")
        keys = self._differing(old, new)
        self._refuse_keys(num, keys, {"V", "AP"})
        if "V" not in keys:
            raise ChangeProblem(
                _("revision {k} changes the field {name} without signing it").format(k=self.k, name=name)
            )
        self._signature_value(new[Name("V")], name, "/Sig")
        if "AP" in keys:
            self._appearance(new.get(Name("AP")), name)
        self.state.signed.add(num)

    def _appearance(self, value: Any, name: str) -> None:
        if not isinstance(value, dict) or set(map(str, value)) != {"N"}:
            raise ChangeProblem(
                _("revision {k} gives the field {name} appearances other than one normal one").format(
                    k=self.k, name=name
                )
            )
        stream = self._new(value[Name("N")], f"the appearance of {name}")
        if not isinstance(stream, Stream) or stream.dictionary.get(Name("Subtype")) != Name("Form"):
            raise ChangeProblem(
                _("revision {k}'s appearance of {name} is not a form XObject").format(k=self.k, name=name)
            )
        self._claim(value[Name("N")], f"the appearance of the signature in {name}")

    def _signature_value(self, ref: Any, name: str, kind: str) -> None:
        value = self._new(ref, f"the value of {name}")
        if not isinstance(value, dict) or value.get(Name("Type"), Name("Sig")) != Name(kind[1:]):
            raise ChangeProblem(
                _("revision {k} fills {name} with something other than a {kind} dictionary").format(
                    k=self.k, name=name, kind=kind[1:]
                )
            )
        extra = sorted(set(map(str, value)) - SIGNATURE_KEYS)
        if extra:
            raise ChangeProblem(
                _(
                    "revision {k}'s signature in {name} carries /{items}, which an approval signature does "
                    "not (a certification or field lock, say)"
                ).format(k=self.k, name=name, items=", /".join(extra))
            )
        if str(value.get(Name("SubFilter"))) not in SUBFILTERS[kind]:
            raise ChangeProblem(
                _("revision {k}'s signature in {name} has the format {get}").format(
                    k=self.k, name=name, get=value.get(Name("SubFilter"))
                )
            )
        contents, ranges = value.get(Name("Contents")), value.get(Name("ByteRange"))
        end = self.doc.revisions[self.k].end
        if not isinstance(contents, String) or ranges != [0, contents.start, contents.end, end - contents.end]:
            raise ChangeProblem(
                _("revision {k}'s signature in {name} does not cover exactly its revision (its /ByteRange)").format(
                    k=self.k, name=name
                )
            )
        self.claimed.add(ref.num)
        self.state.roles[ref.num] = f"the signature value of {name}"
        for item in value.values():
            self._claim(item, f"the signature value of {name}")
        self.signed_now.append((name, kind))

    def _timestamp_field(self, ref: Any) -> None:
        value = self._new(ref, "a new form field")
        self.claimed.add(ref.num)
        if not isinstance(value, dict) or value.get(Name("FT")) != Name("Sig"):
            raise ChangeProblem(_("revision {k} adds a form field that is not a signature field").format(k=self.k))
        name = _text(value.get(Name("T")))
        self.state.roles[ref.num] = f"the new field {name}"
        allowed = {"FT", "T", "TU", "V", "Type", "Subtype", "Rect", "F", "P", "AP"}
        self._refuse_keys(ref.num, set(map(str, value)), allowed)
        rect = value.get(Name("Rect"), [0, 0, 0, 0])
        if not isinstance(rect, list) or len(rect) != 4 or rect[0] != rect[2] or rect[1] != rect[3]:
            raise ChangeProblem(
                _(
                    "revision {k} adds a visible signature field {name} (only document timestamps, which are "
                    "invisible, may be added)"
                ).format(k=self.k, name=name)
            )
        if Name("V") not in value:
            raise ChangeProblem(_("revision {k} adds an empty signature field {name}").format(k=self.k, name=name))
        self._signature_value(value[Name("V")], name, "/DocTimeStamp")
        if Name("AP") in value:
            self._appearance(value[Name("AP")], name)
        self.new_widgets.append(ref.num)

    def _page(self, num: int, old: Any, new: Any) -> None:
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise ChangeProblem(_("revision {k} replaces {describe}").format(k=self.k, describe=self.describe(num)))
        keys = self._differing(old, new)
        self._refuse_keys(num, keys, {"Annots"})
        before, after = old.get(Name("Annots"), []), new.get(Name("Annots"))
        if not isinstance(before, list) or not isinstance(after, list) or after[: len(before)] != before:
            raise ChangeProblem(
                _("revision {k} removes or reorders the annotations of {describe}").format(
                    k=self.k, describe=self.describe(num)
                )
            )
        self.annotated += [ref.num for ref in after[len(before) :] if isinstance(ref, Ref)]
        if any(not isinstance(ref, Ref) for ref in after[len(before) :]):
            raise ChangeProblem(
                _("revision {k} adds an annotation to {describe} that is no field").format(
                    k=self.k, describe=self.describe(num)
                )
            )

    def _metadata(self, old: Any, new: Any, what: str) -> None:
        if not isinstance(new, Stream) or set(map(str, new.dictionary)) - {"Type", "Subtype", "Length", "Filter"}:
            raise ChangeProblem(_("{what} is not a plain metadata stream").format(what=what))
        if self.state.metadata is not None:
            self.state.roles.setdefault(self.state.metadata, "the document's metadata")
        if not isinstance(old, Stream):
            raise ChangeProblem(_("{what} replaces metadata that was not there").format(what=what))
        try:
            changed = xmp.changed_properties(_decoded(old, what), _decoded(new, what))
        except xmp.XmpError as exc:
            raise ChangeProblem(_("{what} {exc}").format(what=what, exc=exc)) from exc
        if changed:
            raise ChangeProblem(
                _("{what} changes {items}, which signing does not change").format(what=what, items=", ".join(changed))
            )

    def _dss(self, num: int) -> None:
        """Validation data (object `num`): only certificates, OCSP responses and CRLs that parse as such."""
        from asn1crypto import cms, crl, ocsp, x509

        what = f"revision {self.k}'s validation data (/DSS)"
        value = self.doc.get(num, self.k)
        if num in self.added:
            self.claimed.add(num)
        self.state.roles[num] = "the validation data (/DSS)"
        if not isinstance(value, dict) or set(map(str, value)) - DSS_KEYS:
            raise ChangeProblem(_("{what} holds more than certificates, OCSP responses and CRLs").format(what=what))
        kinds = {"Certs": x509.Certificate, "OCSPs": ocsp.OCSPResponse, "CRLs": crl.CertificateList}
        streams: set[int] = set()
        for key, parser in kinds.items():
            for item in self.doc.resolve(value.get(Name(key), []), self.k):
                self._dss_stream(item, parser, what, streams)
        vri = self.doc.resolve(value.get(Name("VRI"), {}), self.k)
        if not isinstance(vri, dict):
            raise ChangeProblem(_("{what} has a /VRI that is not a dictionary").format(what=what))
        for key, entry in vri.items():
            entry = self.doc.resolve(entry, self.k)
            if not re.fullmatch(r"[0-9A-F]{40}", key) or not isinstance(entry, dict):
                raise ChangeProblem(
                    _("{what} has a /VRI entry /{key} that does not name a signature").format(what=what, key=key)
                )
            if set(map(str, entry)) - VRI_KEYS:
                raise ChangeProblem(_("{what}'s /VRI entry holds more than validation data").format(what=what))
            for sub, parser in (("Cert", x509.Certificate), ("OCSP", ocsp.OCSPResponse), ("CRL", crl.CertificateList)):
                for item in self.doc.resolve(entry.get(Name(sub), []), self.k):
                    self._dss_stream(item, parser, what, streams)
            if Name("TS") in entry:
                self._dss_stream(entry[Name("TS")], cms.ContentInfo, what, streams)
        for container in (value.get(Name(k)) for k in ("Certs", "OCSPs", "CRLs", "VRI")):
            self._claim(container, "the validation data (/DSS)")
        self.validation = True

    def _dss_stream(self, item: Any, parser: Any, what: str, seen: set[int]) -> None:
        stream = self.doc.resolve(item, self.k)
        if not isinstance(item, Ref) or not isinstance(stream, Stream):
            raise ChangeProblem(_("{what} holds an entry that is not a stream").format(what=what))
        if item.num in seen:
            return
        seen.add(item.num)
        data = _decoded(stream, what)
        try:
            parsed = parser.load(data, strict=True)
            parsed.native  # noqa: B018 - parsing the whole structure is the check
        except Exception as exc:  # asn1crypto raises many kinds for malformed DER
            raise ChangeProblem(
                _("{what} holds bytes that are not a {name} ({name2})").format(
                    what=what, name=parser.__name__, name2=type(exc).__name__
                )
            ) from exc  # the stream is claimed with the list or /VRI entry that holds it


def review(content: bytes, wanted: tuple[str, str]) -> list[Signed]:
    """Judge every revision after ours; raises SignatureProblem naming the first thing not allowed."""
    return Review(Document(content), wanted).run()
