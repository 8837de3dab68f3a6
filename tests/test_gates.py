"""Validation gates: limits checked on the outcome analysis and the drift check; unmeasured is not a pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.drift import SCORE_INPUT, STABLE, TABLE_COLUMNS, DriftReport
from slrs.exceptions import ConfigError
from slrs.gates import (
    DEFAULT_GATES,
    ValidationGates,
    all_passed,
    check_gates,
    gates_summary,
    read_gates,
)
from slrs.outcome_analysis import analyse_outcomes


def _drift(psi: float | None) -> DriftReport:
    rows = [] if psi is None else [{"Input": SCORE_INPUT, "PSI": psi, "Status": STABLE, "Out_of_range_share": 0.0,
                                    "Unseen_share": np.nan, "Missing_share": 0.0, "Rows": 1000}]
    return DriftReport(pd.DataFrame(rows, columns=list(TABLE_COLUMNS)), None, 1000 if rows else 0)


def _analysis(strength: float, n: int = 2_000):
    """Calibrated scores (each event happens with its score's probability) that spread more with ``strength``."""
    rng = np.random.default_rng(0)
    scores = 1 / (1 + np.exp(-strength * rng.normal(0, 1, n)))
    events = (rng.random(n) < (scores if strength else 0.5)).astype(int)
    return analyse_outcomes(events, scores)


def test_good_evidence_passes_every_gate() -> None:
    results = check_gates(_analysis(3.0), _drift(0.02), DEFAULT_GATES)
    assert all_passed(results) and [r.status for r in results] == ["pass"] * 5


def test_no_signal_fails_the_auc_and_ks_gates() -> None:
    results = {r.gate: r.status for r in check_gates(_analysis(0.0), _drift(0.02), DEFAULT_GATES)}
    assert results["ROC AUC, at least"] == "fail" and results["KS, at least"] == "fail"


def test_a_shifted_score_fails_the_stability_gate() -> None:
    results = check_gates(_analysis(3.0), _drift(0.4), DEFAULT_GATES)
    assert [r.status for r in results][-1] == "fail" and not all_passed(results)


def test_without_labels_or_reference_the_gates_are_not_passed() -> None:
    results = check_gates(analyse_outcomes(np.empty(0), np.empty(0)), _drift(None), DEFAULT_GATES)
    assert [r.status for r in results] == ["fail"] + ["not checked"] * 4 and not all_passed(results)
    assert "0 of 5 validation gates pass" in gates_summary(results)


def test_limits_are_editable_and_checked() -> None:
    strict = ValidationGates(auc_floor=0.99)
    assert check_gates(_analysis(3.0), _drift(0.02), strict)[1].status == "fail"
    with pytest.raises(ConfigError, match="auc_floor"):
        ValidationGates(auc_floor=1.5)
    with pytest.raises(ConfigError, match="min_labelled_rows"):
        ValidationGates(min_labelled_rows=2.5)


def test_read_gates_names_every_problem_and_keeps_defaults_for_the_rest() -> None:
    problems: list[str] = []
    gates = read_gates({"ks_floor": 0.3, "auc_floor": "high", "speed": 1}, problems)
    assert gates.ks_floor == 0.3 and gates.auc_floor == DEFAULT_GATES.auc_floor
    assert any("gates.auc_floor" in p for p in problems) and any("speed" in p for p in problems)


def test_a_gate_is_judged_on_the_figures_it_shows() -> None:
    from slrs.gates import _compare

    assert _compare("ROC AUC, at least", 0.6, 0.5996, at_least=True).status == "pass"  # shows 0.600 vs 0.600
    assert _compare("ROC AUC, at least", 0.6, 0.5994, at_least=True).status == "fail"


def test_whole_number_limits_become_numbers_with_decimals() -> None:
    gates = ValidationGates(ks_floor=0, psi_ceiling=1)
    assert isinstance(gates.ks_floor, float) and isinstance(gates.psi_ceiling, float)


def test_a_raised_labelled_rows_gate_fails_but_never_hides_the_verdict() -> None:
    analysis = _analysis(0.0, n=500)
    results = check_gates(analysis, _drift(0.02), ValidationGates(min_labelled_rows=1_000))
    assert analysis.verdict == "no signal" and results[0].status == "fail"
