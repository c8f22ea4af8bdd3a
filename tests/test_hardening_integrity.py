"""Every output is checked before it replaces the previous one; the manifest's hashes match the files.

The DOCX must open (builders/docx.py); the PDF must pass verify's checks and pdf/content.py's:
it parses, has pages, its text names the district and the amount, and no character is printed
as an empty box for want of a font.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from agreement_gen.cli import run
from agreement_gen.pdf.content import content_problems
from agreement_gen.pdf.glyphs import box_codes

from .conftest import ROOT, edit_yaml
from .hardening import leftovers
from .helpers import snapshot

BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))


def test_a_same_size_corruption_is_noticed_by_its_hash_and_rebuilt(project, cli):
    assert cli("build", "--only", "fulda,wetterau", "--formats", "docx")[0] == 0
    path = project.out / "2025" / "fulda.docx"
    good = path.read_bytes()
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF  # one flipped byte: same size, same name, same mtime
    path.write_bytes(bytes(damaged))
    code, text, _ = cli("build", "--only", "fulda,wetterau", "--formats", "docx")
    assert code == 0 and "1 built, 1 up to date" in text and "✓ fulda" in text
    assert path.read_bytes() == good


def test_content_check_refuses_what_is_not_a_pdf_or_has_no_text():
    assert content_problems(b"not a pdf", ["x"])[0].startswith("the PDF's text cannot be read")
    blank = pikepdf.new()
    blank.add_blank_page()
    buffer = io.BytesIO()
    blank.save(buffer)
    assert content_problems(buffer.getvalue(), ["Landkreis Fulda"]) == [
        "the PDF's text does not contain 'Landkreis Fulda'"
    ]
    empty = io.BytesIO()
    pikepdf.new().save(empty)
    assert content_problems(empty.getvalue(), ["x"]) == ["the PDF has no pages"]


def test_box_detection_needs_a_real_font_program():
    assert box_codes(b"\x00\x01\x00\x00\x00\x00") == set()  # no tables: nothing to say


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("integrity")
    folders = ["--counties", str(ROOT / "counties"), "--templates", str(ROOT / "templates"), "--out", str(out)]
    assert run(["build", *folders, "--only", "darmstadt-dieburg,frankfurt,hochtaunus"]) == 0
    return out / "2025"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("slug", "right", "wrong"),
    [
        ("darmstadt-dieburg", ["Landkreis Darmstadt-Dieburg", "1.288.930 Euro"], "Landkreis Fulda"),
        ("frankfurt", ["Stadt Frankfurt am Main", "2.418.600 Euro"], "1.288.930 Euro"),
        ("hochtaunus", ["Hochtaunuskreis", "873.450,50 Euro"], "873.450,51 Euro"),
    ],
)
def test_pdf_text_check_finds_what_is_there_and_misses_what_is_not(built, slug, right, wrong):
    pdf = (built / f"{slug}.pdf").read_bytes()
    assert content_problems(pdf, right) == []
    assert content_problems(pdf, [*right, wrong]) == [f"the PDF's text does not contain {wrong!r}"]


@pytest.mark.slow
def test_manifest_hashes_and_pages_match_the_files(built):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    for record in manifest["districts"].values():
        for entry in record["outputs"].values():
            data = (built / entry["file"]).read_bytes()
            assert entry["size"] == len(data)
            if entry["file"].endswith(".pdf"):
                with pikepdf.open(io.BytesIO(data)) as pdf:
                    assert entry["pages"] == len(pdf.pages) >= 1


@pytest.mark.slow
def test_a_pdf_without_the_expected_text_does_not_replace_the_old_one(project, cli, monkeypatch):
    assert cli("build", "--only", "fulda")[0] == 0
    earlier = snapshot(project.out)
    monkeypatch.setattr(
        "agreement_gen.build.builders.pdf.expected_texts", lambda agreement: ["Landkreis Fulda", "999.999.999 Euro"]
    )
    code, out, _ = cli("build", "--only", "fulda", "--force")
    assert code == 1
    assert "✗ fulda: the PDF fails its checks: the PDF's text does not contain '999.999.999 Euro'" in out
    assert snapshot(project.out) == earlier
    assert leftovers(project.out / "2025") == []


def fonts_cover(char: str) -> bool:
    found = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.translate(BIDI_CONTROLS)


UNICODE_NAMES = ["Cafe\u0301 Québec ﬁnden", "مرحبا بالعالم", "שלום עולם", "Ελληνικά Кириллица", "Emoji 😀 und 𝒜"]


@pytest.mark.slow
def test_unicode_names_reach_the_pdf_exactly(project, cli):
    needed = {char for name in UNICODE_NAMES for char in name if ord(char) > 0x17F and char not in "ﬁ"}
    if not all(fonts_cover(char) for char in needed):
        pytest.skip("no installed font covers every script of this test (DejaVu does)")
    names = "".join(f'\n    - "{name}"' for name in UNICODE_NAMES)
    edit_yaml(project.counties / "2025/fulda.yaml", "  4: []", f"  4:{names}")
    code, out, _ = cli("build", "--only", "fulda")
    assert code == 0, out
    text = pdf_text(project.out / "2025" / "fulda.pdf")
    for name in UNICODE_NAMES:
        assert f"– {name}" in text, name


@pytest.mark.slow
def test_characters_no_font_has_are_an_error_not_empty_boxes(project, cli):
    missing = "\U00013000"  # an Egyptian hieroglyph: hardly any system has a font for it
    if fonts_cover(missing):
        pytest.skip("an installed font covers U+13000")
    assert cli("build", "--only", "fulda")[0] == 0
    earlier = snapshot(project.out)
    edit_yaml(project.counties / "2025/fulda.yaml", "  4: []", f'  4:\n    - "Projekt {missing}"')
    code, out, _ = cli("build", "--only", "fulda")
    assert code == 1
    assert "✗ fulda: the PDF fails its checks: the PDF prints empty boxes instead of" in out
    assert "no installed font has this character; install a font that does" in out
    assert snapshot(project.out) == earlier


@pytest.mark.slow
def test_verify_and_content_checks_pass_for_a_copy_of_the_reference(built, tmp_path):
    """The checks that guard the build accept the real, signed reference agreement."""
    shutil.copy(built / "darmstadt-dieburg.pdf", tmp_path / "dd.pdf")
    assert run(["verify", str(tmp_path / "dd.pdf")]) == 0
