"""Amounts and dates in the German form the agreements print."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agreement_gen.data.formatting import euro, german_date


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1288930, "1.288.930 Euro"),
        (Decimal("1288930.50"), "1.288.930,50 Euro"),
        (Decimal("1288930.00"), "1.288.930 Euro"),
        (Decimal("873450.5"), "873.450,50 Euro"),
        (Decimal("0.07"), "0,07 Euro"),
        (999, "999 Euro"),
        (27700000, "27.700.000 Euro"),
    ],
)
def test_euro(amount, text):
    assert euro(amount) == text


def test_dates_follow_each_partys_pattern():
    assert german_date(dt.date(2025, 8, 2), "d.M.yyyy") == "2.8.2025"
    assert german_date(dt.date(2025, 8, 11), "dd.MM.yyyy") == "11.08.2025"
    assert german_date(dt.date(2025, 12, 31), "d. MMMM yyyy") == "31. Dezember 2025"
