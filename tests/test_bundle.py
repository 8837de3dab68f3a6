"""Training, saving and loading the model bundle (artifact checks live in slrs.io)."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from slrs.digest import sha256_file
from slrs.exceptions import ModelArtifactError
from slrs.io import (
    DEFAULT_MODEL_DIR,
    MANIFEST_NAME,
    load_bundle,
    read_portfolio_bytes,
    save_bundle,
)
from slrs.risk import COMMITTED_TRAINING, CV_FOLDS, FAST_TRAINING
from slrs.schema import MODEL_FEATURES, SEGMENT_FEATURES, TARGET
from slrs.synth import generate_portfolio
from slrs.training import train_bundle
from slrs.validation import validate_portfolio

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DATA = ROOT / "data" / "portfolio.csv"


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@pytest.fixture()
def saved_copy(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(DEFAULT_MODEL_DIR, target)
    return target


def test_committed_artifacts_load_and_describe_their_training_data() -> None:
    bundle = load_bundle()
    manifest = bundle.manifest
    assert manifest["training_data"]["sha256"] == sha256_file(BUNDLED_DATA)
    assert manifest["segments"]["k"] == 4 and len(bundle.segment_names) == 4
    assert manifest["has_signal"] and manifest["warnings"] == []
    assert set(manifest["metrics"]["candidates"]) == {"random_forest", "hist_gradient_boosting", "neural_network"}
    assert {"outcome", "scorecard", "study"} <= set(manifest["metrics"]) and bundle.scorecard is not None
    assert 0.75 <= manifest["metrics"]["outcome"]["roc_auc"] <= 0.85


def test_committed_model_never_uses_post_decision_columns_gender_or_ids() -> None:
    manifest = load_bundle().manifest
    forbidden = {"Borrower_ID", "Loan_ID", "Gender", "Recovery_Status", "Collection_Attempts",
                 "Collection_Method", "Legal_Action_Taken"}
    assert forbidden.isdisjoint(manifest["model_inputs"])
    assert forbidden <= set(manifest["never_used"])


def test_load_refuses_a_tampered_artifact_and_names_the_fix(saved_copy: Path) -> None:
    with (saved_copy / "segmenter.joblib").open("ab") as stream:
        stream.write(b"tampered")
    with pytest.raises(ModelArtifactError, match=r"segmenter.joblib was changed.*python -m slrs train"):
        load_bundle(saved_copy)


def test_load_refuses_artifacts_made_with_other_library_versions(saved_copy: Path) -> None:
    manifest = json.loads((saved_copy / MANIFEST_NAME).read_text())
    manifest["libraries"]["scikit-learn"] = "0.24.0"
    (saved_copy / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="made with scikit-learn 0.24.0"):
        load_bundle(saved_copy)


@pytest.mark.parametrize("missing", [MANIFEST_NAME, "outcome_model.joblib", "global_explanations.json"])
def test_load_refuses_missing_files(saved_copy: Path, missing: str) -> None:
    (saved_copy / missing).unlink()
    with pytest.raises(ModelArtifactError, match="python -m slrs train"):
        load_bundle(saved_copy)


def test_save_and_load_round_trip_a_small_bundle(tmp_path: Path) -> None:
    clean = validate_portfolio(generate_portfolio(300, seed=4)).clean
    bundle = train_bundle(clean, data_sha256="0" * 64, data_name="small.csv", settings=FAST_TRAINING)
    save_bundle(bundle, tmp_path)
    loaded = load_bundle(tmp_path)
    assert loaded.manifest["metrics"] == bundle.manifest["metrics"]
    assert loaded.segment_names == bundle.segment_names
    assert len(loaded.holdout) == 300
    assert loaded.global_explanations == bundle.global_explanations
    assert set(loaded.global_explanations["permutation_importance"]["models"]) == {
        "random_forest", "hist_gradient_boosting", "scorecard", "study"}


def test_retraining_on_the_bundled_data_reproduces_the_committed_metrics() -> None:
    # The one test that retrains with the committed settings (about 2-3 minutes on two cores).
    committed_bundle = load_bundle()
    committed = committed_bundle.manifest
    assert committed["training_settings"] == asdict(COMMITTED_TRAINING)
    frame = read_portfolio_bytes(BUNDLED_DATA.read_bytes(), BUNDLED_DATA.name)
    clean = validate_portfolio(frame).clean
    retrained = train_bundle(clean, data_sha256=sha256_file(BUNDLED_DATA), data_name=BUNDLED_DATA.name)
    assert _flatten(retrained.manifest["metrics"]) == pytest.approx(_flatten(committed["metrics"]), rel=1e-9)
    segments, committed_segments = retrained.manifest["segments"], committed["segments"]
    assert segments["silhouette"] == pytest.approx(committed_segments["silhouette"], rel=1e-9)
    assert segments["names"] == committed_segments["names"]
    assert retrained.manifest["outcome_model"] == committed["outcome_model"]
    _assert_same_global_explanations(retrained.global_explanations, committed_bundle.global_explanations)


def _assert_same_global_explanations(retrained: dict, committed: dict) -> None:
    """Same held-out permutation importances (every fold) and the same partial-dependence curves."""
    importances = retrained["permutation_importance"]["models"]
    assert set(importances) == set(committed["permutation_importance"]["models"])
    for name, summary in importances.items():
        expected = committed["permutation_importance"]["models"][name]
        assert summary["features"] == expected["features"]
        for key in ("mean", "std", "folds"):
            np.testing.assert_allclose(summary[key], expected[key], rtol=1e-9, atol=1e-12, err_msg=f"{name} {key}")
    curves, committed_curves = retrained["partial_dependence"], committed["partial_dependence"]
    assert curves["inputs"] == committed_curves["inputs"]
    for method, by_input in curves["curves"].items():
        for feature, curve in by_input.items():
            assert curve["values"] == committed_curves["curves"][method][feature]["values"]
            np.testing.assert_allclose(curve["risk"], committed_curves["curves"][method][feature]["risk"], rtol=1e-9)


def test_committed_importances_were_measured_on_held_out_rows_and_rank_delinquency_first() -> None:
    explanations = load_bundle().global_explanations
    models = explanations["permutation_importance"]["models"]
    outcome = models[explanations["method_models"]["outcome"]]
    mean, std = dict(zip(outcome["features"], outcome["mean"])), dict(zip(outcome["features"], outcome["std"]))
    for name in ("Num_Missed_Payments", "Days_Past_Due"):
        assert mean[name] > 0.03 and mean[name] > 3 * std[name]
    assert len(outcome["folds"]) == CV_FOLDS
    study = dict(zip(models["study"]["features"], models["study"]["mean"]))
    assert {name: study[name] for name in MODEL_FEATURES if name not in SEGMENT_FEATURES} == {
        "Employment_Type": 0.0, "Num_Dependents": 0.0, "Loan_Type": 0.0, "Payment_History": 0.0}


def test_permutation_importances_find_nothing_when_the_labels_carry_no_signal() -> None:
    # Measured on held-out folds, a model fitted to shuffled labels gains nothing from any input.
    clean = validate_portfolio(generate_portfolio(1000, seed=21)).clean
    clean[TARGET] = clean[TARGET].sample(frac=1.0, random_state=5).to_numpy()
    models = train_bundle(clean, data_sha256="0" * 64, data_name="shuffled.csv",
                          settings=FAST_TRAINING).global_explanations[
        "permutation_importance"]["models"]
    for name, summary in models.items():
        assert np.max(np.abs(summary["mean"])) < 0.035, name
        assert np.mean(np.abs(summary["mean"])) < 0.01, name


def test_load_refuses_altered_global_explanations(saved_copy: Path) -> None:
    path = saved_copy / "global_explanations.json"
    explanations = json.loads(path.read_text())
    explanations["permutation_importance"]["n_repeats"] = 50
    path.write_text(json.dumps(explanations))
    with pytest.raises(ModelArtifactError, match=r"global_explanations.json was changed.*python -m slrs train"):
        load_bundle(saved_copy)
