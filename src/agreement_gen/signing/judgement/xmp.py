"""XMP metadata compared by meaning: signing software rewrites the packet in its own RDF style.

pyHanko, for one, merges descriptions, turns elements into attributes and nested resources into
descriptions. So both packets are read as RDF statements (predicate, value; nested resources and
rdf:Alt/Seq/Bag containers as values) and compared as sets, after leaving out the few properties
signing software honestly updates. Everything else – our trace (district, year, stage, inputs), the
title, the PDF/A identification – must stay as we wrote it. Text beside a structure (mixed content) is
not XMP and refused: a reader might show the text where we compare the structure.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from agreement_gen.i18n import _

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XMP = "http://ns.adobe.com/xap/1.0/"
PDF = "http://ns.adobe.com/pdf/1.3/"
# What signing software updates when it saves: when, and with what.
UPDATED_BY_SIGNING = {f"{{{XMP}}}ModifyDate", f"{{{XMP}}}MetadataDate", f"{{{PDF}}}Producer"}
CONTAINERS = {f"{{{RDF}}}{kind}" for kind in ("Alt", "Seq", "Bag")}
MAX_PACKET = 1_000_000  # bytes


class XmpError(ValueError):
    """The packet is not XMP we can read; the message says why."""


def _value(element: ET.Element) -> Any:
    """The value of a property element (or rdf:li)."""
    attributes = [k for k in element.attrib if not k.startswith(f"{{{RDF}}}") and k != XML_LANG]
    children = list(element)
    resource = element.attrib.get(f"{{{RDF}}}resource")
    if (children or attributes or resource is not None) and _has_text(element):
        raise _structure(element)  # text beside a structure: readers would disagree what the value is
    if resource is not None:
        if children:
            raise _structure(element)
        return resource.strip()
    if element.attrib.get(f"{{{RDF}}}parseType") == "Resource":
        return _node(element)
    if len(children) == 1 and children[0].tag == f"{{{RDF}}}Description":
        return _node(children[0])
    if len(children) == 1 and children[0].tag in CONTAINERS:
        container = children[0]
        if _has_text(container):
            raise _structure(element)
        items = tuple((item.attrib.get(XML_LANG), _value(item)) for item in container)
        return (container.tag, items if container.tag.endswith("Seq") else tuple(sorted(items, key=repr)))
    if children:
        raise _structure(element)
    if attributes:
        return _node(element)
    return (element.text or "").strip()


def _has_text(element: ET.Element) -> bool:
    """Whether the element holds text beside (or instead of) child elements."""
    return bool((element.text or "").strip()) or any((child.tail or "").strip() for child in element)


def _structure(element: ET.Element) -> XmpError:
    return XmpError(_("the property {tag} has a structure XMP does not define").format(tag=element.tag))


def _node(element: ET.Element) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """A resource: its statements (attributes other than rdf:* and xml:lang, and child elements), order-free."""
    if _has_text(element):
        raise _structure(element)
    statements = [(k, v.strip()) for k, v in element.attrib.items() if not k.startswith(f"{{{RDF}}}") and k != XML_LANG]
    statements += [(child.tag, _value(child)) for child in element]
    return ("node", tuple(sorted(statements, key=repr)))


def statements(packet: bytes) -> Counter[tuple[str, Any]]:
    """The packet's top-level statements (predicate, value), as a multiset."""
    if len(packet) > MAX_PACKET:
        raise XmpError(_("is larger than {MAX_PACKET} bytes").format(MAX_PACKET=MAX_PACKET))
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise XmpError(_("declares a document type or entities"))
    try:
        root = ET.fromstring(packet)
    except ET.ParseError as exc:
        raise XmpError(_("is not well-formed XML ({exc})").format(exc=exc)) from exc
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        raise XmpError(_("has no RDF"))
    found: Counter[tuple[str, Any]] = Counter()
    for description in rdf:
        if description.tag != f"{{{RDF}}}Description" or description.attrib.get(f"{{{RDF}}}about", "") != "":
            raise XmpError(_("describes something other than the document ({tag})").format(tag=description.tag))
        for statement in _node(description)[1]:
            found[statement] += 1
    return found


def changed_properties(before: bytes, after: bytes) -> list[str]:
    """Properties whose values differ between the packets, leaving out those signing software updates."""
    old, new = statements(before), statements(after)
    differing = (old - new) + (new - old)
    names = sorted({predicate for predicate, _ in differing if predicate not in UPDATED_BY_SIGNING})
    return [_short(name) for name in names]


def _short(name: str) -> str:
    prefixes = {XMP: "xmp", PDF: "pdf", "http://purl.org/dc/elements/1.1/": "dc", "urn:agreement-gen:aqb:1.0/": "aqb"}
    namespace, _brace, local = name[1:].partition("}")
    return f"{prefixes.get(namespace, namespace)}:{local}"
