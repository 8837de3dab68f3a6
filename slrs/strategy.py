"""Recovery strategy: map a risk score to an action with two validated thresholds (thresholds are data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from slrs.exceptions import ConfigError
from slrs.text import take_labels

# The risk methods a scenario can score with (``slrs.risk`` holds the models behind them).
Method = Literal["outcome", "scorecard", "study"]
METHODS: tuple[Method, ...] = ("outcome", "scorecard", "study")
METHOD_LABELS = {"outcome": "Outcome model (honest, default)",
                 "scorecard": "Benchmark scorecard (weight of evidence + logistic regression)",
                 "study": "Study method (comparison only: predicts its own segments)"}

LEGAL = "Immediate legal notices & aggressive recovery"
SETTLEMENT = "Settlement offers & flexible repayment plans"
REMINDERS = "Automated reminders & routine monitoring"
NOT_SCORED = "Not scored (see Data issues)"
# Mildest first: the order used in tables and charts.
STRATEGIES = (REMINDERS, SETTLEMENT, LEGAL)
SHORT_STRATEGY = {REMINDERS: "Reminders", SETTLEMENT: "Settlement", LEGAL: "Legal", NOT_SCORED: "Not scored"}


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


def assign_actions(risk_scores: np.ndarray, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> np.ndarray:
    """Action number per score by thresholds alone: 0 reminders (< low), 1 settlement (low..high inclusive),
    2 legal (> high); -1 where the score is missing (the row could not be scored)."""
    risk = np.asarray(risk_scores, dtype=float)
    actions = np.where(risk > thresholds.high, 2, np.where(risk >= thresholds.low, 1, 0))
    return np.where(np.isnan(risk), -1, actions)


def strategy_labels(actions: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The strategy label of each action number of ``assign_actions`` (-1: ``NOT_SCORED``), as text."""
    return take_labels([*STRATEGIES, NOT_SCORED], np.where(actions >= 0, actions, len(STRATEGIES)))


def assign_strategy(risk_scores: np.ndarray,
                    thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.api.extensions.ExtensionArray:
    """Strategy label per score by thresholds alone (see ``assign_actions``); capacities are the plan's
    (``slrs.money.plan_actions``)."""
    return strategy_labels(assign_actions(risk_scores, thresholds))
