"""Honest evaluation: both risk methods on the same stratified folds, every transformer fitted inside them.

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

from slrs.exceptions import ConfigError
from slrs.global_explain import held_out_importances, outcome_risk, study_risk, summarise_importances
from slrs.risk import (
    COMMITTED_TRAINING,
    RANDOM_STATE,
    TrainingSettings,
    build_candidates,
    build_outcome_model,
    fit_study_model,
    study_flag,
)
from slrs.schema import FULLY_RECOVERED
from slrs.segmentation import RiskOrderedKMeans

logger = logging.getLogger(__name__)

CV_FOLDS = 5
# A held-out AUC must clear 0.5 by this many null standard errors before SLRS says the data carry signal.
SIGNAL_Z = 2.58
STUDY_COLUMN = "study"


@dataclass(frozen=True)
class Evaluation:
    """Cross-validated results: per-method metrics and the out-of-fold scores they came from.

    ``importances`` holds, per candidate and for the study, the held-out permutation importance of each model
    input (``slrs.global_explain.summarise_importances``).
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
    """Score every row once, by models fitted on the other folds, for each candidate and the study."""
    check_trainable(outcome, n_segments)
    y = not_fully_recovered(outcome)
    candidates = build_candidates(settings)
    repeats = settings.importance_repeats
    holdout = pd.DataFrame({"fold": 0, "outcome": outcome.to_numpy(), "not_fully_recovered": y,
                            **{name: np.nan for name in [*candidates, STUDY_COLUMN]}}, index=X.index)
    flag_hits, importances = [], {name: [] for name in [*candidates, STUDY_COLUMN]}
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
    metrics = {name: binary_metrics(y, holdout[name].to_numpy(), folds) for name in [*candidates, STUDY_COLUMN]}
    chosen = max(candidates, key=lambda name: metrics[name]["roc_auc"])
    holdout["outcome_method"] = holdout[chosen]
    threshold = 0.5 + SIGNAL_Z * null_auc_se(y)
    has_signal = metrics[chosen]["roc_auc"] > threshold
    for values in metrics.values():
        values["signal_auc_threshold"] = float(threshold)
    return Evaluation(metrics, holdout, chosen, flag_accuracy, bool(has_signal), importances)
