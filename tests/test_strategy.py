from __future__ import annotations

import numpy as np
import pytest

from slrs.exceptions import ConfigError
from slrs.strategy import (
    LEGAL,
    NOT_SCORED,
    REMINDERS,
    SETTLEMENT,
    Thresholds,
    assign_strategy,
)


@pytest.mark.parametrize(("score", "expected"), [
    (0.0, REMINDERS), (0.4999, REMINDERS), (0.5, SETTLEMENT), (0.6, SETTLEMENT), (0.75, SETTLEMENT),
    (0.7501, LEGAL), (1.0, LEGAL), (np.nan, NOT_SCORED),
])
def test_assign_strategy_uses_the_study_cut_offs_by_default(score: float, expected: str) -> None:
    assert assign_strategy(np.array([score]))[0] == expected


def test_assign_strategy_follows_custom_thresholds() -> None:
    labels = assign_strategy(np.array([0.1, 0.25, 0.5]), Thresholds(low=0.2, high=0.3))
    assert labels.tolist() == [REMINDERS, SETTLEMENT, LEGAL]


@pytest.mark.parametrize(("low", "high", "message"), [
    (0.8, 0.5, "0 <= low < high <= 1"), (0.5, 0.5, "0 <= low < high <= 1"), (-0.1, 0.5, "0 <= low"),
    (0.2, 1.5, "high <= 1"), (float("nan"), 0.5, "should be a number"), ("0.2", 0.5, "should be a number"),
])
def test_thresholds_reject_invalid_values(low: object, high: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Thresholds(low, high)  # type: ignore[arg-type]


def test_thresholds_accept_the_extremes() -> None:
    assert Thresholds(0.0, 1.0).high == 1.0
