"""Problems in the user's input, reported all at once with file, line and field.

The pipeline never stops at the first bad value: every stage collects `Problem`s and the
command line prints them together, so one run shows everything that needs fixing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agreement_gen.i18n import _


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know."""

    file: Path | None
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
        parts = [p for p in (where, _("field '{name}'").format(name=self.field) if self.field else "") if p]
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_TOOL_MISSING = 0, 1, 2, 3  # README "Exit codes"


class AgreementGenError(Exception):
    """Base of every error agreement-gen reports to the user (never a bare traceback).

    `exit_code` is what the command line exits with: invalid input or usage unless a subclass says otherwise.
    """

    exit_code: int = EXIT_INVALID


class InputError(AgreementGenError):
    """Invalid data or template: nothing was written. Carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.file or ""), p.line or 0, p.field or ""))
        super().__init__("\n".join(str(p) for p in self.problems))


class RenderError(AgreementGenError):
    """One district's document could not be rendered; the others go on."""

    def __init__(self, slug: str, message: str):
        self.slug = slug
        self.reason = message  # without the slug: a builder reports it under the district's name
        super().__init__(f"{slug}: {message}")


class ToolMissingError(AgreementGenError):
    """An external program the build needs (LibreOffice) is missing or broken: the machine, not the input."""

    exit_code = EXIT_TOOL_MISSING


class OutputError(AgreementGenError):
    """The output could not be written (folder not writable, disk full, another build holds the lock).

    The message says what is left: the build writes everything into staging before it moves
    anything, so usually nothing changed. `exit_code` 2 when nothing could be started (an output
    folder that cannot be written is a usage error), 1 when the build ran and failed.
    """

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        self.exit_code = exit_code
        super().__init__(message)


def suggestions(word: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """The choices a mistyped `word` most likely meant: those containing it, then the closest spellings."""
    import difflib

    choices = sorted(set(choices))
    containing = [choice for choice in choices if word and word.lower() in choice.lower()]
    close = difflib.get_close_matches(word.lower(), choices, n=limit, cutoff=0.75)
    return list(dict.fromkeys(containing + close))[:limit]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' – did you mean 'giessen'?' (in the current language), or '' when nothing is close."""
    found = suggestions(word, choices)
    if not found:
        return ""
    return " – " + _("did you mean {names}?").format(names=_(" or ").join(f"'{name}'" for name in found))
