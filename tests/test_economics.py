from __future__ import annotations

import numpy as np
import pytest

from slrs.economics import RecoveryAssumptions, expected_recovery
from slrs.exceptions import ConfigError


def test_expected_recovery_weights_outstanding_by_outcome_probabilities() -> None:
    assumptions = RecoveryAssumptions(1.0, 0.5, 0.1)
    result = expected_recovery(np.array([1000.0, 200.0]), np.array([[1, 0, 0], [0.2, 0.3, 0.5]]), assumptions)
    np.testing.assert_allclose(result, [1000.0, 200 * (0.2 + 0.15 + 0.05)])


def test_expected_recovery_never_exceeds_outstanding() -> None:
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1, 1, 1], size=100)
    outstanding = rng.uniform(0, 1e6, size=100)
    assert (expected_recovery(outstanding, probabilities) <= outstanding + 1e-9).all()


@pytest.mark.parametrize("shares", [(1.2, 0.5, 0.1), (1.0, 0.5, -0.1), (1.0, 0.2, 0.5), (0.4, 0.5, 0.1)])
def test_recovery_assumptions_reject_invalid_shares(shares: tuple[float, float, float]) -> None:
    with pytest.raises(ConfigError, match="should"):
        RecoveryAssumptions(*shares)
