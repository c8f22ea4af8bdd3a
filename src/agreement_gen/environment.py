"""Settings read from environment variables, validated once: a bad value is a sentence, never a traceback.

The variables are for administrators and tests (a longer wait for a slow machine, another
LibreOffice). The command line checks every one of them before a verb runs (`check_all`), so a
typo in a time limit is not mistaken for a problem of the template or the data.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from agreement_gen.errors import AgreementGenError
from agreement_gen.i18n import _


class SettingError(AgreementGenError):
    """An environment variable holds a value agreement-gen cannot use (a usage error: exit 2)."""


@dataclass(frozen=True)
class Seconds:
    """A time limit in seconds, from the variable `name` when it is set."""

    name: str
    example: float  # shown in the sentence about a bad value

    def get(self, default: float) -> float:
        raw = os.environ.get(self.name, "").strip()
        if not raw:
            return default
        try:
            seconds = float(raw.replace(",", "."))  # a German decimal comma is meant as a decimal
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or seconds <= 0:
            raise SettingError(
                _(
                    "the environment variable {name} is '{value}': write a number of seconds greater than 0, "
                    "e.g. {name}={example:g} (or remove it for the default)"
                ).format(name=self.name, value=raw, example=self.example)
            )
        return seconds


LOCK_TIMEOUT = Seconds("AGREEMENT_GEN_LOCK_TIMEOUT", 900)  # a build waiting for another one (lock.py)
RENDER_TIMEOUT = Seconds("AGREEMENT_GEN_RENDER_TIMEOUT", 30)  # one document's rendering (limits.py)
CONVERT_TIMEOUT = Seconds("AGREEMENT_GEN_CONVERT_TIMEOUT", 120)  # one LibreOffice batch (convert.py)
ALL = (LOCK_TIMEOUT, RENDER_TIMEOUT, CONVERT_TIMEOUT)


def check_all() -> None:
    """Raise SettingError for the first malformed variable (called before any verb runs)."""
    for setting in ALL:
        setting.get(setting.example)
