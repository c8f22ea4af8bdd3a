"""The one loader of trusted roots, for verify, receive, publish and sign: counties/trust/ plus --trust."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agreement_gen.i18n import _
from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.parties import TRUST_DIR

CERT_SUFFIXES = (".pem", ".crt", ".cer")


def trust_roots(counties: Path | None, extra: Iterable[Path] = ()) -> list[Any]:
    """Root certificates from counties/trust/ (*.pem, *.crt, *.cer) and from --trust, as pyHanko wants them."""
    from pyhanko.keys import load_certs_from_pemder

    folder = counties / TRUST_DIR if counties is not None else None
    files = (
        sorted(p for p in folder.iterdir() if p.suffix.lower() in CERT_SUFFIXES) if folder and folder.is_dir() else []
    )
    files += list(extra)
    roots = []
    for path in files:
        try:
            roots += list(load_certs_from_pemder([str(path)]))  # type: ignore[no-untyped-call]
        except (OSError, ValueError, TypeError) as exc:
            raise SignatureProblem(
                _("the trust certificate {path} cannot be read ({exc})").format(path=path, exc=exc)
            ) from exc
    return roots
