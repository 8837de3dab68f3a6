"""Data drift: PSI per input and on the risk score, traffic lights, unseen and out-of-range shares, the warning."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slrs.drift import (
    MAJOR_SHIFT,
    MIN_ROWS,
    NO_REFERENCE_NOTE,
    SCORE_INPUT,
    SOME_SHIFT,
    STABLE,
    TABLE_COLUMNS,
    TOO_FEW_ROWS,
    build_drift_reference,
    check_drift,
    count_per_bin,
    count_texts,
    drift_status,
    population_stability_index,
)
from slrs.exceptions import ConfigError, DataValidationError, ModelArtifactError
from slrs.portfolio import build_view, load_portfolio
from slrs.schema import MODEL_FEATURES
from slrs.scoring import score_rows
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "portfolio.csv"


def _clean(n_rows: int, seed: int) -> pd.DataFrame:
    """Typed model inputs of a generated portfolio, as validation gives them."""
    validation = validate_portfolio(generate_portfolio(n_rows, seed=seed).astype(str))
    assert validation.scorable.all()
    return validation.clean[list(MODEL_FEATURES)]


def _scores(n_rows: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(n_rows)


def _check(clean: pd.DataFrame, scores: np.ndarray, reference: dict):
    return check_drift(clean, pd.Series(True, index=clean.index), scores, "outcome", reference)


def _row(report, label: str) -> pd.Series:
    return report.table.set_index("Input").loc[label]


@pytest.fixture(scope="module")
def training() -> tuple[pd.DataFrame, np.ndarray, dict]:
    """500 generated rows, random scores, and their reference."""
    X, scores = _clean(500, seed=1), _scores(500)
    return X, scores, build_drift_reference(X, {"outcome": scores, "study": scores[::-1].copy()})


# --- the PSI and the traffic lights ---------------------------------------------------------------------

def test_population_stability_index_follows_its_formula() -> None:
    expected = 0.25 * math.log(0.5 / 0.25) + (-0.25) * math.log(0.5 / 0.75)
    assert population_stability_index(np.array([0.5, 0.5]), np.array([0.25, 0.75])) == pytest.approx(expected)
    # An empty bin counts as a share of 1e-4: large but finite.
    assert population_stability_index(np.array([0.0, 1.0]), np.array([0.5, 0.5])) == pytest.approx(
        (1e-4 - 0.5) * math.log(1e-4 / 0.5) + 0.5 * math.log(2))


@pytest.mark.parametrize(("psi", "rows", "status"), [
    (0.0, 500, STABLE), (0.0999, 500, STABLE), (0.10, 500, SOME_SHIFT), (0.2499, 500, SOME_SHIFT),
    (0.25, 500, MAJOR_SHIFT), (3.0, MIN_ROWS, MAJOR_SHIFT), (3.0, MIN_ROWS - 1, TOO_FEW_ROWS),
    (float("nan"), 500, TOO_FEW_ROWS),
])
def test_drift_status_traffic_lights(psi: float, rows: int, status: str) -> None:
    assert drift_status(psi, rows) == status


# --- the training data against themselves ---------------------------------------------------------------

def test_training_data_against_themselves_give_psi_zero(training) -> None:
    X, scores, reference = training
    report = _check(X, scores, reference)
    assert list(report.table.columns) == list(TABLE_COLUMNS)
    assert report.table["Input"].tolist()[:3] == [SCORE_INPUT, "Age", "Employment type"]
    assert len(report.table) == 1 + len(MODEL_FEATURES)
    assert report.table["PSI"].abs().max() < 1e-12
    assert (report.table["Status"] == STABLE).all()
    assert (report.table["Rows"] == 500).all() and (report.table["Missing_share"] == 0).all()
    assert report.warning is None and report.notes == () and report.n_rows == 500


def test_reference_is_json_and_cuts_between_observed_values(training) -> None:
    X, _, _ = training
    scores = np.round(_scores(len(X)), 2)  # many ties: the deciles fall on observed scores
    stored = json.loads(json.dumps(build_drift_reference(X, {"outcome": scores}), allow_nan=False))
    assert _check(X, scores, stored).table["PSI"].abs().max() < 1e-12
    edges = np.asarray(stored["score"]["outcome"]["edges"])
    assert len(edges) == 9 and not np.isin(edges, scores).any()
    # Scores that differ in the last bit (another summation order) land in the same bins.
    nudged = np.nextafter(scores, np.where(np.arange(len(scores)) % 2 == 0, np.inf, -np.inf))
    assert _check(X, nudged, stored).table["PSI"].abs().max() < 1e-12


@pytest.mark.parametrize("method", ["outcome", "study"])
def test_bundled_sample_against_the_committed_reference_gives_psi_zero(bundle, method) -> None:
    """The sample is the training data: loaded and scored as the app does, every PSI is 0, no warning."""
    portfolio = load_portfolio(SAMPLE.read_bytes(), SAMPLE.name, is_sample=True)
    view = build_view(portfolio, bundle, method)
    report = check_drift(portfolio.validation.clean, portfolio.validation.scorable, view["Risk_Score"], method,
                         bundle.manifest["drift_reference"])
    assert report.n_rows == bundle.manifest["training_data"]["rows"] == 5_000
    assert report.table["PSI"].abs().max() < 1e-12
    assert (report.table["Status"] == STABLE).all() and report.warning is None


# --- shifted portfolios ---------------------------------------------------------------------------------

def test_shifted_portfolio_has_a_large_psi_and_a_warning_naming_the_input(bundle) -> None:
    frame = generate_portfolio(2_000, seed=7)
    frame["Days_Past_Due"] *= 3
    validation = validate_portfolio(frame.astype(str))
    scores = score_rows(bundle, validation.clean, "outcome")["Risk_Score"]
    report = check_drift(validation.clean, validation.scorable, scores, "outcome", bundle.manifest["drift_reference"])
    shifted = _row(report, "Days past due")
    assert shifted["PSI"] > 1.0 and shifted["Status"] == MAJOR_SHIFT
    assert shifted["Out_of_range_share"] > 0.3  # training delays stop near a third of the tripled ones
    assert _row(report, "Age")["Status"] == STABLE and _row(report, "Age")["PSI"] < 0.01
    assert report.warning is not None and "most of all in days past due" in report.warning


def test_fresh_portfolio_from_the_same_source_raises_no_warning(bundle) -> None:
    validation = validate_portfolio(generate_portfolio(2_000, seed=7).astype(str))
    scores = score_rows(bundle, validation.clean, "outcome")["Risk_Score"]
    report = check_drift(validation.clean, validation.scorable, scores, "outcome", bundle.manifest["drift_reference"])
    assert report.table["PSI"].max() < 0.10 and report.warning is None


def test_shifted_scores_alone_name_the_risk_score(training) -> None:
    X, scores, reference = training
    report = _check(X, scores ** 4, reference)  # same inputs, much lower scores
    assert _row(report, SCORE_INPUT)["Status"] == MAJOR_SHIFT
    assert report.warning is not None and "most of all in the risk score." in report.warning


def test_out_of_range_and_unseen_shares_are_exact(training) -> None:
    X, scores, _ = training
    seen = X.assign(Loan_Type=np.where(X["Loan_Type"] == "Auto", "Home", X["Loan_Type"]))
    reference = build_drift_reference(seen, {"outcome": scores})
    portfolio = seen.copy()
    top = seen["Age"].max()
    portfolio.loc[portfolio.index[:20], "Age"] = np.nan   # 20 of 500 missing
    portfolio.loc[portfolio.index[20:68], "Age"] = top + 1  # 48 of the 480 present above the training maximum
    portfolio.loc[portfolio.index[-60:], "Loan_Type"] = "Auto"  # never seen in training: 60 of 500
    report = _check(portfolio, scores, reference)
    age, loan_type = _row(report, "Age"), _row(report, "Loan type")
    assert (age["Out_of_range_share"], age["Missing_share"], age["Rows"]) == (0.1, 0.04, 480)
    assert np.isnan(age["Unseen_share"]) and np.isnan(loan_type["Out_of_range_share"])
    assert (loan_type["Unseen_share"], loan_type["Missing_share"], loan_type["Status"]) == (0.12, 0.0, MAJOR_SHIFT)
    assert report.warning is not None and "loan type" in report.warning and "age" in report.warning
    assert report.warning.index("loan type") < report.warning.index("age")  # worst (highest PSI) first


def test_missing_values_are_left_out_of_the_psi_and_reported(training) -> None:
    X, scores, reference = training
    extra = X.iloc[:50].assign(Monthly_Income=np.nan)
    portfolio = pd.concat([X, extra], ignore_index=True)
    report = _check(portfolio, np.concatenate([scores, scores[:50]]), reference)
    income = _row(report, "Monthly income")
    assert income["PSI"] < 1e-12 and income["Rows"] == 500  # the present values are the training values
    assert income["Missing_share"] == pytest.approx(50 / 550)
    # More than 5 % more missing than in training: the models fill them in, so the numbers are doubtful.
    assert report.warning is not None and "monthly income" in report.warning


def test_a_few_missing_values_raise_no_warning(training) -> None:
    X, scores, reference = training
    portfolio = pd.concat([X, X.iloc[:10].assign(Monthly_Income=np.nan)], ignore_index=True)
    report = _check(portfolio, np.concatenate([scores, scores[:10]]), reference)
    assert _row(report, "Monthly income")["Missing_share"] == pytest.approx(10 / 510)
    assert report.warning is None


def test_only_scorable_rows_are_compared(training) -> None:
    X, scores, reference = training
    portfolio = pd.concat([X, X.iloc[:300].assign(Days_Past_Due=99_999.0)], ignore_index=True)
    scorable = pd.Series([True] * 500 + [False] * 300)
    report = check_drift(portfolio, scorable, np.concatenate([scores, np.full(300, np.nan)]), "outcome", reference)
    assert report.n_rows == 500 and report.table["PSI"].abs().max() < 1e-12 and report.warning is None


def test_too_few_rows_give_no_status_and_no_warning(training) -> None:
    X, scores, reference = training
    few = X.iloc[:MIN_ROWS - 1].assign(Days_Past_Due=99_999.0)
    report = _check(few, scores[:MIN_ROWS - 1], reference)
    assert _row(report, "Days past due")["PSI"] > 1.0  # measured, but not judged
    assert (report.table["Status"] == TOO_FEW_ROWS).all() and report.warning is None
    assert report.notes and f"fewer than {MIN_ROWS}" in report.notes[0]


# --- artifacts without a reference, and wrong input -----------------------------------------------------

def test_artifacts_without_a_reference_skip_the_check(training) -> None:
    X, scores, _ = training
    report = _check(X, scores, None)
    assert report.table.empty and list(report.table.columns) == list(TABLE_COLUMNS)
    assert report.warning is None and report.notes == (NO_REFERENCE_NOTE,)
    assert "retrain" in NO_REFERENCE_NOTE.lower()


def test_reference_without_the_method_is_an_artifact_error(training) -> None:
    X, scores, reference = training
    with pytest.raises(ModelArtifactError, match="expected .*'study'"):
        check_drift(X, pd.Series(True, index=X.index), scores, "study",
                    {**reference, "score": {"outcome": reference["score"]["outcome"]}})


@pytest.mark.parametrize("broken", ["descending", "a share short"])
def test_reference_bins_must_ascend_with_one_share_each(training, broken: str) -> None:
    X, scores, reference = training
    bins = dict(reference["numeric"]["Age"])
    bins = {**bins, "edges": bins["edges"][::-1]} if broken == "descending" else {**bins, "shares": bins["shares"][1:]}
    with pytest.raises(ModelArtifactError, match="bins of Age are not ascending edges with one share per bin"):
        check_drift(X, pd.Series(True, index=X.index), scores, "outcome",
                    {**reference, "numeric": {**reference["numeric"], "Age": bins}})


def test_scores_of_another_length_are_rejected(training) -> None:
    X, scores, reference = training
    with pytest.raises(DataValidationError, match="499 risk scores for 500 rows"):
        _check(X, scores[:-1], reference)
    with pytest.raises(ConfigError, match="methods \\['unknown'\\]"):
        build_drift_reference(X, {"unknown": scores})
    with pytest.raises(DataValidationError, match="missing model inputs \\['Age'\\]"):
        build_drift_reference(X.drop(columns=["Age"]), {"outcome": scores})


# Small integers, so values fall exactly on edges, edges repeat and bins are empty.
@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=6), st.lists(st.integers(-7, 7), max_size=50))
def test_count_per_bin_equals_the_count_of_each_values_bin_by_binary_search(edges: list[int],
                                                                           values: list[int]) -> None:
    inner = np.sort(np.asarray(edges, dtype=float))
    present = np.asarray(values, dtype=float)
    expected = np.bincount(np.searchsorted(inner, present), minlength=len(inner) + 1)
    np.testing.assert_array_equal(count_per_bin(inner, present), expected)


@pytest.mark.parametrize("dtype", ["str", "category", object])
def test_count_texts_counts_present_values_by_their_text_as_pandas_does(dtype) -> None:
    values = pd.Series(["Salaried", None, "Self-Employed", "Salaried", "", np.nan], dtype=dtype)
    expected = values.dropna().astype(str).value_counts()
    pd.testing.assert_series_equal(count_texts(values).sort_index(), expected.sort_index(), check_names=False,
                                   check_index_type=False)
    assert count_texts(pd.Series([None, None], dtype=dtype)).empty
    assert count_texts(pd.Series([1, 2, 2], dtype=object)).to_dict() == {"1": 1, "2": 2}
