"""German case forms of a district's designation, derived instead of typed 26 times.

The head noun decides: Landkreis, Kreis and every "…kreis" compound are masculine
(der/des …es/dem/den); Stadt, Landeshauptstadt, Wissenschaftsstadt are feminine and do not
inflect (die/der/der/die). A name the rules cannot handle gets an override in its data file.
"""

from __future__ import annotations

from dataclasses import dataclass

from agreement_gen.data.models import Gender, GrammarOverride
from agreement_gen.i18n import _

_ARTICLES = {
    Gender.MASCULINE: ("der", "des", "dem", "den"),
    Gender.FEMININE: ("die", "der", "der", "die"),
}


class GrammarError(ValueError):
    """The designation cannot be declined by rule; the message says which override to add."""


@dataclass(frozen=True)
class Cases:
    """The designation in all four cases, with article, lower-case (as inside a sentence)."""

    nominative: str
    genitive: str
    dative: str
    accusative: str


def _masculine_genitive_noun(designation: str) -> str:
    """'Landkreis Gießen' → 'Landkreises Gießen', 'Main-Kinzig-Kreis' → 'Main-Kinzig-Kreises'."""
    words = designation.split(" ")
    for i, word in enumerate(words):
        if word.lower().endswith("kreis"):
            words[i] = word + "es"
            return " ".join(words)
    raise GrammarError(
        _(
            "cannot derive the genitive of {designation} (no '…kreis' head noun); "
            "add 'grammar: {{genitive: \"des …\"}}' to the district's file"
        ).format(designation=repr(designation))
    )


def decline(designation: str, gender: Gender, override: GrammarOverride | None = None) -> Cases:
    """All four cases of `designation`; any form given in `override` wins."""
    nom, gen, dat, acc = _ARTICLES[gender]
    override = override or GrammarOverride()

    def genitive() -> str:
        if override.genitive:
            return override.genitive
        noun = _masculine_genitive_noun(designation) if gender is Gender.MASCULINE else designation
        return f"{gen} {noun}"

    return Cases(
        nominative=override.nominative or f"{nom} {designation}",
        genitive=genitive(),
        dative=override.dative or f"{dat} {designation}",
        accusative=override.accusative or f"{acc} {designation}",
    )


def capfirst(text: str) -> str:
    """Upper-case the first letter only ('der Landkreis X' → 'Der Landkreis X').

    Jinja's own `capitalize` would lower-case the rest ('Der landkreis x').
    """
    return text[:1].upper() + text[1:]
