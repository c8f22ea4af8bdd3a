"""What the template sees: an Agreement turned into the variables of the master template.

This is the one place that decides the template's vocabulary. Everything is pre-formatted
German text, so editors write `{{ budget }}`, never a format call. The variables are listed,
with example values, in docs/redaktion.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from agreement_gen.data.formatting import euro, german_date
from agreement_gen.data.models import Status
from agreement_gen.data.structure import Agreement

UNNAMED = "N. N."  # "nomen nominandum": the usual placeholder for a signatory not yet named
OPEN_BUDGET = "[Betrag offen]"  # a draft whose budget is not known yet: visible, never a made-up figure


def template_context(agreement: Agreement) -> dict[str, Any]:
    """The Jinja context for one agreement (plain dicts, lists and strings: safe in the sandbox)."""
    year = agreement.fiscal_year
    data = agreement.data
    district = agreement.district
    ministry = year.ministry
    signed = agreement.status is Status.SIGNED
    ministry_sig = data.ministry_signature

    def when(day: dt.date | None, pattern: str) -> str:
        return german_date(day, pattern) if signed and day else ""

    return {
        "fiscal_year": year.year,
        "status": str(agreement.status),
        "is_example": data.is_example,
        "ministry": {
            "name": ministry.name,
            "nominative": ministry.nominative,
            "dative": ministry.dative,
            "genitive": ministry.genitive,
            "abbreviation": ministry.abbreviation,
        },
        "district": {
            "name": district.designation,
            "slug": district.slug,
            "ags": district.ags,
            "kind": str(district.kind),
            "seat": district.seat,
            "nominative": agreement.cases.nominative,
            "genitive": agreement.cases.genitive,
            "dative": agreement.cases.dative,
            "accusative": agreement.cases.accusative,
        },
        "buendnis": year.buendnis,
        "migration_clause": year.migration_clause,
        "grant_authority": year.grant_authority,
        "budget": euro(data.budget) if data.budget is not None else OPEN_BUDGET,
        "massnahmen": [
            {"number": number, "title": title, "projects": list(data.projects.get(number, []))}
            for number, title in year.massnahmenarten.items()
        ],
        "signatures": {
            "ministry": {
                "place": (ministry_sig.place or ministry.signing_place) if signed else "",
                "date": when(ministry_sig.signed_on, ministry_sig.date_pattern or ministry.date_pattern),
                "name": ministry.minister.name,
                "title": ministry.minister.title,
            },
            "district": {
                "place": data.signatory.place if signed else "",
                "date": when(data.signatory.signed_on, data.signatory.date_pattern),
                "name": data.signatory.name or UNNAMED,
                "title": data.signatory.title,
            },
        },
    }
