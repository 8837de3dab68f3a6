"""Training, saving and loading the model bundle (artifact checks live in slrs.io)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from slrs.bundle import train_bundle
from slrs.exceptions import ModelArtifactError
from slrs.io import DEFAULT_MODEL_DIR, MANIFEST_NAME, load_bundle, read_portfolio_bytes, save_bundle, sha256_file
from slrs.synth import generate_portfolio
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
    assert set(manifest["metrics"]["candidates"]) == {"random_forest", "hist_gradient_boosting"}
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


@pytest.mark.parametrize("missing", [MANIFEST_NAME, "outcome_model.joblib"])
def test_load_refuses_missing_files(saved_copy: Path, missing: str) -> None:
    (saved_copy / missing).unlink()
    with pytest.raises(ModelArtifactError, match="python -m slrs train"):
        load_bundle(saved_copy)


def test_save_and_load_round_trip_a_small_bundle(tmp_path: Path) -> None:
    clean = validate_portfolio(generate_portfolio(300, seed=4)).clean
    bundle = train_bundle(clean, data_sha256="0" * 64, data_name="small.csv")
    save_bundle(bundle, tmp_path)
    loaded = load_bundle(tmp_path)
    assert loaded.manifest["metrics"] == bundle.manifest["metrics"]
    assert loaded.segment_names == bundle.segment_names
    assert len(loaded.holdout) == 300


def test_retraining_on_the_bundled_data_reproduces_the_committed_metrics() -> None:
    committed = load_bundle().manifest
    frame = read_portfolio_bytes(BUNDLED_DATA.read_bytes(), BUNDLED_DATA.name)
    clean = validate_portfolio(frame).clean
    retrained = train_bundle(clean, data_sha256=sha256_file(BUNDLED_DATA), data_name=BUNDLED_DATA.name)
    assert _flatten(retrained.manifest["metrics"]) == pytest.approx(_flatten(committed["metrics"]), rel=1e-9)
    segments, committed_segments = retrained.manifest["segments"], committed["segments"]
    assert segments["silhouette"] == pytest.approx(committed_segments["silhouette"], rel=1e-9)
    assert segments["names"] == committed_segments["names"]
    assert retrained.manifest["outcome_model"] == committed["outcome_model"]
