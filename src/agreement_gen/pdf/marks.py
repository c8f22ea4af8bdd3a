"""What every page must show, and what must be a heading – checked on the PDF, whatever the template did.

An editor can lose the draft marking on page 1 with "different first page" in the header settings,
or every H1 by giving the § headings a style of their own; the DOCX still looks right to every
text check. So the PDF itself is read:
- on every page of a draft "ENTWURF", on every page of example data "MUSTER – Beispieldaten", and on
  every page "Seite N von M" with its own number (the footer's fields, as printed);
- headings as headings: at least one H1, no level skipped (H1 → H3), and every "§ n" that opens a
  block tagged as a heading, not as a paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pikepdf

from agreement_gen.i18n import _
from agreement_gen.pdf.content import CMaps, _page_text, marked_texts
from agreement_gen.pdf.text import squashed

DRAFT_MARK = "ENTWURF"
EXAMPLE_MARK = "MUSTER – Beispieldaten"
_PARAGRAPH_SIGN = re.compile(r"^§\s*\d+[a-z]?\b")
HEADING = re.compile(r"^/H([1-6])$")


def page_texts(doc: pikepdf.Pdf) -> list[str]:
    """Each page's printed text (header and footer included), squashed: no whitespace, NFKC."""
    cmaps: CMaps = {}
    return [squashed(_page_text(page, cmaps) or "") for page in doc.pages]


def mark_problems(doc: pikepdf.Pdf, draft: bool, example: bool | None) -> list[str]:
    """Pages that lack a marking or their page number. `example` None: required on every page as soon
    as one page shows it (verify does not know the data)."""
    texts = page_texts(doc)
    total = len(texts)
    if example is None:
        example = any(squashed(EXAMPLE_MARK) in text for text in texts)
    wanted = [(DRAFT_MARK, draft), (EXAMPLE_MARK, example)]
    problems = []
    for mark, required in wanted:
        lacking = [str(n) for n, text in enumerate(texts, 1) if required and squashed(mark) not in text]
        if lacking:
            problems.append(
                _("page(s) {pages} of {total} do not show “{mark}” (every page of this document must)").format(
                    pages=", ".join(lacking), total=total, mark=mark
                )
            )
    unnumbered = [str(n) for n, text in enumerate(texts, 1) if f"Seite{n}von{total}" not in text]
    if unnumbered:
        problems.append(
            _("page(s) {pages} of {total} do not show their page number (“Seite N von {total}”)").format(
                pages=", ".join(unnumbered), total=total
            )
        )
    return problems


def _role(node: pikepdf.Dictionary, role_map: dict[str, str]) -> str:
    name = str(node.S)
    seen = 0
    while name in role_map and seen < 10:  # a role map may chain (custom → custom → standard)
        name, seen = role_map[name], seen + 1
    return name


def structure_texts(doc: pikepdf.Pdf) -> Iterator[tuple[str, str]]:
    """(standard structure type, text) of every element holding marked content, in reading order."""
    root = doc.Root.get("/StructTreeRoot")
    if root is None:
        return
    role_map = {str(k): str(v) for k, v in dict(root.get("/RoleMap", {})).items()}
    pages = {page.obj.objgen: page for page in doc.pages}
    cmaps: CMaps = {}
    texts: dict[tuple[int, int], dict[int, str]] = {}

    def text_of(page_ref: pikepdf.Object | None, mcid: int) -> str:
        if page_ref is None or page_ref.objgen not in pages:
            return ""
        if page_ref.objgen not in texts:
            texts[page_ref.objgen] = marked_texts(pages[page_ref.objgen], cmaps)
        return texts[page_ref.objgen].get(mcid, "")

    def own_text(node: pikepdf.Dictionary, depth: int = 0) -> str:
        """The element's marked content, with that of its inline children (a Span per formatting run)."""
        parts = []
        for kid in _kids(node):
            if isinstance(kid, int):
                parts.append(text_of(node.get("/Pg"), int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                parts.append(text_of(kid.get("/Pg", node.get("/Pg")), int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and _inline(kid, role_map) and depth < 20:
                parts.append(own_text(kid, depth + 1))
        return " ".join(" ".join(parts).split())

    stack: list[pikepdf.Object | None] = [root.get("/K")]
    budget = 50000
    while stack and budget:
        budget -= 1
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
            continue
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        text = own_text(node)
        if text:
            yield _role(node, role_map), text
        blocks = [
            k for k in _kids(node) if isinstance(k, pikepdf.Dictionary) and "/S" in k and not _inline(k, role_map)
        ]
        stack.extend(reversed(blocks))


INLINE = {"/Span", "/Link", "/Quote", "/Note", "/Code", "/Lbl", "/Reference", "/BibEntry", "/Ruby", "/Warichu"}


def _kids(node: pikepdf.Dictionary) -> list[pikepdf.Object]:
    kids = node.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []


def _inline(node: object, role_map: dict[str, str]) -> bool:
    return isinstance(node, pikepdf.Dictionary) and "/S" in node and _role(node, role_map) in INLINE


def heading_problems(doc: pikepdf.Pdf) -> list[str]:
    """Headings as a screen reader navigates them: an H1, no skipped level, every "§ n" a heading."""
    problems = []
    levels: list[int] = []
    for kind, text in structure_texts(doc):
        heading = HEADING.match(kind)
        if heading:
            level = int(heading.group(1))
            if levels and level > levels[-1] + 1:
                problems.append(
                    _("heading “{text}” is H{level} right after an H{previous}: a level is skipped").format(
                        text=text[:60], level=level, previous=levels[-1]
                    )
                )
            levels.append(level)
        elif _PARAGRAPH_SIGN.match(text) and len(text) <= 120:
            problems.append(
                _(
                    "“{text}” is tagged {kind}, not as a heading: give the § headings an outline level "
                    "(paragraph style “Heading 1”, or outline level 1 in the style's settings)"
                ).format(text=text[:60], kind=kind[1:])
            )
    if 1 not in levels:
        problems.insert(0, _("no heading is tagged H1"))
    return problems
