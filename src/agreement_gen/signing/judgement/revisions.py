"""The bytes of our revision: the file as we built it, before anybody signed."""

from __future__ import annotations

from agreement_gen.i18n import _
from agreement_gen.signing.judgement.problems import SignatureProblem
from agreement_gen.signing.judgement.structure import Document


def first_revision(content: bytes) -> bytes:
    """The bytes of the file's oldest revision, up to its %%EOF line; the whole file is read strictly first."""
    if not content.startswith(b"%PDF-"):
        raise SignatureProblem(_("is not a readable PDF (it does not start with %PDF-)"))
    try:
        document = Document(content)
    except (RecursionError, MemoryError) as exc:  # our parser limits depth and size; this is a last guard
        raise SignatureProblem(_("is not a readable PDF ({name})").format(name=type(exc).__name__)) from exc
    return content[: document.revisions[0].end]
