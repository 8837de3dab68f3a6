from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slrs import pipeline
from slrs.counterfactual import (
    ACTIONABLE_INPUTS,
    EMI,
    CounterfactualResult,
    consequent_emi,
    find_counterfactuals,
)
from slrs.exceptions import ConfigError
from slrs.io import load_bundle, to_csv_bytes
from slrs.portfolio import build_view, load_portfolio
from slrs.scenario import DecisionScenario
from slrs.schema import ID_COLUMN, MODEL_FEATURES
from slrs.strategy import LEGAL, METHODS, REMINDERS, SETTLEMENT, STRATEGIES, Thresholds
from slrs.synth import generate_portfolio
from slrs.whatif import apply_edits, baseline_inputs, changed_inputs, score_scenario

THRESHOLDS = Thresholds(0.5, 0.75)
COMMITTED_DATA = Path(__file__).resolve().parent.parent / "data" / "portfolio.csv"
SOURCES = ("synth", "committed")
# Per source and method: this many legal-tier and settlement-tier borrowers, spread over the risk ranking.
LEGAL_CASES, SETTLEMENT_CASES = 3, 2
NEVER_CHANGED = ("Age", "Employment_Type", "Num_Dependents", "Monthly_Income", "Loan_Type", "Interest_Rate",
                 "Payment_History", "Loan_Amount")


@cache
def _bundle():
    return load_bundle()


@cache
def _portfolio(source: str):
    data = COMMITTED_DATA.read_bytes() if source == "committed" \
        else generate_portfolio(600, seed=29).to_csv(index=False).encode()
    return load_portfolio(data, f"{source}.csv")


@cache
def _view(source: str, method: str) -> pd.DataFrame:
    return build_view(_portfolio(source), _bundle(), method)


@cache
def _cases(source: str, method: str) -> tuple[tuple[str, dict, CounterfactualResult], ...]:
    """High-risk borrowers of a source, with their counterfactuals under ``method``."""
    view, profile = _view(source, method), _bundle().manifest["profile"]
    risk = view["Risk_Score"]
    legal = view[risk > THRESHOLDS.high].sort_values("Risk_Score", ascending=False)
    settlement = view[(risk >= THRESHOLDS.low) & (risk <= THRESHOLDS.high)].sort_values("Risk_Score")
    picked = [*_spread_rows(legal, LEGAL_CASES), *_spread_rows(settlement, SETTLEMENT_CASES)]
    cases = []
    for borrower in picked:
        inputs = baseline_inputs(view, borrower, profile).inputs
        cases.append((borrower, inputs, find_counterfactuals(_bundle(), inputs, method, THRESHOLDS, profile)))
    return tuple(cases)


def _spread_rows(rows: pd.DataFrame, count: int) -> list[str]:
    positions = np.unique(np.linspace(0, len(rows) - 1, count).round().astype(int))
    return rows[ID_COLUMN].iloc[positions].astype(str).tolist()


def _options(source: str, method: str):
    return [(borrower, inputs, result, option) for borrower, inputs, result in _cases(source, method)
            for option in result.options]


def _score_like_slrs_score(source: str, borrower: str, edits: dict, bundle, method: str) -> pd.Series:
    """The borrower's row of the file as text, with the edits written in, scored by ``slrs score``'s path."""
    raw = _portfolio(source).raw
    row = raw[raw[ID_COLUMN].astype(str) == borrower].iloc[[0]].reset_index(drop=True).astype(str)
    for name, value in edits.items():
        row.loc[0, name] = str(value)
    decision = pipeline.decide(pipeline.load(to_csv_bytes(row), "row.csv"), bundle, DecisionScenario(method, THRESHOLDS))
    return pipeline.output_table(decision.portfolio, decision.view, decision.plan).iloc[0]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_options_land_in_the_promised_milder_tier_when_scored_like_slrs_score(
        bundle, source: str, method: str) -> None:
    cases = _cases(source, method)
    assert {result.tier for _, _, result in cases} == {LEGAL, SETTLEMENT}
    assert sum(result.status == "found" for _, _, result in cases) >= len(cases) - 1
    for borrower, _, result in cases:
        assert result.target_tier == STRATEGIES[STRATEGIES.index(result.tier) - 1]
        assert (result.status == "found") == bool(result.options)
    for borrower, _, result, option in _options(source, method):
        scored = _score_like_slrs_score(source, borrower, option.edits, bundle, method)
        assert scored["Data_Issues"] == ""
        assert scored["Recovery_Strategy"] == option.tier
        assert STRATEGIES.index(option.tier) <= STRATEGIES.index(result.target_tier)
        assert scored["Risk_Score"] == pytest.approx(option.risk_score, abs=1e-12)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_changes_only_actionable_inputs_within_range_in_the_remedy_direction(
        profile, source: str, method: str) -> None:
    options = _options(source, method)
    assert options
    for _, inputs, _, option in options:
        edited = apply_edits(inputs, option.edits)
        changed = changed_inputs(inputs, edited)
        assert set(option.inputs) == set(changed) - {EMI} and 1 <= len(option.inputs) <= 3
        assert set(changed) <= {*ACTIONABLE_INPUTS, EMI}
        assert all(edited[name] == inputs[name] for name in NEVER_CHANGED)
        for name in option.inputs:
            numeric = profile["numeric"][name]
            assert numeric["min"] <= edited[name] <= numeric["max"]
            assert np.sign(edited[name] - inputs[name]) == ACTIONABLE_INPUTS[name]
            assert isinstance(edited[name], int) == numeric["integer"]
        if {"Outstanding_Loan_Amount", "Loan_Tenure"} & set(option.inputs):
            expected = consequent_emi(inputs, edited["Outstanding_Loan_Amount"], edited["Loan_Tenure"])
            assert edited[EMI] == pytest.approx(float(expected), abs=0.005) and edited[EMI] < inputs[EMI]
            assert profile["numeric"][EMI]["min"] <= edited[EMI] <= max(profile["numeric"][EMI]["max"],
                                                                        inputs[EMI])
        else:
            assert EMI not in changed


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_options_are_distinct_minimal_and_ordered(source: str, method: str) -> None:
    for _, _, result in _cases(source, method):
        sets = [set(option.inputs) for option in result.options]
        assert len(result.options) <= 3
        assert all(not first <= second for i, first in enumerate(sets) for j, second in enumerate(sets) if i != j)
        keys = [(len(option.inputs), option.size) for option in result.options]
        assert keys == sorted(keys)
        assert all(option.size > 0 for option in result.options)


@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_takes_the_smallest_step_of_a_single_whole_number_input(
        bundle, method: str) -> None:
    checked = 0
    for _, inputs, result, option in _options("synth", method) + _options("committed", method):
        if len(option.inputs) != 1 or option.inputs[0] not in ("Num_Missed_Payments", "Days_Past_Due"):
            continue
        name = option.inputs[0]
        one_less = apply_edits(inputs, {name: option.edits[name] + 1})
        scored = score_scenario(bundle, one_less, method, THRESHOLDS)
        assert STRATEGIES.index(scored["Recovery_Strategy"]) > STRATEGIES.index(result.target_tier)
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_describes_changes_in_plain_words(method: str) -> None:
    patterns = {
        "Num_Missed_Payments": r"Cure (\d+) missed payments? \((\d+) -> (\d+)\)",
        "Days_Past_Due": r"Bring days past due down by (\d+) \((\d+) -> (\d+) days\)",
        "Outstanding_Loan_Amount": r"Part payment of ([\d,.]+) \(outstanding ([\d,.]+) -> ([\d,.]+)\)",
        "Collateral_Value": r"Add collateral worth ([\d,.]+) \(collateral ([\d,.]+) -> ([\d,.]+)\)",
        "Loan_Tenure": r"Extend the tenure by (\d+) months? \((\d+) -> (\d+) months\)",
        EMI: r"Monthly instalment becomes ([\d,.]+) \(was ([\d,.]+)\), following the new balance and tenure",
    }
    for *_, option in _options("synth", method) + _options("committed", method):
        assert option.text == "; ".join(change.text for change in option.changes)
        for change in option.changes:
            match = re.fullmatch(patterns[change.name], change.text)
            assert match, change.text
            numbers = [float(text.replace(",", "")) for text in match.groups()]
            if change.name != EMI:
                assert numbers == pytest.approx([abs(change.after - change.before), change.before, change.after],
                                                abs=0.5)


@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_has_nothing_to_do_in_the_lowest_tier(bundle, profile, method: str) -> None:
    view = _view("synth", method)
    borrower = view.loc[view["Risk_Score"].idxmin(), ID_COLUMN]
    result = find_counterfactuals(bundle, baseline_inputs(view, borrower, profile).inputs, method, THRESHOLDS,
                                  profile)
    assert (result.tier, result.status, result.target_tier, result.options) == (REMINDERS, "lowest_tier", None, ())
    assert "nothing to do" in result.message


def test_find_counterfactuals_says_so_when_no_option_exists(bundle, profile) -> None:
    strict = Thresholds(0.0, 0.01)
    view = _view("synth", "outcome")
    borrower = view.loc[view["Risk_Score"].idxmax(), ID_COLUMN]
    result = find_counterfactuals(bundle, baseline_inputs(view, borrower, profile).inputs, "outcome", strict,
                                  profile)
    assert (result.tier, result.target_tier, result.status, result.options) == (LEGAL, SETTLEMENT, "none_found", ())
    assert result.message.startswith("No option found")


def test_find_counterfactuals_respects_max_options(bundle, profile) -> None:
    _, inputs, full = next(case for case in _cases("synth", "outcome") if len(case[2].options) >= 2)
    one = find_counterfactuals(bundle, inputs, "outcome", THRESHOLDS, profile, max_options=1)
    assert one.options == full.options[:1]


def test_counterfactual_result_to_dict_is_json_safe() -> None:
    _, _, result = next(case for case in _cases("committed", "outcome") if case[2].options)
    data = json.loads(json.dumps(result.to_dict()))
    assert (data["status"], data["tier"], data["thresholds"]) == ("found", result.tier, {"low": 0.5, "high": 0.75})
    assert data["actionable_inputs"] == list(ACTIONABLE_INPUTS)
    first = data["options"][0]
    assert (first["text"], first["edits"], first["inputs"]) == (result.options[0].text, result.options[0].edits,
                                                                list(result.options[0].inputs))
    assert first["changes"][0]["name"] == result.options[0].changes[0].name


def test_actionable_inputs_leave_who_the_borrower_is_alone() -> None:
    assert set(ACTIONABLE_INPUTS) == {"Num_Missed_Payments", "Days_Past_Due", "Outstanding_Loan_Amount",
                                      "Collateral_Value", "Loan_Tenure"}
    assert not set(ACTIONABLE_INPUTS) & {*NEVER_CHANGED, "Gender", EMI}


def test_consequent_emi_is_the_annuity_of_the_new_balance_for_generated_loans() -> None:
    frame = generate_portfolio(50, seed=5)
    for _, row in frame.iterrows():
        inputs = {name: row[name] for name in MODEL_FEATURES}
        assert float(consequent_emi(inputs, inputs["Outstanding_Loan_Amount"], inputs["Loan_Tenure"])) \
            == pytest.approx(inputs[EMI], abs=0.005)
        outstanding, tenure, rate = inputs["Outstanding_Loan_Amount"] * 0.6, inputs["Loan_Tenure"] + 12, \
            inputs["Interest_Rate"] / 1200
        annuity = outstanding * rate / (1 - (1 + rate) ** -tenure)
        assert float(consequent_emi(inputs, outstanding, tenure)) == pytest.approx(annuity, abs=0.02)


def test_consequent_emi_at_a_zero_rate_spreads_the_balance_evenly() -> None:
    inputs = {"Outstanding_Loan_Amount": 1200.0, "Loan_Tenure": 12, "Interest_Rate": 0.0, EMI: 100.0}
    assert consequent_emi(inputs, np.array([600.0, 1200.0]), np.array([12, 24])).tolist() == [50.0, 50.0]


@pytest.mark.parametrize(("change", "problem"), [
    ({"Age": None}, "Age=None should be a finite number"),
    ({"Days_Past_Due": float("nan")}, "Days_Past_Due=nan should be a finite number"),
    ({"method": "magic"}, "method='magic' should be one of outcome, scorecard, study"),
    ({"max_options": 0}, "max_options=0 should be a whole number >= 1"),
    ({"drop": "Loan_Tenure"}, "inputs lack Loan_Tenure; expected all 14 model inputs"),
])
def test_find_counterfactuals_rejects_bad_arguments(bundle, profile, change: dict, problem: str) -> None:
    _, inputs, _ = _cases("synth", "outcome")[0]
    inputs = {name: value for name, value in inputs.items() if name != change.get("drop")}
    inputs.update({name: value for name, value in change.items() if name in MODEL_FEATURES})
    with pytest.raises(ConfigError, match=re.escape(problem)):
        find_counterfactuals(bundle, inputs, change.get("method", "outcome"), THRESHOLDS, profile,
                             max_options=change.get("max_options", 3))


@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_needs_every_input_of_a_combined_option(bundle, method: str) -> None:
    checked = 0
    for _, inputs, result, option in _options("synth", method) + _options("committed", method):
        for name in option.inputs if len(option.inputs) > 1 else ():
            without = {key: value for key, value in option.edits.items() if key != name}
            if name in ("Outstanding_Loan_Amount", "Loan_Tenure"):  # the instalment follows what is left
                without[EMI] = float(consequent_emi(inputs, without.get("Outstanding_Loan_Amount",
                                                                        inputs["Outstanding_Loan_Amount"]),
                                                    without.get("Loan_Tenure", inputs["Loan_Tenure"])))
            scored = score_scenario(bundle, apply_edits(inputs, without), method, THRESHOLDS)
            assert STRATEGIES.index(scored["Recovery_Strategy"]) > STRATEGIES.index(result.target_tier)
            checked += 1
    assert checked > 0


def test_find_counterfactuals_drops_an_option_its_own_re_scoring_does_not_confirm(
        bundle, profile, monkeypatch: pytest.MonkeyPatch) -> None:
    _, inputs, _ = next(case for case in _cases("synth", "outcome") if case[2].tier == LEGAL and case[2].options)

    def disagreeing(bundle, edited, method, thresholds):  # the batch's tiers, contradicted by the check
        scored = score_scenario(bundle, edited, method, thresholds)
        return scored if edited == inputs else {**scored, "Recovery_Strategy": LEGAL}

    monkeypatch.setattr("slrs.counterfactual.score_scenario", disagreeing)
    checked = find_counterfactuals(bundle, inputs, "outcome", THRESHOLDS, profile)
    assert (checked.status, checked.options) == ("none_found", ())


@pytest.mark.parametrize("method", METHODS)
def test_find_counterfactuals_brings_a_value_outside_the_training_range_into_it(bundle, profile,
                                                                                method: str) -> None:
    shortest = profile["numeric"]["Loan_Tenure"]["min"]
    tenures = []
    for _, inputs, _ in _cases("synth", method) + _cases("committed", method):
        result = find_counterfactuals(bundle, {**inputs, "Loan_Tenure": int(shortest) - 2}, method, THRESHOLDS,
                                      profile)
        tenures += [option.edits["Loan_Tenure"] for option in result.options if "Loan_Tenure" in option.inputs]
    assert tenures and min(tenures) >= shortest
