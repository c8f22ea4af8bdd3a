"""Property-based: any valid district data renders to a DOCX that opens and says exactly what the data says.

Names are drawn from all of Unicode except what the data model refuses (surrogates, control
characters, line and paragraph separators, U+FFFE/U+FFFF), mixed with strings made of markup
and template syntax; budgets are any amount with at most two decimals up to the plausibility
limit. Rendering only (no LibreOffice), so 50 examples take a few seconds.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from agreement_gen.build.builders.docx import check_docx
from agreement_gen.data.formatting import euro
from agreement_gen.data.models import MAX_BUDGET, MAX_PROJECT_NAME, DistrictYear
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.render.renderer import TemplateRenderer
from agreement_gen.render.text import paragraphs

from .conftest import ROOT

PLAN = plan_year(Paths(ROOT / "counties", ROOT / "templates", ROOT / "build"), 2025, ["fulda"])
BASE = PLAN.agreements[0]
RENDERER = TemplateRenderer(PLAN.template)
TITLES = BASE.fiscal_year.massnahmenarten

unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=40,
)
markup_pieces = st.sampled_from(
    ["<", ">", "&", '"', "'", "{{", "}}", "{%", "%}", "{#", "]]>", "<!--", "&amp;", " ", "xÄ"]
)
markup_text = st.lists(markup_pieces, min_size=1, max_size=12).map("".join)
names = st.one_of(unicode_text, markup_text).filter(lambda s: 0 < len(s.strip()) <= MAX_PROJECT_NAME)
budgets = st.decimals(min_value=Decimal("0.01"), max_value=MAX_BUDGET, places=2, allow_nan=False, allow_infinity=False)
projects = st.dictionaries(st.sampled_from(sorted(TITLES)), st.lists(names, max_size=4), max_size=len(TITLES))


def well_formed_parts(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name))  # raises on anything that is not well-formed XML


def bullets_by_heading(text: list[str]) -> dict[int, list[str]]:
    """The bullet paragraphs under each numbered Maßnahmenart heading of § 5."""
    found: dict[int, list[str]] = {}
    current = None
    headings = {f"{number}.\t{title}": number for number, title in TITLES.items()}
    for paragraph in text:
        if paragraph in headings:
            current = headings[paragraph]
            found[current] = []
        elif current is not None and paragraph.startswith("- "):
            found[current].append(paragraph[2:])
        else:
            current = None
    return found


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(budget=budgets, projects=projects, signatory=names)
def test_any_valid_data_renders_exactly(budget, projects, signatory):
    raw = {
        "status": "draft",
        "source": "example",
        "budget": budget,
        "projects": projects,
        "signatory": {"name": signatory, "title": "Landrat", "place": "Fulda"},
    }
    data = DistrictYear.model_validate(raw)
    assert data.signatory.name == signatory.strip()  # stripped, otherwise exactly as given: no normalisation
    content = RENDERER.render(replace(BASE, data=data))

    check_docx(content)
    well_formed_parts(content)
    text = paragraphs(content)
    assert text.count(euro(budget)) == 1
    expected = {number: [name.strip() for name in projects.get(number, [])] for number in TITLES}
    assert bullets_by_heading(text) == expected
    assert text[-3:] == [signatory.strip(), "Landrat", BASE.cases.genitive]
