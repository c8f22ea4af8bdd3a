"""The rendered agreements: the reference's words, every district's grammar, escaping, the sandbox."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import docx
import pytest

from agreement_gen.data.grammar import capfirst
from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.errors import RenderError
from agreement_gen.render.renderer import TemplateRenderer
from agreement_gen.render.text import header_text, paragraphs, words

from .conftest import REFERENCE, ROOT, template_with


@pytest.fixture(scope="module")
def plan():
    return plan_year(Paths(ROOT / "counties", ROOT / "templates", ROOT / "build"), 2025)


@pytest.fixture(scope="module")
def rendered(plan) -> dict[str, bytes]:
    renderer = TemplateRenderer(plan.template)
    return {a.slug: renderer.render(a) for a in plan.agreements}


def body(content: bytes) -> str:
    return "\n".join(paragraphs(content))


def test_darmstadt_dieburg_carries_the_reference_words_in_order(rendered):
    expected = words(REFERENCE.read_text(encoding="utf-8").replace("**", ""))
    actual = words(body(rendered["darmstadt-dieburg"]))
    if actual != expected:
        first = next(i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b)
        pytest.fail(f"word {first}: got {actual[first - 5 : first + 5]}, reference {expected[first - 5 : first + 5]}")
    assert len(actual) == len(expected) > 800


def test_reference_bold_is_bold(rendered):
    document = docx.Document(io.BytesIO(rendered["darmstadt-dieburg"]))
    bold = " ".join(
        run.text for p in document.paragraphs for run in p.runs if run.bold or (run.bold is None and p.style.font.bold)
    )
    assert "Ausbildungs- und Qualifizierungsbudgets 2025" in bold
    assert "1.288.930 Euro" in bold


def test_signed_reference_has_places_dates_and_no_markings(rendered):
    text = body(rendered["darmstadt-dieburg"])
    assert "Wiesbaden, den 2.8.2025" in text
    assert "Darmstadt, den 11.08.2025" in text
    assert "ENTWURF" not in header_text(rendered["darmstadt-dieburg"])
    assert "MUSTER" not in header_text(rendered["darmstadt-dieburg"])


@pytest.mark.parametrize("slug", ["fulda", "frankfurt", "hochtaunus"])
def test_example_drafts_are_marked_and_leave_signing_open(rendered, slug):
    header = header_text(rendered[slug])
    assert "MUSTER – Beispieldaten" in header
    assert "ENTWURF" in header
    text = body(rendered[slug])
    assert "N. N." in text  # no signatory named in example data
    assert re.search(r"_{5,}, den _{5,}", text)


def test_every_sentence_names_the_district_in_the_right_case(plan, rendered):
    for agreement in plan.agreements:
        c = agreement.cases
        text = " ".join(words(body(rendered[agreement.slug])))
        expected = [
            f"und {c.dative} zur Umsetzung",
            f"Arbeitsmarkt- und Ausbildungsstrategie {c.genitive}.",
            f"Jugend und Soziales und {c.nominative} setzen",
            f"von {c.dative} bereits erarbeiteten",
            f"stellt {c.dative} im Jahr 2025",
            f"Ziele für die Umsetzung {c.genitive}",
            f"{capfirst(c.nominative)} finanziert mit den Mitteln",
            f"Antragstellung durch {c.accusative} vom Regierungspräsidium Kassel",
            f"{capfirst(c.nominative)} und das HMSI bleiben",
            f"{capfirst(c.nominative)} beteiligt sich",
            f"{agreement.data.signatory.title} {c.genitive}",
        ]
        for phrase in expected:
            assert phrase in text, f"{agreement.slug}: missing {phrase!r}"
        # the district is named exactly where the reference names it (11 times), always in a case form
        forms = {c.nominative, capfirst(c.nominative), c.genitive, c.dative, c.accusative}
        assert sum(text.count(form) for form in forms) == 11, agreement.slug


def test_budgets_and_projects_of_every_district(plan, rendered):
    for agreement in plan.agreements:
        text = body(rendered[agreement.slug])
        for projects in agreement.data.projects.values():
            for project in projects:
                assert f"- {project}" in text.splitlines(), (agreement.slug, project)
    assert "873.450,50 Euro" in body(rendered["hochtaunus"])
    assert "1.288.930 Euro" in body(rendered["darmstadt-dieburg"])


def test_special_characters_arrive_exactly(rendered):
    assert "- Lernen & Arbeiten <plus>" in paragraphs(rendered["offenbach"])
    text = paragraphs(rendered["darmstadt-dieburg"])
    assert "- SoWirt's" in text
    assert '- Sprache erlernen im Arbeitsweltkontext "SPEAK"' in text


def test_core_properties_give_title_subject_and_language(rendered):
    props = docx.Document(io.BytesIO(rendered["frankfurt"])).core_properties
    assert props.title == "Zielvereinbarung AQB 2025 – Stadt Frankfurt am Main"
    assert "Ausbildungs- und Qualifizierungsbudget" in props.subject
    assert props.language == "de-DE"


def test_template_language_is_german(plan):
    styles = docx.Document(str(plan.template)).styles.element.xml
    assert 'w:lang w:val="de-DE"' in styles


def test_jinja_in_data_is_printed_not_evaluated(plan):
    agreement = next(a for a in plan.agreements if a.slug == "fulda")
    data = agreement.data.model_copy(update={"projects": {1: ["{{ 7*7 }} {% if true %}x{% endif %}"]}})
    content = TemplateRenderer(plan.template).render(replace(agreement, data=data))
    assert "- {{ 7*7 }} {% if true %}x{% endif %}" in paragraphs(content)


@pytest.mark.parametrize(
    "tag",
    [
        "{{ district.__class__ }}",
        "{{ district.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ capfirst.__globals__ }}",
        "{{ district.items.__self__.__class__ }}",
    ],
)
def test_sandbox_refuses_python_internals(plan, tmp_path, tag):
    renderer = TemplateRenderer(template_with(tmp_path, tag))
    with pytest.raises(RenderError) as caught:
        renderer.render(plan.agreements[0])
    assert plan.agreements[0].slug in str(caught.value)
    assert "does not exist" in str(caught.value) or "not allowed" in str(caught.value)


def test_template_cannot_reach_os(plan, tmp_path):
    renderer = TemplateRenderer(template_with(tmp_path, "{{ os.system('true') }}"))
    with pytest.raises(RenderError, match="'os', which does not exist"):
        renderer.render(plan.agreements[0])


def test_undefined_variable_names_variable_and_district(plan, tmp_path):
    renderer = TemplateRenderer(template_with(tmp_path, "Umsetzung {{ district.genitve }}"))
    agreement = next(a for a in plan.agreements if a.slug == "giessen")
    with pytest.raises(RenderError) as caught:
        renderer.render(agreement)
    message = str(caught.value)
    assert message.startswith("giessen: ")
    assert "'district.genitve', which does not exist" in message


def test_template_syntax_error_is_reported(plan, tmp_path):
    renderer = TemplateRenderer(template_with(tmp_path, "Text {% if status %} ohne Ende"))
    with pytest.raises(RenderError, match="syntax error"):
        renderer.render(plan.agreements[0])
