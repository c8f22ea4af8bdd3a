"""A DOCX as lines of text (`text.lines`: headers, footers, text boxes, footnotes, fields as fields) –
for `git diff` and `agreement-gen diff`.

Git shows a Word file as "Binary files differ". With `make git-setup` it runs
`python -m agreement_gen.editors.textconv FILE` instead and compares these lines, so `git diff` and
`git log -p` on the master template show which sentence or tag changed. Tags stay as they
are written (`{{ district.genitive }}`); nothing is rendered. Only python-docx and lxml are imported:
git calls this once per file version, and it must be quick.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError

from agreement_gen.render.text import lines as document_lines


def main(argv: list[str] | None = None) -> int:
    """`python -m agreement_gen.editors.textconv FILE`: print the lines; git's textconv interface."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m agreement_gen.editors.textconv FILE.docx", file=sys.stderr)
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
