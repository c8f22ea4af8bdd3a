"""A DOCX as lines of text, headers and footers included – for `git diff` and `agreement-gen diff`.

Git shows a Word file as "Binary files differ". With `make git-setup` it runs
`python -m agreement_gen.textconv FILE` instead and compares these lines, so `git diff` and
`git log -p` on the master template show which sentence or tag changed. Tags stay as they
are written (`{{ district.genitive }}`); nothing is rendered. Only python-docx is imported:
git calls this once per file version, and it must be quick.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError

from agreement_gen.sections import FOOTER_PREFIX, HEADER_PREFIX, PROPERTIES_PREFIX
from agreement_gen.text import paragraphs

PROPERTIES = (("title", "Titel"), ("subject", "Thema"), ("author", "Autor"), ("comments", "Kommentare"))


def _story_lines(story, prefix: str) -> list[str]:
    paragraphs = list(story.paragraphs)
    for table in story.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return [prefix + p.text for p in paragraphs if p.text.strip()]


def document_lines(source: bytes | Path) -> list[str]:
    """Document properties, headers, the body (as `text.paragraphs` reads it), then footers.

    Header and footer lines are marked "[Kopfzeile] "/"[Fußzeile] ", properties "[Eigenschaften] ",
    so a change there is shown where it is. A header shared by several sections appears once.
    """
    data = source.read_bytes() if isinstance(source, Path) else source
    document = docx.Document(io.BytesIO(data))
    props = document.core_properties
    lines = [f"{PROPERTIES_PREFIX}{label}: {value}" for name, label in PROPERTIES if (value := getattr(props, name))]
    headers: list[str] = []
    footers: list[str] = []
    seen: set[int] = set()
    for section in document.sections:
        for kind in ("first_page_header", "header", "even_page_header"):
            header = getattr(section, kind)
            if not header.is_linked_to_previous and id(header.part) not in seen:
                seen.add(id(header.part))
                headers += _story_lines(header, HEADER_PREFIX)
        for kind in ("first_page_footer", "footer", "even_page_footer"):
            footer = getattr(section, kind)
            if not footer.is_linked_to_previous and id(footer.part) not in seen:
                seen.add(id(footer.part))
                footers += _story_lines(footer, FOOTER_PREFIX)
    return lines + headers + paragraphs(data) + footers


def main(argv: list[str] | None = None) -> int:
    """`python -m agreement_gen.textconv FILE`: print the lines; git's textconv interface."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m agreement_gen.textconv FILE.docx", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        lines = document_lines(path)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, OSError) as exc:
        # Still print something: git would otherwise abort the whole `git log -p`.
        lines = [f"({path.name} is not a readable DOCX file: {exc})"]
    # Always UTF-8, whatever the terminal's locale: git compares bytes.
    sys.stdout.buffer.write("".join(line + "\n" for line in lines).encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
