"""Stage 2 – validate: turn loaded files into typed agreements, or list every problem at once.

Each file is checked against its model (models.py); then what no single file can check:
slugs match file names, AGS keys are unique, projects use the year's Maßnahmenarten, and a
document's stage has the names and dates it needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from agreement_gen.data.formatting import euro
from agreement_gen.data.grammar import GrammarError, decline
from agreement_gen.data.load import DataSet, YamlDocument
from agreement_gen.data.models import EXAMPLE_SOURCE, SLUG_PATTERN, District, DistrictYear, FiscalYear, Status
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.errors import InputError, Problem, did_you_mean
from agreement_gen.i18n import _

M = TypeVar("M", bound=BaseModel)


def _field_name(loc: tuple[str | int, ...]) -> str:
    parts = [str(p) for p in loc if p != "[key]"]
    return ".".join(parts)


# What a clerk writes for a status, in German, and the value the data expects.
_GERMAN_STATUS = {
    "entwurf": Status.DRAFT,
    "zur unterschrift": Status.FOR_SIGNATURE,
    "unterschrift": Status.FOR_SIGNATURE,
    "versandt": Status.FOR_SIGNATURE,
    "verschickt": Status.FOR_SIGNATURE,
    "unterschrieben": Status.SIGNED,
    "unterzeichnet": Status.SIGNED,
    "signiert": Status.SIGNED,
}


def _message(error: ErrorDetails) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    if error["type"] == "missing":
        return _("is required but missing")
    if error["type"] == "extra_forbidden":
        return _("is not a known field (typo?)")
    if error["type"] == "enum" and isinstance(given, str):
        expected = error["ctx"]["expected"]  # pydantic names the allowed values of every enum error
        meant = _GERMAN_STATUS.get(" ".join(given.lower().split()))
        if meant is not None:
            return _("'{given}' is written '{value}' in the data (the values stay English: {expected})").format(
                given=given, value=meant, expected=expected
            )
        return _("must be {expected}, not '{given}'").format(expected=expected, given=given)
    if error["type"] == "string_type" and isinstance(given, dict) and len(given) == 1:
        # `- Teilzeit: Pflege` in a list: YAML read the text as 'field: value'
        key, value = next(iter(given.items()))
        text = f"{key}: {value}"
        return _(
            "'{text}' contains ': ', so YAML read it as 'field: value'; put the whole text in quotes: \"{text}\""
        ).format(text=text)
    if error["type"] in {"int_parsing", "int_type", "decimal_type"}:  # a budget given as text is refused earlier
        got = repr(given)
        shown = got if len(got) <= 60 else got[:57] + "..."  # a list can be long
        return _("{message} (got {value})").format(message=msg, value=shown)
    return msg


def parse(doc: YamlDocument, model: type[M], problems: list[Problem]) -> M | None:
    """Validate one document against its model; errors are appended with file, line and field."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(Problem(doc.path, doc.line_of(loc), _field_name(loc), _message(error)))
        return None


def signing_problems(agreement: Agreement) -> list[tuple[tuple[str, ...], str]]:
    """What keeps a district from going out for signature beyond missing values: an implausibly small
    budget, and year-file clauses copied by new-year that nobody confirmed for this year yet."""
    found: list[tuple[tuple[str, ...], str]] = []
    year = agreement.fiscal_year
    budget = agreement.data.budget
    if budget is not None and budget < year.min_budget:
        found.append(
            (
                ("budget",),
                _(
                    "{budget} is below the plausible minimum of {minimum} for a district (min_budget in "
                    "{year}/_year.yaml); check the digits"
                ).format(budget=euro(budget), minimum=euro(year.min_budget), year=year.year),
            )
        )
    if year.to_confirm:
        found.append(
            (
                ("status",),
                _(
                    "the clauses {clauses} of {year}/_year.yaml were copied from an earlier year and are not "
                    "confirmed for {year} (`agreement-gen confirm --year {year}`)"
                ).format(clauses=", ".join(year.to_confirm), year=year.year),
            )
        )
    return found


def stage_problems(agreement: Agreement, path: Path, doc: YamlDocument | None = None) -> list[Problem]:
    """What a document at its (possibly overridden) stage still lacks: names and signing dates."""
    problems: list[Problem] = []
    data = agreement.data

    def report(loc: tuple[str, ...], message: str) -> None:
        line = doc.line_of(loc) if doc else None
        problems.append(Problem(path, line, ".".join(loc), message))

    def need(condition: bool, loc: tuple[str, ...], message: str) -> None:
        if not condition:
            report(loc, message)

    status = agreement.status
    if status in (Status.FOR_SIGNATURE, Status.SIGNED):
        # Only a draft may leave the budget open (a new fiscal year's copies wait for their figures).
        need(
            data.budget is not None,
            ("budget",),
            _(
                "is required but missing (a '{status}' document needs the budget; only a draft may leave it open)"
            ).format(status=status),
        )
        need(
            data.signatory.name is not None,
            ("signatory", "name"),
            _("a '{status}' document needs the signatory's name").format(status=status),
        )
    if status is Status.SIGNED:
        need(
            data.signatory.signed_on is not None,
            ("signatory", "signed_on"),
            _("a 'signed' document needs the district's signing date"),
        )
        need(
            data.ministry_signature.signed_on is not None,
            ("ministry_signature", "signed_on"),
            _("a 'signed' document needs the ministry's signing date"),
        )
    if data.status is Status.FOR_SIGNATURE:  # the data's own stage: a --stage preview may show it anyway
        for loc, message in signing_problems(agreement):
            report(loc, message)
    for loc, day in (
        (("signatory", "signed_on"), data.signatory.signed_on),
        (("ministry_signature", "signed_on"), data.ministry_signature.signed_on),
    ):
        need(
            day is None or day.year >= agreement.year,
            loc,
            _("signing date {day} lies before the fiscal year {year}").format(day=day, year=agreement.year),
        )
    return problems


def _check_district_year(
    doc: YamlDocument, data: DistrictYear, fiscal_year: FiscalYear, problems: list[Problem]
) -> None:
    for number in data.projects:
        if number not in fiscal_year.massnahmenarten:
            known = ", ".join(str(n) for n in fiscal_year.massnahmenarten)
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of(("projects", number)),
                    f"projects.{number}",
                    _("unknown Maßnahmenart {number} (the year file defines {known})").format(
                        number=number, known=known
                    ),
                )
            )
    if data.source == EXAMPLE_SOURCE and data.status is not Status.DRAFT:
        problems.append(
            Problem(
                doc.path,
                doc.line_of(("status",)),
                "status",
                _("example data (source: example) must stay 'draft', not '{status}'").format(status=data.status),
            )
        )


def _unique_ags(districts: dict[str, tuple[YamlDocument, District]], problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for slug, (doc, district) in districts.items():
        if district.ags in seen:
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of(("ags",)),
                    "ags",
                    _("AGS {ags} is already used by '{slug}'").format(ags=district.ags, slug=seen[district.ags]),
                )
            )
        else:
            seen[district.ags] = slug


def validate(
    dataset: DataSet,
    *,
    year: int,
    templates_dir: Path,
    only: Iterable[str] | None = None,
    stage: Status | None = None,
) -> YearPlan:
    """Check the loaded year and build its plan, or raise InputError with every problem found."""
    problems = list(dataset.problems)

    fiscal_year = None
    if dataset.year_file is not None:
        fiscal_year = parse(dataset.year_file, FiscalYear, problems)
        if fiscal_year is not None and fiscal_year.year != year:
            problems.append(
                Problem(
                    dataset.year_file.path,
                    dataset.year_file.line_of(("year",)),
                    "year",
                    _("says {given} but lies in the folder of {year}").format(given=fiscal_year.year, year=year),
                )
            )

    districts: dict[str, tuple[YamlDocument, District]] = {}
    for stem, doc in dataset.districts.items():
        district = parse(doc, District, problems)
        if district is None:
            continue
        if district.slug != stem:
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of(("slug",)),
                    "slug",
                    _("slug '{slug}' does not match the file name '{file}'").format(
                        slug=district.slug, file=f"{stem}.yaml"
                    ),
                )
            )
            continue
        districts[stem] = (doc, district)
    _unique_ags(districts, problems)

    wanted = set(only) if only else None
    if wanted:
        unknown = sorted(wanted - set(dataset.district_years))
        for slug in unknown:
            message = _("no district '{slug}' in {year}").format(slug=slug, year=year)
            problems.append(Problem(None, None, "--only", message + did_you_mean(slug, dataset.district_years)))

    template = templates_dir / (fiscal_year.template if fiscal_year else "zielvereinbarung.docx")
    if fiscal_year is not None and not template.is_file():
        problems.append(
            Problem(
                dataset.year_file.path if dataset.year_file else None,
                dataset.year_file.line_of(("template",)) if dataset.year_file else None,
                "template",
                _("template '{template}' does not exist").format(template=template),
            )
        )

    agreements: list[Agreement] = []
    for slug, doc in dataset.district_years.items():
        if wanted is not None and slug not in wanted:
            continue
        if not re.fullmatch(SLUG_PATTERN, slug):  # the output is named after the slug: no '/', '..', spaces
            message = _("'{file}' is not named SLUG.yaml (a-z, 0-9, '-'); rename it").format(file=doc.path.name)
            problems.append(Problem(doc.path, None, None, message))
            continue
        data = parse(doc, DistrictYear, problems)
        if slug not in districts:
            # A master file that exists but is invalid has been reported already.
            if slug not in dataset.districts and not any(p.file and p.file.stem == slug for p in dataset.problems):
                message = _("no master data file {file}").format(file=f"counties/districts/{slug}.yaml")
                problems.append(Problem(doc.path, None, None, message))
            continue
        if data is None or fiscal_year is None:
            continue
        _check_district_year(doc, data, fiscal_year, problems)
        master_doc, district = districts[slug]
        try:
            cases = decline(district.designation, district.gender, district.grammar)
        except GrammarError as exc:
            problems.append(Problem(master_doc.path, master_doc.line_of(("designation",)), "designation", str(exc)))
            continue
        agreement = Agreement(
            district=district,
            cases=cases,
            fiscal_year=fiscal_year,
            data=data,
            status=stage or data.status,
            sources=(master_doc.path, doc.path),
        )
        problems.extend(stage_problems(agreement, doc.path, doc))
        agreements.append(agreement)

    if problems:
        raise InputError(problems)
    if not agreements:
        raise InputError([Problem(None, None, None, _("no district files found for {year}").format(year=year))])
    assert fiscal_year is not None and dataset.year_file is not None
    return YearPlan(
        fiscal_year=fiscal_year,
        year_file=dataset.year_file.path,
        template=template,
        agreements=tuple(sorted(agreements, key=lambda a: a.slug)),
    )
