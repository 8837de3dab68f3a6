"""The model card: how the risk methods did on held-out data and what the bundle is made of, as tables.

Everything here reads the bundle's manifest and its out-of-fold predictions (``bundle.holdout``: one row
per training row, scored by models fitted on the other folds). Nothing is refitted or re-scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_curve

from slrs.exceptions import ModelArtifactError
from slrs.features import DERIVED_FEATURES, NUMERIC_INPUTS
from slrs.gates import STATUS_WORDS
from slrs.risk import NEURAL_NETWORK, OUTCOME_COLUMN, SCORECARD_COLUMN, STUDY_COLUMN
from slrs.schema import CATEGORICAL_MODEL_FEATURES, COLUMN_BY_NAME, OUTCOME_CLASSES
from slrs.strategy import NOT_SCORED, STRATEGIES, Method, Thresholds, assign_strategy

EVENT_COLUMN = "not_fully_recovered"
CALIBRATION_BINS = 10
CANDIDATE_LABELS = {"random_forest": "Random Forest", "hist_gradient_boosting": "HistGradientBoosting",
                    NEURAL_NETWORK: "Neural network (MLP)"}
NEVER_USED_REASONS = {
    "id": "An identifier: it names a loan or a borrower and says nothing about repayment.",
    "feature": "Kept out for fairness: no score may depend on it (it stays in the file for fairness checks).",
    "target": "The outcome itself: it is what the model learns to predict.",
    "post_decision": "Recorded after the recovery decision (what collectors did): it leaks the outcome.",
}
NO_SIGNAL_TEXT = ("NO SIGNAL: the outcome model does not beat chance on held-out data; its scores must not be "
                  "used to decide actions.")


@dataclass(frozen=True)
class ComparedModel:
    """One scorer on the card: its label, its column in ``bundle.holdout`` and its held-out metrics."""

    label: str
    column: str
    metrics: dict[str, float]
    role: str
    active: bool

    @property
    def legend(self) -> str:
        """The label as chart legends show it, marking the method in use."""
        return f"{self.label} (in use)" if self.active else self.label


def compared_models(manifest: dict, method: Method) -> list[ComparedModel]:
    """The kept outcome model, the other candidate(s) and the study, the one in use (``method``) first."""
    kept = manifest["outcome_model"]
    candidates = manifest["metrics"]["candidates"]
    models = [ComparedModel(f"Outcome model: {CANDIDATE_LABELS.get(kept, kept)}", OUTCOME_COLUMN,
                            manifest["metrics"]["outcome"], "kept", method == "outcome")]
    models += [ComparedModel(f"Outcome candidate: {CANDIDATE_LABELS.get(name, name)}", name, metrics,
                             "compared", False) for name, metrics in candidates.items() if name != kept]
    if "scorecard" in manifest["metrics"]:
        models.append(ComparedModel("Benchmark scorecard", SCORECARD_COLUMN, manifest["metrics"]["scorecard"],
                                    "benchmark", method == "scorecard"))
    models.append(ComparedModel("Study method", STUDY_COLUMN, manifest["metrics"]["study"],
                                "comparison only", method == "study"))
    return sorted(models, key=lambda model: not model.active)


def roc_curve_tables(holdout: pd.DataFrame, models: list[ComparedModel]) -> dict[str, pd.DataFrame]:
    """Per model legend, its ROC curve on held-out rows: columns ``fpr``, ``tpr`` and ``threshold``."""
    y = holdout[EVENT_COLUMN].to_numpy()
    curves = {}
    for model in models:
        fpr, tpr, threshold = roc_curve(y, holdout[model.column].to_numpy())
        curves[model.legend] = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": threshold})
    return curves


def calibration_tables(holdout: pd.DataFrame, models: list[ComparedModel],
                       n_bins: int = CALIBRATION_BINS) -> dict[str, pd.DataFrame]:
    """Per model legend, mean predicted risk against the observed share not fully recovered, per score bin.

    Bins are ``n_bins`` equal-width slices of 0-1; empty bins are left out.
    """
    y = holdout[EVENT_COLUMN].to_numpy()
    tables = {}
    for model in models:
        observed, predicted = calibration_curve(y, holdout[model.column].to_numpy(), n_bins=n_bins)
        tables[model.legend] = pd.DataFrame({"predicted": predicted, "observed": observed})
    return tables


def metrics_table(models: list[ComparedModel]) -> pd.DataFrame:
    """One row per model: role, held-out ROC AUC, Brier score, log loss, accuracy and majority baseline."""
    return pd.DataFrame([{
        "Model": model.label, "Role": model.role + (" · in use" if model.active else ""),
        "ROC_AUC": model.metrics["roc_auc"], "Brier": model.metrics["brier"],
        "Log_Loss": model.metrics["log_loss"], "Accuracy": model.metrics["accuracy"],
        "Majority_Baseline": model.metrics["majority_accuracy"],
        "Accuracy_Gain": model.metrics["accuracy"] - model.metrics["majority_accuracy"],
    } for model in models])


def study_flag_sentence(manifest: dict) -> str:
    """One plain sentence on why the study's reported accuracy is circular."""
    metrics = manifest["metrics"]
    return (f"The study's forest predicts its own high-risk flag with {metrics['study_flag_accuracy']:.1%} "
            "accuracy on unseen rows, but that flag is made from the study's own segments, so the number is "
            "circular and says nothing about recovery: against the real outcome its score reaches a ROC AUC "
            f"of {metrics['study']['roc_auc']:.3f} (0.5 is chance).")


def neural_network_sentence(manifest: dict) -> str | None:
    """Whether the neural network beats the Random Forest on held-out data, in one sentence (None if not compared)."""
    candidates = manifest["metrics"]["candidates"]
    if NEURAL_NETWORK not in candidates or "random_forest" not in candidates:
        return None
    network, forest = candidates[NEURAL_NETWORK]["roc_auc"], candidates["random_forest"]["roc_auc"]
    spread = max(candidates[NEURAL_NETWORK]["roc_auc_fold_std"], candidates["random_forest"]["roc_auc_fold_std"])
    if network > forest + spread:
        verdict = "it beats the forest by more than the spread across folds"
    elif network > forest:
        verdict = "slightly higher, but within the spread across folds: no real gain"
    else:
        verdict = "it does not beat the forest"
    return (f"Deep learning, as the study suggests? A neural network (two-layer MLP) cross-validated on the same folds "
            f"reaches a held-out ROC AUC of {network:.3f} against {forest:.3f} for the Random Forest: {verdict}. "
            "It is compared here, not offered as a method: its scores cannot be explained borrower by borrower.")


def gates_table(results: tuple) -> pd.DataFrame:
    """The validation gates as a checklist: gate, limit, measured value and status in words."""
    return pd.DataFrame({"Gate": [r.gate for r in results], "Limit": [r.limit for r in results],
                         "Measured": [r.measured for r in results],
                         "Status": [STATUS_WORDS[r.status] for r in results]})


def outcome_strategy_confusion(holdout: pd.DataFrame, column: str, thresholds: Thresholds) -> pd.DataFrame:
    """Held-out borrowers per actual outcome (rows) and strategy the score ``column`` recommends (columns)."""
    strategies = pd.Series(assign_strategy(holdout[column].to_numpy(dtype=float), thresholds), index=holdout.index)
    table = pd.crosstab(holdout["outcome"], strategies, rownames=["Outcome"], colnames=["Strategy"])
    present = [s for s in [*STRATEGIES, NOT_SCORED] if s in table.columns or s in STRATEGIES]
    return table.reindex(index=list(OUTCOME_CLASSES), columns=present, fill_value=0)


def row_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Each row of a count table divided by its total (rows with no count stay 0)."""
    totals = counts.sum(axis=1).replace(0, np.nan)
    return counts.div(totals, axis=0).fillna(0.0)


def impurity_importances(outcome_model: ClassifierMixin) -> pd.DataFrame | None:
    """The final outcome estimator's own (impurity-based, training-data) importances, largest first.

    Columns Feature, Meaning, Importance and Std (spread across trees). ``None`` when the estimator has
    no ``feature_importances_`` (HistGradientBoosting).
    """
    pipeline = outcome_model.calibrated_classifiers_[0].estimator
    estimator = pipeline.named_steps["model"]
    if not hasattr(estimator, "feature_importances_"):
        return None
    names = [*NUMERIC_INPUTS, *CATEGORICAL_MODEL_FEATURES]
    importances = estimator.feature_importances_
    if len(importances) != len(names):
        raise ModelArtifactError(f"the outcome model has {len(importances)} inputs, expected {len(names)} "
                                 "(NUMERIC_INPUTS + CATEGORICAL_MODEL_FEATURES); retrain with: python -m slrs train")
    trees = getattr(estimator, "estimators_", [])
    spread = np.std([tree.feature_importances_ for tree in trees], axis=0) if len(trees) else np.zeros(len(names))
    meaning = [DERIVED_FEATURES.get(name) or COLUMN_BY_NAME[name].description for name in names]
    table = pd.DataFrame({"Feature": names, "Meaning": meaning, "Importance": importances, "Std": spread})
    return table.sort_values("Importance", ascending=False, ignore_index=True)


def never_used_table(never_used: list[str]) -> pd.DataFrame:
    """Each column the model never sees, with the reason in plain words."""
    reasons = [NEVER_USED_REASONS[COLUMN_BY_NAME[name].kind] if name in COLUMN_BY_NAME
               else "Not a model input." for name in never_used]
    return pd.DataFrame({"Column": never_used, "Why it is never used": reasons})


def training_data_table(manifest: dict) -> pd.DataFrame:
    """Name, rows and SHA-256 of the training file, one fact per row (all as text)."""
    data = manifest["training_data"]
    return pd.DataFrame({"Fact": ["File", "Rows", "SHA-256", "Trained on (UTC)", "Schema version"],
                         "Value": [data["name"], f"{data['rows']:,}", data["sha256"], manifest["created"],
                                   manifest["schema_version"]]})


def outcome_rates_table(manifest: dict) -> pd.DataFrame:
    """Share of each outcome in the training data, in ``OUTCOME_CLASSES`` order."""
    rates = manifest["training_data"]["outcome_rates"]
    return pd.DataFrame({"Outcome": list(OUTCOME_CLASSES), "Share": [rates.get(name, 0.0) for name in OUTCOME_CLASSES]})


def artifact_table(manifest: dict) -> pd.DataFrame:
    """Each artifact file with its SHA-256, then each library with its version."""
    files = [("file", name, digest) for name, digest in sorted(manifest.get("files", {}).items())]
    libraries = [("library", name, version) for name, version in sorted(manifest["libraries"].items())]
    return pd.DataFrame(files + libraries, columns=["Kind", "Name", "SHA-256 or version"])


def segments_table(manifest: dict) -> pd.DataFrame:
    """Segment number, generated name and whether the study flags it as high risk."""
    segments = manifest["segments"]
    return pd.DataFrame({"Segment": range(len(segments["names"])), "Name": segments["names"],
                         "Study's high-risk flag": [n in segments["high_risk"] for n in range(len(segments["names"]))]})


def model_warnings(manifest: dict) -> list[str]:
    """Warnings to show loudly: the manifest's own, or a no-signal note if only the flag says so."""
    warnings = list(manifest.get("warnings", []))
    if not manifest.get("has_signal", True) and not warnings:
        warnings.append(NO_SIGNAL_TEXT)
    return warnings
