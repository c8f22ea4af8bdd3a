"""Our own XMP properties: which district, year and stage a PDF is, and which inputs it was built from.

A signed agreement comes back by mail under any name; these properties let `receive` match it
to exactly one build without trusting the file name. They live in a namespace of our own
(prefix `aqb`). PDF/A allows only properties its validators know, so the XMP also carries a
PDF/A extension schema (pdfaExtension:schemas) declaring each of them – and `pdfuaid`, which
PDF/A-2 does not predefine either. Everything is written in one fixed order, so the same
inputs still give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from agreement_gen.data.models import Status

NAMESPACE = "urn:agreement-gen:aqb:1.0/"
PREFIX = "aqb"
SCHEMA_NAME = "agreement-gen: Herkunft der Zielvereinbarung AQB"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
PDFUA_ID = "http://www.aiim.org/pdfua/ns/id/"

# property → (PDF/A value type, description); the order is the order written
PROPERTIES = {
    "District": ("Text", "Kürzel (slug) des Landkreises oder der kreisfreien Stadt"),
    "FiscalYear": ("Integer", "Haushaltsjahr der Zielvereinbarung"),
    "Stage": ("Text", "Stufe des Dokuments: draft, for_signature oder signed"),
    "InputsSHA256": ("Text", "SHA-256 über alle Eingaben des Builds (manifest.json: fingerprint)"),
    "Generator": ("Text", "Version und Code-Prüfsumme von agreement-gen"),
}
PDFUA_SCHEMA = (PDFUA_ID, "pdfuaid", "PDF/UA identification schema", {"part": ("Integer", "Teil von ISO 14289")})


@dataclass(frozen=True)
class Trace:
    """What a PDF says about its own origin."""

    district: str
    year: int
    stage: Status  # parsed when read: a file whose stage is no stage of ours is not our file
    fingerprint: str  # the manifest's fingerprint of every input
    generator: str

    def values(self) -> dict[str, str]:
        return {
            "District": self.district,
            "FiscalYear": str(self.year),
            "Stage": str(self.stage),
            "InputsSHA256": self.fingerprint,
            "Generator": self.generator,
        }


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _rdf_root(xmp: etree._Element) -> etree._Element:
    found = xmp if xmp.tag == _q(RDF, "RDF") else xmp.find(f".//{_q(RDF, 'RDF')}")
    if found is None:
        raise ValueError("the XMP metadata has no rdf:RDF element")
    return found


def _text(parent: etree._Element, namespace: str, name: str, value: str) -> None:
    etree.SubElement(parent, _q(namespace, name)).text = value


def _schema_entry(bag: etree._Element, uri: str, prefix: str, label: str, props: dict[str, tuple[str, str]]) -> None:
    entry = etree.SubElement(bag, _q(RDF, "li"), {_q(RDF, "parseType"): "Resource"})
    _text(entry, PDFA_SCHEMA, "schema", label)
    _text(entry, PDFA_SCHEMA, "namespaceURI", uri)
    _text(entry, PDFA_SCHEMA, "prefix", prefix)
    sequence = etree.SubElement(etree.SubElement(entry, _q(PDFA_SCHEMA, "property")), _q(RDF, "Seq"))
    for name, (value_type, description) in props.items():
        item = etree.SubElement(sequence, _q(RDF, "li"), {_q(RDF, "parseType"): "Resource"})
        _text(item, PDFA_PROPERTY, "name", name)
        _text(item, PDFA_PROPERTY, "valueType", value_type)
        _text(item, PDFA_PROPERTY, "category", "external" if prefix == PREFIX else "internal")
        _text(item, PDFA_PROPERTY, "description", description)


def _uses_pdfua(rdf: etree._Element) -> bool:
    part = _q(PDFUA_ID, "part")
    return rdf.find(f".//{part}") is not None or any(part in d.attrib for d in rdf.findall(_q(RDF, "Description")))


def _node(item: etree._Element) -> etree._Element:
    """A structure in an rdf:li: the li itself (rdf:parseType="Resource") or the rdf:Description inside it."""
    inner = item.find(_q(RDF, "Description"))
    return inner if inner is not None else item


def _value(node: etree._Element, namespace: str, name: str) -> str | None:
    """A simple property in any of XMP's spellings: attribute, element text, or rdf:resource (a URI)."""
    attribute = node.get(_q(namespace, name))
    if attribute is not None:
        return str(attribute).strip()
    child = node.find(_q(namespace, name))
    if child is None:
        return None
    resource = child.get(_q(RDF, "resource"))
    return (resource if resource is not None else child.text or "").strip()


def _declared_uris(rdf: etree._Element) -> dict[str, etree._Element]:
    """Namespace URI → its rdf:li in pdfaExtension:schemas (as we write it, or as pyHanko rewrites it)."""
    found = {}
    for schemas in rdf.iter(_q(PDFA_EXTENSION, "schemas")):
        for entry in schemas.iterfind(f"{_q(RDF, 'Bag')}/{_q(RDF, 'li')}"):
            uri = _value(_node(entry), PDFA_SCHEMA, "namespaceURI")
            if uri:
                found[uri] = entry
    return found


def add_trace(xmp_packet: bytes, trace: Trace) -> bytes:
    """The XMP packet with our properties set and declared (replacing any earlier ones)."""
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    root = etree.fromstring(xmp_packet, parser)
    rdf = _rdf_root(root)
    for description in rdf.findall(_q(RDF, "Description")):
        for child in [c for c in description if isinstance(c.tag, str) and c.tag.startswith(f"{{{NAMESPACE}}}")]:
            description.remove(child)
        for attribute in [a for a in description.attrib if a.startswith(f"{{{NAMESPACE}}}")]:
            del description.attrib[attribute]
        if len(description) == 0 and set(description.attrib) <= {_q(RDF, "about")}:
            rdf.remove(description)  # held only our properties
    declared = _declared_uris(rdf)
    if NAMESPACE in declared:
        declared[NAMESPACE].getparent().remove(declared.pop(NAMESPACE))

    ours = etree.Element(_q(RDF, "Description"), {_q(RDF, "about"): ""}, nsmap={PREFIX: NAMESPACE})
    for name, value in trace.values().items():
        _text(ours, NAMESPACE, name, value)
    bags = rdf.findall(f"{_q(RDF, 'Description')}/{_q(PDFA_EXTENSION, 'schemas')}/{_q(RDF, 'Bag')}")
    if bags:  # ours goes before the declarations, where it went the first time: writing twice changes nothing
        bags[0].getparent().getparent().addprevious(ours)
    else:
        rdf.append(ours)

    if bags:
        bag = bags[0]
    else:
        nsmap = {"pdfaExtension": PDFA_EXTENSION, "pdfaSchema": PDFA_SCHEMA, "pdfaProperty": PDFA_PROPERTY}
        holder = etree.SubElement(rdf, _q(RDF, "Description"), {_q(RDF, "about"): ""}, nsmap=nsmap)
        bag = etree.SubElement(etree.SubElement(holder, _q(PDFA_EXTENSION, "schemas")), _q(RDF, "Bag"))
    if _uses_pdfua(rdf) and PDFUA_ID not in declared:
        uri, prefix, label, props = PDFUA_SCHEMA
        _schema_entry(bag, uri, prefix, label, props)
    _schema_entry(bag, NAMESPACE, PREFIX, SCHEMA_NAME, PROPERTIES)
    return _serialise(root)


def _serialise(root: etree._Element) -> bytes:
    """The packet as XMP wants it: the xpacket wrapper around the xmpmeta element, UTF-8."""
    body: bytes = etree.tostring(root, encoding="utf-8")
    return b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body + b'\n<?xpacket end="w"?>'


def read_trace(xmp_packet: bytes) -> Trace | None:
    """Our properties from an XMP packet, or None when one is missing or unreadable (not our file)."""
    try:
        rdf = _rdf_root(etree.fromstring(xmp_packet, etree.XMLParser(resolve_entities=False, no_network=True)))
    except (etree.XMLSyntaxError, ValueError):
        return None
    values: dict[str, str] = {}
    for description in rdf.findall(_q(RDF, "Description")):
        for name in PROPERTIES:
            value = _value(description, NAMESPACE, name)
            if value is not None:
                values[name] = value
    if set(values) != set(PROPERTIES) or not values["FiscalYear"].isdigit():
        return None
    if values["Stage"] not in set(Status):
        return None
    return Trace(
        district=values["District"],
        year=int(values["FiscalYear"]),
        stage=Status(values["Stage"]),
        fingerprint=values["InputsSHA256"],
        generator=values["Generator"],
    )


def undeclared(xmp_packet: bytes) -> list[str]:
    """Which of our properties (and pdfuaid:part, when used) the extension schema fails to declare."""
    try:
        rdf = _rdf_root(etree.fromstring(xmp_packet, etree.XMLParser(resolve_entities=False, no_network=True)))
    except (etree.XMLSyntaxError, ValueError):
        return [f"{PREFIX}:{name}" for name in PROPERTIES]
    declared = _declared_uris(rdf)
    missing: list[str] = []
    wanted = [(NAMESPACE, PREFIX, list(PROPERTIES))]
    if _uses_pdfua(rdf):
        wanted.append((PDFUA_ID, "pdfuaid", ["part"]))
    for uri, prefix, names in wanted:
        entry = declared.get(uri)
        if entry is None or _value(_node(entry), PDFA_SCHEMA, "prefix") != prefix:
            missing.extend(f"{prefix}:{name}" for name in names)
            continue
        have = {_value(_node(item), PDFA_PROPERTY, "name") for item in entry.iter(_q(RDF, "li")) if item is not entry}
        missing.extend(f"{prefix}:{name}" for name in names if name not in have)
    return missing
