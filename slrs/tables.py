"""Tables for people: every column's readable label and kind of figure, and a table ready to show.

Labels of portfolio columns come from the schema (``slrs.schema.column_label``); the other columns SLRS's tables
carry are named here once. ``display_table`` gives the app and the pack the same headers and the same number
format (``slrs.formatting``); the app's adapter turns its formats into Streamlit column settings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from slrs.formatting import (
    NO_CURRENCY,
    SCORE_DECIMALS,
    TABLE_FORMATS,
    Currency,
    amount_pattern,
    format_amount,
    format_count,
    format_ratio,
    format_score,
    format_share,
)
from slrs.schema import (
    COLUMN_BY_NAME,
    PLAN_AMOUNT_COLUMNS,
    STRATEGY_COLUMN,
    column_label,
)
from slrs.strategy import SHORT_STRATEGY

FigureKind = Literal["count", "amount", "share", "score", "ratio", "multiple", "number", "text"]

# Columns of SLRS's own tables that are not portfolio columns: label and kind.
TABLE_COLUMNS: dict[str, tuple[str, FigureKind]] = {
    "Row": ("Row", "count"), "Borrowers": ("Borrowers", "count"), "Accounts": ("Accounts", "count"),
    "Outstanding": ("Outstanding", "amount"), "Share_of_Borrowers": ("Share of borrowers", "share"),
    "Capacity_Fallbacks": ("Moved by a capacity", "count"), "Mean_Risk_Score": ("Mean risk score", "score"),
    "Expected_Recovery_Rate": ("Expected recovery rate", "share"), "Cost_per_account": ("Cost per account", "amount"),
    "ROC_AUC": ("ROC AUC", "ratio"), "Brier": ("Brier score", "ratio"), "Log_Loss": ("Log loss", "ratio"),
    "Accuracy": ("Accuracy", "share"), "Majority_Baseline": ("Majority baseline", "share"),
    "Accuracy_Gain": ("Gain over baseline", "share"), "PSI": ("Stability index", "ratio"),
    "Measure": ("Index", "text"),
    "Out_of_range_share": ("Outside training range", "share"), "Unseen_share": ("Never seen in training", "share"),
    "Missing_share": ("Missing", "share"), "Rows": ("Rows", "count"),
    "Decile": ("Decile", "count"), "Lowest_Score": ("From score", "score"),
    "Highest_Score": ("To score", "score"), "Not_Fully_Recovered": ("Not fully recovered", "count"),
    "Not_Full_Rate": ("Rate", "share"), "Rate": ("Rate", "share"), "Cumulative_Accounts_Share": ("Accounts so far", "share"),
    "Cumulative_Not_Full_Share": ("Caught so far", "share"),
    "Cumulative_Full_Share": ("Fully recovered so far", "share"), "Lift": ("Lift", "ratio"), "KS": ("KS", "ratio"),
    "Risk_Band": ("Risk band", "text"), "Strategy": ("Action", "text"), "Mean_Score": ("Mean risk score", "score"),
    "Observed_Rate": ("Observed not fully recovered rate", "share"), "Gap": ("Score minus observed", "ratio"),
    "Share": ("Share of borrowers", "share"), "Overall_Rate": ("Overall rate", "share"),
    "Not_Scored": ("Not scored", "count"), "Ratio": ("Ratio to overall", "multiple"),
    "Adverse": ("Harsher on the group", "text"), "Moved": ("Borrowers who change action", "count"),
    "Count": ("With the action", "count"), "Capacity": ("Capacity (empty: no limit)", "count"),
    "As_of": ("As of", "text"), "File": ("File", "text"), "Rows_scored": ("Rows scored", "count"),
    "N": ("With an outcome since", "count"), "Matured_share": ("Outcomes arrived", "share"),
    "Calibration_error": ("Calibration error", "ratio"), "Verdict": ("Verdict", "text"),
    "PSI_score": ("Score stability index", "ratio"), "Drift_status": ("Drift light", "text"),
    "Gate": ("Gate", "text"), "Limit": ("Limit", "text"), "Measured": ("Measured", "text"),
    "at": ("When (UTC)", "text"), "user_name": ("Who", "text"), "event": ("What", "text"),
    "subject": ("Of what", "text"), "data_sha256": ("Data (SHA-256)", "text"), "name": ("Name", "text"),
    "version": ("Version", "count"), "author": ("Saved by", "text"), "saved_at": ("Saved (UTC)", "text"),
    "Setting": ("Setting", "text"), "First": ("First", "text"), "Second": ("Second", "text"),
}


def label(name: str) -> str:
    """The readable label of a column of any SLRS table: ``Num_Missed_Payments`` -> ``Missed payments``."""
    if name in TABLE_COLUMNS:
        return TABLE_COLUMNS[name][0]
    return column_label(name)


def figure_kind(name: str, values: pd.Series | None = None) -> FigureKind:
    """How a column's figures are written: by its name, else by its values (numbers: ``number``)."""
    if name in TABLE_COLUMNS:
        return TABLE_COLUMNS[name][1]
    if name in PLAN_AMOUNT_COLUMNS or name in AMOUNT_INPUTS:
        return "amount"
    if name in COLUMN_BY_NAME and COLUMN_BY_NAME[name].dtype == "int":
        return "count"
    if name.endswith(("_Share", "_share", "_Rate")) or name.startswith("Share_"):
        return "share"
    if "Score" in name:
        return "score"
    if values is not None and pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        return "number"
    return "text"


AMOUNT_INPUTS = ("Monthly_Income", "Loan_Amount", "Collateral_Value", "Outstanding_Loan_Amount", "Monthly_EMI")


# Status words and their colour wherever a table shows a status (drift, gates): words first, colour to scan.
STATUS_COLOURS = {"Stable": "#2e7d32", "Pass": "#2e7d32", "Some shift": "#ef6c00", "Major shift": "#c62828",
                  "Fail": "#c62828", "Too few rows": "#616161", "Not checked": "#616161"}


ACTION_COLUMNS = ("Strategy", STRATEGY_COLUMN)


@dataclass(frozen=True, eq=False)
class DisplayTable:
    """A table ready to show: readable headers, shares as percent numbers, scores cut to three decimals.

    ``patterns`` maps each numeric header to its printf pattern (``slrs.formatting.TABLE_FORMATS``).
    """

    frame: pd.DataFrame
    patterns: dict[str, str]


def display_table(table: pd.DataFrame, currency: Currency = NO_CURRENCY,
                  kinds: Mapping[str, FigureKind] | None = None) -> DisplayTable:
    """``table`` for people: every header labelled, every figure in the one format (the index is dropped);
    ``kinds`` names the kind of figure of columns whose name does not say it."""
    frame, patterns, kinds = pd.DataFrame(index=range(len(table))), {}, kinds or {}
    for name in table.columns:
        values = table[name].reset_index(drop=True)
        kind, header = kinds.get(str(name)) or figure_kind(str(name), values), label(str(name))
        if kind == "share":
            values = pd.to_numeric(values, errors="coerce") * 100
        elif kind == "score":
            values = np.floor(pd.to_numeric(values, errors="coerce") * 10 ** SCORE_DECIMALS + 1e-9) \
                / 10 ** SCORE_DECIMALS
        elif pd.api.types.is_bool_dtype(values.dtype):
            values = values.map({True: "Yes", False: "No"})
        elif kind == "text" and isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if str(name) in ACTION_COLUMNS:  # the short names of the actions: the long ones do not fit a table
            values = values.astype(object).map(lambda value: SHORT_STRATEGY.get(value, value))
        frame[header] = values
        if kind == "amount":
            patterns[header] = amount_pattern(currency)
        elif kind in TABLE_FORMATS:
            patterns[header] = TABLE_FORMATS[kind]
    return DisplayTable(frame, patterns)


def format_cell(value: object, kind: FigureKind, currency: Currency = NO_CURRENCY) -> str:
    """One figure as text, by its kind (for the pack's HTML tables and for sentences)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if kind == "count":
        return format_count(float(value))
    if kind == "amount":
        return format_amount(float(value), currency)
    if kind == "share":
        return format_share(float(value))
    if kind == "score":
        return format_score(float(value))
    if kind in ("ratio", "number"):
        return format_ratio(float(value), 3 if kind == "ratio" else 2)
    if kind == "multiple":
        return f"{float(value):.2f}x"
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    return str(value)


def text_table(table: pd.DataFrame, currency: Currency = NO_CURRENCY,
               kinds: Mapping[str, FigureKind] | None = None) -> pd.DataFrame:
    """``table`` with readable headers and every figure written as text in the one format (for the pack and the
    command line); ``kinds`` as for ``display_table``."""
    kinds = kinds or {}
    return pd.DataFrame({label(str(name)): [format_cell(value, kinds.get(str(name)) or figure_kind(str(name),
                                                                                                  table[name]), currency)
                                            for value in table[name]] for name in table.columns})
