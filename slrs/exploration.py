"""Tables behind the Explore page: filters, full-recovery rates and mean risk by group, correlations.

Pure: a scored view (``slrs.portfolio.build_view``) in, tables out. Rates count only rows whose outcome
(Recovery_Status) is known; mean risk scores count only scored rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slrs.exceptions import ConfigError
from slrs.portfolio import filter_view, has_labels
from slrs.schema import COLUMN_BY_NAME, FULLY_RECOVERED, NUMERIC_MODEL_FEATURES, TARGET

# Missed-payment counts from this number up share one bar, so a few extreme counts do not stretch the chart.
COUNT_CAP = 10
COUNT_COLUMNS = ("Num_Missed_Payments", "Num_Dependents")
SCATTER_COLUMNS = ("Borrower_ID", "Monthly_Income", "Loan_Amount")
UNKNOWN_OUTCOME = "Unknown"


def filter_exploration(view: pd.DataFrame, strategies: pd.Series, *, segments: list[int] | None = None,
                       chosen_strategies: list[str] | None = None,
                       loan_types: list[str] | None = None) -> pd.Series:
    """Boolean mask of the rows in ``segments``, ``chosen_strategies`` and ``loan_types`` (empty or None: all)."""
    mask = filter_view(view, strategies, segments=segments, chosen_strategies=chosen_strategies)
    if loan_types:
        mask &= view["Loan_Type"].isin(loan_types)
    return mask


def group_labels(values: pd.Series, cap: int = COUNT_CAP) -> pd.Series:
    """Ordered group labels of a schema column: categories in schema order, counts as "0" ... f"{cap}+".

    ``values.name`` must be a category column or one of ``COUNT_COLUMNS``; missing values stay missing.
    """
    column = COLUMN_BY_NAME.get(str(values.name))
    if column is not None and column.allowed:
        return pd.Series(pd.Categorical(values, categories=column.allowed, ordered=True),
                         index=values.index, name=values.name)
    if values.name not in COUNT_COLUMNS:
        raise ConfigError(f"cannot group by {values.name!r}; expected a category column or one of "
                          f"{', '.join(COUNT_COLUMNS)}")
    edges = [-np.inf, *np.arange(cap) + 0.5, np.inf]
    labels = [*map(str, range(cap)), f"{cap}+"]
    return pd.cut(values, bins=edges, labels=labels, ordered=True).rename(values.name)


def full_recovery_rates(view: pd.DataFrame, by: str) -> pd.DataFrame:
    """Share of borrowers fully recovered per group of ``by``, among rows whose outcome is known.

    Columns: ``by`` (group label, in group order), ``Rate`` (0-1) and ``Borrowers`` (rows with a known
    outcome in the group). Groups without such rows are left out; a view without outcomes gives no rows.
    """
    if TARGET not in view:
        return pd.DataFrame({by: pd.Series(dtype=str), "Rate": pd.Series(dtype=float),
                             "Borrowers": pd.Series(dtype=int)})
    known = view[view[TARGET].notna()]
    return _group_table(known[TARGET] == FULLY_RECOVERED, group_labels(known[by]), "Rate")


def mean_risk_by(view: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean risk score per group of ``by`` among scored rows: columns ``by``, ``Mean_Risk_Score``, ``Borrowers``."""
    scored = view[view["Risk_Score"].notna()]
    return _group_table(scored["Risk_Score"], group_labels(scored[by]), "Mean_Risk_Score")


def _group_table(values: pd.Series, groups: pd.Series, name: str) -> pd.DataFrame:
    table = values.groupby(groups, observed=True).agg(["mean", "size"])
    table.columns = [name, "Borrowers"]
    table.index = table.index.astype(str)  # plain labels: a categorical index would bring back empty groups
    return table.reset_index()


def correlation_table(view: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations (-1 to 1) between the numeric model inputs present and Risk_Score, square."""
    columns = [c for c in (*NUMERIC_MODEL_FEATURES, "Risk_Score") if c in view]
    return view[columns].astype(float).corr()


def scatter_frame(view: pd.DataFrame, strategies: pd.Series) -> tuple[pd.DataFrame, str]:
    """Points for the income-versus-loan chart and the column to colour them by.

    The colour is the outcome where the view has outcomes (unknown ones labelled ``UNKNOWN_OUTCOME``),
    else the recommended strategy. One row per row of ``view``.
    """
    frame = view[list(SCATTER_COLUMNS)].copy()
    frame["Recovery_Strategy"] = strategies
    if has_labels(view):
        frame[TARGET] = view[TARGET].astype(object).where(view[TARGET].notna(), UNKNOWN_OUTCOME)
        return frame, TARGET
    return frame, "Recovery_Strategy"
