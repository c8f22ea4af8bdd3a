"""The data model: what a county data file may contain, as validated, typed objects.

These models are the contract between the data files and the template. Each file kind has
one model; `validate.py` turns pydantic's errors into problems with file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from babel.dates import format_date
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from agreement_gen.data.formatting import euro
from agreement_gen.i18n import _

# Characters XML 1.0 cannot carry (a DOCX is XML): C0 controls except tab, newline, carriage return;
# lone surrogates (YAML's "\ud800" escape makes them) and the non-characters U+FFFE, U+FFFF.
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A project name is one bullet line: a line break or tab in it would not print as written.
_LINE_BREAKS = re.compile(r"[\t\n\r\x85\u2028\u2029]")
MAX_PROJECT_NAME = 300  # characters; the longest real one has 60, a Maßnahmenart title 165
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_BUDGET = Decimal("100000000")  # 100 Mio € for one district is far beyond any real AQB allocation
DEFAULT_MIN_BUDGET = Decimal("100000")  # the smallest real AQB allocation is several times this


def _xml_safe(value: Any) -> Any:
    """Runs before pydantic's own check too, which refuses a lone surrogate without saying which."""
    bad = _XML_FORBIDDEN.search(value) if isinstance(value, str) else None
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        if bad.group() < " ":
            raise ValueError(_("contains the control character {code}, which a document cannot hold").format(code=code))
        raise ValueError(_("contains the character {code}, which a document cannot hold").format(code=code))
    return value


def _clean_text(value: str) -> str:
    value = _xml_safe(value).strip()
    if not value:
        raise ValueError(_("must not be empty"))
    return value


def _no_bool(value: Any) -> Any:
    """YAML turns `yes`/`no` into booleans; never let them pass as numbers or text."""
    if isinstance(value, bool):
        raise ValueError(_("expected a value, got a yes/no (boolean)"))
    return value


def _plain_number(value: Any) -> Any:
    """A budget is a number in the YAML, not text: '1.288.930' would be ambiguous (German or English?)."""
    value = _no_bool(value)
    if isinstance(value, str):
        raise ValueError(
            _("must be a plain number such as 1288930 or 1288930.50, not the text {text}").format(text=repr(value))
        )
    literal = _yaml_literal(value)
    if literal is not None:
        _refuse_misreadable(literal, value)
    if isinstance(value, float):
        try:
            return Decimal(repr(value))
        except InvalidOperation as exc:  # inf, nan
            raise ValueError(_("is not a finite number: {value}").format(value=repr(value))) from exc
    return value


def _yaml_literal(value: Any) -> str | None:
    """How a number was written in the YAML file, as far as ruamel's round trip remembers it (else None)."""
    kind = type(value).__name__
    if kind in ("HexInt", "HexCapsInt", "OctalInt", "BinaryInt"):
        return kind
    width, dot = getattr(value, "_width", None), getattr(value, "_prec", None)
    if not isinstance(value, float) or width is None or dot is None:
        return None
    if getattr(value, "_exp", None):
        return "exponent"
    decimals = width - dot - 1
    return f"{value:.{max(decimals, 0)}f}" if decimals >= 0 else None


def _refuse_misreadable(literal: str, value: Any) -> None:
    """A number a German reader reads differently from YAML is refused, by import-budgets' rules (amounts.py).

    `873.450` is 873,45 Euro to YAML but 873.450 Euro to a German reader; `1.150` is 1,15 or 1.150 Euro.
    """
    if literal in ("HexInt", "HexCapsInt", "OctalInt", "BinaryInt"):
        raise ValueError(
            _("is written as a hexadecimal, octal or binary number ({value}); write the amount in digits").format(
                value=int(value)
            )
        )
    if literal == "exponent":
        raise ValueError(
            _("is written with an exponent ({value}); write the amount in digits, e.g. 1288930").format(
                value=repr(value)
            )
        )
    from agreement_gen.data.amounts import parse_amount

    try:
        german = parse_amount(literal)
    except ValueError:
        return  # not a German amount either: the usual checks say what is wrong
    plain = Decimal(repr(float(value)))
    if german != plain:
        raise ValueError(
            _(
                "{literal} is read by YAML as {yaml}, but a German reader reads {german}; write {german_plain} for "
                "{german} (no dots between thousands), or {yaml_plain} for {yaml}"
            ).format(
                literal=literal,
                yaml=euro(plain),
                german=euro(german),
                german_plain=_plain_text(german),
                yaml_plain=_plain_text(plain),
            )
        )


def _plain_text(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return str(int(amount))
    return str(amount.quantize(Decimal("0.01")))


def _valid_date_pattern(pattern: str) -> str:
    try:
        format_date(dt.date(2025, 8, 2), pattern, locale="de_DE")
    except Exception as exc:  # Babel raises several types for bad patterns
        raise ValueError(_("is not a valid date pattern ({reason})").format(reason=exc)) from exc
    if not {"d", "M", "y"} <= set(pattern):
        raise ValueError(_("must contain day (d), month (M) and year (y), e.g. 'dd.MM.yyyy'"))
    return pattern


def _project_name(value: str) -> str:
    if _LINE_BREAKS.search(value):
        raise ValueError(_("contains a line break or tab; a project name is printed as one bullet line"))
    if len(value) > MAX_PROJECT_NAME:
        raise ValueError(
            _("is {length} characters long; a project name may have at most {limit} (shorten it)").format(
                length=len(value), limit=MAX_PROJECT_NAME
            )
        )
    return value


Text = Annotated[str, BeforeValidator(_no_bool), BeforeValidator(_xml_safe), AfterValidator(_clean_text)]
ProjectName = Annotated[Text, AfterValidator(_project_name)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=60)]
DatePattern = Annotated[str, AfterValidator(_clean_text), AfterValidator(_valid_date_pattern)]


def _plausible_budget(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError(_("must be greater than 0 Euro"))
    if value > MAX_BUDGET:
        raise ValueError(
            _("{amount} is implausibly large (more than {limit}); check the digits").format(
                amount=euro(value), limit=euro(MAX_BUDGET)
            )
        )
    return value


Euro = Annotated[
    Decimal,
    BeforeValidator(_plain_number),
    Field(decimal_places=2, allow_inf_nan=False),
    AfterValidator(_plausible_budget),
]


class Model(BaseModel):
    """Unknown fields are errors (a typo must not silently drop a value); objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Gender(StrEnum):
    MASCULINE = "masculine"
    FEMININE = "feminine"


class Kind(StrEnum):
    LANDKREIS = "Landkreis"
    KREISFREIE_STADT = "kreisfreie Stadt"


class Status(StrEnum):
    """Where a district's agreement stands: its wording, fields and markings follow from it."""

    DRAFT = "draft"
    FOR_SIGNATURE = "for_signature"
    SIGNED = "signed"


EXAMPLE_SOURCE = "example"


class GrammarOverride(Model):
    """Case forms, with article, for a designation the rules in grammar.py cannot decline."""

    nominative: Text | None = None
    genitive: Text | None = None
    dative: Text | None = None
    accusative: Text | None = None


Fingerprint = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class SignerRule(Model):
    """Which certificates may sign a party's field: by SHA-256 fingerprint, or by subject attributes.

    A certificate matches when it has every attribute the rule gives (signing/parties.py).
    """

    sha256: Fingerprint | None = None  # of the certificate's DER bytes, lower-case hex
    organization: Text | None = None
    common_name: Text | None = None

    @model_validator(mode="after")
    def _says_something(self) -> SignerRule:
        if self.sha256 is None and self.organization is None:
            raise ValueError(_("give the certificate's sha256 or its organization"))
        return self


class SignerList(Model):
    """counties/trust/signers.yaml: who may sign the ministry's field."""

    ministry: list[SignerRule]


class District(Model):
    """Master data of a Landkreis or kreisfreie Stadt (counties/districts/SLUG.yaml)."""

    slug: Slug
    ags: Annotated[str, Field(pattern=r"^\d{5}$")]
    designation: Text
    kind: Kind
    gender: Gender
    seat: Text
    regierungsbezirk: Text | None = None
    grammar: GrammarOverride = GrammarOverride()
    # Who may sign the district's field; by default a certificate whose organisation is the designation.
    signers: list[SignerRule] = []


class Minister(Model):
    name: Text
    title: Text


class Ministry(Model):
    """The ministry as party to the agreement. Its case forms are written once per year, not derived."""

    name: Text
    nominative: Text
    dative: Text
    genitive: Text
    abbreviation: Text
    minister: Minister
    signing_place: Text
    date_pattern: DatePattern = "d.M.yyyy"


class FiscalYear(Model):
    """What every agreement of one fiscal year shares (counties/YEAR/_year.yaml)."""

    year: Annotated[int, BeforeValidator(_no_bool), Field(ge=2000, le=2100)]
    template: Annotated[str, Field(pattern=r"^[^/\\]+\.docx$")] = "zielvereinbarung.docx"
    ministry: Ministry
    grant_authority: Text
    buendnis: Text
    migration_clause: str = ""
    massnahmenarten: dict[Annotated[int, Field(ge=1, le=99)], Text]
    total_budget: Euro | None = None  # the state's total for the year, if known; publishing checks the sum
    # Below this a district's budget is implausible: a warning at `check`, refused for signature.
    min_budget: Euro = DEFAULT_MIN_BUDGET
    # Clauses new-year copied from the previous year, each to be confirmed for this one (`agreement-gen confirm`).
    to_confirm: list[str] = []

    @field_validator("to_confirm")
    @classmethod
    def _known_clauses(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)*", name):
                raise ValueError(
                    _("'{name}' is not the name of a year-file field (e.g. migration_clause)").format(name=name)
                )
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _clauses_exist(self) -> FiscalYear:
        unknown = [name for name in self.to_confirm if self.clause(name) is None]
        if unknown:
            raise ValueError(
                _("to_confirm names {names}, which is no text of the year file").format(names=", ".join(unknown))
            )
        return self

    def clause(self, name: str) -> str | None:
        """The text of a year-file field by its dotted name ('migration_clause', 'ministry.minister.name')."""
        value: Any = self
        for part in name.split("."):
            if isinstance(value, dict):
                value = value.get(int(part) if part.isdigit() else part)
            else:
                value = getattr(value, part, None)
            if value is None:
                return None
        return value if isinstance(value, str) else None

    @field_validator("migration_clause")
    @classmethod
    def _clause_text(cls, value: str) -> str:
        return _clean_text(value) if value.strip() else ""

    @field_validator("massnahmenarten")
    @classmethod
    def _at_least_one(cls, value: dict[int, str]) -> dict[int, str]:
        if not value:
            raise ValueError(_("must list at least one Maßnahmenart"))
        return dict(sorted(value.items()))


class Signatory(Model):
    """Who signs for the district, and once signed, where and when."""

    name: Text | None = None
    title: Text
    place: Text
    signed_on: dt.date | None = None
    date_pattern: DatePattern = "dd.MM.yyyy"


class MinistrySignature(Model):
    """When the minister signed this district's agreement; place and pattern default to the year file."""

    signed_on: dt.date | None = None
    place: Text | None = None
    date_pattern: DatePattern | None = None


class SigningRoute(StrEnum):
    DIGITAL = "digital"  # both signed the for_signature PDF digitally; that file is published
    PAPER = "paper"  # signed on paper; the signed-stage build is published


class CopyConformance(Model):
    """The validator's verdict on the signed copy when it came back: "passes", or "fails" and the clauses."""

    pdfa: Text  # PDF/A-2b (ISO 19005-2)
    pdfua: Text  # PDF/UA-1 (ISO 14289-1)
    validator: Text  # which validator and version judged it


class SignedCopy(Model):
    """How the signed agreement came back; written by `agreement-gen receive`, read by publish and status."""

    route: SigningRoute
    received_on: dt.date
    # relative to the year folder: signed/SLUG.pdf (digital) or signed/SLUG-scan.pdf (paper, optional)
    file: Annotated[str, Field(pattern=r"^signed/[a-z0-9-]+\.pdf$")] | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    ministry_signer: Text | None = None  # the certificates' common names (digital route)
    district_signer: Text | None = None
    untrusted_accepted: bool = False  # received with --accept-untrusted: publish does not ask for trust again
    conformance: CopyConformance | None = None  # PDF/A-2b and PDF/UA-1 as received (digital route)
    deputies: list[Text] = []  # signers the clerk accepted with --deputy in place of the named ones


class DistrictYear(Model):
    """One district's figures for one fiscal year (counties/YEAR/SLUG.yaml)."""

    status: Status
    source: Text
    budget: Euro | None = None  # open only while 'draft' (a new year's drafts); validate.py enforces it
    projects: dict[Annotated[int, Field(ge=1, le=99)], list[ProjectName]]
    signatory: Signatory
    ministry_signature: MinistrySignature = MinistrySignature()
    signed_copy: SignedCopy | None = None

    @property
    def is_example(self) -> bool:
        return self.source == EXAMPLE_SOURCE
