"""`agreement-gen receive` as the clerk meets it: every refusal's exact sentence, the exact year file written,
the kept copies, batches with a bad file, receiving again, and publish's re-check of the kept copy.

The paper route runs on a sent record made without LibreOffice (round_helpers.record_sent), so its tests are
fast; the digital route signs the real for_signature PDF of tests/test_receive.py's round (slow).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pikepdf
import pytest

from agreement_gen.data.models import SignedCopy, SigningRoute
from agreement_gen.data.paths import Paths
from agreement_gen.signing.receive import signed_data_text, today

from . import helpers, test_receive
from .conftest import edit_yaml
from .helpers import snapshot
from .round_helpers import record_sent
from .signing import MINISTRY, issue
from .test_receive import DATA, SLUG, Round, make_for_signature

# The round's fixtures, shared with tests/test_receive.py (the signers' CA, the built and signed round, a copy of it).
signers, round_tree, rnd = test_receive.signers, test_receive.round_tree, test_receive.rnd

HEADING = "invalid input – {count} problem{s}, nothing was written:"


def run_receive(paths: Paths, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    """`agreement-gen receive ARGS…`: (exit code, stdout lines, stderr lines) – each line exactly as printed."""
    code, out, err = helpers.invoke(paths, capsys, "receive", *args)
    return code, out.splitlines(), err.splitlines()


def refusals(paths: Paths, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """Run receive, expect a refusal (exit 2) that changed nothing under counties/; returns the problem lines."""
    before = snapshot(paths.counties)
    code, out, err = run_receive(paths, capsys, *args)
    assert code == 2, (out, err)
    assert out == []
    count = len(err) - 1
    assert err[0] == HEADING.format(count=count, s="" if count == 1 else "s")
    assert all(line.startswith("  ✗ ") for line in err[1:])
    assert snapshot(paths.counties) == before
    return [line.removeprefix("  ✗ ") for line in err[1:]]


# --- the paper route ------------------------------------------------------------------------------------------


@pytest.fixture
def paper(project: Paths) -> Paths:
    """Landkreis Kassel out for signature and recorded as sent (the record's PDF stands in for the build)."""
    make_for_signature(project.counties)
    record_sent(project, SLUG)
    return project


def blank_pdf(path: Path, pages: int = 1) -> Path:
    """A scan of the signed paper, as a scanner would deliver it (here: blank pages)."""
    with pikepdf.new() as doc:
        for _page in range(pages):
            doc.add_blank_page()
        doc.save(path)
    return path


def signed_text(before: str, ministry_on: str, district_on: str, *record: str) -> str:
    """The year file as receive must leave it: status signed, both dates, the signed_copy record; all else kept."""
    status = next(line for line in before.splitlines() if line.startswith("status: "))
    text = before.replace(status, "status: signed              # draft | for_signature | signed")
    text = text.replace("  place: Kassel\n", f"  place: Kassel\n  signed_on: {district_on}\n")
    lines = "".join(f"  {line}\n" for line in record)
    return text + f"ministry_signature:\n  signed_on: {ministry_on}\nsigned_copy:{' ' * 16}# {COMMENT}\n{lines}"


COMMENT = "written by agreement-gen receive"
NEXT = "1 received, 0 already received – next: `make build`, then `make publish`"


def test_paper_signing_is_recorded_with_both_dates_and_the_scan_kept(paper, capsys, tmp_path):
    scan = blank_pdf(tmp_path / "Scan 0815.pdf")
    data = paper.counties / DATA
    before = data.read_text(encoding="utf-8")
    code, out, err = run_receive(
        paper, capsys, "--paper", SLUG, "--year", "2025", "--signed-on", "2.8.2025,11.08.2025", "--scan", str(scan)
    )
    assert (code, err) == (0, [])
    kept = paper.counties / "2025/signed" / f"{SLUG}-scan.pdf"
    assert out == [
        f"  ✓ {SLUG} 2025: signed on paper by the ministry on 2.8.2025 and the district on 11.8.2025 → {kept}",
        NEXT,
    ]
    assert kept.read_bytes() == scan.read_bytes()
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert data.read_text(encoding="utf-8") == signed_text(
        before,
        "2025-08-02",
        "2025-08-11",
        "route: paper",
        f"received_on: {today()}",
        f"file: signed/{SLUG}-scan.pdf",
        f"sha256: {digest}",
    )


def test_paper_signing_without_a_scan_records_the_dates_only(paper, capsys):
    data = paper.counties / DATA
    before = data.read_text(encoding="utf-8")
    files = set(snapshot(paper.counties))
    code, out, err = run_receive(paper, capsys, "--paper", SLUG, "--signed-on", "2025-09-30,2025-09-01")
    assert (code, err) == (0, [])
    # the dates as given: the first is the ministry's, whichever came first
    assert out == [f"  ✓ {SLUG} 2025: signed on paper by the ministry on 30.9.2025 and the district on 1.9.2025", NEXT]
    assert data.read_text(encoding="utf-8") == signed_text(
        before, "2025-09-30", "2025-09-01", "route: paper", f"received_on: {today()}"
    )
    assert set(snapshot(paper.counties)) == files  # no scan, no file kept


def test_paper_signing_on_the_day_it_is_recorded_is_taken(paper, capsys):
    day = today()
    code, _out, err = run_receive(paper, capsys, "--paper", SLUG, "--signed-on", f"{day},{day}")
    assert (code, err) == (0, [])
    text = (paper.counties / DATA).read_text(encoding="utf-8")
    assert f"ministry_signature:\n  signed_on: {day}\n" in text and f"  place: Kassel\n  signed_on: {day}\n" in text


def test_paper_signing_of_last_year_is_recorded_in_last_year(paper, capsys):
    """After `new-year 2026` the newest year is 2026, where Kassel is a draft again: --year 2025 says which."""
    code, _out, err = helpers.invoke(paper, capsys, "new-year", "2026")
    assert code == 0, err
    code, out, err = run_receive(paper, capsys, "--paper", SLUG, "--year", "2025", "--signed-on", "2.8.2025,11.8.2025")
    assert (code, err) == (0, [])
    assert out[0] == f"  ✓ {SLUG} 2025: signed on paper by the ministry on 2.8.2025 and the district on 11.8.2025"
    assert "status: signed " in (paper.counties / DATA).read_text(encoding="utf-8")
    assert "status: draft " in (paper.counties / "2026" / f"{SLUG}.yaml").read_text(encoding="utf-8")


def test_paper_signing_again_changes_nothing_but_other_dates_or_scan_are_refused(paper, capsys, tmp_path):
    scan = blank_pdf(tmp_path / "scan.pdf")
    args = ["--paper", SLUG, "--signed-on", "2.8.2025,11.8.2025"]
    assert run_receive(paper, capsys, *args, "--scan", str(scan))[0] == 0
    before = snapshot(paper.counties)
    copy = tmp_path / "noch einmal.pdf"  # the same scan under another name
    shutil.copyfile(scan, copy)
    for again in (["--scan", str(copy)], []):  # without --scan: the dates alone say it is the same signing
        code, out, err = run_receive(paper, capsys, *args, *again)
        assert (code, err) == (0, [])
        assert out == [f"  = {SLUG} 2025: already received, nothing changed", "0 received, 1 already received"]
        assert snapshot(paper.counties) == before
    data = paper.counties / DATA
    recorded = f"{data}: {SLUG} 2025 is already recorded as signed (paper, received {today()})"
    other = blank_pdf(tmp_path / "anderer.pdf", pages=2)
    assert refusals(paper, capsys, *args, "--scan", str(other)) == [recorded]
    assert refusals(paper, capsys, "--paper", SLUG, "--signed-on", "3.8.2025,11.8.2025") == [recorded]
    assert refusals(paper, capsys, "--paper", SLUG, "--signed-on", "2.8.2025,12.8.2025") == [recorded]


def test_paper_signing_of_a_district_signed_by_hand_is_refused(project, capsys):
    data = project.counties / "2025/darmstadt-dieburg.yaml"
    args = ["--paper", "darmstadt-dieburg", "--signed-on", "2025-08-02,2025-08-11"]  # its own dates
    assert refusals(project, capsys, *args) == [
        f"{data}: darmstadt-dieburg 2025 is already recorded as signed (by hand, without a received copy)"
    ]


def test_paper_signing_of_a_draft_is_refused(project, capsys):
    data = project.counties / "2025/fulda.yaml"
    assert refusals(project, capsys, "--paper", "fulda", "--signed-on", "2025-08-02,2025-08-11") == [
        f"{data}: fulda is still a 'draft': set `status: for_signature` (with the signatory's name), build and "
        "send it first"
    ]


def test_paper_signing_of_an_unknown_district_is_refused(project, capsys):
    assert refusals(project, capsys, "--paper", "atlantis", "--signed-on", "2025-08-02,2025-08-11") == [
        f"{project.counties / '2025'}, field '--paper': no district 'atlantis' in 2025"
    ]


def test_paper_signing_not_sent_is_refused_naming_the_folder_and_send(project, capsys):
    make_for_signature(project.counties)
    data = project.counties / DATA
    assert refusals(project, capsys, "--paper", SLUG, "--year", "2025", "--signed-on", "2025-08-02,2025-08-11") == [
        f"{data}: {SLUG} was not sent for signature: {project.counties / '2025/sent'} has no record of it "
        f"(send it with `agreement-gen send {SLUG} --year 2025`)"
    ]


def test_paper_signing_after_the_text_changed_is_refused_naming_each_change(paper, capsys):
    data = paper.counties / DATA
    edit_yaml(data, "budget: 968700", "budget: 978700")
    edit_yaml(data, "Qualifizierung Garten- und Landschaftsbau", "Qualifizierung Garten- und Landschaftspflege")
    assert refusals(paper, capsys, "--paper", SLUG, "--signed-on", "2025-08-02,2025-08-11") == [
        f"{data}: {SLUG} was signed on paper, but the text changed since it was sent: "
        "budget 968.700 → 978.700 Euro since sent on 2025-07-30; "
        "projects 3 'Qualifizierung Garten- und Landschaftsbau' → 'Qualifizierung Garten- und Landschaftspflege' "
        "since sent on 2025-07-30; have the current version signed, or restore the data"
    ]


@pytest.mark.parametrize("which", ["ministry", "district"])
def test_paper_signing_dates_in_the_future_are_refused(paper, capsys, which):
    future = today() + dt.timedelta(days=1)
    days = f"{future},2025-08-11" if which == "ministry" else f"2025-08-02,{future}"
    data = paper.counties / DATA
    assert refusals(paper, capsys, "--paper", SLUG, "--signed-on", days) == [
        f"{data}: the signing date {future} lies in the future"
    ]


def test_a_wrong_date_is_heard_before_the_text_changes(paper, capsys):
    edit_yaml(paper.counties / DATA, "budget: 968700", "budget: 978700")
    problems = refusals(paper, capsys, "--paper", SLUG, "--signed-on", "2025-08-02,2099-01-01")
    assert problems == [f"{paper.counties / DATA}: the signing date 2099-01-01 lies in the future"]


@pytest.mark.parametrize(
    ("days", "field"), [("2024-12-31,2025-08-11", "ministry_signature"), ("2025-08-02,2024-12-31", "signatory")]
)
def test_paper_signing_dates_before_the_fiscal_year_are_refused(paper, capsys, days, field):
    data = paper.counties / DATA
    assert refusals(paper, capsys, "--paper", SLUG, "--signed-on", days) == [
        f"{data}: cannot be recorded in {data}: {field}.signed_on signing date 2024-12-31 lies before the fiscal "
        "year 2025"
    ]


SAVE_AS_PDF = "save the scan as PDF and give that file"


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", f"the scan is a JPEG image, not a PDF: {SAVE_AS_PDF}"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", f"the scan is a PNG image, not a PDF: {SAVE_AS_PDF}"),
        (b"II*\x00\x08\x00\x00\x00", f"the scan is a TIFF image, not a PDF: {SAVE_AS_PDF}"),
        (b"MM\x00*\x00\x00\x00\x08", f"the scan is a TIFF image, not a PDF: {SAVE_AS_PDF}"),
        (b"PK\x03\x04\x14\x00", f"the scan is a Word document or another ZIP file, not a PDF: {SAVE_AS_PDF}"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", f"the scan is an old Word or Excel document, not a PDF: {SAVE_AS_PDF}"),
        (b"Sehr geehrte Damen und Herren", f"the scan is not a PDF (it does not start with %PDF-): {SAVE_AS_PDF}"),
        (b"", "the scan is empty (0 bytes): scan the signed paper again"),
        (
            b"%PDF-1.7\n1 0 obj <<",  # cut off after a few bytes
            "the scan is a damaged PDF (unable to find trailer dictionary while recovering damaged file): "
            "scan the signed paper again",
        ),
    ],
)
def test_a_scan_that_is_not_a_readable_pdf_is_refused_saying_what_it_is(paper, capsys, tmp_path, content, sentence):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(content)
    problems = refusals(paper, capsys, "--paper", SLUG, "--signed-on", "2025-08-02,2025-08-11", "--scan", str(scan))
    assert problems == [f"{paper.counties / DATA}: {sentence}"]


def test_a_scan_that_is_not_a_pdf_is_refused_in_german(paper, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_LANG", "de")
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    args = ("--paper", SLUG, "--signed-on", "2025-08-02,2025-08-11", "--scan", str(scan))
    code, _, err = helpers.invoke(paper, capsys, "receive", *args)
    assert code == 2
    assert (
        f"  ✗ {paper.counties / DATA}: der Scan ist ein JPEG-Bild, kein PDF: den Scan als PDF speichern und diese "
        "Datei angeben" in err.splitlines()
    )


def test_a_scan_that_went_missing_is_refused(paper, capsys, tmp_path):
    from agreement_gen.errors import InputError
    from agreement_gen.signing.receive import receive_paper

    before = snapshot(paper.counties)
    gone = tmp_path / "scan.pdf"  # given, then moved away before it was read
    with pytest.raises(InputError) as caught:
        receive_paper(paper, SLUG, 2025, dt.date(2025, 8, 2), dt.date(2025, 8, 11), gone)
    assert [str(p) for p in caught.value.problems] == [f"{gone}: cannot be read (No such file or directory)"]
    assert snapshot(paper.counties) == before


# --- the year file's new text ---------------------------------------------------------------------------------

PAPER_COPY = SignedCopy(route=SigningRoute.PAPER, received_on=dt.date(2025, 9, 1))


def year_text(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (  # the ministry's place kept after its new date; a stale record replaced; keys after it stay after it
            year_text(
                "status: for_signature  # stage",
                "signed_copy:",
                "  route: digital",
                "signatory:",
                "  name: Andreas Siebert",
                "  place: Kassel",
                "  date_pattern: dd.MM.yyyy",
                "ministry_signature:",
                "  place: Wiesbaden",
                "budget: 1",
            ),
            year_text(
                "status: signed         # stage",  # the comment stays in its column
                "signatory:",
                "  name: Andreas Siebert",
                "  place: Kassel",
                "  signed_on: 2025-08-11",
                "  date_pattern: dd.MM.yyyy",
                "ministry_signature:",
                "  signed_on: 2025-08-02",
                "  place: Wiesbaden",
                "signed_copy:           # written by agreement-gen receive",  # lined up with the file's
                "  route: paper",
                "  received_on: 2025-09-01",
                "budget: 1",
            ),
        ),
        (  # dates already written (by hand) are replaced where they stand; no ministry_signature: after signatory
            year_text(
                "signatory:",
                "  name: Andreas Siebert",
                "  signed_on: 2025-01-01",
                "  place: Kassel",
                "status: for_signature",
                "ministry_signature:",
                "  place: Wiesbaden",
                "  signed_on: 2025-01-01",
            ),
            year_text(
                "signatory:",
                "  name: Andreas Siebert",
                "  signed_on: 2025-08-11",
                "  place: Kassel",
                "status: signed",
                "ministry_signature:",
                "  place: Wiesbaden",
                "  signed_on: 2025-08-02",
                "signed_copy:  # written by agreement-gen receive",
                "  route: paper",
                "  received_on: 2025-09-01",
            ),
        ),
        (
            year_text("signatory:", "  place: Kassel", "status: for_signature", "budget: 1"),
            year_text(
                "signatory:",
                "  place: Kassel",
                "  signed_on: 2025-08-11",
                "ministry_signature:",
                "  signed_on: 2025-08-02",
                "signed_copy:  # written by agreement-gen receive",
                "  route: paper",
                "  received_on: 2025-09-01",
                "status: signed",
                "budget: 1",
            ),
        ),
        (  # a comment on a line of its own is not the column the file's comments line up in
            year_text(
                "status: for_signature", "# geprüft", "signatory:", "  place: Kassel", "budget: 1" + " " * 14 + "# Euro"
            ),
            year_text(
                "status: signed",
                "# geprüft",
                "signatory:",
                "  place: Kassel",
                "  signed_on: 2025-08-11",
                "ministry_signature:",
                "  signed_on: 2025-08-02",
                "signed_copy:           # written by agreement-gen receive",
                "  route: paper",
                "  received_on: 2025-09-01",
                "budget: 1              # Euro",
            ),
        ),
    ],
    ids=["places-and-stale-record", "dates-replaced", "no-ministry-mapping", "comment-column"],
)
def test_the_year_file_gets_status_dates_and_record_and_keeps_the_rest(before, after):
    assert signed_data_text(before, dt.date(2025, 8, 2), dt.date(2025, 8, 11), PAPER_COPY, None) == after


@pytest.mark.parametrize(
    ("signatory", "written"),
    [
        (["  name: Andreas Siebert", "  place: Kassel"], "Andreas Siebert"),  # the data's name stays
        (["  name:", "  place: Kassel"], "A. Siebert (Zertifikat)"),  # an empty name is filled where it is
        (["  place: Kassel"], "A. Siebert (Zertifikat)"),  # a missing one first
    ],
    ids=["kept", "empty", "missing"],
)
def test_the_certificates_name_fills_only_an_empty_signatory_name(signatory, written):
    copy = SignedCopy(
        route=SigningRoute.DIGITAL,
        received_on=dt.date(2025, 9, 1),
        file="signed/landkreis-kassel.pdf",
        sha256="ab" * 32,
        district_signer="A. Siebert (Zertifikat)",
        untrusted_accepted=True,
        deputies=["A. Siebert (Zertifikat)"],
    )
    text = signed_data_text(
        year_text("status: for_signature", "signatory:", *signatory),
        dt.date(2025, 8, 2),
        dt.date(2025, 8, 11),
        copy,
        "A. Siebert (Zertifikat)",
    )
    assert text == year_text(
        "status: signed",
        "signatory:",
        f"  name: {written}",
        "  place: Kassel",
        "  signed_on: 2025-08-11",
        "ministry_signature:",
        "  signed_on: 2025-08-02",
        "signed_copy:  # written by agreement-gen receive",
        "  route: digital",
        "  received_on: 2025-09-01",
        "  file: signed/landkreis-kassel.pdf",
        f"  sha256: {'ab' * 32}",
        "  district_signer: A. Siebert (Zertifikat)",
        "  untrusted_accepted: true",
        "  deputies:",
        "    - A. Siebert (Zertifikat)",
    )


def test_a_year_file_without_a_signatory_mapping_cannot_take_the_dates():
    with pytest.raises(ValueError, match=r"^has no 'signatory' mapping$"):
        signed_data_text(
            "status: for_signature\nsignatory: Landrat\n", dt.date(2025, 8, 2), dt.date(2025, 8, 11), PAPER_COPY, None
        )


# --- the digital route ----------------------------------------------------------------------------------------


# --- the digital route (the real for_signature PDF, built once with LibreOffice) ------------------------------

CLAIMED = "according to the signer's own claim (no trusted timestamp)"
CONFORMANCE = [
    "    ! PDF/A-2b: FAILS ISO 19005-2 6.2.11.5: recorded in signed_copy.conformance; the public page will not "
    "claim PDF/A-2b",
    "    ! PDF/UA-1: FAILS ISO 14289-1 7.21: recorded in signed_copy.conformance; the public page will not claim "
    "PDF/UA-1",
]
CONFORMANCE_RECORD = ["conformance:", "  pdfa: fails 6.2.11.5", "  pdfua: fails 7.21"]


def kept_copy(rnd: Round) -> Path:
    return rnd.paths.counties / "2025/signed" / f"{SLUG}.pdf"


def digital_record(rnd: Round, content: bytes, *extra: str) -> list[str]:
    """The signed_copy lines receive writes for `content` (before the validator's name, which varies)."""
    return [
        "route: digital",
        f"received_on: {today()}",
        f"file: signed/{SLUG}.pdf",
        f"sha256: {hashlib.sha256(content).hexdigest()}",
        "ministry_signer: Heike Hofmann",
        *extra,
    ]


def written_record(rnd: Round) -> str:
    """The year file with the validator's line taken out (its version is the machine's, not the round's)."""
    lines = rnd.data.read_text(encoding="utf-8").splitlines(keepends=True)
    validator = [line for line in lines if line.startswith("    validator: ")]
    assert len(validator) == 1
    return "".join(line for line in lines if line not in validator)


@pytest.mark.slow
def test_a_signed_file_is_kept_and_recorded_exactly(rnd, capsys):
    before = rnd.data.read_text(encoding="utf-8")
    code, out, err = run_receive(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca))
    assert (code, err) == (0, [])
    assert out == [
        f"  ✓ {SLUG} 2025: signed digitally by the ministry (Heike Hofmann) on 2.8.2025 and the district "
        f"(Andreas Siebert) on 11.8.2025 → {kept_copy(rnd)}",
        f"    ! Signatur_Ministerium: signed 2025-08-02 12:00 {CLAIMED}",  # 10:00 UTC is noon in Hesse
        f"    ! Signatur_{SLUG}: signed 2025-08-11 11:30 {CLAIMED}",
        *CONFORMANCE,
        NEXT,
    ]
    content = rnd.signed.read_bytes()
    assert kept_copy(rnd).read_bytes() == content
    record = digital_record(rnd, content, "district_signer: Andreas Siebert", *CONFORMANCE_RECORD)
    assert written_record(rnd) == signed_text(before, "2025-08-02", "2025-08-11", *record)

    after = snapshot(rnd.paths.counties)
    again = rnd.mail / "noch einmal.pdf"
    shutil.copyfile(rnd.signed, again)
    code, out, err = run_receive(rnd.paths, capsys, str(again), "--trust", str(rnd.ca))
    assert (code, out, err) == (
        0,
        [f"  = {SLUG} 2025: already received, nothing changed", "0 received, 1 already received"],
        [],
    )
    assert snapshot(rnd.paths.counties) == after

    for damage in ("delete", "change"):  # the kept copy lost or altered: receiving the file again puts it back
        if damage == "delete":
            kept_copy(rnd).unlink()
        else:
            kept_copy(rnd).write_bytes(content + b"%\n")
        code, out, err = run_receive(rnd.paths, capsys, str(again), "--trust", str(rnd.ca))
        restored = f"  = {SLUG} 2025: already received, kept copy {kept_copy(rnd)} restored"
        assert (code, out, err) == (0, [restored, "0 received, 1 already received"], [])
        assert snapshot(rnd.paths.counties) == after


@pytest.mark.slow
def test_a_batch_with_bad_files_takes_none_and_names_each(rnd, capsys, tmp_path):
    second = rnd.mail / "Kopie.pdf"
    shutil.copyfile(rnd.signed, second)
    stranger = blank_pdf(rnd.mail / "fremd.pdf")
    draft = rnd.paths.out / "2025/fulda.pdf"
    once = rnd.mail / "once.pdf"
    files = [rnd.signed, once, second, stranger, draft]
    problems = refusals(rnd.paths, capsys, *map(str, files), "--trust", str(rnd.ca))
    assert problems == [  # sorted by file; the good file is not taken alone
        f"{draft}: is a draft (the 2025 agreement of fulda), not the version sent for signature",
        f"{second}: is a second file for {SLUG} 2025",
        f"{stranger}: was not made by agreement-gen: its metadata names no district and fiscal year",
        f"{once}: carries only one signature (in Signatur_Ministerium): both parties must sign before it comes back",
    ]


@pytest.mark.slow
def test_a_file_that_cannot_be_read_is_named(rnd):
    from agreement_gen.errors import InputError
    from agreement_gen.signing.receive import Options, receive_signed

    gone = rnd.mail / "weg.pdf"  # named, then moved away before it was read
    once = rnd.mail / "once.pdf"
    before = snapshot(rnd.paths.counties)
    with pytest.raises(InputError) as caught:
        receive_signed(rnd.paths, [gone, rnd.signed, once], Options(), [rnd.ca])
    assert [str(p) for p in caught.value.problems] == [  # the files after it are judged all the same
        f"{once}: carries only one signature (in Signatur_Ministerium): both parties must sign before it comes back",
        f"{gone}: cannot be read (No such file or directory)",
    ]
    assert snapshot(rnd.paths.counties) == before


@pytest.mark.slow
def test_signing_times_must_lie_between_sending_and_receiving(rnd, capsys):
    from agreement_gen.errors import InputError
    from agreement_gen.signing.receive import Options, receive_signed

    with pytest.raises(InputError) as caught:  # a file received (by the clock) before the district signed it
        receive_signed(rnd.paths, [rnd.signed], Options(), [rnd.ca], received_on=dt.date(2025, 8, 5))
    assert [str(p) for p in caught.value.problems] == [
        f"{rnd.signed}: the signature in Signatur_{SLUG} was made on 2025-08-11 by its signer's own claim, after "
        "the day it was received (2025-08-05)"
    ]
    edit_yaml(rnd.paths.counties / "2025/sent" / f"{SLUG}.json", "2025-07-30T08:00:00Z", "2025-08-05T08:00:00Z")
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca)) == [
        f"{rnd.signed}: the signature in Signatur_Ministerium was made on 2025-08-02 by its signer's own claim, "
        "before the document was built for signature on 2025-08-05"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Vertreterin\x07Beispiel", "0007"),  # a control character: valid in a certificate, not in our data
        ("Vertreterin\x1b[2JBeispiel", "001B"),  # an escape sequence a terminal would act on
        ("Vertreterin \u202enamfoH", "202E"),  # right-to-left override: shown as "Hofman" backwards
        ("Vertreterin\x9bBeispiel", "009B"),  # a C1 control
    ],
)
def test_a_signer_name_with_a_character_no_name_holds_is_refused_naming_it(rnd, signers, capsys, name, code):
    signed = rnd.mail / "vertretung.pdf"
    signed.write_bytes(signers.sign_both(rnd.sent.read_bytes(), district=issue(signers.ca, name, "Landkreis Kassel")))
    once = rnd.mail / "once.pdf"  # judged all the same
    assert refusals(rnd.paths, capsys, str(signed), str(once), "--trust", str(rnd.ca), "--deputy", name) == [
        f"{once}: carries only one signature (in Signatur_Ministerium): both parties must sign before it comes back",
        f"{signed}: the certificate in Signatur_{SLUG} names its holder with the character U+{code}, which no name "
        "holds; it is not taken",
    ]


@pytest.mark.slow
def test_a_trust_file_that_is_no_certificate_is_refused(rnd, capsys):
    bad = rnd.mail / "once.pdf"
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--trust", str(bad)) == [
        f"field '--trust': the trust certificate {bad} cannot be read (Error parsing asn1crypto.x509.Certificate - "
        "tag should have been 16, but 5 was found)"
    ]


@pytest.mark.slow
def test_a_signed_stage_print_is_refused(rnd, capsys):
    printed = rnd.paths.out / "2025/darmstadt-dieburg.pdf"
    assert refusals(rnd.paths, capsys, str(printed)) == [
        f"{printed}: is a 'signed' print (the 2025 agreement of darmstadt-dieburg), not the version sent for signature"
    ]


@pytest.mark.slow
def test_a_file_of_another_year_than_asked_is_refused(rnd, capsys):
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--year", "2026", "--trust", str(rnd.ca)) == [
        f"{rnd.signed}: is the 2025 agreement of {SLUG}, not one of 2026 (--year)"
    ]


@pytest.mark.slow
def test_a_file_of_a_year_without_data_is_refused(rnd, capsys):
    (rnd.paths.counties / "2025").rename(rnd.paths.counties / "2025-alt")
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca)) == [
        f"{rnd.signed}: is the 2025 agreement of {SLUG}, but {rnd.paths.counties} has no data for 2025"
    ]


@pytest.mark.slow
def test_a_file_of_a_district_the_year_no_longer_has_is_refused(rnd, capsys):
    rnd.data.unlink()
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca)) == [
        f"{rnd.signed}: is the 2025 agreement of {SLUG}, but 2025 has no district '{SLUG}'"
    ]


@pytest.mark.slow
def test_a_file_whose_district_is_a_draft_again_is_refused(rnd, capsys):
    edit_yaml(rnd.data, "status: for_signature", "status: draft        ")
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca)) == [
        f"{rnd.signed}: is the 2025 agreement of {SLUG}, but its data says 'draft', not 'for_signature'"
    ]


@pytest.mark.slow
def test_a_file_of_a_district_signed_on_paper_is_refused(rnd, capsys):
    assert run_receive(rnd.paths, capsys, "--paper", SLUG, "--signed-on", "2025-08-02,2025-08-11")[0] == 0
    assert refusals(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca)) == [
        f"{rnd.signed}: is the 2025 agreement of {SLUG}, which is already recorded as signed (paper, received "
        f"{today()})"
    ]


@pytest.mark.slow
def test_another_signed_file_after_receiving_is_refused(rnd, signers, capsys):
    assert run_receive(rnd.paths, capsys, str(rnd.signed), "--trust", str(rnd.ca))[0] == 0
    other = rnd.mail / "anders.pdf"  # signed again: another file of the same agreement
    other.write_bytes(signers.sign_both(rnd.sent.read_bytes()))
    assert refusals(rnd.paths, capsys, str(other), "--trust", str(rnd.ca)) == [
        f"{other}: is the 2025 agreement of {SLUG}, which is already recorded as signed (digital, received {today()})"
    ]


@pytest.mark.slow
def test_an_untrusted_signer_is_refused_unless_accepted_and_then_recorded(rnd, capsys):
    (problem,) = refusals(rnd.paths, capsys, str(rnd.signed))
    assert problem.startswith(f"{rnd.signed}: the signature in Signatur_Ministerium is intact, but its certificate")
    assert problem.endswith(", or take it after checking who signed with --accept-untrusted")
    before = rnd.data.read_text(encoding="utf-8")
    code, out, err = run_receive(rnd.paths, capsys, str(rnd.signed), "--accept-untrusted")
    assert (code, err) == (0, [])
    assert out[3:5] == [  # the subject's parts apart by ';' where one holds a comma
        f"    ! accepted untrusted: Signatur_Ministerium by Organization: {MINISTRY}; Common Name: Heike Hofmann "
        "(--accept-untrusted)",
        f"    ! accepted untrusted: Signatur_{SLUG} by Organization: Landkreis Kassel, Common Name: Andreas Siebert "
        "(--accept-untrusted)",
    ]
    content = rnd.signed.read_bytes()
    record = digital_record(
        rnd, content, "district_signer: Andreas Siebert", "untrusted_accepted: true", *CONFORMANCE_RECORD
    )
    assert written_record(rnd) == signed_text(before, "2025-08-02", "2025-08-11", *record)


@pytest.mark.slow
def test_a_deputy_is_recorded_beside_the_signatory_the_data_names(rnd, signers, capsys):
    deputy = issue(signers.ca, "Dr. Vertreterin Beispiel", "Landkreis Kassel")
    signed = rnd.mail / "vertretung.pdf"
    signed.write_bytes(signers.sign_both(rnd.sent.read_bytes(), district=deputy))
    before = rnd.data.read_text(encoding="utf-8")
    args = ["--trust", str(rnd.ca), "--deputy", "Dr. Vertreterin Beispiel"]
    code, out, err = run_receive(rnd.paths, capsys, str(signed), *args)
    assert (code, err) == (0, [])
    assert out[:4] == [
        f"  ✓ {SLUG} 2025: signed digitally by the ministry (Heike Hofmann) on 2.8.2025 and the district "
        f"(Dr. Vertreterin Beispiel) on 11.8.2025 → {kept_copy(rnd)}",
        f"    ! Signatur_Ministerium: signed 2025-08-02 12:00 {CLAIMED}",
        f"    ! Signatur_{SLUG}: signed by the deputy 'Dr. Vertreterin Beispiel' (--deputy; recorded in signed_copy)",
        f"    ! Signatur_{SLUG}: signed 2025-08-11 11:30 {CLAIMED}",
    ]
    record = digital_record(
        rnd,
        signed.read_bytes(),
        "district_signer: Dr. Vertreterin Beispiel",
        *CONFORMANCE_RECORD,
        "deputies:",
        "  - Dr. Vertreterin Beispiel",
    )
    assert written_record(rnd) == signed_text(before, "2025-08-02", "2025-08-11", *record)  # name: stays the data's


# --- publish's re-check of the kept copy ----------------------------------------------------------------------


def received(rnd: Round, capsys: pytest.CaptureFixture[str], signed: Path | None = None, *args: str) -> bytes:
    """Receive the round's signed file (or `signed`); returns its bytes."""
    signed = signed or rnd.signed
    code, _out, err = run_receive(rnd.paths, capsys, str(signed), *(args or ("--trust", str(rnd.ca))))
    assert code == 0, err
    return signed.read_bytes()


def recheck(rnd: Round, *trust: Path) -> bytes:
    """What publish does with Kassel's kept copy before it goes into the bundle."""
    from agreement_gen.data.plan import plan_year
    from agreement_gen.signing.judgement import trust_roots
    from agreement_gen.signing.receive import check_kept_copy

    plan = plan_year(rnd.paths, 2025)
    agreement = next(a for a in plan.agreements if a.slug == SLUG)
    return check_kept_copy(agreement, rnd.paths.counties, trust_roots(rnd.paths.counties, trust))


def recheck_refused(rnd: Round, *trust: Path) -> str:
    from agreement_gen.signing.judgement import SignatureProblem

    with pytest.raises(SignatureProblem) as caught:
        recheck(rnd, *trust)
    return str(caught.value)


@pytest.mark.slow
def test_the_kept_copy_is_published_as_received_wherever_the_record_says_it_is(rnd, capsys):
    content = received(rnd, capsys)
    assert recheck(rnd, rnd.ca) == content
    edit_yaml(rnd.data, f"  file: signed/{SLUG}.pdf\n", "")  # a record without its file: the usual place
    assert recheck(rnd, rnd.ca) == content
    edit_yaml(rnd.data, "  received_on:", f"  file: signed/{SLUG}.pdf\n  received_on:")
    moved = rnd.paths.counties / "2025/signed/kassel-original.pdf"
    kept_copy(rnd).rename(moved)
    edit_yaml(rnd.data, f"  file: signed/{SLUG}.pdf", "  file: signed/kassel-original.pdf")
    assert recheck(rnd, rnd.ca) == content


@pytest.mark.slow
def test_a_kept_copy_missing_or_changed_is_not_published(rnd, capsys):
    content = received(rnd, capsys)
    kept = kept_copy(rnd)
    kept.write_bytes(content + b"\n% appended\n")
    assert recheck_refused(rnd, rnd.ca) == (
        f"its signed PDF {kept} is not the file received (SHA-256 differs): receive it again"
    )
    kept.unlink()
    assert recheck_refused(rnd, rnd.ca) == (
        f"its signed PDF {kept} is missing (No such file or directory): receive the signed file again"
    )
    code, _, err = helpers.invoke(rnd.paths, capsys, "publish", "--trust", str(rnd.ca))
    assert code == 2
    assert (
        f"field 'signed_copy': {SLUG}: its signed PDF {kept} is missing (No such file or directory): receive the "
        "signed file again" in err
    )
    assert not (rnd.paths.out / "2025/publish").exists()


@pytest.mark.slow
@pytest.mark.parametrize("other", ["darmstadt-dieburg", "fulda", "blank"])
def test_a_kept_copy_replaced_by_another_document_is_not_published(rnd, capsys, tmp_path, other):
    """Even with the record's SHA-256 made to match: the kept file must be Kassel's for_signature document."""
    received(rnd, capsys)
    kept = kept_copy(rnd)
    if other == "blank":
        blank_pdf(kept)
    else:
        shutil.copyfile(rnd.paths.out / f"2025/{other}.pdf", kept)
    text = rnd.data.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("  sha256: "))
    edit_yaml(rnd.data, old, f"  sha256: {hashlib.sha256(kept.read_bytes()).hexdigest()}")
    assert recheck_refused(rnd, rnd.ca) == f"its signed PDF {kept} is not the for_signature document of {SLUG}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new", "recorded"),
    [
        ("  signed_on: 2025-08-11", "  signed_on: 2025-08-12", "2025-08-02, 2025-08-12"),
        (
            "ministry_signature:\n  signed_on: 2025-08-02",
            "ministry_signature:\n  signed_on: 2025-08-03",
            "2025-08-03, 2025-08-11",
        ),
    ],
    ids=["district", "ministry"],
)
def test_signing_dates_edited_after_receiving_are_not_published(rnd, capsys, old, new, recorded):
    received(rnd, capsys)
    edit_yaml(rnd.data, old, new)
    assert recheck_refused(rnd, rnd.ca) == (
        f"the signing dates in the data ({recorded}) are not those of the signatures (2025-08-02, 2025-08-11)"
    )


@pytest.mark.slow
def test_terms_edited_after_receiving_are_not_published(rnd, capsys):
    received(rnd, capsys)
    edit_yaml(rnd.data, "budget: 968700", "budget: 968701")
    edit_yaml(rnd.data, "Verbundausbildung in Kooperation", "Verbundausbildung mit Kooperation")
    assert recheck_refused(rnd, rnd.ca) == (
        "the signed PDF does not show 968.701 Euro, Verbundausbildung mit Kooperation mit Betrieben der Region from "
        "the data: the data changed after signing"
    )


@pytest.mark.slow
def test_the_clerks_decisions_at_receive_hold_at_publish(rnd, signers, capsys):
    """Taken untrusted or from a deputy: publish judges with what the record says was accepted."""
    received(rnd, capsys, rnd.signed, "--accept-untrusted")
    assert recheck(rnd) == rnd.signed.read_bytes()  # no root given: the record says it was accepted
    edit_yaml(rnd.data, "  untrusted_accepted: true\n", "")
    problem = recheck_refused(rnd)
    assert problem.startswith("the signature in Signatur_Ministerium is intact, but its certificate")


@pytest.mark.slow
def test_a_deputys_signature_holds_at_publish(rnd, signers, capsys):
    deputy = issue(signers.ca, "Dr. Vertreterin Beispiel", "Landkreis Kassel")
    signed = rnd.mail / "vertretung.pdf"
    signed.write_bytes(signers.sign_both(rnd.sent.read_bytes(), district=deputy))
    content = received(rnd, capsys, signed, "--trust", str(rnd.ca), "--deputy", "Dr. Vertreterin Beispiel")
    assert recheck(rnd, rnd.ca) == content


@pytest.mark.slow
def test_the_recorded_day_received_and_day_sent_bound_the_signing_times_at_publish(rnd, capsys):
    received(rnd, capsys)
    edit_yaml(rnd.data, f"  received_on: {today()}", "  received_on: 2025-08-05")
    assert recheck_refused(rnd, rnd.ca) == (
        f"the signature in Signatur_{SLUG} was made on 2025-08-11 by its signer's own claim, after the day it was "
        "received (2025-08-05)"
    )
    edit_yaml(rnd.data, "  received_on: 2025-08-05", f"  received_on: {today()}")
    edit_yaml(rnd.paths.counties / "2025/sent" / f"{SLUG}.json", "2025-07-30T08:00:00Z", "2025-08-05T08:00:00Z")
    assert recheck_refused(rnd, rnd.ca) == (
        "the signature in Signatur_Ministerium was made on 2025-08-02 by its signer's own claim, before the document "
        "was built for signature on 2025-08-05"
    )
