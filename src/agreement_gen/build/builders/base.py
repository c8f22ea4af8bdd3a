"""The builder interface: like Sphinx builders, adding an output format touches one module."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from agreement_gen.data.structure import Agreement

FORMATS = ("docx", "pdf")


@dataclass
class Item:
    """One agreement on its way through the builders; `staged` maps a format to its file in staging."""

    agreement: Agreement
    staged: dict[str, Path] = field(default_factory=dict)
    error: str | None = None
    fingerprint: str = ""  # the manifest's fingerprint of its inputs; the PDF carries it in its XMP

    @property
    def ok(self) -> bool:
        return self.error is None

    def fail(self, message: str) -> None:
        self.error = message


class Builder(ABC):
    """Produces one format for a batch of items, writing only into the staging folder."""

    format: str

    @abstractmethod
    def build(self, items: list[Item], staging: Path) -> None:
        """Add `item.staged[self.format]` for each item, or mark the item failed with a reason."""

    def close(self, abort: bool = False) -> None:  # noqa: B027 – an optional hook, empty by default
        """Release what the builder holds (processes, temporary files); `abort` after an interruption."""
