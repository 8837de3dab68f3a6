"""Fitting the benchmark scorecard: optimal weight-of-evidence binning (optbinning) and a logistic regression.

Training only: the fitted ``slrs.scorecard.Scorecard`` keeps plain numbers, so the app and the command line load
it without this module or its library. optbinning finds, for each characteristic, the bins that separate the
outcomes best under constraints a credit analyst expects (a monotone trend where the data allow it, at least 5 %
of the loans per bin, at most six bins) by mathematical optimisation; writing that ourselves would be longer and
worse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from optbinning import OptimalBinning
from sklearn.linear_model import LogisticRegression

from slrs.features import NUMERIC_INPUTS, add_derived_features
from slrs.schema import CATEGORICAL_MODEL_FEATURES
from slrs.scorecard import CharacteristicBins, Scorecard

MAX_BINS = 6
PREBINS = 20  # optbinning's default number of fine bins to merge from
MIN_BIN_SHARE = 0.05
# Mild L2 regularisation: WoE inputs are already on one scale; it keeps the weights stable across folds.
LOGISTIC_C = 1.0


def fit_scorecard(X: pd.DataFrame, events: np.ndarray, prebins: int = PREBINS) -> Scorecard:
    """Bin every characteristic of typed model inputs ``X`` against ``events`` (1: not fully recovered), merging
    from at most ``prebins`` fine bins, then fit the logistic regression on the bins' WoE."""
    inputs = add_derived_features(X)
    characteristics = tuple(
        [_fit_bins(inputs[name], events, name, "numeric", prebins) for name in NUMERIC_INPUTS]
        + [_fit_bins(inputs[name], events, name, "categorical", prebins) for name in CATEGORICAL_MODEL_FEATURES])
    woe = np.column_stack([bins.transform(inputs[bins.name]) for bins in characteristics])
    logistic = LogisticRegression(C=LOGISTIC_C, max_iter=1_000).fit(woe, events)
    return Scorecard(characteristics, float(logistic.intercept_[0]), tuple(float(c) for c in logistic.coef_[0]))


def _fit_bins(values: pd.Series, events: np.ndarray, name: str, kind: str, prebins: int) -> CharacteristicBins:
    if kind == "numeric":
        optimal = OptimalBinning(name=name, dtype="numerical", monotonic_trend="auto_asc_desc", max_n_bins=MAX_BINS,
                                 min_bin_size=MIN_BIN_SHARE, max_n_prebins=prebins)
        optimal.fit(values.to_numpy(dtype=float), events)
    else:
        optimal = OptimalBinning(name=name, dtype="categorical", max_n_bins=MAX_BINS, min_bin_size=MIN_BIN_SHARE,
                                 max_n_prebins=prebins)
        optimal.fit(values.astype(object).where(values.notna(), np.nan).to_numpy(), events)
    table = optimal.binning_table.build()
    bins, missing = table.iloc[: len(table) - 3], table.iloc[len(table) - 2]  # bins, Special, Missing, Totals
    woe = tuple(float(value) for value in bins["WoE"])  # optbinning's WoE has the sign of slrs.scorecard's
    missing_woe = float(missing["WoE"]) if int(missing["Count"]) else 0.0
    if kind == "numeric":
        return CharacteristicBins(name, "numeric", woe, missing_woe, splits=tuple(float(s) for s in optimal.splits))
    groups = tuple(tuple(str(category) for category in group) for group in optimal.splits)
    return CharacteristicBins(name, "categorical", woe, missing_woe, groups=groups)
