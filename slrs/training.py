"""Training: cross-validate every method on the same folds, then fit the final models and write the manifest.

Only ``python -m slrs train`` and the tests train; the app and the other commands load the saved bundle
(``slrs.io.load_bundle``), so they never import the training libraries (optbinning).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import UTC, datetime
from functools import partial

import pandas as pd

from slrs.binning import fit_scorecard
from slrs.bundle import ModelBundle, library_versions
from slrs.drift import build_drift_reference
from slrs.evaluation import Evaluation, cross_validate, not_fully_recovered
from slrs.global_explain import build_global_explanations, outcome_risk, study_risk
from slrs.risk import (
    COMMITTED_TRAINING,
    RANDOM_STATE,
    SCORECARD_COLUMN,
    STUDY_COLUMN,
    TrainingSettings,
    build_candidates,
    build_outcome_model,
    fit_study_model,
)
from slrs.schema import (
    COLUMN_BY_NAME,
    MODEL_FEATURES,
    NEVER_IN_MODEL,
    NUMERIC_MODEL_FEATURES,
    OUTCOME_CLASSES,
    PARTIALLY_RECOVERED,
    SCHEMA_VERSION,
    TARGET,
    WRITTEN_OFF,
)
from slrs.segmentation import DEFAULT_K, RiskOrderedKMeans, high_risk_segments
from slrs.strategy import METHODS

logger = logging.getLogger(__name__)
SMALL_MODELS_WARNING = ("These models were trained with the small, fast settings (python -m slrs train --fast), for "
                        "trying things out: do not base decisions on them; retrain without --fast.")

NO_SIGNAL_WARNING = (
    "NO SIGNAL: the outcome model's held-out ROC AUC ({auc:.3f}) does not clear {threshold:.3f}, the level a "
    "random score would stay under 99.5% of the time with these labels. The training data do not let SLRS "
    "tell which loans will be recovered; its scores must not be used to decide actions.")


def training_rows(clean: pd.DataFrame, scorable: pd.Series) -> pd.Series:
    """Rows fit for training: scorable and labelled."""
    return scorable & clean[TARGET].notna() if TARGET in clean else scorable & False


def train_bundle(clean: pd.DataFrame, *, data_sha256: str, data_name: str, k: int = DEFAULT_K,
                 settings: TrainingSettings = COMMITTED_TRAINING) -> ModelBundle:
    """Cross-validate both methods, then fit the final segmenter and models on every labelled row.

    ``settings`` sizes the models and explanations; the committed artifacts use ``COMMITTED_TRAINING``.
    """
    X, outcome = clean[list(MODEL_FEATURES)], clean[TARGET].astype(str)
    evaluation = cross_validate(X, outcome, k, settings)
    logger.info("fitting final models on %d rows", len(X))
    segmenter = RiskOrderedKMeans(k, RANDOM_STATE).fit(X)
    outcome_model = build_outcome_model(build_candidates(settings)[evaluation.chosen]).fit(X, outcome)
    study_model = fit_study_model(X, segmenter, settings)
    scorecard = fit_scorecard(X, not_fully_recovered(outcome), settings.scorecard_prebins)
    _use_one_thread(outcome_model, study_model)
    manifest = build_manifest(X, outcome, evaluation, segmenter, data_sha256=data_sha256, data_name=data_name)
    manifest["training_settings"] = asdict(settings)
    if settings != COMMITTED_TRAINING:  # every face shows the manifest's warnings as findings
        manifest["warnings"] = [*manifest["warnings"], SMALL_MODELS_WARNING]
    logger.info("partial dependence of the main inputs")
    explanations = build_global_explanations(
        X, {"outcome": partial(outcome_risk, outcome_model), "scorecard": scorecard.risk,
            "study": partial(study_risk, study_model)},
        evaluation.importances, evaluation.chosen, n_repeats=settings.importance_repeats,
        sample_rows=settings.partial_dependence_rows)
    bundle = ModelBundle(segmenter, outcome_model, study_model, evaluation.holdout, manifest, explanations, scorecard)
    return replace(bundle, manifest={**manifest, "drift_reference": training_drift_reference(bundle, X)})


def training_drift_reference(bundle: ModelBundle, X: pd.DataFrame) -> dict:
    """The drift check's summary of the training data (see ``slrs.drift.build_drift_reference``).

    It holds the training inputs ``X`` and the risk scores (0 to 1) of ``bundle``'s final models on them, so
    that the training data compared with themselves give a PSI of exactly 0.
    """
    return build_drift_reference(X, {method: 1 - bundle.probabilities(X, method)[:, 0] for method in METHODS})


def _use_one_thread(*models: object) -> None:
    """Leave the thread count to the caller (``joblib.parallel_config``); one thread by default.

    A single-row what-if prediction is 7x faster without a thread pool (measured: 20 ms vs 150 ms), while
    batch scoring asks for every core.
    """
    fitted = [*models, *(c.estimator for c in getattr(models[0], "calibrated_classifiers_", []))]
    for model in fitted:
        model.set_params(**{name: None for name in model.get_params() if name.endswith("n_jobs")})


def build_manifest(X: pd.DataFrame, outcome: pd.Series, evaluation: Evaluation, segmenter: RiskOrderedKMeans,
                   *, data_sha256: str, data_name: str) -> dict:
    """Everything about how the bundle was made; file hashes are added when it is saved."""
    chosen = evaluation.metrics[evaluation.chosen]
    warnings = [] if evaluation.has_signal else [
        NO_SIGNAL_WARNING.format(auc=chosen["roc_auc"], threshold=chosen["signal_auc_threshold"])]
    return {
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "training_data": {"name": data_name, "sha256": data_sha256, "rows": int(len(X)),
                          "outcome_rates": outcome.value_counts(normalize=True).round(4).to_dict()},
        "model_inputs": list(MODEL_FEATURES),
        "never_used": list(NEVER_IN_MODEL),
        "segments": {"k": segmenter.n_segments, "names": segmenter.names_,
                     "silhouette": segmenter.silhouette_, "high_risk": high_risk_segments(segmenter.n_segments)},
        "outcome_model": evaluation.chosen,
        "metrics": {"outcome": chosen, "scorecard": evaluation.metrics[SCORECARD_COLUMN],
                    "study": evaluation.metrics[STUDY_COLUMN],
                    "candidates": {name: m for name, m in evaluation.metrics.items()
                                   if name not in (SCORECARD_COLUMN, STUDY_COLUMN)},
                    "study_flag_accuracy": evaluation.study_flag_accuracy},
        "has_signal": evaluation.has_signal,
        "warnings": warnings,
        "profile": training_profile(X, outcome),
        "methods": list(METHODS),
    }


def training_profile(X: pd.DataFrame, outcome: pd.Series) -> dict:
    """Ranges and typical values of each model input (bounds for what-if edits, drift checks)."""
    numeric = {
        name: {"min": float(X[name].min()), "p01": float(X[name].quantile(0.01)),
               "median": float(X[name].median()), "p99": float(X[name].quantile(0.99)),
               "max": float(X[name].max()), "integer": COLUMN_BY_NAME[name].dtype == "int"}
        for name in NUMERIC_MODEL_FEATURES
    }
    categories = {name: {"values": sorted(X[name].dropna().unique().tolist()), "mode": str(X[name].mode()[0])}
                  for name in MODEL_FEATURES if name not in numeric}
    not_full = outcome.isin([PARTIALLY_RECOVERED, WRITTEN_OFF])
    partial_share = float((outcome[not_full] == PARTIALLY_RECOVERED).mean()) if not_full.any() else 0.5
    return {"numeric": numeric, "categorical": categories, "partial_share_of_not_full": partial_share,
            "classes": list(OUTCOME_CLASSES)}
