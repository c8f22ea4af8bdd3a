"""Edits to a copy of the real master template, made the way Word writes them (python-docx/lxml)."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph


def all_paragraphs(document: Document) -> list[Paragraph]:
    body = list(document.paragraphs)
    for table in document.tables:
        body += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    headers = [p for s in document.sections for p in s.header.paragraphs]
    return body + headers


def paragraph_with(document: Document, text: str) -> Paragraph:
    found = [p for p in all_paragraphs(document) if text in p.text]
    assert found, f"no paragraph contains {text!r}"
    return found[0]


def replace_in_run(document: Document, old: str, new: str) -> Paragraph:
    """Edit the text of the run holding `old`, as typing in Word does."""
    paragraph = paragraph_with(document, old)
    run = next(r for r in paragraph.runs if old in r.text)
    run.text = run.text.replace(old, new, 1)
    return paragraph


def split_run(paragraph: Paragraph, at: str) -> tuple[object, object]:
    """Split the run containing `at` before it into two runs (the second one bold): (first, second) elements."""
    run = next(r for r in paragraph.runs if at in r.text)
    before, after = run.text.split(at, 1)
    second = copy.deepcopy(run._r)
    run.text = before
    run._r.addnext(second)
    second_run = type(run)(second, paragraph)
    second_run.text = at + after
    second_run.bold = True
    return run._r, second


def wrap(element, tag: str, **attributes: str):
    """Put `element` inside a new <tag> element (a tracked insertion, a link …) where it stands."""
    wrapper = OxmlElement(tag)
    for name, value in attributes.items():
        wrapper.set(qn(name), value)
    element.addprevious(wrapper)
    wrapper.append(element)
    return wrapper


def libreoffice_save(source: Path, folder: Path) -> Path:
    """`source` opened and saved again as DOCX by LibreOffice (headless, its own profile), unchanged by hand."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed for this test (make build installs it)"
    outdir = folder / "libreoffice-out"
    profile = (folder / "libreoffice-profile").resolve().as_uri()
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
    )
    saved = outdir / source.name
    assert done.returncode == 0 and saved.is_file(), done.stdout + done.stderr
    return saved
