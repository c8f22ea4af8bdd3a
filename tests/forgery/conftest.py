"""One signing round for the forgery corpus: Landkreis Kassel built for signature once, a test PKI, and per
test a private copy of the data to receive into (so a refusal can be checked to leave counties/ byte for byte)."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from agreement_gen.cli import run
from agreement_gen.data.paths import Paths

from ..helpers import built_once, copy_project, folder_args, snapshot
from ..round_helpers import send_at
from ..signing import MINISTRY, VALID_FROM, Authority, issue, make_ca, sign_as, subject
from ..signing import _usage as key_usage
from ..test_receive import SLUG, invoke, make_for_signature

DISTRICT_FIELD = f"Signatur_{SLUG}"
MINISTRY_FIELD = "Signatur_Ministerium"
MINISTRY_AT = dt.datetime(2025, 8, 2, 10, 0, tzinfo=dt.UTC)
DISTRICT_AT = dt.datetime(2025, 8, 11, 9, 30, tzinfo=dt.UTC)
Identity = tuple  # (asn1crypto certificate, key)


@dataclass(frozen=True)
class Pki:
    ca: Authority
    ministry: Identity  # Heike Hofmann of the ministry
    district: Identity  # Andreas Siebert of Landkreis Kassel

    def person(self, name: str, organization: str | None) -> Identity:
        return issue(self.ca, name, organization)


@pytest.fixture(scope="session")
def pki() -> Pki:
    ca = make_ca()
    return Pki(ca, issue(ca, "Heike Hofmann", MINISTRY), issue(ca, "Andreas Siebert", "Landkreis Kassel"))


@pytest.fixture(scope="session")
def sent_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """counties/, templates/ and build/ with Kassel's for_signature PDF, built once for the whole corpus."""

    def make(root: Path) -> None:
        paths = copy_project(root)
        make_for_signature(paths.counties)
        assert run(["build", *folder_args(paths, "build"), "--only", "darmstadt-dieburg"]) == 0
        assert send_at(paths, SLUG) == 0  # builds it and keeps it as counties/2025/sent/landkreis-kassel.pdf

    return built_once(tmp_path_factory, "forgery", make)


@dataclass
class Forge:
    """A test's own copy of the round: the PDF sent, the signing, and receive/publish/verify on it."""

    paths: Paths
    pki: Pki
    ca_file: Path
    folder: Path

    @property
    def sent(self) -> bytes:
        return (self.paths.counties / "2025" / "sent" / f"{SLUG}.pdf").read_bytes()

    @property
    def data(self) -> Path:
        return self.paths.counties / f"2025/{SLUG}.yaml"

    def sign(self, pdf: bytes, field: str, who: Identity, when: dt.datetime, **options: object) -> bytes:
        return sign_as(pdf, field, *who, self.pki.ca, when, **options)  # type: ignore[arg-type]

    def ministry_signs(self, pdf: bytes | None = None, who: Identity | None = None) -> bytes:
        return self.sign(self.sent if pdf is None else pdf, MINISTRY_FIELD, who or self.pki.ministry, MINISTRY_AT)

    def district_signs(
        self, pdf: bytes, who: Identity | None = None, when: dt.datetime = DISTRICT_AT, **options: object
    ) -> bytes:
        return self.sign(pdf, DISTRICT_FIELD, who or self.pki.district, when, **options)

    def both(self) -> bytes:
        return self.district_signs(self.ministry_signs())

    def file(self, content: bytes, name: str = "zurueck.pdf") -> Path:
        path = self.folder / name
        path.write_bytes(content)
        return path

    def run(self, capsys: pytest.CaptureFixture[str], verb: str, *args: str) -> tuple[int, str, str]:
        return invoke(self.paths, capsys, verb, *args)

    def receive(self, capsys: pytest.CaptureFixture[str], content: bytes, *args: str) -> tuple[int, str, str]:
        return self.run(capsys, "receive", str(self.file(content)), "--trust", str(self.ca_file), *args)

    def refused(self, capsys: pytest.CaptureFixture[str], content: bytes, *args: str) -> str:
        """receive must refuse (exit 2) and leave counties/ byte for byte; returns the sentence(s)."""
        before = snapshot(self.paths.counties)
        code, out, err = self.receive(capsys, content, *args)
        assert code == 2, out + err
        assert "nothing was written" in err
        assert snapshot(self.paths.counties) == before
        return err


@pytest.fixture
def forge(sent_tree: Path, pki: Pki, tmp_path: Path) -> Forge:
    for name in ("counties", "templates", "build"):
        shutil.copytree(sent_tree / name, tmp_path / name)
    paths = Paths(counties=tmp_path / "counties", templates=tmp_path / "templates", out=tmp_path / "build")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(pki.ca.pem)
    return Forge(paths, pki, ca_file, tmp_path)


# --- certificates a forger or a careless CA makes ------------------------------------------------------------------


def certificate(
    ca: Authority,
    common_name: str,
    organization: str | None,
    *,
    valid: tuple[dt.datetime, dt.datetime] | None = None,
    documents: bool = True,
    algorithm: hashes.HashAlgorithm | None = None,
    time_stamping: bool = False,
) -> Identity:
    """An end-entity certificate with the given validity, key usage and signature hash, issued by `ca`.

    A time-stamping authority gets an RSA key (pyHanko's in-process TSA signs with RSA only).
    """
    key = rsa.generate_private_key(65537, 2048) if time_stamping else ec.generate_private_key(ec.SECP256R1())
    start, end = valid or (VALID_FROM, dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject(common_name, organization))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    if documents:
        builder = builder.add_extension(key_usage(sign_certs=False), critical=True)
    else:  # a key for encryption only
        builder = builder.add_extension(
            x509.KeyUsage(False, False, True, False, False, False, False, False, False), critical=True
        )
    if time_stamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    cert = builder.sign(ca.key, algorithm or hashes.SHA256())
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(der_key),
    )
