"""Outcome analysis: AUC with DeLong's interval, Gini, KS, Brier, gains and calibration, and the verdict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import brier_score_loss, roc_auc_score

from slrs.outcome_analysis import (
    DECILES,
    GAINS_COLUMNS,
    MIN_EACH_OUTCOME,
    analyse_outcomes,
    analyse_view,
    assign_deciles,
    delong_standard_error,
    ks_statistic,
)
from slrs.schema import RISK_COLUMN, TARGET


def _labelled(n: int, strength: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    events = rng.integers(0, 2, n)
    scores = 1 / (1 + np.exp(-(strength * (events - 0.5) + rng.normal(0, 1, n))))
    return events, scores


def test_a_score_with_signal_gets_the_verdict_and_the_standard_figures() -> None:
    events, scores = _labelled(5_000, 2.0)
    analysis = analyse_outcomes(events, scores)
    assert analysis.verdict == "signal" and analysis.n == 5_000
    assert analysis.auc == pytest.approx(roc_auc_score(events, scores))
    assert analysis.gini == pytest.approx(2 * analysis.auc - 1)
    assert analysis.brier == pytest.approx(brier_score_loss(events, scores))
    low, high = analysis.auc_ci
    assert 0.5 < low < analysis.auc < high < 1


def test_a_random_score_is_no_better_than_chance() -> None:
    events, _ = _labelled(2_000, 0.0, seed=1)
    scores = np.random.default_rng(2).random(2_000)
    analysis = analyse_outcomes(events, scores)
    assert analysis.verdict == "no signal"
    assert analysis.auc_ci[0] <= 0.5 <= analysis.auc_ci[1]
    assert "No better than chance on this portfolio" in analysis.sentence()


def test_a_score_pointing_the_wrong_way_is_no_signal_and_has_no_ks() -> None:
    events, scores = _labelled(2_000, 2.0)
    analysis = analyse_outcomes(events, 1 - scores)
    assert analysis.verdict == "no signal" and analysis.auc < 0.3 and analysis.ks < 0.02


def test_delong_standard_error_matches_the_spread_of_the_auc_over_resamples() -> None:
    events, scores = _labelled(1_000, 1.0, seed=3)
    rng = np.random.default_rng(4)
    aucs = []
    for _ in range(300):
        rows = rng.integers(0, len(events), len(events))
        aucs.append(roc_auc_score(events[rows], scores[rows]))
    assert delong_standard_error(events, scores) == pytest.approx(np.std(aucs), rel=0.2)


def test_ks_is_the_largest_gap_between_the_two_cumulative_shares() -> None:
    events = np.array([1, 1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # above 0.75: 2/3 of events, 0 of non-events; above 0.55: 3/3 and 1/3
    assert ks_statistic(events, scores) == pytest.approx(2 / 3)


def test_gains_rows_add_up_to_the_portfolio_and_end_at_one() -> None:
    events, scores = _labelled(1_003, 1.5, seed=5)
    gains = analyse_outcomes(events, scores).gains
    assert list(gains.columns) == list(GAINS_COLUMNS) and len(gains) == DECILES
    assert gains["Accounts"].sum() == 1_003 and gains["Not_Fully_Recovered"].sum() == events.sum()
    last = gains.iloc[-1]
    assert last[["Cumulative_Accounts_Share", "Cumulative_Not_Full_Share", "Cumulative_Full_Share"]].tolist() == \
        pytest.approx([1, 1, 1])
    assert (gains["Lowest_Score"].iloc[:-1].to_numpy() >= gains["Highest_Score"].iloc[1:].to_numpy()).all()
    assert gains["Not_Full_Rate"].iloc[0] > gains["Not_Full_Rate"].iloc[-1]
    assert gains["KS"].max() <= analyse_outcomes(events, scores).ks + 1e-12


def test_calibration_counts_every_account_in_its_band() -> None:
    events, scores = _labelled(1_000, 1.5, seed=6)
    analysis = analyse_outcomes(events, scores)
    table = analysis.calibration
    assert table["Accounts"].sum() == 1_000
    assert analysis.calibration_error == pytest.approx(np.average(table["Gap"].abs(), weights=table["Accounts"]))


@pytest.mark.parametrize(("n", "positives"), [(0, 0), (60, 30), (500, MIN_EACH_OUTCOME - 1)])
def test_too_few_labelled_rows_give_no_verdict_and_say_why(n: int, positives: int) -> None:
    events = np.r_[np.ones(positives), np.zeros(n - positives)].astype(int)
    analysis = analyse_outcomes(events, np.linspace(0, 1, n))
    assert analysis.verdict is None and analysis.auc is None and analysis.gains.empty
    assert analysis.note and ("No verdict" in analysis.note or "no known outcomes" in analysis.note)


def test_analyse_view_counts_only_scored_rows_with_a_known_outcome() -> None:
    view = pd.DataFrame({TARGET: ["Fully Recovered", "Written Off", None, "Partially Recovered"] * 100,
                         RISK_COLUMN: [0.1, 0.9, 0.5, np.nan] * 100})
    analysis = analyse_view(view)
    assert analysis.n == 200 and analysis.n_not_full == 100 and analysis.auc == 1.0


def test_to_dict_is_json_ready_with_the_documented_keys() -> None:
    events, scores = _labelled(500, 2.0)
    data = json.loads(json.dumps(analyse_outcomes(events, scores).to_dict(), allow_nan=False))
    assert {"n", "auc", "auc_ci", "gini", "ks", "brier", "verdict", "gains", "calibration"} <= set(data)
    assert len(data["gains"]) == DECILES and len(data["auc_ci"]) == 2


# Few distinct scores, so ties straddle the cuts between deciles.
@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4), max_size=60))
def test_assign_deciles_cuts_the_rows_sorted_by_descending_score_ties_in_row_order(values: list[int]) -> None:
    scores = np.asarray(values, dtype=float) / 4
    expected = np.empty(len(scores), dtype=int)
    for decile, rows in enumerate(np.array_split(np.argsort(-scores, kind="stable"), DECILES), start=1):
        expected[rows] = decile
    np.testing.assert_array_equal(assign_deciles(scores), expected)
