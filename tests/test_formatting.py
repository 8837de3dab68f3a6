"""One number format: counts, amounts with their currency, abbreviated KPIs, shares and scores."""

from __future__ import annotations

import pytest

from slrs.exceptions import ConfigError
from slrs.formatting import (
    NO_CURRENCY,
    Currency,
    currency_for,
    format_amount,
    format_count,
    format_kpi,
    format_score,
    format_share,
)

EUR = currency_for("eur")


@pytest.mark.parametrize(("value", "text"), [(1_412_345_678, "€ 1.41 bn"), (512_300, "€ 512 k"),
                                             (12_345_678, "€ 12.3 m"), (999.4, "€ 999"), (-2_500_000, "-€ 2.50 m"),
                                             (999_999_999, "€ 1.00 bn")])
def test_kpis_are_abbreviated_with_their_unit(value: float, text: str) -> None:
    assert format_kpi(value, EUR) == text


def test_amounts_carry_the_currency_and_thousands_separators() -> None:
    assert format_amount(1_234_567.4, EUR) == "€ 1,234,567"
    assert format_amount(1_234_567.4, NO_CURRENCY) == "1,234,567"
    assert format_count(3385) == "3,385"


@pytest.mark.parametrize(("value", "text"), [(0.677, "67.7%"), (0.1352, "13.5%"), (0.97, "97.0%")])
def test_shares_have_one_decimal(value: float, text: str) -> None:
    assert format_share(value) == text


@pytest.mark.parametrize(("score", "text"), [(0.4996, "0.499"), (0.74999, "0.749"), (0.5, "0.500"), (0.75, "0.750")])
def test_a_score_below_a_threshold_never_shows_as_the_threshold(score: float, text: str) -> None:
    assert format_score(score) == text


def test_currencies_are_checked() -> None:
    assert currency_for("usd") == Currency("USD", "$") and currency_for("XOF").symbol == "XOF"
    assert currency_for("") == NO_CURRENCY
    for code, symbol in (("EURO", ""), ("EUR", "euro sign"), ("EUR", "=1+1"), ("EUR", "1")):
        with pytest.raises(ConfigError):
            currency_for(code, symbol)
