"""Invalid data stops the run with every problem listed at once, each with file, line and field."""

from __future__ import annotations

import pytest

from .conftest import edit_yaml

DD = "2025/darmstadt-dieburg.yaml"


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if "✗" in line]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # missing field: reported at the parent's line
        (
            DD,
            "budget: 1288930             # Euro\n",
            "",
            "darmstadt-dieburg.yaml:3, field 'budget': is required but missing",
        ),
        (DD, "budget: 1288930", "budget: -5", "darmstadt-dieburg.yaml:5, field 'budget': must be greater than 0 Euro"),
        (DD, "budget: 1288930", "budget: 0", "darmstadt-dieburg.yaml:5, field 'budget': must be greater than 0 Euro"),
        (
            DD,
            "budget: 1288930",
            "budget: eine Million",
            "darmstadt-dieburg.yaml:5, field 'budget': must be a plain number",
        ),
        (
            DD,
            "budget: 1288930",
            "budget: 1288930.505",
            "darmstadt-dieburg.yaml:5, field 'budget': Decimal input should have no more than 2 decimal places",
        ),
        (
            DD,
            "budget: 1288930",
            "budget: 1288930000",
            "darmstadt-dieburg.yaml:5, field 'budget': 1.288.930.000 Euro is implausibly large",
        ),
        (DD, "  4:\n", "  7:\n", "darmstadt-dieburg.yaml:14, field 'projects.7': unknown Maßnahmenart 7"),
        (
            DD,
            "status: signed",
            "status: unterschrieben",
            "darmstadt-dieburg.yaml:3, field 'status': 'unterschrieben' is written 'signed' in the data",
        ),
        (
            DD,
            "signed_on: 2025-08-11",
            "signed_on: 2025-02-30",
            "darmstadt-dieburg.yaml:20, field 'signatory.signed_on': Input should be a valid date",
        ),
        (
            DD,
            "signed_on: 2025-08-11",
            "signed_on: 2024-12-30",
            "darmstadt-dieburg.yaml:20, field 'signatory.signed_on': signing date 2024-12-30 lies before the fiscal year 2025",
        ),
        (
            DD,
            "  title: Kreisbeigeordnete\n",
            "  title: [Kreisbeigeordnete]\n",
            "darmstadt-dieburg.yaml:18, field 'signatory.title': Input should be a valid string",
        ),
        (
            DD,
            "  name: Christel Sprößler\n",
            "",
            "darmstadt-dieburg.yaml:16, field 'signatory.name': a 'signed' document needs the signatory's name",
        ),
        (
            DD,
            'source: "Unterzeichnete',
            'sorce: "Unterzeichnete',
            (
                "darmstadt-dieburg.yaml:3, field 'source': is required but missing",
                "darmstadt-dieburg.yaml:4, field 'sorce': is not a known field (typo?)",
            ),
        ),
        (
            DD,
            "status: signed",
            "status: signed\nstatus: draft",
            'darmstadt-dieburg.yaml:4: YAML syntax error, column 1: while constructing a mapping found duplicate key "status"',
        ),
        (DD, "projects:", "projects: [", "darmstadt-dieburg.yaml:8: YAML syntax error"),
        (
            "2025/fulda.yaml",
            "status: draft",
            "status: signed",
            (
                "fulda.yaml:4, field 'ministry_signature.signed_on': a 'signed' document needs the ministry's signing",
                "fulda.yaml:4, field 'status': example data (source: example) must stay 'draft', not 'signed'",
                "fulda.yaml:15, field 'signatory.name': a 'signed' document needs the signatory's name",
                "fulda.yaml:15, field 'signatory.signed_on': a 'signed' document needs the district's signing date",
            ),
        ),
        (  # the line of the status itself, not of the file's first key
            "2025/fulda.yaml",
            "status: draft               # draft | for_signature | signed\nsource: example",
            "source: example\nstatus: for_signature",
            (
                "fulda.yaml:5, field 'status': example data (source: example) must stay 'draft', not 'for_signature'",
                "fulda.yaml:15, field 'signatory.name': a 'for_signature' document needs the signatory's name",
            ),
        ),
        (
            "districts/fulda.yaml",
            "slug: fulda",
            "slug: giessen",
            "districts/fulda.yaml:3, field 'slug': slug 'giessen' does not match the file name 'fulda.yaml'",
        ),
        (
            "districts/fulda.yaml",
            'ags: "06631"',
            'ags: "06531"',
            "districts/giessen.yaml:4, field 'ags': AGS 06531 is already used by 'fulda'",
        ),
        (  # a German status of two words, however spaced
            "2025/fulda.yaml",
            "status: draft",
            "status: Zur  Unterschrift",
            "fulda.yaml:4, field 'status': 'Zur  Unterschrift' is written 'for_signature' in the data (the values "
            "stay English: 'draft', 'for_signature' or 'signed')",
        ),
        (
            "2025/fulda.yaml",
            "budget: 931500 ",
            "budget: [1, 2] ",
            "fulda.yaml:6, field 'budget': Decimal input should be an integer, float, string or Decimal object "
            "(got [1, 2])",
        ),
        (  # 60 characters are shown whole, 61 are cut
            "2025/fulda.yaml",
            "budget: 931500 ",
            "budget: [1234567890, 1234567890, 1234567890, 1234567890, 1234567890] ",
            "object (got [1234567890, 1234567890, 1234567890, 1234567890, 1234567890])",
        ),
        (
            "2025/fulda.yaml",
            "budget: 931500 ",
            "budget: [1234567890, 1234567890, 1234567890, 1234567890, 12345678901] ",
            "object (got [1234567890, 1234567890, 1234567890, 1234567890, 12345678...)",
        ),
        (  # what was given is cut at 60 characters
            "2025/fulda.yaml",
            "budget: 931500 ",
            "budget: [1000001, 1000002, 1000003, 1000004, 1000005, 1000006, 1000007, 1000008, 1000009] ",
            "fulda.yaml:6, field 'budget': Decimal input should be an integer, float, string or Decimal object "
            "(got [1000001, 1000002, 1000003, 1000004, 1000005, 1000006, 10...)",
        ),
        (
            "2025/fulda.yaml",
            "  2:\n",
            "  zwei:\n",
            "fulda.yaml:10, field 'projects.zwei': Input should be a valid integer, unable to parse string as an "
            "integer (got 'zwei')",
        ),
        (
            "2025/_year.yaml",
            "year: 2025",
            "year: [2025]",
            "_year.yaml:3, field 'year': Input should be a valid integer (got [2025])",
        ),
        (  # a wrong key of a mapping: pydantic says '[key]', the field is the key itself
            "2025/fulda.yaml",
            "  2:\n",
            "  100:\n",
            "fulda.yaml:10, field 'projects.100': Input should be less than or equal to 99",
        ),
        (
            "districts/fulda.yaml",
            "gender: masculine",
            "gender: neuter",
            "districts/fulda.yaml:7, field 'gender': must be 'masculine' or 'feminine', not 'neuter'",
        ),
        (
            "2025/_year.yaml",
            "year: 2025",
            "year: 2026",
            (
                "_year.yaml:3, field 'year': says 2026 but lies in the folder of 2025",
                "darmstadt-dieburg.yaml:20, field 'signatory.signed_on': signing date 2025-08-11 lies before the fiscal",
                "dieburg.yaml:23, field 'ministry_signature.signed_on': signing date 2025-08-02 lies before the fiscal",
            ),
        ),
        (  # the line of the year itself, not of the file's first key
            "2025/_year.yaml",
            "year: 2025\ntemplate: zielvereinbarung.docx",
            "template: zielvereinbarung.docx\nyear: 2026",
            (
                "_year.yaml:4, field 'year': says 2026 but lies in the folder of 2025",
                "darmstadt-dieburg.yaml:20, field 'signatory.signed_on': signing date 2025-08-11 lies before the fiscal",
                "dieburg.yaml:23, field 'ministry_signature.signed_on': signing date 2025-08-02 lies before the fiscal",
            ),
        ),
    ],
)
def test_invalid_data_is_reported_with_file_line_and_field(project, cli, file, old, new, expected):
    edit_yaml(project.counties / file, old, new)
    code, _, err = cli("build")
    assert code == 2
    expected = (expected,) if isinstance(expected, str) else expected
    lines = problem_lines(err)
    assert len(lines) == len(expected), err  # exactly these problems, no other
    for line, text in zip(lines, expected, strict=True):
        assert text in line, err
    assert not project.out.exists() or not any(project.out.rglob("*.docx"))


def test_all_problems_of_a_run_are_listed_together(project, cli):
    edit_yaml(project.counties / DD, "budget: 1288930", "budget: -1")
    edit_yaml(project.counties / "2025/fulda.yaml", "status: draft", "status: unknown")
    edit_yaml(project.counties / "districts/wetterau.yaml", "kind: Landkreis", "kind: Bezirk")
    code, _, err = cli("check")
    assert code == 2
    lines = problem_lines(err)
    assert len(lines) == 3, err
    assert [line.split(",")[0].rsplit("/", 1)[-1] for line in lines] == [
        "darmstadt-dieburg.yaml:5",
        "fulda.yaml:4",
        "wetterau.yaml:6",
    ]


def test_signed_preview_needs_signing_dates(project, cli):
    code, _, err = cli("build", "--stage", "signed", "--only", "fulda")
    assert code == 2
    assert "fulda.yaml" in err and "field 'signatory.signed_on': a 'signed' document needs" in err
    assert "field 'ministry_signature.signed_on'" in err


def test_unknown_district_in_only(cli):
    code, _, err = cli("build", "--only", "atlantis,fuldaa")
    assert code == 2
    assert problem_lines(err) == [
        "✗ field '--only': no district 'atlantis' in 2025",
        "✗ field '--only': no district 'fuldaa' in 2025 – did you mean 'fulda'?",
    ]


def test_unknown_year(cli):
    code, _, err = cli("build", "--year", "1999")
    assert code == 2
    assert "no data for 1999 (have: 2025)" in err


def test_failed_validation_keeps_earlier_output(project, cli):
    assert cli("build", "--only", "darmstadt-dieburg", "--formats", "docx")[0] == 0
    built = project.out / "2025" / "darmstadt-dieburg.docx"
    before = built.read_bytes()
    edit_yaml(project.counties / DD, "budget: 1288930", "budget: -1")
    assert cli("build", "--only", "darmstadt-dieburg")[0] == 2
    assert built.read_bytes() == before


def problems_of(err: str) -> list[str]:
    """Each problem line as the user reads it, with the project's folder cut off."""
    return [line.removeprefix("✗ ").split("counties/", 1)[-1] for line in problem_lines(err)]


def test_a_preview_for_signature_lists_what_a_draft_may_lack(project, cli):
    edit_yaml(project.counties / "2025/fulda.yaml", "budget: 931500              # Euro\n", "")
    code, _, err = cli("build", "--stage", "for_signature", "--only", "fulda", "--formats", "docx")
    assert code == 2
    assert problems_of(err) == [
        "2025/fulda.yaml:4, field 'budget': is required but missing (a 'for_signature' document needs the budget; "
        "only a draft may leave it open)",
        "2025/fulda.yaml:14, field 'signatory.name': a 'for_signature' document needs the signatory's name",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda c: edit_yaml(c / "2025/fulda.yaml", "  2:\n", "  7:\n"),
            ["2025/fulda.yaml:10, field 'projects.7': unknown Maßnahmenart 7 (the year file defines 1, 2, 3, 4)"],
        ),
        (
            lambda c: (c / "districts/fulda.yaml").unlink(),
            ["2025/fulda.yaml: no master data file counties/districts/fulda.yaml"],
        ),
        (
            lambda c: (c / "2025/fulda.yaml").rename(c / "2025/Fulda Neu.yaml"),
            ["2025/Fulda Neu.yaml: 'Fulda Neu.yaml' is not named SLUG.yaml (a-z, 0-9, '-'); rename it"],
        ),
    ],
    ids=["unknown-massnahmenart", "no-master-data", "file-name"],
)
def test_each_structural_problem_is_the_only_one_reported(project, cli, change, expected):
    change(project.counties)
    code, _, err = cli("check")
    assert code == 2, err
    assert problems_of(err) == expected


def test_a_year_without_district_files_says_so(project, cli):
    for path in (project.counties / "2025").glob("*.yaml"):
        if path.name != "_year.yaml":
            path.unlink()
    code, _, err = cli("check")
    assert code == 2
    assert problems_of(err) == ["no district files found for 2025"]


def test_a_year_folder_without_its_year_file_is_one_problem(project):
    from agreement_gen.data.load import load_year
    from agreement_gen.data.validate import validate
    from agreement_gen.errors import InputError

    (project.counties / "2025/_year.yaml").unlink()  # the command line says it earlier (no fiscal year yet)
    with pytest.raises(InputError) as caught:
        validate(load_year(project.counties, 2025), year=2025, templates_dir=project.templates)
    year_file = project.counties / "2025/_year.yaml"
    assert [str(problem) for problem in caught.value.problems] == [
        f"{year_file}: cannot read: No such file or directory"
    ]


def test_the_plausible_minimum_is_a_lower_bound_that_the_minimum_itself_meets(project):
    import dataclasses
    from decimal import Decimal

    from agreement_gen.data.plan import plan_year
    from agreement_gen.data.validate import signing_problems

    agreement = plan_year(project, 2025, ["darmstadt-dieburg"]).agreements[0]
    budget = agreement.data.budget
    assert budget == Decimal(1288930)

    def with_minimum(minimum: Decimal) -> list[tuple[str, ...]]:
        year = agreement.fiscal_year.model_copy(update={"min_budget": minimum})
        return [loc for loc, _ in signing_problems(dataclasses.replace(agreement, fiscal_year=year))]

    assert with_minimum(budget) == []
    assert with_minimum(budget + 1) == [("budget",)]


def test_every_district_file_is_judged_after_a_broken_one(project, cli):
    """A master file that does not parse, or names another slug, does not end the check of the files after it."""
    districts = project.counties / "districts"
    edit_yaml(districts / "bergstrasse.yaml", "gender: masculine", "gender: neuter")
    edit_yaml(districts / "darmstadt.yaml", "slug: darmstadt\n", "")
    edit_yaml(districts / "darmstadt.yaml", "gender: feminine", "gender: feminine\nslug: darmstadt-stadt")
    edit_yaml(districts / "wiesbaden.yaml", "gender: feminine", "gender: neuter")
    code, _, err = cli("check")
    assert code == 2
    lines = problem_lines(err)
    assert len(lines) == 3, err
    assert "bergstrasse.yaml:7, field 'gender': must be 'masculine' or 'feminine', not 'neuter'" in lines[0]
    assert (
        "darmstadt.yaml:7, field 'slug': slug 'darmstadt-stadt' does not match the file name 'darmstadt.yaml'"
        in lines[1]
    )
    assert "wiesbaden.yaml:7, field 'gender': must be 'masculine' or 'feminine', not 'neuter'" in lines[2]


def test_a_year_file_naming_a_missing_template_says_which_and_where(project, cli):
    edit_yaml(project.counties / "2025" / "_year.yaml", "template: zielvereinbarung.docx", "template: zv-2025.docx")
    code, _, err = cli("check")
    assert code == 2
    year_file, template = project.counties / "2025" / "_year.yaml", project.templates / "zv-2025.docx"
    assert problem_lines(err) == [f"✗ {year_file}:4, field 'template': template '{template}' does not exist"]


def test_a_designation_without_its_genitive_is_named_in_each_district(project, cli):
    """The grammar cannot decline it: the district's file and line, and the files after it are still judged."""
    districts = project.counties / "districts"
    edit_yaml(districts / "bergstrasse.yaml", "designation: Kreis Bergstraße", "designation: Bergstraße")
    edit_yaml(districts / "wetterau.yaml", "designation: Wetteraukreis", "designation: Wetterau")
    code, _, err = cli("check")
    assert code == 2
    hint = "(no '…kreis' head noun); add 'grammar: {genitive: \"des …\"}' to the district's file"
    assert problem_lines(err) == [
        f"✗ {districts / 'bergstrasse.yaml'}:5, field 'designation': cannot derive the genitive of 'Bergstraße' {hint}",
        f"✗ {districts / 'wetterau.yaml'}:5, field 'designation': cannot derive the genitive of 'Wetterau' {hint}",
    ]


def test_a_year_file_without_master_data_is_named_beside_a_broken_master_file(project, cli):
    """ "No master data" for the district that has none; a master file that exists but does not parse is
    reported once, as what it is, not also as missing."""
    year = project.counties / "2025"
    (year / "atlantis.yaml").write_text((year / "wetterau.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    edit_yaml(project.counties / "districts" / "fulda.yaml", "gender: masculine", "gender: [masculine")
    code, _, err = cli("check")
    assert code == 2
    lines = problem_lines(err)
    assert len(lines) == 2, err
    assert f"✗ {year / 'atlantis.yaml'}: no master data file counties/districts/atlantis.yaml" == lines[0]
    assert "districts/fulda.yaml:" in lines[1] and "YAML syntax error" in lines[1]


def test_a_grammar_override_declines_what_the_rule_cannot(project, cli):
    districts = project.counties / "districts"
    edit_yaml(
        districts / "bergstrasse.yaml",
        "designation: Kreis Bergstraße",
        'designation: Bergstraße\ngrammar:\n  genitive: "des Kreises Bergstraße"',
    )
    code, _, err = cli("check")
    assert code == 0, err
    assert problem_lines(err) == []


def test_files_after_a_misnamed_or_masterless_year_file_are_still_judged(project, cli):
    year = project.counties / "2025"
    (year / "Fulda Kopie.yaml").write_text((year / "fulda.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (year / "atlantis.yaml").write_text((year / "wetterau.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    edit_yaml(year / "wiesbaden.yaml", "status: draft", "status: entwurf")
    code, _, err = cli("check")
    assert code == 2
    lines = problem_lines(err)
    assert len(lines) == 3, err
    assert (
        lines[0]
        == f"✗ {year / 'Fulda Kopie.yaml'}: 'Fulda Kopie.yaml' is not named SLUG.yaml (a-z, 0-9, '-'); rename it"
    )
    assert lines[1] == f"✗ {year / 'atlantis.yaml'}: no master data file counties/districts/atlantis.yaml"
    assert "wiesbaden.yaml:" in lines[2] and "field 'status'" in lines[2]
