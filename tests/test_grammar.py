"""German case forms of every district, as the agreement's sentences need them."""

from __future__ import annotations

import pytest

from agreement_gen.data.grammar import GrammarError, capfirst, decline
from agreement_gen.data.models import Gender, GrammarOverride
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year

from .conftest import ROOT

# slug: (nominative, genitive, dative, accusative) – written out by hand, not derived.
EXPECTED = {
    "bergstrasse": ("der Kreis Bergstraße", "des Kreises Bergstraße", "dem Kreis Bergstraße", "den Kreis Bergstraße"),
    "darmstadt-dieburg": (
        "der Landkreis Darmstadt-Dieburg",
        "des Landkreises Darmstadt-Dieburg",
        "dem Landkreis Darmstadt-Dieburg",
        "den Landkreis Darmstadt-Dieburg",
    ),
    "gross-gerau": ("der Kreis Groß-Gerau", "des Kreises Groß-Gerau", "dem Kreis Groß-Gerau", "den Kreis Groß-Gerau"),
    "hochtaunus": ("der Hochtaunuskreis", "des Hochtaunuskreises", "dem Hochtaunuskreis", "den Hochtaunuskreis"),
    "main-kinzig": (
        "der Main-Kinzig-Kreis",
        "des Main-Kinzig-Kreises",
        "dem Main-Kinzig-Kreis",
        "den Main-Kinzig-Kreis",
    ),
    "main-taunus": (
        "der Main-Taunus-Kreis",
        "des Main-Taunus-Kreises",
        "dem Main-Taunus-Kreis",
        "den Main-Taunus-Kreis",
    ),
    "odenwald": ("der Odenwaldkreis", "des Odenwaldkreises", "dem Odenwaldkreis", "den Odenwaldkreis"),
    "kreis-offenbach": ("der Kreis Offenbach", "des Kreises Offenbach", "dem Kreis Offenbach", "den Kreis Offenbach"),
    "rheingau-taunus": (
        "der Rheingau-Taunus-Kreis",
        "des Rheingau-Taunus-Kreises",
        "dem Rheingau-Taunus-Kreis",
        "den Rheingau-Taunus-Kreis",
    ),
    "wetterau": ("der Wetteraukreis", "des Wetteraukreises", "dem Wetteraukreis", "den Wetteraukreis"),
    "giessen": ("der Landkreis Gießen", "des Landkreises Gießen", "dem Landkreis Gießen", "den Landkreis Gießen"),
    "lahn-dill": ("der Lahn-Dill-Kreis", "des Lahn-Dill-Kreises", "dem Lahn-Dill-Kreis", "den Lahn-Dill-Kreis"),
    "limburg-weilburg": (
        "der Landkreis Limburg-Weilburg",
        "des Landkreises Limburg-Weilburg",
        "dem Landkreis Limburg-Weilburg",
        "den Landkreis Limburg-Weilburg",
    ),
    "marburg-biedenkopf": (
        "der Landkreis Marburg-Biedenkopf",
        "des Landkreises Marburg-Biedenkopf",
        "dem Landkreis Marburg-Biedenkopf",
        "den Landkreis Marburg-Biedenkopf",
    ),
    "vogelsberg": ("der Vogelsbergkreis", "des Vogelsbergkreises", "dem Vogelsbergkreis", "den Vogelsbergkreis"),
    "fulda": ("der Landkreis Fulda", "des Landkreises Fulda", "dem Landkreis Fulda", "den Landkreis Fulda"),
    "hersfeld-rotenburg": (
        "der Landkreis Hersfeld-Rotenburg",
        "des Landkreises Hersfeld-Rotenburg",
        "dem Landkreis Hersfeld-Rotenburg",
        "den Landkreis Hersfeld-Rotenburg",
    ),
    "landkreis-kassel": (
        "der Landkreis Kassel",
        "des Landkreises Kassel",
        "dem Landkreis Kassel",
        "den Landkreis Kassel",
    ),
    "schwalm-eder": (
        "der Schwalm-Eder-Kreis",
        "des Schwalm-Eder-Kreises",
        "dem Schwalm-Eder-Kreis",
        "den Schwalm-Eder-Kreis",
    ),
    "waldeck-frankenberg": (
        "der Landkreis Waldeck-Frankenberg",
        "des Landkreises Waldeck-Frankenberg",
        "dem Landkreis Waldeck-Frankenberg",
        "den Landkreis Waldeck-Frankenberg",
    ),
    "werra-meissner": (
        "der Werra-Meißner-Kreis",
        "des Werra-Meißner-Kreises",
        "dem Werra-Meißner-Kreis",
        "den Werra-Meißner-Kreis",
    ),
    "darmstadt": (
        "die Wissenschaftsstadt Darmstadt",
        "der Wissenschaftsstadt Darmstadt",
        "der Wissenschaftsstadt Darmstadt",
        "die Wissenschaftsstadt Darmstadt",
    ),
    "frankfurt": (
        "die Stadt Frankfurt am Main",
        "der Stadt Frankfurt am Main",
        "der Stadt Frankfurt am Main",
        "die Stadt Frankfurt am Main",
    ),
    "offenbach": (
        "die Stadt Offenbach am Main",
        "der Stadt Offenbach am Main",
        "der Stadt Offenbach am Main",
        "die Stadt Offenbach am Main",
    ),
    "wiesbaden": (
        "die Landeshauptstadt Wiesbaden",
        "der Landeshauptstadt Wiesbaden",
        "der Landeshauptstadt Wiesbaden",
        "die Landeshauptstadt Wiesbaden",
    ),
    "stadt-kassel": ("die Stadt Kassel", "der Stadt Kassel", "der Stadt Kassel", "die Stadt Kassel"),
}


@pytest.fixture(scope="module")
def agreements():
    plan = plan_year(Paths(ROOT / "counties", ROOT / "templates", ROOT / "build"), 2025)
    return {a.slug: a for a in plan.agreements}


def test_all_26_districts_are_covered(agreements):
    assert set(agreements) == set(EXPECTED)
    kinds = [a.district.kind for a in agreements.values()]
    assert kinds.count("Landkreis") == 21 and kinds.count("kreisfreie Stadt") == 5


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_cases_of_every_district(agreements, slug):
    cases = agreements[slug].cases
    assert (cases.nominative, cases.genitive, cases.dative, cases.accusative) == EXPECTED[slug]


def test_override_wins_over_the_rule():
    cases = decline("Kreis Irgendwo", Gender.MASCULINE, GrammarOverride(genitive="des Kreises von Irgendwo"))
    assert cases.genitive == "des Kreises von Irgendwo"
    assert cases.dative == "dem Kreis Irgendwo"


def test_masculine_name_without_kreis_needs_an_override():
    with pytest.raises(GrammarError, match="grammar"):
        decline("Region Hannover", Gender.MASCULINE)


def test_capfirst_keeps_the_rest():
    assert capfirst("der Landkreis Darmstadt-Dieburg") == "Der Landkreis Darmstadt-Dieburg"
    assert capfirst("die Stadt Frankfurt am Main") == "Die Stadt Frankfurt am Main"
    assert capfirst("") == ""
