"""What the template check reports: findings, and where in Word each one is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from agreement_gen.i18n import _
from agreement_gen.lint.document import Para, Part


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (as an editor finds it in Word), the words around it, what to do."""

    severity: Severity
    where: str
    message: str
    near: str = ""
    order: tuple[int, int] = field(default=(99, 0), compare=False, repr=False)

    def __str__(self) -> str:
        if self.near:
            return _("{where} (near „{near}“): {message}").format(
                where=self.where, near=self.near, message=self.message
            )
        return _("{where}: {message}").format(where=self.where, message=self.message)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


class Report:
    """The findings so far, each placed at its paragraph (or part, or the template as a whole)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, severity: Severity, part: Part | None, para: Para | None, message: str, near: str = "") -> None:
        where = para.where if para else (part.name if part else "Vorlage")
        order = (part.order if part else 90, para.index if para else 0)
        self.findings.append(Finding(severity, where, message, near, order))

    def error(self, part: Part | None, para: Para | None, message: str, near: str = "") -> None:
        self.add(Severity.ERROR, part, para, message, near)

    def warning(self, part: Part | None, para: Para | None, message: str, near: str = "") -> None:
        self.add(Severity.WARNING, part, para, message, near)

    def errors_since(self, count: int) -> bool:
        """Whether any of the findings after the first `count` is an error."""
        return has_errors(self.findings[count:])

    def in_document_order(self) -> list[Finding]:
        """Sorted by place; a finding repeated word for word (a text box's fallback copy) appears once."""
        return sorted(dict.fromkeys(self.findings), key=lambda f: f.order)
