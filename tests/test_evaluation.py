from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.evaluation import CV_FOLDS, binary_metrics, cross_validate, null_auc_se
from slrs.exceptions import ConfigError
from slrs.risk import FAST_TRAINING
from slrs.schema import MODEL_FEATURES
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio


@pytest.fixture(scope="module")
def evaluation_with_signal():
    clean = validate_portfolio(generate_portfolio(800, seed=11)).clean
    return cross_validate(clean[list(MODEL_FEATURES)], clean["Recovery_Status"], 4, FAST_TRAINING)


@pytest.fixture(scope="module")
def evaluation_without_signal():
    clean = validate_portfolio(generate_portfolio(800, seed=11)).clean
    shuffled = clean["Recovery_Status"].sample(frac=1.0, random_state=5).to_numpy()
    return cross_validate(clean[list(MODEL_FEATURES)], pd.Series(shuffled, index=clean.index), 4, FAST_TRAINING)


def test_cross_validate_scores_every_row_out_of_fold(evaluation_with_signal) -> None:
    holdout = evaluation_with_signal.holdout
    assert holdout[["random_forest", "hist_gradient_boosting", "study"]].notna().all().all()
    assert sorted(holdout["fold"].unique()) == list(range(CV_FOLDS))


def test_outcome_method_finds_the_signal_and_beats_the_study(evaluation_with_signal) -> None:
    metrics = evaluation_with_signal.metrics
    chosen = metrics[evaluation_with_signal.chosen]
    assert evaluation_with_signal.has_signal
    assert 0.72 < chosen["roc_auc"] < 0.9
    assert chosen["roc_auc"] > metrics["study"]["roc_auc"]
    assert chosen["brier"] < metrics["study"]["brier"]
    assert chosen["accuracy"] > chosen["majority_accuracy"]


def test_the_better_candidate_is_kept(evaluation_with_signal) -> None:
    metrics = evaluation_with_signal.metrics
    best = max(["random_forest", "hist_gradient_boosting"], key=lambda name: metrics[name]["roc_auc"])
    assert evaluation_with_signal.chosen == best


def test_shuffled_labels_are_reported_as_no_signal(evaluation_without_signal) -> None:
    assert not evaluation_without_signal.has_signal
    assert abs(evaluation_without_signal.metrics[evaluation_without_signal.chosen]["roc_auc"] - 0.5) < 0.06


def test_the_studys_flag_is_predicted_well_even_without_signal(evaluation_without_signal) -> None:
    # The circularity the study fell for: its forest relearns its own segments.
    assert evaluation_without_signal.study_flag_accuracy > 0.85


def test_binary_metrics_of_a_perfect_score() -> None:
    y = np.array([0, 1, 0, 1, 1, 0])
    metrics = binary_metrics(y, y.astype(float), np.array([0, 0, 0, 1, 1, 1]))
    assert metrics["roc_auc"] == 1.0 and metrics["accuracy"] == 1.0 and metrics["brier"] == 0.0
    assert metrics["majority_accuracy"] == 0.5


def test_null_auc_se_shrinks_with_more_rows() -> None:
    assert null_auc_se(np.array([0, 1] * 1000)) < null_auc_se(np.array([0, 1] * 100))


def test_cross_validate_refuses_too_few_labels() -> None:
    clean = validate_portfolio(generate_portfolio(12, seed=1)).clean
    with pytest.raises(ConfigError, match="training needs"):
        cross_validate(clean[list(MODEL_FEATURES)], clean["Recovery_Status"], 4)
