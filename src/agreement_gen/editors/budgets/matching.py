"""Finding a district by its AGS or its name.

A district is found by its 5-digit AGS ("06432", "06 432"; "6432" from a spreadsheet that
dropped the leading zero) or by its name, case-insensitively and with or without a prefix
such as "Landkreis", "Kreis" or "Stadt". A name that fits more than one district is refused:
"Offenbach" and "Kassel" each name a Landkreis and a kreisfreie Stadt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agreement_gen.data.models import District, Kind
from agreement_gen.editors.budgets.cells import normalize
from agreement_gen.i18n import _

# Words before (or, "Kassel, Landkreis", after) a district's name, and which kind of district they mean.
_PREFIXES = {
    "landkreis": Kind.LANDKREIS,
    "kreis": Kind.LANDKREIS,
    "lk": Kind.LANDKREIS,
    "lkr": Kind.LANDKREIS,
    "krs": Kind.LANDKREIS,
    "kreisfreie stadt": Kind.KREISFREIE_STADT,
    "stadt": Kind.KREISFREIE_STADT,
    "wissenschaftsstadt": Kind.KREISFREIE_STADT,
    "landeshauptstadt": Kind.KREISFREIE_STADT,
    "universitaetsstadt": Kind.KREISFREIE_STADT,
    "documenta stadt": Kind.KREISFREIE_STADT,
}
_PREFIX_ORDER = sorted(_PREFIXES, key=len, reverse=True)


def _split_prefix(text: str) -> tuple[Kind | None, str]:
    """'landkreis kassel' → (Landkreis, 'kassel'); the prefix tells which kind of district is meant."""
    for prefix in _PREFIX_ORDER:
        if text.startswith(prefix + " "):
            return _PREFIXES[prefix], text[len(prefix) + 1 :]
    return None, text


def _without_kreis(core: str) -> str:
    return re.sub(r" ?kreis$", "", core) or core


@dataclass(frozen=True)
class Resolution:
    slug: str | None
    error: str | None = None
    candidates: frozenset[str] = frozenset()


class DistrictIndex:
    """Finds a district by AGS, slug or name; a name fitting several districts is ambiguous."""

    def __init__(self, districts: Iterable[District]) -> None:
        self.by_slug = {d.slug: d for d in districts}
        self.by_ags = {d.ags: d.slug for d in self.by_slug.values()}
        self.exact: dict[str, set[str]] = {}
        self.cores: dict[str, set[str]] = {}
        for district in self.by_slug.values():
            # Only the full designation is exact: the slug 'offenbach' must not decide what 'Offenbach' means.
            self.exact.setdefault(normalize(district.designation), set()).add(district.slug)
            for alias in (normalize(district.designation), normalize(district.slug)):
                _kind, core = _split_prefix(alias)
                for variant in (core, _without_kreis(core), core.removesuffix(" am main")):
                    self.cores.setdefault(variant, set()).add(district.slug)

    def label(self, slug: str) -> str:
        district = self.by_slug[slug]
        return f"{district.designation} ({district.ags})"

    def resolve(self, value: Any) -> Resolution:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        compact = re.sub(r"\s", "", text)
        if compact.isdigit():
            return self._by_ags(text, compact)
        return self._by_name(text)

    def _by_ags(self, text: str, digits: str) -> Resolution:
        if len(digits) == 4:  # a spreadsheet turned "06432" into the number 6432
            digits = "0" + digits
        if len(digits) != 5:
            return Resolution(None, _("'{text}' is not a 5-digit AGS (Kreisschlüssel such as 06432)").format(text=text))
        slug = self.by_ags.get(digits)
        if slug is None:
            return Resolution(None, _("AGS {digits} belongs to no district").format(digits=digits))
        return Resolution(slug, candidates=frozenset({slug}))

    def candidates(self, text: str) -> set[str]:
        if "," in text:  # "Kassel, Landkreis" (the Destatis order)
            name, _comma, qualifier = text.partition(",")
            text = f"{qualifier} {name}"
        normal = normalize(text)
        if normal in self.exact:
            return set(self.exact[normal])
        kind, core = _split_prefix(normal)
        found = set(self.cores.get(core, set())) | self.cores.get(_without_kreis(core), set())
        return {slug for slug in found if kind is None or self.by_slug[slug].kind is kind}

    def _by_name(self, text: str) -> Resolution:
        found = self.candidates(text)
        if not found:
            return Resolution(None, _("'{text}' matches no district").format(text=text))
        if len(found) > 1:
            options = " or ".join(self.label(slug) for slug in sorted(found))
            return Resolution(
                None,
                _("'{text}' is ambiguous: {options}; write the full name or the AGS").format(
                    text=text, options=options
                ),
                frozenset(found),
            )
        slug = next(iter(found))
        return Resolution(slug, candidates=frozenset(found))
