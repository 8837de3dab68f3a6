"""An input's value in words: its unit ("36 months", "12.5%", "1.3x", "€ 45,000") and a phrase for sentences.

The unit comes from the column's description in the schema (or the derived ratio's), so no list of units is kept
apart from it. Used by the reason codes (``slrs.explain``), the what-if page's table and the command line.
"""

from __future__ import annotations

import numpy as np

from slrs.features import DERIVED_FEATURES
from slrs.formatting import NO_CURRENCY, Currency, format_amount, format_share
from slrs.schema import COLUMN_BY_NAME, input_label

CURRENCY_UNIT = " currency units"  # stands for the scenario's currency: its prefix is written instead
# Words in an input's description that give its unit, first match wins; suffixes follow the value.
UNIT_WORDS = (("currency", CURRENCY_UNIT), ("in years", " years"), ("in months", " months"),
              ("percent", "%"), ("multiple", "x"), ("share", "%"))


def _description(name: str) -> str:
    return DERIVED_FEATURES[name] if name in DERIVED_FEATURES else COLUMN_BY_NAME[name].description


def input_unit(name: str) -> str:
    """The suffix written after a value (" currency units", " months", "%", "x"), "" for counts and categories."""
    description = _description(name).lower()
    return next((suffix for word, suffix in UNIT_WORDS if word in description), "")


def _is_count(name: str) -> bool:
    """A whole number without a unit reads as a count: "6 missed payments", "90 days past due"."""
    column = COLUMN_BY_NAME.get(name)
    return column is not None and column.dtype == "int" and not input_unit(name)


def format_value(name: str, value: object, currency: Currency = NO_CURRENCY) -> str:
    """An input's value as text with its unit: "6", "36 months", "12.5%", "1.3x", "€ 45,000" (an amount without a
    currency: "45,000")."""
    if isinstance(value, str):
        return value
    if value is None or not np.isfinite(value):
        return "missing"
    unit = input_unit(name)
    if _is_count(name):
        return f"{round(float(value)):,}"
    if unit == "%" and name in DERIVED_FEATURES:  # a share (0 to 1) is shown in percent
        return format_share(float(value))
    if unit == "%":
        return f"{round(float(value), 2):g}%"
    if unit == "x":
        return f"{value:,.1f}x"
    if unit == CURRENCY_UNIT:
        return format_amount(float(value), currency)
    text = f"{value:,.0f}"
    return f"{text}{unit.removesuffix('s') if text == '1' else unit}"


def describe_value(name: str, value: object, currency: Currency = NO_CURRENCY) -> tuple[str, bool]:
    """A phrase for an input's value with its unit, and whether it reads as plural ("6 missed payments")."""
    label, text = input_label(name), format_value(name, value, currency)
    if isinstance(value, str):
        return f"{label} '{text}'", False
    if text == "missing":
        return f"{label} (missing)", False
    if _is_count(name):
        count = round(float(value))
        return f"{text} {label.lower() if count != 1 else _singular(label.lower())}", count != 1
    return f"{label} of {text}", False


def _singular(noun: str) -> str:
    words = noun.split()
    position = next((i for i, word in enumerate(words) if word.endswith("s")), None)
    if position is not None:
        words[position] = words[position][:-1]
    return " ".join(words)
