"""Recovery strategy: map a risk score to an action with two validated thresholds (thresholds are data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slrs.exceptions import ConfigError

LEGAL = "Immediate legal notices & aggressive recovery"
SETTLEMENT = "Settlement offers & flexible repayment plans"
REMINDERS = "Automated reminders & routine monitoring"
NOT_SCORED = "Not scored (see Data_Issues)"
# Mildest first: the order used in tables and charts.
STRATEGIES = (REMINDERS, SETTLEMENT, LEGAL)


@dataclass(frozen=True)
class Thresholds:
    """Risk-score cut-offs: above ``high`` legal action, below ``low`` reminders, settlement in between."""

    low: float = 0.50
    high: float = 0.75

    def __post_init__(self) -> None:
        for name in ("low", "high"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value):
                raise ConfigError(f"threshold {name}={value!r} should be a number from 0 to 1")
        if not 0 <= self.low < self.high <= 1:
            raise ConfigError(f"thresholds low={self.low:g} and high={self.high:g} should satisfy "
                              "0 <= low < high <= 1")


DEFAULT_THRESHOLDS = Thresholds()


def assign_strategy(risk_scores: np.ndarray, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> np.ndarray:
    """Strategy label per score: > high legal, low..high (inclusive) settlement, < low reminders.

    Missing scores (rows that could not be scored) get ``NOT_SCORED``.
    """
    scores = np.asarray(risk_scores, dtype=float)
    labels = np.select([scores > thresholds.high, scores >= thresholds.low, scores < thresholds.low],
                       [LEGAL, SETTLEMENT, REMINDERS], default=NOT_SCORED)
    return labels.astype(object)
