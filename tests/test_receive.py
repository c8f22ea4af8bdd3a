"""The signing round: the for_signature PDF goes out, comes back signed (digitally or on paper), is published."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from agreement_gen.cli import run
from agreement_gen.data.models import Status
from agreement_gen.data.paths import Paths
from agreement_gen.pdf.trace import NAMESPACE, Trace, add_trace, read_trace, undeclared
from agreement_gen.signing.receive import read_first_trace, today

from . import helpers
from .conftest import edit_yaml
from .helpers import built_once, copy_project, folder_args, snapshot
from .round_helpers import send_at, sent_files
from .signing import MINISTRY, Authority, issue, make_ca, sign_as

SLUG = "landkreis-kassel"
DATA = f"2025/{SLUG}.yaml"
PORTAL_FILE = "Zielvereinbarung-AQB-2025-Landkreis-Kassel.pdf"
MINISTRY_AT = dt.datetime(2025, 8, 2, 10, 0, tzinfo=dt.UTC)
DISTRICT_AT = dt.datetime(2025, 8, 11, 9, 30, tzinfo=dt.UTC)


def make_for_signature(counties: Path) -> None:
    """Test data only: Landkreis Kassel (example data in the repository) made real and sent out for signature."""
    path = counties / DATA
    edit_yaml(path, "status: draft" + " " * 8, "status: for_signature")  # the comment keeps its column
    edit_yaml(path, "source: example", "source: Haushaltsplan 2025 (Testfall)")
    edit_yaml(path, "  title: Landrat", "  name: Andreas Siebert\n  title: Landrat")


def invoke(paths: Paths, capsys: pytest.CaptureFixture[str], verb: str, *args: str) -> tuple[int, str, str]:
    """helpers.invoke with stderr on one line (refusals wrap at the terminal's width)."""
    code, out, err = helpers.invoke(paths, capsys, verb, *args)
    return code, out, " ".join(err.split())


def add_page(pdf: bytes) -> bytes:
    """An incremental update that appends an empty page – what nobody may do to a signed agreement."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
            generic.NameObject("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_text(pdf: bytes) -> bytes:
    """An incremental update that draws a line of text on the first page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = generic.StreamObject(stream_data=b"0 0 1 rg 72 72 200 12 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class Signers:
    ca: Authority
    ministry: tuple
    district: tuple

    def sign_both(self, pdf: bytes, district: tuple | None = None) -> bytes:
        once = sign_as(pdf, "Signatur_Ministerium", *self.ministry, self.ca, MINISTRY_AT)
        return sign_as(once, f"Signatur_{SLUG}", *(district or self.district), self.ca, DISTRICT_AT)


@pytest.fixture(scope="module")
def signers() -> Signers:
    ca = make_ca()
    return Signers(ca, issue(ca, "Heike Hofmann", MINISTRY), issue(ca, "Andreas Siebert", "Landkreis Kassel"))


@pytest.fixture(scope="module")
def round_tree(tmp_path_factory: pytest.TempPathFactory, signers: Signers) -> Path:
    """Kassel built for signature, Darmstadt-Dieburg signed, Fulda a draft; the signed copies as they come back."""

    def make(root: Path) -> None:
        paths = copy_project(root)
        make_for_signature(paths.counties)
        assert run(["build", *folder_args(paths, "build"), "--only", "darmstadt-dieburg,fulda"]) == 0
        assert send_at(paths, SLUG) == 0  # builds it and keeps it as counties/2025/sent/landkreis-kassel.pdf

    built = built_once(tmp_path_factory, "round", make)
    root = tmp_path_factory.mktemp("round-mail")
    sent = (built / "build/2025" / f"{SLUG}.pdf").read_bytes()
    mail = root / "mail"
    mail.mkdir()
    (mail / "ca.pem").write_bytes(signers.ca.pem)
    (mail / "once.pdf").write_bytes(sign_as(sent, "Signatur_Ministerium", *signers.ministry, signers.ca, MINISTRY_AT))
    (mail / "Zielvereinbarung unterschrieben.pdf").write_bytes(signers.sign_both(sent))
    for name in ("counties", "templates", "build"):  # the signed copies belong to this module's CA
        (root / name).symlink_to(built / name, target_is_directory=True)
    return root


@dataclass
class Round:
    paths: Paths
    mail: Path

    @property
    def signed(self) -> Path:
        return self.mail / "Zielvereinbarung unterschrieben.pdf"

    @property
    def ca(self) -> Path:
        return self.mail / "ca.pem"

    @property
    def sent(self) -> Path:
        return self.paths.out / "2025" / f"{SLUG}.pdf"

    @property
    def data(self) -> Path:
        return self.paths.counties / DATA


@pytest.fixture
def rnd(round_tree: Path, tmp_path: Path) -> Round:
    for name in ("counties", "templates", "build", "mail"):
        shutil.copytree(round_tree / name, tmp_path / name)
    paths = Paths(counties=tmp_path / "counties", templates=tmp_path / "templates", out=tmp_path / "build")
    return Round(paths, tmp_path / "mail")


def refused(rnd: Round, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run receive, expect a refusal (exit 2) that stored and changed nothing; returns the message."""
    before = snapshot(rnd.paths.counties)
    code, out, err = invoke(rnd.paths, capsys, "receive", *args)
    assert code == 2, out + err
    assert "nothing was written" in err
    assert snapshot(rnd.paths.counties) == before
    return err


# --- traceable documents ---------------------------------------------------------------------------------------


def test_trace_is_declared_in_a_pdfa_extension_schema():
    packet = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
        b"<pdfuaid:part>1</pdfuaid:part></rdf:Description></rdf:RDF></x:xmpmeta>\n"
        b'<?xpacket end="w"?>'
    )
    assert read_trace(packet) is None
    ours = [f"aqb:{name}" for name in ("District", "FiscalYear", "Stage", "InputsSHA256", "Generator")]
    assert undeclared(packet) == [*ours, "pdfuaid:part"]  # PDF/A-2 predefines neither
    trace = Trace("fulda", 2025, Status.DRAFT, "ab" * 32, "0.1.0+test")
    traced = add_trace(packet, trace)
    assert read_trace(traced) == trace
    assert undeclared(traced) == []
    assert traced.count(NAMESPACE.encode()) == 2  # the properties and their declaration
    assert add_trace(traced, trace) == traced  # written again: replaced, not doubled
    assert read_trace(traced.replace(b">draft<", b">published<")) is None  # no stage of ours: not our file
    assert isinstance(read_trace(traced).stage, Status)


@pytest.mark.slow
def test_every_pdf_carries_its_district_year_stage_and_inputs(rnd, capsys):
    manifest = json.loads((rnd.paths.out / "2025/manifest.json").read_text(encoding="utf-8"))
    for slug, stage in ((SLUG, "for_signature"), ("darmstadt-dieburg", "signed"), ("fulda", "draft")):
        with pikepdf.open(rnd.paths.out / f"2025/{slug}.pdf") as doc:
            packet = doc.Root.Metadata.read_bytes()
        trace = read_trace(packet)
        record = manifest["districts"][slug]
        assert trace is not None and (trace.district, trace.year, trace.stage) == (slug, 2025, stage)
        assert trace.fingerprint == record["fingerprint"] and trace.generator == record["generator"]
        assert undeclared(packet) == []
    sent = manifest["districts"][SLUG]["sent_for_signature"]
    assert [entry["sha256"] for entry in sent] == [hashlib.sha256(rnd.sent.read_bytes()).hexdigest()]
    assert manifest["districts"]["fulda"]["sent_for_signature"] == []
    capsys.readouterr()
    assert run(["verify", str(rnd.signed)]) == 0  # signed, untrusted here: a warning, not a failure
    out = capsys.readouterr().out
    assert f"traceable: {SLUG} 2025, stage for_signature" in out
    assert "PDF/A extension schema declares the trace properties" in out
    assert read_first_trace(rnd.signed.read_bytes()) == read_trace(packet_of(rnd.sent))


def packet_of(pdf: Path) -> bytes:
    with pikepdf.open(pdf) as doc:
        return doc.Root.Metadata.read_bytes()


# --- the digital round, end to end -------------------------------------------------------------------------------


@pytest.mark.slow
def test_receive_then_build_and_publish_ships_exactly_what_was_signed(rnd, capsys):
    before = rnd.data.read_text(encoding="utf-8")
    code, out, err = invoke(rnd.paths, capsys, "receive", str(rnd.signed), "--trust", str(rnd.ca))
    assert code == 0, err
    assert f"{SLUG} 2025: signed digitally by the ministry (Heike Hofmann) on 2.8.2025" in out
    assert "and the district (Andreas Siebert) on 11.8.2025" in out
    kept = rnd.paths.counties / "2025/signed" / f"{SLUG}.pdf"
    assert kept.read_bytes() == rnd.signed.read_bytes()

    after = rnd.data.read_text(encoding="utf-8")
    digest = hashlib.sha256(rnd.signed.read_bytes()).hexdigest()
    assert "status: signed" + " " * 14 + "# draft | for_signature | signed\n" in after  # comment column kept
    assert "  place: Kassel\n  signed_on: 2025-08-11\n  date_pattern: dd.MM.yyyy\n" in after
    assert "ministry_signature:\n  signed_on: 2025-08-02\n" in after
    assert "signed_copy:" + " " * 16 + "# written by agreement-gen receive\n  route: digital\n" in after
    assert f"  file: signed/{SLUG}.pdf\n  sha256: {digest}\n" in after
    assert "  ministry_signer: Heike Hofmann\n  district_signer: Andreas Siebert\n" in after
    assert "untrusted" not in after
    kept_lines = [line for line in before.splitlines() if not line.startswith("status:")]
    assert all(line in after.splitlines() for line in kept_lines)  # comments, order and values stay

    assert invoke(rnd.paths, capsys, "build")[0] == 0  # Kassel now builds as signed; it is not what goes out
    code, out, err = invoke(rnd.paths, capsys, "publish", "--trust", str(rnd.ca))
    assert code == 0, err
    bundle = rnd.paths.out / "2025/publish"
    assert (bundle / PORTAL_FILE).read_bytes() == rnd.signed.read_bytes()
    assert f"{digest}  {PORTAL_FILE}\n" in (bundle / "SHA256SUMS.txt").read_text(encoding="ascii")
    index = (bundle / "index.html").read_text(encoding="utf-8")
    row = index[index.index('href="Zielvereinbarung-AQB-2025-Landkreis-Kassel.pdf"') :].split("</tr>")[0]
    assert "digital signiert" in row and "11.08.2025" in index
    dd = index[index.index('href="Zielvereinbarung-AQB-2025-Landkreis-Darmstadt-Dieburg.pdf"') :].split("</tr>")[0]
    assert "digital signiert" not in dd  # signed on paper: its signed-stage build

    code, out, _ = invoke(rnd.paths, capsys, "status")
    assert code == 0
    line = next(line for line in out.splitlines() if SLUG in line)
    assert "signed" in line and f"{today()} (digital)" in line and line.rstrip("│ ").endswith("yes")


@pytest.mark.slow
def test_receiving_the_same_file_again_changes_nothing(rnd, capsys):
    assert invoke(rnd.paths, capsys, "receive", str(rnd.signed), "--trust", str(rnd.ca))[0] == 0
    before = snapshot(rnd.paths.counties)
    renamed = rnd.mail / "nochmal.pdf"
    shutil.copyfile(rnd.signed, renamed)
    code, out, _ = invoke(rnd.paths, capsys, "receive", str(renamed), "--trust", str(rnd.ca))
    assert code == 0
    assert f"{SLUG} 2025: already received, nothing changed" in out
    assert snapshot(rnd.paths.counties) == before


@pytest.mark.slow
def test_roots_in_the_trust_folder_need_no_option(rnd, capsys):
    (rnd.paths.counties / "trust").mkdir(exist_ok=True)  # it holds signers.yaml already
    shutil.copyfile(rnd.ca, rnd.paths.counties / "trust/test-ca.crt")
    assert invoke(rnd.paths, capsys, "receive", str(rnd.signed))[0] == 0
    code, _, err = invoke(rnd.paths, capsys, "publish")
    assert code == 0, err


@pytest.mark.slow
def test_a_deputy_is_taken_only_when_the_clerk_names_them(rnd, signers, capsys):
    deputy = issue(signers.ca, "Dr. Vertreterin Beispiel", "Landkreis Kassel")
    deputy_signed = rnd.mail / "vertretung.pdf"
    deputy_signed.write_bytes(signers.sign_both(rnd.sent.read_bytes(), district=deputy))
    err = refused(rnd, capsys, str(deputy_signed), "--trust", str(rnd.ca))
    assert (
        f"the signature in Signatur_{SLUG} is not its party's: it was signed by 'Dr. Vertreterin Beispiel', but the "
        "data names 'Andreas Siebert' as the district's signatory: if 'Dr. Vertreterin Beispiel' signed as deputy, "
        'say so with --deputy "Dr. Vertreterin Beispiel"' in err
    )
    args = ["--trust", str(rnd.ca), "--deputy", "Dr. Vertreterin Beispiel"]
    code, out, _ = invoke(rnd.paths, capsys, "receive", str(deputy_signed), *args)
    assert code == 0
    assert f"Signatur_{SLUG}: signed by the deputy 'Dr. Vertreterin Beispiel' (--deputy" in out
    text = rnd.data.read_text(encoding="utf-8")
    assert "  name: Andreas Siebert\n" in text and "  district_signer: Dr. Vertreterin Beispiel\n" in text
    assert "  deputies:\n    - Dr. Vertreterin Beispiel\n" in text
    code, _, err = invoke(rnd.paths, capsys, "publish", "--trust", str(rnd.ca))  # the record says who was accepted
    assert code == 0, err


# --- refusals: one sentence each, nothing stored or changed ---------------------------------------------------------


@pytest.mark.slow
def test_untrusted_signature_is_refused_unless_accepted(rnd, capsys):
    err = refused(rnd, capsys, str(rnd.signed))
    assert (
        f"the signature in Signatur_Ministerium is intact, but its certificate (Organization: {MINISTRY}; "
        "Common Name: Heike Hofmann)" in err
    )
    assert "is not trusted here" in err and "--accept-untrusted" in err

    code, out, _ = invoke(rnd.paths, capsys, "receive", str(rnd.signed), "--accept-untrusted")
    assert code == 0 and "accepted untrusted: Signatur_Ministerium by Organization: " in out
    assert "  untrusted_accepted: true\n" in rnd.data.read_text(encoding="utf-8")
    code, _, err = invoke(rnd.paths, capsys, "publish")  # the data records the decision; publish does not ask again
    assert code == 0, err


def test_a_file_we_did_not_build_is_refused(project, capsys, tmp_path):
    stranger = tmp_path / "fremd.pdf"
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.save(stranger)
    paths = Paths(project.counties, project.templates, project.out)
    before = snapshot(project.counties)
    code, _, err = invoke(paths, capsys, "receive", str(stranger))
    assert code == 2
    assert "fremd.pdf: was not made by agreement-gen: its metadata names no district and fiscal year" in err
    text = tmp_path / "brief.pdf"
    text.write_text("Sehr geehrte Damen und Herren", encoding="utf-8")
    code, _, err = invoke(paths, capsys, "receive", str(text))
    assert code == 2 and "brief.pdf: is not a readable PDF" in err
    assert snapshot(project.counties) == before


@pytest.mark.slow
def test_a_first_revision_we_have_no_record_of_is_refused(rnd, capsys):
    for path in sent_files(rnd.paths, 2025, SLUG):
        path.unlink()
    err = refused(rnd, capsys, str(rnd.signed), "--trust", str(rnd.ca))
    folder = rnd.paths.counties / "2025/sent"
    assert f"is not a document we sent for signature: {folder} has no record of {SLUG}" in err
    assert f"(send it with `agreement-gen send {SLUG} --year 2025`)" in err


@pytest.mark.slow
def test_a_first_revision_changed_before_signing_is_refused(rnd, signers, capsys):
    title = "Zielvereinbarung AQB 2025 – Landkreis Kassel".encode()
    sent = rnd.sent.read_bytes()
    assert sent.count(title) == 1  # in the XMP, which is not compressed
    tampered = rnd.mail / "geaendert.pdf"
    tampered.write_bytes(signers.sign_both(sent.replace(title, title.replace(b"Kassel", b"Kassal"))))
    err = refused(rnd, capsys, str(tampered), "--trust", str(rnd.ca))
    assert (
        "geaendert.pdf: was changed before it was signed: its first revision is not byte for byte the document "
        f"we sent for signature ({sent_files(rnd.paths, 2025, SLUG)[0]})" in err
    )


@pytest.mark.slow
def test_a_file_changed_after_signing_is_refused(rnd, capsys):
    title = "Zielvereinbarung AQB 2025 – Landkreis Kassel".encode()
    signed = rnd.signed.read_bytes()
    first = signed.index(title)  # in our XMP
    second = signed.index(title, first + 1)  # in the XMP the first signer's software wrote
    assert first < len(rnd.sent.read_bytes()) < second  # the second lies in a signed revision, after ours
    changed = rnd.mail / "verfaelscht.pdf"
    changed.write_bytes(signed[:second] + title.replace(b"Kassel", b"Kassal") + signed[second + len(title) :])
    err = refused(rnd, capsys, str(changed), "--trust", str(rnd.ca))
    assert "verfaelscht.pdf: the signature in Signatur_Ministerium (Heike Hofmann) is broken" in err


@pytest.mark.slow
@pytest.mark.parametrize("change", [add_page, add_text], ids=["page", "text"])
def test_a_page_or_text_added_after_the_signatures_is_refused(rnd, capsys, change):
    changed = rnd.mail / "nachtrag.pdf"
    changed.write_bytes(change(rnd.signed.read_bytes()))
    err = refused(rnd, capsys, str(changed), "--trust", str(rnd.ca))
    assert "nachtrag.pdf: was changed after it left us beyond filling in the signature fields" in err
    assert "(a page, text or annotation was added or altered)" in err


@pytest.mark.slow
def test_text_added_between_the_two_signatures_is_refused(rnd, signers, capsys):
    once = (rnd.mail / "once.pdf").read_bytes()
    second = sign_as(add_text(once), f"Signatur_{SLUG}", *signers.district, signers.ca, DISTRICT_AT)
    changed = rnd.mail / "dazwischen.pdf"
    changed.write_bytes(second)
    err = refused(rnd, capsys, str(changed), "--trust", str(rnd.ca))
    assert "dazwischen.pdf: was changed after it left us beyond filling in the signature fields" in err


@pytest.mark.slow
def test_a_single_signature_is_refused(rnd, capsys):
    err = refused(rnd, capsys, str(rnd.mail / "once.pdf"), "--trust", str(rnd.ca))
    assert (
        "once.pdf: carries only one signature (in Signatur_Ministerium): both parties must sign before it comes back"
        in err
    )


@pytest.mark.slow
def test_a_file_of_another_year_is_refused(rnd, capsys):
    err = refused(rnd, capsys, str(rnd.signed), "--year", "2026", "--trust", str(rnd.ca))
    assert f"is the 2025 agreement of {SLUG}, not one of 2026 (--year)" in err


@pytest.mark.slow
def test_a_file_recorded_as_another_districts_build_is_refused(rnd, capsys):
    pdf, meta = sent_files(rnd.paths, 2025, SLUG)
    record = json.loads(meta.read_text(encoding="utf-8"))
    record["slug"], record["pdf"] = "fulda", "sent/fulda.pdf"
    fulda_pdf, fulda_meta = sent_files(rnd.paths, 2025, "fulda")
    fulda_meta.write_text(json.dumps(record), encoding="utf-8")
    pdf.rename(fulda_pdf)
    meta.unlink()
    err = refused(rnd, capsys, str(rnd.signed), "--trust", str(rnd.ca))
    assert f"is the document sent to fulda, although its metadata names {SLUG}" in err


@pytest.mark.slow
def test_a_draft_is_refused(rnd, capsys):
    err = refused(rnd, capsys, str(rnd.paths.out / "2025/fulda.pdf"))
    assert "fulda.pdf: is a draft (the 2025 agreement of fulda), not the version sent for signature" in err


@pytest.mark.slow
def test_an_earlier_version_is_refused_after_the_data_changed(rnd, capsys):
    edit_yaml(rnd.data, "Qualifizierung Garten- und Landschaftsbau", "Qualifizierung Garten- und Landschaftspflege")
    err = refused(rnd, capsys, str(rnd.signed), "--trust", str(rnd.ca))
    assert (
        "was signed, but the text changed since it was sent: projects 3 'Qualifizierung Garten- und "
        "Landschaftsbau' → 'Qualifizierung Garten- und Landschaftspflege' since sent on 2025-07-30" in err
    )


@pytest.mark.slow
def test_a_year_file_wording_change_is_refused_naming_the_clause(rnd, capsys):
    year_file = rnd.paths.counties / "2025/_year.yaml"
    edit_yaml(year_file, "hohe Individualität und Vielfalt", "hohe Vielfalt")
    err = refused(rnd, capsys, str(rnd.signed), "--trust", str(rnd.ca))
    assert (
        "was signed, but the text changed since it was sent: migration_clause '… durch eine hohe Individualität und "
        "Vielfalt gekennzeichnet.' → '… durch eine hohe Vielfalt gekennzeichnet.' since sent on 2025-07-30" in err
    )


@pytest.mark.slow
def test_comments_and_reformatting_after_sending_change_nothing(rnd, capsys):
    edit_yaml(rnd.data, "budget: 968700", "budget: 968700  # Haushaltsplan S. 12\n# geprüft")
    edit_yaml(rnd.paths.counties / "2025/_year.yaml", "grant_authority:", "# Bewilligung\ngrant_authority:")
    edit_yaml(rnd.data, "  title: Landrat", '  title: "Landrat"')
    code, out, err = invoke(rnd.paths, capsys, "receive", str(rnd.signed), "--trust", str(rnd.ca))
    assert code == 0, err
    assert f"{SLUG} 2025: signed digitally by the ministry (Heike Hofmann) on 2.8.2025" in out


@pytest.mark.slow
def test_one_bad_file_stops_the_whole_run(rnd, capsys):
    err = refused(rnd, capsys, str(rnd.signed), str(rnd.mail / "once.pdf"), "--trust", str(rnd.ca))
    assert "once.pdf: carries only one signature" in err
    assert "unterschrieben.pdf" not in err  # the good file was fine, but is not taken alone


# --- publishing re-checks the kept copy -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("delete", "its signed PDF {kept} is missing"),
        ("append", "its signed PDF {kept} is not the file received (SHA-256 differs)"),
        ("date", "the signing dates in the data (2025-08-02, 2025-08-12) are not those of the signatures"),
        ("budget", "the signed PDF does not show 968.701 Euro from the data: the data changed after signing"),
        ("trust", "the signature in Signatur_Ministerium is intact, but its certificate"),
    ],
)
def test_publish_refuses_a_kept_copy_that_no_longer_validates(rnd, capsys, damage, message):
    assert invoke(rnd.paths, capsys, "receive", str(rnd.signed), "--trust", str(rnd.ca))[0] == 0
    kept = rnd.paths.counties / "2025/signed" / f"{SLUG}.pdf"
    trust = ["--trust", str(rnd.ca)]
    if damage == "delete":
        kept.unlink()
    elif damage == "append":
        kept.write_bytes(kept.read_bytes() + b"\n% appended\n")
    elif damage == "date":
        edit_yaml(rnd.data, "  signed_on: 2025-08-11", "  signed_on: 2025-08-12")
    elif damage == "budget":
        edit_yaml(rnd.data, "budget: 968700", "budget: 968701")
    else:
        trust = []
    code, _, err = invoke(rnd.paths, capsys, "publish", *trust)
    assert code == 2
    assert f"field 'signed_copy': {SLUG}: " + message.format(kept=kept) in err
    assert not (rnd.paths.out / "2025/publish").exists()


# --- the paper route ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_paper_route_publishes_the_signed_stage_build(rnd, capsys, tmp_path):
    scan = tmp_path / "scan.pdf"
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.save(scan)
    args = ["--paper", SLUG, "--year", "2025", "--signed-on", "2.8.2025,11.08.2025", "--scan", str(scan)]
    code, out, err = invoke(rnd.paths, capsys, "receive", *args)
    assert code == 0, err
    assert f"{SLUG} 2025: signed on paper by the ministry on 2.8.2025 and the district on 11.8.2025" in out
    assert (rnd.paths.counties / "2025/signed" / f"{SLUG}-scan.pdf").read_bytes() == scan.read_bytes()
    text = rnd.data.read_text(encoding="utf-8")
    assert "status: signed" in text and "  signed_on: 2025-08-11\n" in text
    assert "ministry_signature:\n  signed_on: 2025-08-02\n" in text
    assert "  route: paper\n" in text and f"  file: signed/{SLUG}-scan.pdf\n" in text

    before = snapshot(rnd.paths.counties)
    assert "already received, nothing changed" in invoke(rnd.paths, capsys, "receive", *args)[1]
    assert snapshot(rnd.paths.counties) == before

    assert invoke(rnd.paths, capsys, "build")[0] == 0
    code, _, err = invoke(rnd.paths, capsys, "publish")
    assert code == 0, err
    published = (rnd.paths.out / "2025/publish" / PORTAL_FILE).read_bytes()
    assert published == (rnd.paths.out / "2025" / f"{SLUG}.pdf").read_bytes()  # the signed-stage build
    with pikepdf.open(io.BytesIO(published)) as doc:
        trace = read_trace(doc.Root.Metadata.read_bytes())
    assert trace is not None and trace.stage == "signed"


def test_paper_route_refuses_a_draft_and_a_date_in_the_future(project, capsys):
    paths = Paths(project.counties, project.templates, project.out)
    before = snapshot(project.counties)
    code, _, err = invoke(paths, capsys, "receive", "--paper", "fulda", "--signed-on", "2025-08-02,2025-08-11")
    assert code == 2
    assert "fulda is still a 'draft': set `status: for_signature`" in err
    make_for_signature(project.counties)
    before = snapshot(project.counties)
    code, _, err = invoke(paths, capsys, "receive", "--paper", SLUG, "--signed-on", "2025-08-02,2099-01-01")
    assert code == 2 and "the signing date 2099-01-01 lies in the future" in err
    code, _, err = invoke(paths, capsys, "receive", "--paper", SLUG, "--signed-on", "2024-12-31,2025-08-11")
    assert code == 2 and "signing date 2024-12-31 lies before the fiscal year 2025" in err
    assert snapshot(project.counties) == before


def test_paper_route_needs_two_dates_and_no_file(project, capsys, tmp_path):
    paths = Paths(project.counties, project.templates, project.out)
    code, _, err = invoke(paths, capsys, "receive", "--paper", SLUG, "--signed-on", "2025-08-02")
    assert code == 2 and "give 2 dates separated by a comma" in err
    code, _, err = invoke(paths, capsys, "receive", "--paper", SLUG)
    assert code == 2 and "needs --signed-on" in err
    code, _, err = invoke(paths, capsys, "receive")
    assert code == 2 and "give the signed PDF file(s)" in err


# --- status ---------------------------------------------------------------------------------------------------------


def test_status_lists_stage_missing_received_published(project, capsys):
    make_for_signature(project.counties)
    paths = Paths(project.counties, project.templates, project.out)
    code, out, _ = invoke(paths, capsys, "status")
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert len(rows) == 26
    assert "for_signature" in rows[SLUG] and "not sent, signatures" in rows[SLUG]
    assert "entered by hand" in rows["darmstadt-dieburg"] and rows["darmstadt-dieburg"].rstrip("│ ").endswith("no")
    assert "draft" in rows["fulda"] and "signatory, real figures (example data)" in rows["fulda"]
    assert "2025: 26 districts (24 draft, 1 for_signature, 1 signed); 1 received, 0 published" in " ".join(out.split())
