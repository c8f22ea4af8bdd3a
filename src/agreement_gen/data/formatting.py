"""German number and date formats (Babel, locale de_DE), as the agreements print them."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "de_DE"


def euro(amount: Decimal | int) -> str:
    """1288930 → '1.288.930 Euro'; cents only when not zero: '1.288.930,50 Euro'."""
    amount = Decimal(amount)
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    return f"{format_decimal(amount, format=pattern, locale=LOCALE)} Euro"


def german_date(day: dt.date, pattern: str) -> str:
    """ISO date → German form by a CLDR pattern: 'd.M.yyyy' → '2.8.2025', 'dd.MM.yyyy' → '11.08.2025'."""
    return format_date(day, format=pattern, locale=LOCALE)


# German letters spelt out the way a German writes them without umlauts (the only transliteration we use).
_SPELT_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"})


def ascii_letters(text: str) -> str:
    """'Werra-Meißner-Kreis' → 'Werra-Meissner-Kreis': umlauts and ß spelt out, other accents dropped."""
    spelt = unicodedata.normalize("NFC", text).translate(_SPELT_OUT)
    return unicodedata.normalize("NFKD", spelt).encode("ascii", "ignore").decode("ascii")
