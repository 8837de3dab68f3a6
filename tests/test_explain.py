"""Reason codes: exact SHAP contributions that add up to the displayed score, readable names, sentences, tables."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from slrs.exceptions import ModelArtifactError
from slrs.explain import (
    CALIBRATION,
    REASON_METHODS,
    ReasonExplainer,
    describe_value,
    explain_inputs,
    explain_scores,
    reason_codes_table,
    reason_rows,
    reason_sentences,
    short_reason,
    sum_text,
    waterfall_table,
)
from slrs.features import DERIVED_FEATURES, NUMERIC_INPUTS
from slrs.io import load_bundle
from slrs.plots import plot_reason_waterfall
from slrs.risk import build_outcome_model
from slrs.schema import (
    CATEGORICAL_MODEL_FEATURES,
    DERIVED_LABELS,
    MODEL_FEATURES,
    SEGMENT_FEATURES,
    TARGET,
    input_label,
)
from slrs.scoring import score_rows
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio
from slrs.whatif import baseline_inputs


@pytest.fixture(scope="module")
def explainer() -> ReasonExplainer:
    return ReasonExplainer(load_bundle())


@pytest.fixture(scope="module")
def borrowers() -> pd.DataFrame:
    """200 random borrowers from the project's generator, typed as validation gives them."""
    validation = validate_portfolio(generate_portfolio(200, seed=31).astype(str))
    return validation.clean[validation.scorable]


@pytest.mark.parametrize("method", REASON_METHODS)
def test_explain_scores_base_plus_contributions_plus_calibration_is_the_risk_score(
        explainer: ReasonExplainer, borrowers: pd.DataFrame, method: str) -> None:
    bundle = explainer.bundle
    codes = explain_scores(bundle, borrowers[list(MODEL_FEATURES)], method, explainer)
    expected = score_rows(bundle, borrowers, method)["Risk_Score"]
    assert len(borrowers) >= 150 and codes.contributions.shape[0] == len(borrowers)
    np.testing.assert_allclose(codes.total(), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(codes.score, expected, rtol=0, atol=1e-12)
    assert codes.contributions.abs().to_numpy().max() > 0.01  # the inputs carry the score, not the base alone


def test_explain_scores_outcome_inputs_add_up_to_the_raw_forest_and_calibration_is_separate(
        explainer: ReasonExplainer, borrowers: pd.DataFrame) -> None:
    codes = explain_scores(explainer.bundle, borrowers, "outcome", explainer)
    pipeline = explainer.bundle.outcome_model.calibrated_classifiers_[0].estimator
    raw = 1 - pipeline.predict_proba(borrowers[list(MODEL_FEATURES)])[:, 0]
    np.testing.assert_allclose(codes.base_value + codes.contributions.sum(axis=1), raw, rtol=0, atol=1e-9)
    assert codes.calibration.abs().max() > 1e-3 and codes.calibration.name == CALIBRATION
    assert list(codes.contributions.columns) == list(NUMERIC_INPUTS) + list(CATEGORICAL_MODEL_FEATURES)


def test_explain_scores_study_has_no_calibration_and_explains_the_segment_features(
        explainer: ReasonExplainer, borrowers: pd.DataFrame) -> None:
    codes = explain_scores(explainer.bundle, borrowers, "study", explainer)
    assert (codes.calibration == 0).all()
    assert list(codes.contributions.columns) == list(SEGMENT_FEATURES)
    assert "calibration" not in sum_text(codes) and "calibration" in sum_text(
        explain_scores(explainer.bundle, borrowers.head(1), "outcome", explainer))


@pytest.mark.parametrize("method", REASON_METHODS)
def test_more_missed_payments_raise_the_missed_payments_contribution(
        explainer: ReasonExplainer, borrowers: pd.DataFrame, method: str) -> None:
    few, many = borrowers.head(40).copy(), borrowers.head(40).copy()
    few["Num_Missed_Payments"], many["Num_Missed_Payments"] = 0.0, 10.0
    before = explain_scores(explainer.bundle, few, method, explainer).contributions["Num_Missed_Payments"]
    after = explain_scores(explainer.bundle, many, method, explainer).contributions["Num_Missed_Payments"]
    assert (after > before).all()
    assert (after > 0).mean() > 0.9 and (before < 0).mean() > 0.9


def test_explain_inputs_of_a_scenario_match_its_row(explainer: ReasonExplainer, borrowers: pd.DataFrame) -> None:
    bundle = explainer.bundle
    baseline = baseline_inputs(borrowers, str(borrowers["Borrower_ID"].iloc[5]), bundle.manifest["profile"])
    one = explain_inputs(bundle, baseline.inputs, "outcome", explainer)
    row = explain_scores(bundle, borrowers.iloc[[5]], "outcome", explainer)
    np.testing.assert_allclose(one.contributions.to_numpy(), row.contributions.to_numpy(), atol=1e-12)
    assert one.values.loc[0, "Payment_History"] == borrowers["Payment_History"].iloc[5]


def test_every_model_input_has_a_distinct_readable_label() -> None:
    assert set(DERIVED_LABELS) == set(DERIVED_FEATURES)
    labels = [input_label(name) for name in (*NUMERIC_INPUTS, *CATEGORICAL_MODEL_FEATURES)]
    assert len(set(labels)) == len(labels) and not any("_" in label for label in labels)
    assert input_label("Num_Missed_Payments") == "Missed payments" and input_label("Monthly_EMI") == "Monthly EMI"


@pytest.mark.parametrize(("name", "value", "phrase", "plural"), [
    ("Num_Missed_Payments", 6, "6 missed payments", True),
    ("Num_Missed_Payments", 1, "1 missed payment", False),
    ("Days_Past_Due", 90, "90 days past due", True),
    ("Days_Past_Due", 1, "1 day past due", False),
    ("Num_Dependents", 2, "2 dependents", True),
    ("Collateral_Coverage", 1.3, "Collateral coverage of 1.3x", False),
    ("Outstanding_Share", 0.8, "Share of loan outstanding of 80.0%", False),
    ("EMI_to_Income", 0.35, "Instalment to income ratio of 35.0%", False),
    ("Interest_Rate", 12.5, "Interest rate of 12.5%", False),
    ("Monthly_Income", 45000.4, "Monthly income of 45,000", False),
    ("Loan_Tenure", 36, "Loan tenure of 36 months", False),
    ("Loan_Tenure", 1, "Loan tenure of 1 month", False),
    ("Age", 45, "Age of 45 years", False),
    ("Payment_History", "Missed", "Payment history 'Missed'", False),
    ("Age", float("nan"), "Age (missing)", False),
])
def test_describe_value_gives_value_and_unit(name: str, value: object, phrase: str, plural: bool) -> None:
    assert describe_value(name, value) == (phrase, plural)


def test_reason_sentences_name_the_top_drivers_largest_first() -> None:
    codes = {"Num_Missed_Payments": 0.14, "Collateral_Coverage": -0.05, "Age": 0.001, "Loan_Type": -0.2}
    inputs = {"Num_Missed_Payments": 6, "Collateral_Coverage": 1.3, "Age": 40, "Loan_Type": "Home"}
    assert reason_sentences(codes, inputs) == [
        "Loan type 'Home' lowers the risk by 0.20",
        "6 missed payments raise the risk by 0.14",
        "Collateral coverage of 1.3x lowers the risk by 0.05",
    ]
    assert reason_sentences(codes, inputs, top_n=4)[-1] == "Age of 40 years raises the risk by less than 0.01"
    assert short_reason("Num_Missed_Payments", 6, 0.14) == "6 missed payments (+0.14)"


@pytest.mark.parametrize("method", REASON_METHODS)
def test_reason_sentences_of_real_codes_start_with_the_top_driver(
        explainer: ReasonExplainer, borrowers: pd.DataFrame, method: str) -> None:
    codes = explain_scores(explainer.bundle, borrowers.head(25), method, explainer)
    for position in range(25):
        top = reason_rows(codes, position).iloc[0]
        sentences = reason_sentences(codes.contributions.iloc[position], codes.values.iloc[position])
        assert len(sentences) == 3
        assert sentences[0].lower().startswith(describe_value(top["Input"], top["Value"])[0].lower())
        assert ("raise" if top["Contribution"] > 0 else "lower") in sentences[0]


@pytest.mark.parametrize("method", REASON_METHODS)
def test_waterfall_runs_from_the_base_value_to_the_displayed_score(
        explainer: ReasonExplainer, borrowers: pd.DataFrame, method: str) -> None:
    codes = explain_scores(explainer.bundle, borrowers.head(3), method, explainer)
    steps = waterfall_table(codes, 2)
    assert steps["Measure"].iloc[0] == "absolute" and steps["Measure"].iloc[-1] == "total"
    assert steps["Amount"].iloc[:-1].sum() == pytest.approx(codes.score.iloc[2], abs=1e-9)
    assert steps["Amount"].iloc[-1] == pytest.approx(codes.score.iloc[2], abs=1e-12)
    assert (CALIBRATION in steps["Step"].tolist()) == (method == "outcome")
    inputs = steps["Amount"][steps["Step"].str.contains(":")].abs()
    assert inputs.is_monotonic_decreasing and len(inputs) == codes.contributions.shape[1]
    figure = plot_reason_waterfall(steps)
    assert figure.data[0].type == "waterfall" and list(figure.data[0].measure) == steps["Measure"].tolist()


def _with_unscorable_rows() -> tuple[pd.DataFrame, pd.Series]:
    text = generate_portfolio(60, seed=4).astype(str)
    text.loc[3, ["Age", "Monthly_Income", "Loan_Tenure", "Interest_Rate"]] = ""  # 4 unusable: not scored
    text.loc[7, "Outstanding_Loan_Amount"] = "lots"  # cannot be imputed: not scored
    text.loc[9, "Age"] = ""  # one imputed input: scored
    validation = validate_portfolio(text.drop(columns=[TARGET]))
    return validation.clean, validation.scorable


def test_reason_codes_table_one_row_per_input_blanks_for_unscorable_rows(explainer: ReasonExplainer) -> None:
    clean, scorable = _with_unscorable_rows()
    assert scorable.tolist().count(False) == 2 and bool(scorable.iloc[9])
    table = reason_codes_table(explainer.bundle, clean, "outcome", scorable=scorable, explainer=explainer)
    assert list(table.columns) == ["Reason_1", "Reason_2", "Reason_3"] and table.index.equals(clean.index)
    blank = (table == "").all(axis=1)
    assert blank.tolist() == (~scorable).tolist()
    codes = explain_scores(explainer.bundle, clean.iloc[[0]], "outcome", explainer)
    top = reason_rows(codes).iloc[0]
    assert table.loc[0, "Reason_1"] == short_reason(top["Input"], top["Value"], top["Contribution"])


def test_reason_codes_table_in_parallel_chunks_equals_one_process(explainer: ReasonExplainer) -> None:
    clean, scorable = _with_unscorable_rows()
    serial = reason_codes_table(explainer.bundle, clean, "study", scorable=scorable, explainer=explainer, n_jobs=1)
    parallel = reason_codes_table(explainer.bundle, clean, "study", scorable=scorable, explainer=explainer,
                                  n_jobs=2, chunk_rows=7)
    pd.testing.assert_frame_equal(parallel, serial)
    assert (serial["Reason_1"] != "").sum() == len(clean) - 2


def test_reason_codes_table_with_nothing_scorable_is_all_blank(explainer: ReasonExplainer) -> None:
    clean, scorable = _with_unscorable_rows()
    table = reason_codes_table(explainer.bundle, clean, "outcome", scorable=scorable & False, explainer=explainer)
    assert len(table) == len(clean) and (table == "").all().all()


def test_a_model_that_is_not_a_forest_cannot_be_explained_but_the_other_method_can(
        borrowers: pd.DataFrame) -> None:
    bundle = load_bundle()
    X, y = borrowers[list(MODEL_FEATURES)], borrowers[TARGET].astype(str)
    boosted = build_outcome_model(HistGradientBoostingClassifier(max_iter=5)).fit(X, y)
    explainer = ReasonExplainer(dataclasses.replace(bundle, outcome_model=boosted))
    with pytest.raises(ModelArtifactError, match="HistGradientBoostingClassifier; expected RandomForestClassifier"):
        explain_scores(explainer.bundle, X, "outcome", explainer)
    assert len(explain_scores(explainer.bundle, X.head(2), "study", explainer).score) == 2


def test_models_whose_categories_were_coded_by_an_earlier_version_are_refused_with_the_fix(bundle) -> None:
    """Models trained before ``CategoryCodes`` still score (their pipeline is whole), but reason codes need the
    categories in its form: they say to retrain instead of failing."""
    model = copy.deepcopy(bundle.outcome_model)
    columns = model.calibrated_classifiers_[0].estimator.named_steps["prepare"].named_steps["columns"]
    name, _, features = columns.transformers_[1]
    columns.transformers_[1] = (name, Pipeline([("impute", SimpleImputer(strategy="most_frequent"))]), features)
    explainer = ReasonExplainer(dataclasses.replace(bundle, outcome_model=model))
    with pytest.raises(ModelArtifactError, match="earlier version of SLRS.*retrain with python -m slrs train"):
        explainer.view("outcome")
    assert explainer.view("study") is not None
