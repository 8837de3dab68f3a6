"""Money: the expected amount recovered per borrower, with every assumption a named parameter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slrs.exceptions import ConfigError


@dataclass(frozen=True)
class RecoveryAssumptions:
    """Share of the outstanding amount the bank gets back under each final outcome (0 to 1).

    Defaults: a full recovery returns the whole outstanding amount; a partial recovery about half of it
    (the middle of the 30-70 % range typical of settlements); a written-off loan about 5 % (late recoveries
    after write-off). Edit them to match the bank's own loss data.
    """

    fully_recovered_share: float = 1.0
    partially_recovered_share: float = 0.5
    written_off_share: float = 0.05

    def __post_init__(self) -> None:
        shares = (self.fully_recovered_share, self.partially_recovered_share, self.written_off_share)
        if not all(0 <= share <= 1 for share in shares):
            raise ConfigError(f"recovery shares {shares} should each be from 0 to 1")
        if not self.written_off_share <= self.partially_recovered_share <= self.fully_recovered_share:
            raise ConfigError(f"recovery shares {shares} should satisfy written off <= partially <= fully")


DEFAULT_ASSUMPTIONS = RecoveryAssumptions()


def expected_recovery(outstanding: np.ndarray, outcome_probabilities: np.ndarray,
                      assumptions: RecoveryAssumptions = DEFAULT_ASSUMPTIONS) -> np.ndarray:
    """Expected amount recovered, in currency, per borrower.

    Parameters
    ----------
    outstanding : array, shape (n,), currency
    outcome_probabilities : array, shape (n, 3)
        Probabilities of Fully Recovered, Partially Recovered, Written Off (rows sum to 1).
    """
    shares = np.array([assumptions.fully_recovered_share, assumptions.partially_recovered_share,
                       assumptions.written_off_share])
    return np.asarray(outstanding, dtype=float) * (np.asarray(outcome_probabilities) @ shares)
