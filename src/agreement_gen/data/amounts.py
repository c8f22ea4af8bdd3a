"""Amounts in euros from table cells: German or plain numbers, never a guess.

Amounts are read as German ("1.288.930", "1.288.930,50 €", "1288930,5") or plain numbers
("1288930.50", or numeric spreadsheet cells). A dot followed by exactly three digits is a
German thousands separator, so "1.288" is 1288 Euro; a dot followed by one or two digits is a
decimal point ("1288930.5"). English grouping ("1,288,930.50") is refused, not guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from pydantic import TypeAdapter, ValidationError

from agreement_gen.data.models import Euro
from agreement_gen.i18n import _

_GERMAN = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
_PLAIN = re.compile(r"\d+\.\d{1,2}")
_SPACED = re.compile(r"\d{1,3}(?: \d{3})+(?:,\d+)?")
_CURRENCY = re.compile(r"(€|\beuro?\b)", re.IGNORECASE)
_EURO = TypeAdapter(Euro)  # the same limits as a budget in a data file


def parse_amount(value: Any) -> Decimal:
    """An amount in euros from a table cell; ValueError with a readable reason when it is not one.

    Numbers from spreadsheet cells are taken as they are (a float off by less than a
    millionth of a cent from whole cents, as formulas produce, is rounded to the cent).
    """
    if isinstance(value, bool | dt.date | dt.time):  # dt.datetime is a dt.date
        raise ValueError(_("{value} is not an amount").format(value=repr(value)))
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        cents = amount.quantize(Decimal("0.01"))
        if abs(amount - cents) < Decimal("0.000001"):
            amount = cents
    elif isinstance(value, Decimal):
        amount = value
    else:
        amount = _parse_amount_text(str(value))
    try:
        return _EURO.validate_python(amount)
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{value!r}: {reason}") from None  # the reason is translated in models.py


def _parse_amount_text(raw: str) -> Decimal:
    text = _CURRENCY.sub("", raw).replace("\u00a0", " ").replace("\u202f", " ").strip()
    sign = ""
    if text and text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:].strip()
    if not text:
        raise ValueError(_("no amount in {text}").format(text=repr(raw)))
    if _SPACED.fullmatch(text):  # "1 288 930,50": spaces as thousands separators
        text = text.replace(" ", ".")
    try:
        if _PLAIN.fullmatch(text) and not _GERMAN.fullmatch(text):
            return Decimal(sign + text)
        if _GERMAN.fullmatch(text):
            if re.fullmatch(r"\d{1,3},\d{3}", text):
                message = _("{text} is ambiguous (thousands or decimals?); write it as 1.288.930,50 or 1288930.50")
                raise ValueError(message.format(text=repr(raw)))
            if "," in text and len(text.rsplit(",", 1)[1]) > 2:
                raise ValueError(_("{text} has more than two decimal places").format(text=repr(raw)))
            return parse_decimal(sign + text, locale="de_DE", strict=True)
    except (NumberFormatError, InvalidOperation):
        pass
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        message = _("{text} uses English notation, which could be misread; write it as 1.288.930,50 or 1288930.50")
        raise ValueError(message.format(text=repr(raw)))
    raise ValueError(_("cannot read the amount {text}; write it as 1.288.930,50 or 1288930.50").format(text=repr(raw)))
