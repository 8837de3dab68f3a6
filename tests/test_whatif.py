from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.exceptions import ConfigError
from slrs.pipeline import plan
from slrs.portfolio import build_view, load_portfolio
from slrs.schema import MODEL_FEATURES
from slrs.strategy import LEGAL, REMINDERS, Thresholds
from slrs.synth import generate_portfolio
from slrs.whatif import (
    Scenario,
    apply_edits,
    baseline_inputs,
    changed_inputs,
    changes_table,
    input_bounds,
    open_scenario,
    outcome_table,
    pick_borrower,
    result_cards,
    scenario_from_query,
    scenario_to_query,
    score_scenario,
    score_scenarios,
)

THRESHOLDS = Thresholds(0.5, 0.75)


@pytest.fixture(scope="module")
def view(bundle) -> pd.DataFrame:
    data = generate_portfolio(300, seed=13).to_csv(index=False).encode()
    return build_view(load_portfolio(data, "small.csv"), bundle, "outcome")


@pytest.fixture(scope="module")
def typical(view, profile) -> dict:
    return baseline_inputs(view, pick_borrower(view), profile).inputs


def test_input_bounds_come_from_the_training_profile(profile) -> None:
    bounds = input_bounds(profile)
    assert list(bounds) == list(MODEL_FEATURES)
    age = bounds["Age"]
    assert (age.minimum, age.maximum, age.integer) == (profile["numeric"]["Age"]["min"],
                                                       profile["numeric"]["Age"]["max"], True)
    assert bounds["Loan_Type"].values == tuple(profile["categorical"]["Loan_Type"]["values"])
    assert bounds["Interest_Rate"].step == 0.1 and bounds["Age"].step == 1


def test_input_bounds_widen_to_hold_the_borrowers_own_value(profile, typical) -> None:
    old = {**typical, "Age": 90}
    assert input_bounds(profile, old)["Age"].maximum == 90
    assert input_bounds(profile, typical)["Age"].maximum == profile["numeric"]["Age"]["max"]


@pytest.mark.parametrize("scenario", [
    Scenario("BRW_12"),
    Scenario("BRW_12", {"Age": 45, "Loan_Type": "Home"}),
    Scenario("Row 7", {"Interest_Rate": 11.123456789, "Monthly_Income": 61234.56, "Payment_History": "On-Time"}),
])
def test_scenario_query_round_trip(profile, scenario: Scenario) -> None:
    query = scenario_to_query(scenario)
    assert all(isinstance(value, str) for value in query.values())
    assert scenario_from_query(query, input_bounds(profile)) == (scenario, [])


@pytest.mark.parametrize(("key", "text", "problem"), [
    ("edit.Age", "200", "Age='200' should be a whole number from 21 to 64"),
    ("edit.Age", "45.5", "should be a whole number"),
    ("edit.Age", "abc", "should be a whole number"),
    ("edit.Num_Missed_Payments", "-1", "Num_Missed_Payments='-1' should be a whole number from 0"),
    ("edit.Interest_Rate", "nan", "should be a number from 5 to 17.99"),
    ("edit.Interest_Rate", "inf", "should be a number"),
    ("edit.Loan_Type", "Boat", "Loan_Type='Boat' should be one of Auto, Business, Home, Personal"),
    ("edit.Gender", "Male", "not a model input"),
    ("edit.", "1", "not a model input"),
])
def test_scenario_from_query_drops_bad_values_with_a_warning(profile, key: str, text: str, problem: str) -> None:
    scenario, warnings = scenario_from_query({"borrower": "BRW_1", key: text, "edit.Loan_Tenure": "24"},
                                             input_bounds(profile))
    assert scenario == Scenario("BRW_1", {"Loan_Tenure": 24})
    assert len(warnings) == 1 and problem in warnings[0]


def test_scenario_from_query_reads_categories_in_any_spelling(profile) -> None:
    scenario, warnings = scenario_from_query({"edit.Loan_Type": "home", "edit.Payment_History": "on time",
                                              "method": "study"}, input_bounds(profile))
    assert scenario == Scenario("", {"Loan_Type": "Home", "Payment_History": "On-Time"}) and warnings == []


def test_baseline_is_the_row_as_in_the_file(view, profile) -> None:
    baseline = baseline_inputs(view, " BRW_5 ", profile)
    row = view[view["Borrower_ID"] == "BRW_5"].iloc[0]
    assert baseline.borrower_id == "BRW_5" and baseline.imputed == ()
    assert baseline.inputs["Age"] == int(row["Age"]) and isinstance(baseline.inputs["Age"], int)
    assert baseline.inputs["Monthly_Income"] == row["Monthly_Income"]
    assert baseline.inputs["Loan_Type"] == row["Loan_Type"]


def test_baseline_of_an_unknown_borrower_is_none(view, profile) -> None:
    assert baseline_inputs(view, "NOBODY", profile) is None


def test_baseline_fills_a_missing_value_with_the_training_value(view, profile) -> None:
    holed = view.copy()
    holed.loc[holed["Borrower_ID"] == "BRW_5", ["Age", "Loan_Type"]] = np.nan
    baseline = baseline_inputs(holed, "BRW_5", profile)
    assert baseline.imputed == ("Age", "Loan_Type")
    assert baseline.inputs["Age"] == profile["numeric"]["Age"]["median"]
    assert baseline.inputs["Loan_Type"] == profile["categorical"]["Loan_Type"]["mode"]


@pytest.mark.parametrize(("which", "expected"), [("typical", "C"), ("highest", "B")])
def test_pick_borrower_ignores_unscored_rows(which: str, expected: str) -> None:
    view = pd.DataFrame({"Borrower_ID": ["A", "B", "C", "D", "E", "F"],
                         "Risk_Score": [0.1, 0.9, 0.45, np.nan, 0.7, 0.2]})
    assert pick_borrower(view, which) == expected


def test_scoring_the_baseline_reproduces_the_portfolio_score(bundle, view, profile) -> None:
    baseline = baseline_inputs(view, "BRW_9", profile)
    result = score_scenario(bundle, baseline.inputs, "outcome", THRESHOLDS)
    row = view[view["Borrower_ID"] == "BRW_9"].iloc[0]
    assert result["Risk_Score"] == pytest.approx(row["Risk_Score"])
    planned = plan(view.iloc[[int(np.flatnonzero(view["Borrower_ID"] == "BRW_9")[0])]], THRESHOLDS).iloc[0]
    assert result["Recovery_Strategy"] == planned["Recovery_Strategy"]
    assert result["Expected_Recovered"] == pytest.approx(planned["Expected_Recovered"])  # one money model
    assert result["Expected_Net_Recovery"] == pytest.approx(planned["Expected_Net_Recovery"])
    assert result["Borrower_Segment"] == row["Borrower_Segment"] and isinstance(result["Borrower_Segment"], int)


@pytest.mark.parametrize("method", ["outcome", "study"])
def test_more_missed_payments_and_days_past_due_raise_the_risk(bundle, typical, method: str) -> None:
    punctual = apply_edits(typical, {"Num_Missed_Payments": 0, "Days_Past_Due": 0, "Payment_History": "On-Time"})
    late = apply_edits(punctual, {"Num_Missed_Payments": 10, "Days_Past_Due": 180, "Payment_History": "Missed"})
    before, after = score_scenarios(bundle, [punctual, late], method, THRESHOLDS)
    assert after["Risk_Score"] > before["Risk_Score"] + 0.1
    assert after["Borrower_Segment"] > before["Borrower_Segment"]


def test_category_edits_change_the_score_and_the_strategy_follows_thresholds(bundle, typical) -> None:
    results = [score_scenario(bundle, apply_edits(typical, {"Loan_Type": loan}), "outcome", THRESHOLDS)
               for loan in ("Personal", "Home", "Auto", "Business")]
    assert len({round(result["Risk_Score"], 6) for result in results}) > 1
    lenient = score_scenario(bundle, typical, "outcome", Thresholds(0.98, 0.99))
    strict = score_scenario(bundle, typical, "outcome", Thresholds(0.0, 0.01))
    assert (lenient["Recovery_Strategy"], strict["Recovery_Strategy"]) == (REMINDERS, LEGAL)


def test_score_scenarios_rejects_incomplete_inputs(bundle, typical) -> None:
    partial = {name: value for name, value in typical.items() if name != "Age"}
    with pytest.raises(ConfigError, match="inputs lack Age"):
        score_scenario(bundle, partial, "outcome", THRESHOLDS)


def test_changed_inputs_keep_only_real_changes(typical) -> None:
    edited = apply_edits(typical, {"Monthly_Income": typical["Monthly_Income"] * (1 + 1e-12), "Age": 30,
                                   "Loan_Type": "Business" if typical["Loan_Type"] != "Business" else "Auto"})
    assert list(changed_inputs(typical, edited)) == ["Age", "Loan_Type"]
    table = changes_table(typical, edited)
    assert table.columns.tolist() == ["Input", "Baseline", "Edited"]
    assert table.loc[0].tolist() == ["Age", f"{typical['Age']:,} years", "30 years"]
    assert changed_inputs(typical, typical) == {} and changes_table(typical, typical).empty


def test_open_scenario_falls_back_to_the_typical_borrower_and_drops_non_edits(view, profile, typical) -> None:
    baseline, scenario, warnings = open_scenario(view, profile, {"borrower": "NOBODY", "edit.Age": "30",
                                                                 "edit.Loan_Type": typical["Loan_Type"]})
    assert baseline.borrower_id == pick_borrower(view) and scenario.borrower_id == baseline.borrower_id
    assert scenario.edits == ({"Age": 30} if typical["Age"] != 30 else {})
    assert len(warnings) == 1 and "'NOBODY' is not in the active portfolio" in warnings[0]


def test_result_cards_show_the_change_in_the_right_colour(bundle, typical) -> None:
    late = apply_edits(typical, {"Num_Missed_Payments": 12, "Days_Past_Due": 180})
    base, edited = score_scenarios(bundle, [typical, late], "outcome", THRESHOLDS)
    cards = {card["measure"]: card for card in result_cards(base, edited)}
    assert cards["Risk score"]["delta"].startswith("+") and cards["Risk score"]["delta_color"] == "inverse"
    assert cards["Expected recovery"]["delta"].startswith("-")
    assert cards["Segment"]["edited_note"] == edited["Segment_Name"]
    unchanged = result_cards(base, base)
    assert all(card["delta"] is None for card in unchanged)
    chances = outcome_table(base, edited)
    assert chances["Baseline"].sum() == pytest.approx(1) and chances["Edited"].sum() == pytest.approx(1)
