"""Honest evaluation: every risk method and candidate on the same stratified folds, every transformer (and the
scorecard's binning) fitted inside them.

All metrics are against the real outcome ("not fully recovered"), on rows the models did not see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from slrs.binning import fit_scorecard
from slrs.exceptions import ConfigError
from slrs.global_explain import (
    held_out_importances,
    outcome_risk,
    study_risk,
    summarise_importances,
)
from slrs.risk import (
    COMMITTED_TRAINING,
    CV_FOLDS,
    NEURAL_NETWORK,
    OUTCOME_COLUMN,
    RANDOM_STATE,
    SCORECARD_COLUMN,
    STUDY_COLUMN,
    TrainingSettings,
    build_candidates,
    build_neural_network,
    build_outcome_model,
    fit_study_model,
    study_flag,
)
from slrs.schema import FULLY_RECOVERED
from slrs.segmentation import RiskOrderedKMeans

logger = logging.getLogger(__name__)

# A held-out AUC must clear 0.5 by this many null standard errors before SLRS says the data carry signal.
SIGNAL_Z = 2.58


@dataclass(frozen=True)
class Evaluation:
    """Cross-validated results: per-method metrics and the out-of-fold scores they came from.

    ``metrics`` and ``holdout`` cover the outcome candidates, the scorecard, the neural network and the study;
    ``importances`` holds, for all but the neural network, the held-out permutation importance of each model input
    (``slrs.global_explain.summarise_importances``).
    """

    metrics: dict[str, dict[str, float]]
    holdout: pd.DataFrame
    chosen: str
    study_flag_accuracy: float
    has_signal: bool
    importances: dict


def not_fully_recovered(outcome: pd.Series) -> np.ndarray:
    """The binary event every Risk_Score is about: 1 when the loan was not fully recovered."""
    return (outcome.to_numpy() != FULLY_RECOVERED).astype(int)


def null_auc_se(y: np.ndarray) -> float:
    """Standard error of the ROC AUC of a random score (Mann-Whitney null) for these labels."""
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    return float(np.sqrt((n1 + n0 + 1) / (12 * n1 * n0)))


def binary_metrics(y: np.ndarray, score: np.ndarray, folds: np.ndarray) -> dict[str, float]:
    """ROC AUC (pooled and fold spread), Brier, log loss, accuracy at 0.5 and the majority baseline."""
    fold_auc = [roc_auc_score(y[folds == f], score[folds == f]) for f in np.unique(folds)]
    return {
        "roc_auc": float(roc_auc_score(y, score)),
        "roc_auc_fold_std": float(np.std(fold_auc)),
        "brier": float(brier_score_loss(y, score)),
        "log_loss": float(log_loss(y, np.clip(score, 1e-6, 1 - 1e-6))),
        "accuracy": float(accuracy_score(y, score >= 0.5)),
        "majority_accuracy": float(max(y.mean(), 1 - y.mean())),
        "positive_rate": float(y.mean()),
    }


def check_trainable(outcome: pd.Series, n_segments: int) -> None:
    counts = outcome.value_counts()
    if len(outcome) < CV_FOLDS * 4 or (counts < CV_FOLDS).any() or len(counts) < 2:
        raise ConfigError(
            f"training needs at least {CV_FOLDS} rows of each outcome present and {CV_FOLDS * 4} rows in all "
            f"(found {dict(counts)}); expected a labelled portfolio with Recovery_Status filled in")
    if len(outcome) < n_segments * CV_FOLDS:
        raise ConfigError(f"n_samples={len(outcome)} should be >= {n_segments * CV_FOLDS} for k={n_segments}")


def cross_validate(X: pd.DataFrame, outcome: pd.Series, n_segments: int,
                   settings: TrainingSettings = COMMITTED_TRAINING) -> Evaluation:
    """Score every row once, by models fitted on the other folds, for each candidate, the scorecard, the neural
    network and the study."""
    check_trainable(outcome, n_segments)
    y = not_fully_recovered(outcome)
    candidates = build_candidates(settings)
    repeats = settings.importance_repeats
    explained = [*candidates, SCORECARD_COLUMN, STUDY_COLUMN]
    holdout = pd.DataFrame({"fold": 0, "outcome": outcome.to_numpy(), "not_fully_recovered": y,
                            **{name: np.nan for name in [*explained, NEURAL_NETWORK]}}, index=X.index)
    flag_hits, importances = [], {name: [] for name in explained}
    splitter = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=RANDOM_STATE)
    for fold, (train, test) in enumerate(splitter.split(X, outcome)):
        logger.info("cross-validation fold %d of %d", fold + 1, CV_FOLDS)
        X_train, X_test = X.iloc[train], X.iloc[test]
        holdout.iloc[test, 0] = fold
        for name, estimator in candidates.items():
            model = build_outcome_model(estimator).fit(X_train, outcome.iloc[train])
            holdout.iloc[test, holdout.columns.get_loc(name)] = outcome_risk(model, X_test)
            importances[name].append(held_out_importances(partial(outcome_risk, model), X_test, y[test],
                                                          seed=RANDOM_STATE + fold, n_repeats=repeats))
        scorecard = fit_scorecard(X_train, y[train], settings.scorecard_prebins)
        holdout.iloc[test, holdout.columns.get_loc(SCORECARD_COLUMN)] = scorecard.risk(X_test)
        importances[SCORECARD_COLUMN].append(held_out_importances(scorecard.risk, X_test, y[test],
                                                                  seed=RANDOM_STATE + fold, n_repeats=repeats))
        network = build_neural_network(settings).fit(X_train, outcome.iloc[train])
        holdout.iloc[test, holdout.columns.get_loc(NEURAL_NETWORK)] = outcome_risk(network, X_test)
        segmenter = RiskOrderedKMeans(n_segments, RANDOM_STATE).fit(X_train)
        study = fit_study_model(X_train, segmenter, settings)
        holdout.iloc[test, holdout.columns.get_loc(STUDY_COLUMN)] = study_risk(study, X_test)
        importances[STUDY_COLUMN].append(held_out_importances(partial(study_risk, study), X_test, y[test],
                                                              seed=RANDOM_STATE + fold, n_repeats=repeats))
        flag_hits.append(study.predict(X_test) == study_flag(segmenter.predict(X_test), n_segments))
    return _summarise(holdout, list(candidates), float(np.concatenate(flag_hits).mean()),
                      summarise_importances(importances, list(X.columns)))


def _summarise(holdout: pd.DataFrame, candidates: list[str], flag_accuracy: float, importances: dict) -> Evaluation:
    y, folds = holdout["not_fully_recovered"].to_numpy(), holdout["fold"].to_numpy()
    compared = [*candidates, NEURAL_NETWORK, SCORECARD_COLUMN, STUDY_COLUMN]
    metrics = {name: binary_metrics(y, holdout[name].to_numpy(), folds) for name in compared}
    chosen = max(candidates, key=lambda name: metrics[name]["roc_auc"])
    holdout[OUTCOME_COLUMN] = holdout[chosen]
    threshold = 0.5 + SIGNAL_Z * null_auc_se(y)
    has_signal = metrics[chosen]["roc_auc"] > threshold
    for values in metrics.values():
        values["signal_auc_threshold"] = float(threshold)
    return Evaluation(metrics, holdout, chosen, flag_accuracy, bool(has_signal), importances)
