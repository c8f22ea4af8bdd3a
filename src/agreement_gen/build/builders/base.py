"""The builder interface: like Sphinx builders, adding an output format touches one module."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from agreement_gen.data.structure import Agreement
from agreement_gen.render.metadata import DocumentMetadata


class Format(StrEnum):
    """An output format; its value is the file suffix and the word `--formats` takes."""

    DOCX = "docx"
    PDF = "pdf"


FORMATS = tuple(Format)  # in build order: the PDF is converted from the DOCX


class Step(StrEnum):
    """How far one district has come in a builder: reported while the build runs."""

    RENDERED = "rendered"  # its DOCX is in staging
    CONVERTED = "converted"  # LibreOffice delivered its PDF; the PDF is being finished and checked
    CHECKED = "checked"  # its PDF passed every check
    FAILED = "failed"  # it stops here (the reason is on the item)


class BuildProgress:
    """What a build reports while it runs. This one reports nothing; the command line shows a bar (ui.py).

    Library code only reports; how it is shown (or not: `--quiet`, not a terminal) is the caller's choice.
    """

    def start(self, year: int, documents: int, formats: int) -> None:
        """`documents` are about to be built, each through `formats` builders."""

    def step(self, slug: str, fmt: Format, step: Step) -> None:
        """One district reached `step` in the builder of `fmt`."""

    def finish(self) -> None:
        """The build ended: done, failed or interrupted (a bar on the screen goes away)."""


class OutputRejected(Exception):
    """A document was produced but fails its checks; `reason` says why, in the user's language."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class Item:
    """One agreement on its way through the builders; `staged` maps a format to its file in staging."""

    agreement: Agreement
    staged: dict[Format, Path] = field(default_factory=dict)
    error: str | None = None
    fingerprint: str = ""  # the manifest's fingerprint of its inputs; the PDF carries it in its XMP
    metadata: DocumentMetadata | None = None  # what the rendered DOCX says about itself; the PDF says the same

    @property
    def ok(self) -> bool:
        return self.error is None

    def fail(self, message: str) -> None:
        self.error = message


class Builder(ABC):
    """Produces one format for a batch of items, writing only into the staging folder."""

    format: Format

    @abstractmethod
    def build(self, items: list[Item], staging: Path, progress: BuildProgress) -> None:
        """Add `item.staged[self.format]` for each item, or mark the item failed with a reason; report each step."""

    def close(self, abort: bool = False) -> None:  # noqa: B027 – an optional hook, empty by default
        """Release what the builder holds (processes, temporary files); `abort` after an interruption."""
