"""One way to write a number for people: counts, amounts, shares, scores, and the currency amounts are in.

- counts: thousands separators, ``3,385``;
- amounts: the scenario's currency symbol, thousands separators, no decimals, ``€ 1,412,000``; a headline
  (KPI) figure is abbreviated with its unit, ``€ 1.41 bn`` (k, m, bn, tn);
- shares and rates: percent with one decimal, ``67.7%``;
- risk scores: three decimals, cut rather than rounded, so a score below a threshold never shows as the
  threshold (0.4996 shows as ``0.499``, never ``0.500``); thresholds themselves are steps of 0.01 or coarser.

The app's tables use the same rules through ``TABLE_FORMATS`` (printf patterns Streamlit understands); shares
are shown there as percent numbers (0 to 100) so that they keep one decimal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from slrs.exceptions import ConfigError

# Symbols of common currency codes; any other code shows its code as its symbol unless one is given.
KNOWN_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "INR": "₹", "JPY": "¥", "CNY": "¥", "CHF": "CHF",
                 "CAD": "C$", "AUD": "A$", "ZAR": "R", "BRL": "R$", "NGN": "₦", "KES": "KSh", "SEK": "kr",
                 "NOK": "kr", "DKK": "kr", "PLN": "zł", "MXN": "MX$", "SGD": "S$", "HKD": "HK$"}
ABBREVIATIONS = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k"))
SCORE_DECIMALS = 3
MAX_SYMBOL_CHARS = 4
_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Currency:
    """The currency of every amount: an ISO 4217 code and the symbol written before amounts.

    The default has neither: amounts are plain numbers ("no currency set"), as the portfolio file carries none.
    """

    code: str = ""
    symbol: str = ""

    def __post_init__(self) -> None:
        if self.code and not _CODE.fullmatch(self.code):
            raise ConfigError(f"currency code {self.code[:20]!r} should be three capital letters, e.g. EUR")
        if len(self.symbol) > MAX_SYMBOL_CHARS or any(not ch.isprintable() or ch.isspace() or ch.isdigit()
                                                      or ch in "=+-@%" for ch in self.symbol):
            raise ConfigError(f"currency symbol {self.symbol[:20]!r} should be at most {MAX_SYMBOL_CHARS} printable "
                              "characters without spaces, digits or =+-@%, e.g. €")
        if self.symbol and not self.code:
            raise ConfigError(f"currency symbol {self.symbol!r} needs a currency code too, e.g. EUR")

    @property
    def prefix(self) -> str:
        """What goes before an amount: ``"€ "``; empty when no currency is set."""
        return f"{self.symbol or self.code} " if self.code else ""

    @property
    def unit(self) -> str:
        """How a column header names the unit: ``"EUR"``; ``"no currency set"`` when none is."""
        return self.code or "no currency set"


NO_CURRENCY = Currency()


def currency_for(code: str, symbol: str = "") -> Currency:
    """A currency from its code, with the usual symbol unless one is given; an empty code: none."""
    code = code.strip().upper()
    return Currency(code, symbol.strip() or KNOWN_SYMBOLS.get(code, code)) if code else NO_CURRENCY


def format_count(value: float) -> str:
    return f"{value:,.0f}"


def format_amount(value: float, currency: Currency = NO_CURRENCY) -> str:
    """``€ 1,412,000``; a negative amount keeps its sign in front: ``-€ 2,000``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}{currency.prefix}{abs(value):,.0f}"


def format_kpi(value: float, currency: Currency = NO_CURRENCY) -> str:
    """A headline amount abbreviated with its unit and three significant figures: ``€ 1.41 bn``, ``€ 512 k``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign, size = ("-" if value < 0 else ""), abs(value)
    for scale, word in ABBREVIATIONS:
        if size >= scale * 0.9995:  # 999,999,999 is "1.00 bn", not "1,000 m"
            scaled = size / scale
            digits = 2 if scaled < 9.995 else 1 if scaled < 99.95 else 0
            return f"{sign}{currency.prefix}{scaled:,.{digits}f} {word}"
    return f"{sign}{currency.prefix}{size:,.0f}"


def format_share(value: float) -> str:
    """A share (0 to 1) as percent with one decimal: ``67.7%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{100 * value:.1f}%"


def format_score(value: float) -> str:
    """A risk score cut (not rounded) to three decimals, so a score just below a threshold stays below it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    scale = 10 ** SCORE_DECIMALS
    return f"{math.floor(value * scale + 1e-9) / scale:.{SCORE_DECIMALS}f}"


def format_ratio(value: float, decimals: int = 3) -> str:
    """A statistic such as ROC AUC, Gini, KS, Brier or PSI: fixed decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{decimals}f}"


def amount_pattern(currency: Currency = NO_CURRENCY) -> str:
    """The printf pattern of an amount in a table, ``€ %,.0f`` (a symbol never holds ``%``)."""
    return currency.prefix + "%,.0f"


# printf patterns for table cells (Streamlit's NumberColumn), one per kind of figure; shares are given as
# percent numbers (0 to 100), see ``slrs.tables``.
TABLE_FORMATS = {"count": "%,d", "share": "%.1f%%", "score": "%.3f", "ratio": "%.3f", "multiple": "%.2fx",
                 "number": "%,.2f"}
