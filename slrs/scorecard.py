"""The benchmark scorecard: weight-of-evidence bins per characteristic and a logistic regression on them.

A scorecard is what a credit committee can read line by line: every characteristic (model input, ratios
included) is cut into a few bins; each bin has a weight of evidence (WoE = ln(share of fully recovered loans in
the bin / share of not fully recovered loans in the bin), so a negative WoE marks riskier borrowers), and

    log-odds of not being fully recovered = intercept + sum over characteristics of coefficient x WoE(bin).

Each term is that characteristic's *points* for a borrower: additive, signed, in log-odds. The bins are found
by optimal binning at training time (``slrs.binning``); the fitted scorecard here is plain numbers, so loading it
needs no binning library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from slrs.features import add_derived_features
from slrs.schema import column_label

CharacteristicKind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class CharacteristicBins:
    """One characteristic's bins and their weights of evidence.

    Numeric: ``splits`` s1 < s2 < ... cut the values into (-inf, s1), [s1, s2), ..., [sk, inf), as optbinning
    does. Categorical:
    ``groups`` lists the categories of each bin. A missing value gets ``missing_woe``; a category never seen in
    training gets 0 (no evidence either way).
    """

    name: str
    kind: CharacteristicKind
    woe: tuple[float, ...]
    missing_woe: float = 0.0
    splits: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()

    def transform(self, values: pd.Series) -> np.ndarray:
        """The WoE of each value's bin."""
        woe = np.asarray(self.woe, dtype=float)
        if self.kind == "numeric":
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            result = woe[np.searchsorted(np.asarray(self.splits, dtype=float), numbers, side="right").clip(0, len(woe) - 1)]
            return np.where(np.isnan(numbers), self.missing_woe, result)
        lookup = {category: woe[number] for number, group in enumerate(self.groups) for category in group}
        text = values.astype(object)
        return text.map(lookup).astype(float).where(text.notna(), self.missing_woe).fillna(0.0).to_numpy()

    def bin_labels(self) -> list[str]:
        if self.kind == "categorical":
            return [", ".join(group) for group in self.groups]
        edges = [-np.inf, *self.splits, np.inf]
        return [_range_label(low, high) for low, high in zip(edges[:-1], edges[1:], strict=True)]


def _range_label(low: float, high: float) -> str:
    if np.isinf(low):
        return f"below {_edge(high)}"
    if np.isinf(high):
        return f"from {_edge(low)}"
    return f"from {_edge(low)} to below {_edge(high)}"


def _edge(value: float) -> str:
    """A bin edge as people write it: ``24,990`` or ``0.35``."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


@dataclass(frozen=True)
class Scorecard:
    """A fitted scorecard: the bins of each characteristic and the logistic regression on their WoE."""

    characteristics: tuple[CharacteristicBins, ...]
    intercept: float
    coefficients: tuple[float, ...]

    def woe_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """WoE of every characteristic (columns) for typed model inputs ``X`` (ratios are derived here)."""
        inputs = add_derived_features(X)
        return np.column_stack([bins.transform(inputs[bins.name]) for bins in self.characteristics])

    def risk(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of not being fully recovered, shape (n,)."""
        log_odds = self.intercept + self.woe_matrix(X) @ np.asarray(self.coefficients)
        return 1 / (1 + np.exp(-log_odds))

    def points_table(self) -> pd.DataFrame:
        """Every bin of every characteristic with its WoE and points (coefficient x WoE, in log-odds)."""
        rows = []
        for bins, coefficient in zip(self.characteristics, self.coefficients, strict=True):
            labels = bins.bin_labels() + ["missing"]
            for bin_label, woe in zip(labels, [*bins.woe, bins.missing_woe], strict=True):
                rows.append({"Characteristic": column_label(bins.name), "Bin": bin_label, "WoE": woe,
                             "Points": coefficient * woe})
        return pd.DataFrame(rows, columns=["Characteristic", "Bin", "WoE", "Points"])
