"""What LibreOffice's tagged export leaves out, added with pikepdf (PDF/UA-1, ISO 14289-1).

LibreOffice 7.4 draws paragraph borders (our signature lines) as path painting that is neither
tagged content nor an artifact (7.1), writes headers and footers as artifacts without saying they
are pagination, and never reads a header to a screen reader – so nobody hearing the document
learns that it is a draft ("ENTWURF") or made-up example data ("MUSTER"). pyHanko's signature
fields are not in the structure tree either (7.18.4) and their page has no tab order (7.18.3).

Per page this step
- marks every path drawn outside marked content as a layout artifact (lines and borders are
  decoration; text outside marked content is left alone, so the validator still catches it);
- types the header and footer artifacts (/Pagination, /Header or /Footer); on the first page the
  header's text becomes real content, a paragraph at the start of the structure, read once;
- makes "§ n" and its title, two headings in the template, one H1, the section's sub-headings one
  level higher;
- regroups a table of one row (the signature block, one cell per party) as Div elements: layout,
  not data;
- puts each form-field widget into a Form structure element (with /StructParent), placed right
  after the paragraph printed just above it (the place/date line), and sets /Tabs /S.
Everything is derived from the page itself, in a fixed order, so the output stays reproducible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pikepdf

from agreement_gen.pdf.content import CMaps

# One regular expression over the raw content stream (a Python step per operator would cost about
# 25 ms a page). Strings, dictionaries and names are matched first, so that their bytes are never
# read as operators.
_TOKEN = re.compile(
    rb"(?P<text>\bBT\b(?:[^()]*?)\bET\b)"  # a whole text object without literal strings, in one step
    rb"|(?P<string>\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>(?!>))"
    rb"|(?P<mc>/(?P<tag>[^\s/<>\[\]()]+)\s*(?:<<(?P<props>[^<>]*)>>\s*)?(?P<mcop>BDC|BMC)(?![^\s/<>\[\]()]))"
    rb"|(?P<dict><<[^<>]*>>)"
    rb"|(?P<name>/[^\s/<>\[\]()]*)"
    rb"|(?P<op>[A-Za-z'\"][\w*'\"]*)"
)
PATH_CONSTRUCTION = {b"m", b"l", b"c", b"v", b"y", b"h", b"re"}
PATH_PAINTING = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"n"}
CLIPPING = {b"W", b"W*"}
TEXT_SHOWING = {b"Tj", b"TJ", b"'", b'"'}
_MCID = re.compile(rb"/MCID\s+(\d+)")


class UnreadableContent(ValueError):
    """A content stream this scanner does not read (inline images): the page is left as it is."""


@dataclass
class _Block:
    """A marked-content sequence at the top level of a page: where it starts and ends, what it holds."""

    start: int  # byte offsets of the BMC/BDC operator (with its operands) in the content
    end: int
    tag: str = ""
    plain: bool = False  # BMC, no properties
    mcid: int | None = None
    position: tuple[float, float] | None = None  # the first text position inside
    has_text: bool = False


@dataclass
class _Page:
    content: bytes
    blocks: list[_Block] = field(default_factory=list)
    loose_paths: list[tuple[int, int]] = field(default_factory=list)  # byte offsets (first, end)
    edits: list[tuple[int, int, bytes]] = field(default_factory=list)  # (start, end, replacement)


def _scan(content: bytes) -> _Page:
    """Top-level marked-content blocks and the paths drawn outside any of them."""
    page = _Page(content)
    depth = 0
    current: _Block | None = None
    path_start: int | None = None
    for match in _TOKEN.finditer(content):
        kind = match.lastgroup if match.lastgroup in ("string", "dict", "name", "op") else None
        if match.group("text"):
            path_start = None
            if depth and current is not None:
                _read_text(match.group("text"), current)
        elif match.group("mc"):
            if depth == 0:
                mcid = _MCID.search(match.group("props") or b"")
                current = _Block(
                    match.start(),
                    match.end(),
                    tag="/" + match.group("tag").decode("latin-1"),
                    plain=match.group("mcop") == b"BMC",
                    mcid=int(mcid.group(1)) if mcid else None,
                )
            depth += 1
            path_start = None
        elif kind == "op":
            op = match.group("op")
            if op == b"EMC":
                depth = max(depth - 1, 0)
                if depth == 0 and current is not None:
                    page.blocks.append(current)
                    current = None
            elif op in (b"BI", b"ID"):
                raise UnreadableContent("inline image")
            elif depth == 0:
                if op in PATH_CONSTRUCTION:
                    path_start = _operands_start(content, match.start()) if path_start is None else path_start
                elif op in PATH_PAINTING and path_start is not None:
                    page.loose_paths.append((path_start, match.end()))
                    path_start = None
                elif op not in CLIPPING:
                    path_start = None
            elif current is not None and op in TEXT_SHOWING:
                current.has_text = True
    return page


_POSITION = re.compile(rb"([-+\d.]+)\s+([-+\d.]+)\s+(?:T[dD]|Tm)\b")  # Tm: its last two operands


def _read_text(text: bytes, block: _Block) -> None:
    """A text object's first position and whether it shows text, for the block holding it."""
    if block.position is None:
        found = _POSITION.search(text)
        if found:
            block.position = (float(found.group(1)), float(found.group(2)))
    # hex strings hold no letters T, j, J or quotes, and the text object holds no literal strings
    block.has_text = block.has_text or any(op in text for op in (b"Tj", b"TJ", b"'", b'"'))


_OPERANDS = re.compile(rb"(?:[-+\d.]+\s+)*$")


def _operands_start(content: bytes, operator: int) -> int:
    """Where the numbers before a path operator begin (path operators take numbers only)."""
    window = content[max(0, operator - 200) : operator]
    found = _OPERANDS.search(window)
    return operator - (len(window) - found.start()) if found else operator


class _NumberTree:
    """The parent tree as a dict over its flat /Nums array (as LibreOffice writes it); written back by save()."""

    def __init__(self, root: pikepdf.Dictionary):
        if "/ParentTree" not in root:
            root.ParentTree = pikepdf.Dictionary(Nums=pikepdf.Array())
        self._tree = root.ParentTree
        if "/Kids" in self._tree:  # a deep tree: read it whole, write it back flat
            self.entries = {int(k): v for k, v in pikepdf.NumberTree(self._tree).items()}
        else:
            nums = list(self._tree.get("/Nums", []))
            self.entries = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}

    def save(self) -> None:
        flat = pikepdf.Array()
        for key in sorted(self.entries):
            flat.append(key)
            flat.append(self.entries[key])
        for stale in ("/Kids", "/Limits"):
            if stale in self._tree:
                del self._tree[stale]
        self._tree.Nums = flat


def _parent_tree(root: pikepdf.Dictionary) -> _NumberTree:
    return _NumberTree(root)


def _next_key(root: pikepdf.Dictionary, tree: _NumberTree) -> int:
    return max([int(root.get("/ParentTreeNextKey", 0)), *(k + 1 for k in tree.entries)])


def _document_element(root: pikepdf.Dictionary) -> pikepdf.Dictionary:
    kids = root.get("/K")
    element = kids[0] if isinstance(kids, pikepdf.Array) and len(kids) > 0 else kids
    if not isinstance(element, pikepdf.Dictionary):
        raise ValueError("the structure tree root has no document element (/K)")
    return element


def _pagination(scanned: _Page, first: bool) -> list[tuple[int, float]]:
    """Header and footer artifacts typed; on the first page the header's text made real content.
    Returns that content's new MCIDs with their baselines, in content order."""
    tagged_y = [b.position[1] for b in scanned.blocks if b.mcid is not None and b.position]
    if not tagged_y:
        return []
    top, bottom = max(tagged_y), min(tagged_y)
    next_mcid = max((b.mcid for b in scanned.blocks if b.mcid is not None), default=-1) + 1
    new: list[tuple[int, float]] = []
    for block in scanned.blocks:
        if block.tag != "/Artifact" or not block.plain or not block.has_text or block.position is None:
            continue  # only LibreOffice's untyped artifacts with text
        y = block.position[1]
        if y > top:
            kind = "Header"
        elif y < bottom:
            kind = "Footer"
        else:
            continue
        if first and kind == "Header":
            replacement = b"/P <</MCID %d>> BDC" % next_mcid
            new.append((next_mcid, y))
            next_mcid += 1
        else:
            replacement = b"/Artifact <</Type /Pagination /Subtype /%s>> BDC" % kind.encode()
        scanned.edits.append((block.start, block.end, replacement))
    return new


def _wrap_loose_paths(scanned: _Page) -> None:
    """Each path drawn outside marked content wrapped as a layout artifact."""
    for first, end in scanned.loose_paths:
        scanned.edits.append((first, first, b"/Artifact <</Type /Layout>> BDC\n"))
        scanned.edits.append((end, end, b"\nEMC"))


def _apply(scanned: _Page) -> bytes:
    out, last = [], 0
    for start, end, replacement in sorted(scanned.edits):
        out += [scanned.content[last:start], replacement]
        last = end
    return b"".join([*out, scanned.content[last:]])


def _header_paragraphs(
    doc: pikepdf.Pdf, root: pikepdf.Dictionary, page: pikepdf.Page, mcids: list[tuple[int, float]]
) -> None:
    """The first page's header lines as paragraphs at the start of the document's structure."""
    tree = _parent_tree(root)
    key = int(page.obj.get("/StructParents", -1))
    if key < 0:
        return
    owners = list(tree.entries.get(key, []))
    document = _document_element(root)
    by_line: dict[float, list[int]] = {}  # one paragraph per printed line
    for mcid, y in mcids:
        by_line.setdefault(round(y, 1), []).append(mcid)
    elements = []
    for y in sorted(by_line, reverse=True):
        element = doc.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructElem,
                S=pikepdf.Name.P,
                P=document,
                Pg=page.obj,
                K=pikepdf.Array(by_line[y]),
            )
        )
        elements.append(element)
        for mcid in by_line[y]:
            owners.extend([element] * (mcid + 1 - len(owners)))  # new MCIDs follow the page's last one
            owners[mcid] = element
    tree.entries[key] = pikepdf.Array(owners)
    tree.save()
    kids = document.K if isinstance(document.K, pikepdf.Array) else pikepdf.Array([document.K])
    document.K = pikepdf.Array([*elements, *kids])


def _tag_widgets(doc: pikepdf.Pdf, root: pikepdf.Dictionary, page: pikepdf.Page, scanned: _Page) -> None:
    """Each untagged widget in a Form element after the paragraph just above it; the page's tab order."""
    widgets = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Widget" and "/StructParent" not in a]
    if page.obj.get("/Annots"):
        page.obj.Tabs = pikepdf.Name.S
    if not widgets:
        return
    tree = _parent_tree(root)
    key = int(page.obj.get("/StructParents", -1))
    owners = list(tree.entries.get(key, []))
    positions = {b.mcid: b.position for b in scanned.blocks if b.mcid is not None and b.position}
    document = _document_element(root)
    next_key = _next_key(root, tree)
    for widget in widgets:
        left, top = float(widget.Rect[0]), float(widget.Rect[3])
        above = [
            (y - top, mcid)
            for mcid, (x, y) in positions.items()
            if y >= top - 2 and abs(x - left) < 10 and mcid < len(owners)
        ]
        anchor = owners[min(above)[1]] if above else None
        parent = anchor.get("/P") if isinstance(anchor, pikepdf.Dictionary) else None
        if parent is None or not isinstance(parent.get("/K"), pikepdf.Array):
            parent, anchor = document, None
        objr = pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=widget, Pg=page.obj)
        form = doc.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Form, P=parent, Pg=page.obj, K=objr)
        )
        if "/TU" in widget:
            form.Alt = widget.TU  # the field's readable name, also for readers that look at the element
        kids = list(parent.K) if isinstance(parent.K, pikepdf.Array) else [parent.K]
        where = next((i + 1 for i, kid in enumerate(kids) if anchor is not None and kid.objgen == anchor.objgen), None)
        kids.insert(len(kids) if where is None else where, form)
        parent.K = pikepdf.Array(kids)
        widget.StructParent = next_key
        tree.entries[next_key] = form
        next_key += 1
    root.ParentTreeNextKey = next_key
    tree.save()


def _content(page: pikepdf.Page) -> bytes:
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(part.read_bytes() for part in contents)
    return contents.read_bytes() if isinstance(contents, pikepdf.Stream) else b""


def _kids(node: pikepdf.Dictionary) -> list[pikepdf.Object]:
    kids = node.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []


def _standard(node: pikepdf.Dictionary, role_map: dict[str, str]) -> str:
    name = str(node.get("/S", ""))
    return role_map.get(name, name)


def _drop_table_attributes(element: pikepdf.Dictionary) -> None:
    """Table attributes (RowSpan, ColSpan, Headers …) mean nothing on a Div; layout attributes stay."""
    attributes = element.get("/A")
    if isinstance(attributes, pikepdf.Dictionary) and attributes.get("/O") == "/Table":
        del element["/A"]
    elif isinstance(attributes, pikepdf.Array):
        kept = [a for a in attributes if not (isinstance(a, pikepdf.Dictionary) and a.get("/O") == "/Table")]
        element.A = pikepdf.Array(kept)


def _ungrid_layout_tables(root: pikepdf.Dictionary) -> None:
    """A table of a single row is layout (the signature block: one column per party), not data: its
    row and cells become groups (Div), so a screen reader reads each party's block as text, not as a
    table of one row. Tables with more than one row are left as they are."""
    role_map = {str(k): str(v) for k, v in dict(root.get("/RoleMap", {})).items()}
    stack = _kids(root)
    budget = 20000
    while stack and budget:
        budget -= 1
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        kids = [k for k in _kids(node) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        rows = [k for k in kids if _standard(k, role_map) == "/TR"]
        if _standard(node, role_map) == "/Table" and len(rows) == 1 and len(kids) == 1:
            cells = [c for c in _kids(rows[0]) if isinstance(c, pikepdf.Dictionary) and "/S" in c]
            if all(_standard(c, role_map) in ("/TD", "/TH") for c in cells):
                for element in (node, *cells):
                    element.S = pikepdf.Name.Div
                    _drop_table_attributes(element)
                for cell in cells:
                    cell.P = node
                node.K = pikepdf.Array(cells)
                continue
        stack.extend(kids)


_SECTION_NUMBER = re.compile(r"^§\s*\d+[a-z]?$")
_LEVEL = re.compile(r"^/H([1-6])$")


def _mcids(node: pikepdf.Dictionary) -> list[tuple[pikepdf.Object | None, int]]:
    """(page, MCID) of the element's own marked content."""
    out = []
    for kid in _kids(node):
        if isinstance(kid, int):
            out.append((node.get("/Pg"), int(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            out.append((kid.get("/Pg", node.get("/Pg")), int(kid.MCID)))
    return out


def _merge_section_headings(doc: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    """ "§ 5" and its title, printed as two headings, become one H1 ("§ 5 Ziele für die Umsetzung …"),
    and the section's deeper headings move up a level, so a screen reader lists each § once."""
    from agreement_gen.pdf.content import marked_texts

    document = _document_element(root)
    kids = _kids(document)
    pages = {page.obj.objgen: page for page in doc.pages}
    cmaps: CMaps = {}
    texts: dict[tuple[int, int], dict[int, str]] = {}

    def text(node: pikepdf.Dictionary) -> str:
        parts = []
        for page, mcid in _mcids(node):
            if page is None or page.objgen not in pages:
                return ""
            if page.objgen not in texts:
                texts[page.objgen] = marked_texts(pages[page.objgen], cmaps)
            parts.append(texts[page.objgen].get(mcid, ""))
        return " ".join(" ".join(parts).split())

    tree = _parent_tree(root)
    out: list[pikepdf.Object] = []
    merged, index, in_section = False, 0, False
    while index < len(kids):
        kid = kids[index]
        kind = str(kid.get("/S", "")) if isinstance(kid, pikepdf.Dictionary) else ""
        following = kids[index + 1] if index + 1 < len(kids) else None
        if kind == "/H1":
            in_section = False
        if (
            kind == "/H1"
            and isinstance(kid, pikepdf.Dictionary)
            and isinstance(following, pikepdf.Dictionary)
            and str(following.get("/S", "")) == "/H2"
            and _SECTION_NUMBER.match(text(kid))
        ):
            own_page = kid.get("/Pg")
            joined = [pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=page, MCID=mcid) for page, mcid in _mcids(kid)]
            joined += [
                pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=page, MCID=mcid) for page, mcid in _mcids(following)
            ]
            if own_page is not None and all(d.Pg.objgen == own_page.objgen for d in joined):
                kid.K = pikepdf.Array([int(d.MCID) for d in joined])
            else:
                kid.K = pikepdf.Array(joined)
            for page, mcid in _mcids(following):  # the title's content now belongs to the H1
                if page is None or page.objgen not in pages:
                    continue  # content of no known page has no parent-tree entry to move
                owners = tree.entries.get(int(pages[page.objgen].obj.get("/StructParents", -1)))
                if isinstance(owners, pikepdf.Array) and mcid < len(owners):
                    owners[mcid] = kid
            out.append(kid)
            index += 2
            merged = in_section = True
            continue
        level = _LEVEL.match(kind)
        if in_section and level and int(level.group(1)) > 2:
            kid.S = pikepdf.Name(f"/H{int(level.group(1)) - 1}")
        out.append(kid)
        index += 1
    if merged:
        document.K = pikepdf.Array(out)
        tree.save()


def complete_tagging(doc: pikepdf.Pdf) -> None:
    """Add what LibreOffice and pyHanko leave out (see the module docstring), in place."""
    root = doc.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return  # an untagged document (or a damaged tree) is left to the validator to judge
    _ungrid_layout_tables(root)
    _merge_section_headings(doc, root)
    for number, page in enumerate(doc.pages):
        try:
            scanned = _scan(_content(page))
        except UnreadableContent:
            continue  # left to the validator to judge
        header = _pagination(scanned, first=number == 0)
        if header:
            _header_paragraphs(doc, root, page, header)
        _tag_widgets(doc, root, page, scanned)
        _wrap_loose_paths(scanned)
        if scanned.edits:
            contents = page.obj.Contents
            if isinstance(contents, pikepdf.Stream):
                contents.write(_apply(scanned))
            else:
                page.obj.Contents = doc.make_stream(_apply(scanned))
