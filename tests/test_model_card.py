"""Model card tables: held-out curves, metrics, outcome x strategy, importances and manifest facts."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from slrs import model_card
from slrs.exceptions import ModelArtifactError
from slrs.schema import (
    FULLY_RECOVERED,
    OUTCOME_CLASSES,
    PARTIALLY_RECOVERED,
    WRITTEN_OFF,
)
from slrs.strategy import (
    DEFAULT_THRESHOLDS,
    LEGAL,
    REMINDERS,
    SETTLEMENT,
    STRATEGIES,
    Thresholds,
)


def _holdout(outcomes: list[str], **scores: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": outcomes,
                         "not_fully_recovered": [int(o != FULLY_RECOVERED) for o in outcomes], **scores})


def _manifest(**changes: object) -> dict:
    metrics = {"roc_auc": 0.8, "brier": 0.16, "log_loss": 0.5, "accuracy": 0.76, "majority_accuracy": 0.59}
    manifest = {"outcome_model": "random_forest", "warnings": [], "has_signal": True,
                "metrics": {"outcome": metrics, "study": {**metrics, "roc_auc": 0.65, "accuracy": 0.6},
                            "candidates": {"random_forest": metrics,
                                           "hist_gradient_boosting": {**metrics, "roc_auc": 0.79}},
                            "study_flag_accuracy": 0.9706}}
    manifest.update(changes)
    return manifest


@pytest.mark.parametrize(("method", "first", "columns"), [
    ("outcome", "Outcome model: Random Forest", ["outcome_method", "hist_gradient_boosting", "study"]),
    ("study", "Study method", ["study", "outcome_method", "hist_gradient_boosting"]),
])
def test_compared_models_put_the_method_in_use_first(method: str, first: str, columns: list[str]) -> None:
    models = model_card.compared_models(_manifest(), method)
    assert models[0].label == first and models[0].active
    assert [model.column for model in models] == columns
    assert sum(model.active for model in models) == 1


def test_compared_models_name_the_kept_candidate() -> None:
    models = model_card.compared_models(_manifest(outcome_model="hist_gradient_boosting"), "outcome")
    assert [model.label for model in models] == ["Outcome model: HistGradientBoosting",
                                                 "Outcome candidate: Random Forest", "Study method"]
    assert models[1].metrics["roc_auc"] == 0.8


@pytest.mark.parametrize(("scores", "auc"), [
    ([0.1, 0.2, 0.8, 0.9], 1.0),   # every not-fully-recovered loan scored above every recovered one
    ([0.9, 0.8, 0.2, 0.1], 0.0),
    ([0.5, 0.5, 0.5, 0.5], 0.5),
])
def test_roc_curve_tables_trace_the_held_out_ranking(scores: list[float], auc: float) -> None:
    holdout = _holdout([FULLY_RECOVERED] * 2 + [WRITTEN_OFF] * 2, outcome_method=scores)
    model = model_card.ComparedModel("m", "outcome_method", {}, "", True)
    curve = model_card.roc_curve_tables(holdout, [model])["m (in use)"]
    assert list(curve.columns) == ["fpr", "tpr", "threshold"]
    assert curve["fpr"].iloc[[0, -1]].tolist() == [0, 1] and curve["tpr"].iloc[[0, -1]].tolist() == [0, 1]
    assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(auc)


def test_calibration_tables_compare_predicted_and_observed_per_bin() -> None:
    outcomes = [FULLY_RECOVERED] * 9 + [PARTIALLY_RECOVERED] + [FULLY_RECOVERED] * 2 + [WRITTEN_OFF] * 8
    holdout = _holdout(outcomes, study=[0.1] * 10 + [0.85] * 10)
    model = model_card.ComparedModel("s", "study", {}, "", False)
    table = model_card.calibration_tables(holdout, [model], n_bins=10)["s"]
    assert table["predicted"].tolist() == pytest.approx([0.1, 0.85])
    assert table["observed"].tolist() == pytest.approx([0.1, 0.8])


def test_metrics_table_reads_the_manifest_and_marks_the_method_in_use() -> None:
    table = model_card.metrics_table(model_card.compared_models(_manifest(), "study"))
    assert table["Model"].tolist() == ["Study method", "Outcome model: Random Forest",
                                       "Outcome candidate: HistGradientBoosting"]
    assert table["ROC_AUC"].tolist() == [0.65, 0.8, 0.79]
    assert table["Accuracy_Gain"].tolist() == pytest.approx([0.01, 0.17, 0.17])
    assert ["in use" in role for role in table["Role"]] == [True, False, False]
    assert "comparison only" in table["Role"].iloc[0]


def test_study_flag_sentence_explains_the_circular_accuracy() -> None:
    sentence = model_card.study_flag_sentence(_manifest())
    assert "97.1%" in sentence and "circular" in sentence and "0.650" in sentence


@pytest.mark.parametrize(("thresholds", "expected"), [
    (DEFAULT_THRESHOLDS, {FULLY_RECOVERED: [2, 1, 0], PARTIALLY_RECOVERED: [0, 1, 1], WRITTEN_OFF: [0, 0, 1]}),
    (Thresholds(0.05, 0.15), {FULLY_RECOVERED: [0, 1, 2], PARTIALLY_RECOVERED: [0, 0, 2], WRITTEN_OFF: [0, 0, 1]}),
])
def test_outcome_strategy_confusion_counts_outcome_by_recommended_action(thresholds: Thresholds,
                                                                       expected: dict) -> None:
    holdout = _holdout([FULLY_RECOVERED] * 3 + [PARTIALLY_RECOVERED] * 2 + [WRITTEN_OFF],
                       outcome_method=[0.1, 0.2, 0.6, 0.7, 0.9, 0.8])
    table = model_card.outcome_strategy_confusion(holdout, "outcome_method", thresholds)
    assert table.index.tolist() == list(OUTCOME_CLASSES) and table.columns.tolist() == list(STRATEGIES)
    assert {outcome: table.loc[outcome].tolist() for outcome in OUTCOME_CLASSES} == expected
    assert int(table.to_numpy().sum()) == len(holdout)


def test_outcome_strategy_confusion_keeps_absent_outcomes_as_zero_rows() -> None:
    holdout = _holdout([FULLY_RECOVERED, FULLY_RECOVERED], study=[0.1, 0.9])
    table = model_card.outcome_strategy_confusion(holdout, "study", DEFAULT_THRESHOLDS)
    assert table.loc[WRITTEN_OFF].sum() == 0 and table.loc[FULLY_RECOVERED, LEGAL] == 1


def test_row_shares_split_each_outcome_across_actions() -> None:
    counts = pd.DataFrame({REMINDERS: [3, 0], SETTLEMENT: [1, 0], LEGAL: [0, 0]}, index=["a", "b"])
    shares = model_card.row_shares(counts)
    assert shares.loc["a"].tolist() == [0.75, 0.25, 0.0]
    assert shares.loc["b"].tolist() == [0.0, 0.0, 0.0]


def test_impurity_importances_of_the_committed_forest(bundle) -> None:
    if bundle.manifest["outcome_model"] != "random_forest":
        pytest.skip("the committed outcome model is not a forest")
    table = model_card.impurity_importances(bundle.outcome_model)
    assert len(table) == 17 and table["Importance"].sum() == pytest.approx(1.0)
    assert table["Importance"].is_monotonic_decreasing
    assert {"Days_Past_Due", "EMI_to_Income", "Payment_History"} <= set(table["Feature"])
    assert "Gender" not in set(table["Feature"]) and (table["Std"] >= 0).all()


def _stub_model(estimator: object) -> SimpleNamespace:
    pipeline = SimpleNamespace(named_steps={"prepare": None, "model": estimator})
    return SimpleNamespace(calibrated_classifiers_=[SimpleNamespace(estimator=pipeline)])


def test_impurity_importances_are_none_for_a_model_without_them() -> None:
    assert model_card.impurity_importances(_stub_model(SimpleNamespace())) is None


def test_impurity_importances_refuse_a_model_with_other_inputs() -> None:
    with pytest.raises(ModelArtifactError, match="has 3 inputs, expected 17"):
        model_card.impurity_importances(_stub_model(SimpleNamespace(feature_importances_=np.ones(3) / 3)))


@pytest.mark.parametrize(("column", "reason"), [
    ("Borrower_ID", "identifier"), ("Gender", "fairness"), ("Recovery_Status", "outcome itself"),
    ("Legal_Action_Taken", "leaks the outcome"), ("Collection_Method", "after the recovery decision"),
    ("Branch_Code", "Not a model input"),
])
def test_never_used_table_says_why(column: str, reason: str) -> None:
    table = model_card.never_used_table([column])
    assert table["Column"].tolist() == [column] and reason in table["Why it is never used"].iloc[0]


@pytest.mark.parametrize(("warnings", "has_signal", "expected"), [
    ([], True, []),
    (["NO SIGNAL: measured"], False, ["NO SIGNAL: measured"]),
    (["other warning"], True, ["other warning"]),
    ([], False, [model_card.NO_SIGNAL_TEXT]),  # the flag alone is enough to warn
])
def test_model_warnings_are_never_silent(warnings: list[str], has_signal: bool, expected: list[str]) -> None:
    assert model_card.model_warnings(_manifest(warnings=warnings, has_signal=has_signal)) == expected


def test_manifest_fact_tables(bundle) -> None:
    manifest = copy.deepcopy(bundle.manifest)
    facts = model_card.training_data_table(manifest).set_index("Fact")["Value"]
    assert facts["SHA-256"] == manifest["training_data"]["sha256"] and facts["Rows"] == "5,000"
    rates = model_card.outcome_rates_table(manifest)
    assert rates["Outcome"].tolist() == list(OUTCOME_CLASSES) and rates["Share"].sum() == pytest.approx(1.0)
    artifacts = model_card.artifact_table(manifest)
    assert set(artifacts.loc[artifacts["Kind"] == "file", "Name"]) == set(manifest["files"])
    assert "scikit-learn" in set(artifacts["Name"])
    segments = model_card.segments_table(manifest)
    assert segments["Name"].tolist() == manifest["segments"]["names"]
    assert segments["Study's high-risk flag"].tolist() == [n in manifest["segments"]["high_risk"]
                                                          for n in range(manifest["segments"]["k"])]
