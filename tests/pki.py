"""The signing tests' real infrastructure: a Certomancer PKI with TSA and OCSP on 127.0.0.1, and a SoftHSM2 token.

Keys are generated fresh for each test session; nothing here mocks cryptography or the network
protocols – pyHanko talks RFC 3161 and OCSP over HTTP to Certomancer, and PKCS#11 to SoftHSM2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

CONFIG = Path(__file__).parent / "pki" / "certomancer.yml"
ARCH = "agreement-gen"
KEYS = ("root", "tsa", "ocsp", "ministry", "district", "stranger")
SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, KEY_LABEL, PIN = "HMSI-Test", "ministerin", "4711"


@dataclass(frozen=True)
class Pki:
    folder: Path
    root_pem: Path  # what --trust / counties/trust/ reads
    tsa_url: str
    arch: object  # certomancer PKIArchitecture

    def cert_der(self, label: str) -> bytes:
        return self.arch.get_cert(label).dump()  # type: ignore[attr-defined]

    def key_pem(self, label: str) -> Path:
        return self.folder / f"{label}.key.pem"

    def pkcs12(self, label: str, password: str) -> Path:
        """The label's key and certificate (with the root) as a password-protected PKCS#12 file."""
        from cryptography import x509

        key = serialization.load_pem_private_key(self.key_pem(label).read_bytes(), None)
        cert = x509.load_der_x509_certificate(self.cert_der(label))
        root = x509.load_der_x509_certificate(self.cert_der("root"))
        path = self.folder / f"{label}.p12"
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                label.encode(), key, cert, [root], serialization.BestAvailableEncryption(password.encode())
            )
        )
        return path


def _write_keys(folder: Path) -> None:
    for label in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())  # RSA keys take seconds to make, these microseconds
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (folder / f"{label}.key.pem").write_bytes(pem)


@contextmanager
def serve_pki(folder: Path) -> Iterator[Pki]:
    """Certomancer's TSA and OCSP responder on 127.0.0.1 (a free port), stopped afterwards."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    folder.mkdir(parents=True, exist_ok=True)
    _write_keys(folder)
    app: dict[str, object] = {}

    def dispatch(environ: dict, start_response: object) -> object:
        return app["animator"](environ, start_response)  # type: ignore[operator]

    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    prefix = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_file(str(CONFIG), key_search_dir=str(folder), external_url_prefix=prefix)
    app["animator"] = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    arch = config.get_pki_arch(ARCH)
    root_pem = folder / "root.pem"
    root_pem.write_bytes(_pem(arch.get_cert("root").dump()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Pki(folder, root_pem, f"{prefix}/{ARCH}/tsa/tsa", arch)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _pem(der: bytes) -> bytes:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def softhsm_token(pki: Pki, folder: Path, label: str = "ministry") -> None:
    """A SoftHSM2 token TOKEN (user PIN `PIN`) holding `label`'s key and certificate as KEY_LABEL.

    SOFTHSM2_CONF is set for this process: SoftHSM2 reads it once, when the module is first loaded.
    """
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.x509 import decode_x509_certificate

    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = shutil.which("softhsm2-util")
    assert util, "softhsm2-util is missing (make test installs softhsm2)"
    run = {"check": True, "capture_output": True, "env": os.environ.copy()}
    subprocess.run([util, "--init-token", "--free", "--label", TOKEN, "--so-pin", "0815", "--pin", PIN], **run)
    subprocess.run(
        [util, "--import", str(pki.key_pem(label)), "--token", TOKEN, "--label", KEY_LABEL, "--id", "01", "--pin", PIN],
        **run,
    )
    token = pkcs11.lib(str(SOFTHSM_MODULE)).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        attributes = decode_x509_certificate(pki.cert_der(label))  # class, type, subject, issuer, serial, value
        session.create_object({**attributes, Attribute.TOKEN: True, Attribute.LABEL: KEY_LABEL, Attribute.ID: b"\x01"})
