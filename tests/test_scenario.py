"""Scenarios: round trips through dict, JSON, YAML and URL parameters; every bad file named by place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slrs.exceptions import ConfigError
from slrs.formatting import currency_for
from slrs.gates import ValidationGates
from slrs.io import read_scenario_file
from slrs.limits import DEFAULT_LIMITS
from slrs.money import DEFAULT_ASSUMPTIONS, ActionTerms, Assumptions
from slrs.scenario import (
    DecisionScenario,
    assumption_changes,
    describe_scenario,
    number_text,
    read_scenario_bytes,
    read_scenario_text,
    scenario_from_dict,
    scenario_from_query,
    scenario_to_dict,
    scenario_to_json,
    scenario_to_query,
)
from slrs.schema import (
    CATEGORICAL_MODEL_FEATURES,
    COLUMN_BY_NAME,
    NUMERIC_MODEL_FEATURES,
)
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds
from slrs.whatif import Scenario

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example_scenario.yaml"
CUSTOM = DecisionScenario(
    "study", Thresholds(0.35, 0.7),
    Assumptions(settlement=ActionTerms(750.5, (0.9, 0.8, 0.7, 0.6), 300),
                legal=ActionTerms(5000.0, (0.88, 0.8, 0.66, 0.52), 0)),
    Scenario("BRW_7", {"Age": 45, "Interest_Rate": 12.0, "Loan_Type": "Home", "Monthly_Income": 5123.25}))
CASES = [DecisionScenario(), CUSTOM, DecisionScenario(borrower=Scenario("Row 12"))]


def _yaml(scenario: DecisionScenario) -> str:
    return yaml.safe_dump(scenario_to_dict(scenario), sort_keys=False)


# --- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", CASES)
def test_a_scenario_round_trips_through_dict_json_yaml_and_url_unchanged(scenario: DecisionScenario) -> None:
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario
    assert read_scenario_text(scenario_to_json(scenario), "s.json") == scenario
    assert read_scenario_text(_yaml(scenario), "s.yml") == scenario
    assert scenario_from_query(scenario_to_query(scenario)) == (scenario, [])


def _shares() -> st.SearchStrategy:
    return st.tuples(*[st.floats(0, 1)] * 4)


def _terms(capacity: bool) -> st.SearchStrategy:
    return st.builds(ActionTerms, st.floats(0, 1e7), _shares(),
                     st.none() | st.integers(0, 10**6) if capacity else st.none())


def _edits() -> st.SearchStrategy:
    numbers = st.dictionaries(st.sampled_from(NUMERIC_MODEL_FEATURES),
                              st.integers(-10**9, 10**9) | st.floats(allow_nan=False, allow_infinity=False))
    categories = st.fixed_dictionaries({}, optional={name: st.sampled_from(COLUMN_BY_NAME[name].allowed)
                                                     for name in CATEGORICAL_MODEL_FEATURES})
    return st.builds(lambda first, second: {**first, **second}, numbers, categories)


SCENARIOS = st.builds(
    DecisionScenario, st.sampled_from(["outcome", "study"]),
    st.tuples(st.floats(0, 1), st.floats(0, 1)).filter(lambda pair: pair[0] < pair[1]).map(lambda p: Thresholds(*p)),
    st.builds(Assumptions, _terms(capacity=False), _terms(capacity=True), _terms(capacity=True)),
    st.none() | st.builds(Scenario, st.text(min_size=1).filter(lambda text: text.strip() == text), _edits()))


@settings(max_examples=150, deadline=None)
@given(SCENARIOS)
def test_any_valid_scenario_round_trips_exactly(scenario: DecisionScenario) -> None:
    assert read_scenario_text(scenario_to_json(scenario), "s.json") == scenario
    assert read_scenario_text(_yaml(scenario), "s.yaml") == scenario
    restored, warnings = scenario_from_query(scenario_to_query(scenario))
    assert warnings == [] and restored == scenario
    # Integer edits stay integers and floats floats, as the what-if page keeps them.
    if scenario.borrower is not None:
        assert {name: type(value) for name, value in restored.borrower.edits.items()} == \
            {name: type(value) for name, value in scenario.borrower.edits.items()}


def test_json_is_indented_with_sorted_keys_and_names_its_format() -> None:
    text = scenario_to_json(CUSTOM)
    data = json.loads(text)
    assert (data["format"], data["version"]) == ("slrs-scenario", 1)
    assert list(data) == sorted(data) and text.startswith('{\n  "assumptions": {\n    "legal": {')
    assert data["borrower"] == {"id": "BRW_7", "edits": {"Age": 45, "Interest_Rate": 12.0, "Loan_Type": "Home",
                                                         "Monthly_Income": 5123.25}}
    assert data["assumptions"]["legal"]["capacity"] == 0 and data["assumptions"]["reminders"]["capacity"] is None


def test_missing_parts_keep_their_defaults() -> None:
    scenario = read_scenario_text("thresholds:\n  low: 0.3\nassumptions:\n  legal:\n    capacity: 40\n", "s.yaml")
    assert scenario.thresholds == Thresholds(0.3, DEFAULT_THRESHOLDS.high)
    assert scenario.assumptions.legal == ActionTerms(6000.0, DEFAULT_ASSUMPTIONS.legal.shares, 40)
    assert scenario.assumptions.settlement == DEFAULT_ASSUMPTIONS.settlement
    assert (scenario.method, scenario.borrower) == ("outcome", None)
    assert read_scenario_text("{}", "s.json") == DecisionScenario()


def test_yaml_numbers_written_as_text_are_read_as_numbers() -> None:
    # YAML 1.1 reads 1e5 (no decimal point) as text; a hand-written file should still work.
    scenario = read_scenario_text("assumptions:\n  legal:\n    cost: 1e5\n    shares: ['0.9', 0.8, 0.7, 0.6]\n",
                                  "s.yaml")
    assert scenario.assumptions.legal.cost == 100_000.0 and scenario.assumptions.legal.shares[0] == 0.9


def test_the_example_file_in_the_readme_is_a_valid_scenario() -> None:
    scenario = read_scenario_file(EXAMPLE)
    assert scenario.thresholds == Thresholds(0.4, 0.8)
    assert scenario.assumptions.legal == ActionTerms(5000.0, (0.88, 0.80, 0.66, 0.52), 150)
    assert scenario.borrower == Scenario("BRW_12", {"Num_Missed_Payments": 2})


# --- bad files: one ConfigError naming every problem and where it is -----------------------------------------


@pytest.mark.parametrize(("name", "text", "message"), [
    ("s.json", '{"method": "study",}', ("is not valid JSON: Expecting property name enclosed in double quotes at "
                                       "line 1, column 20")),
    ("s.yaml", "method: study\nthresholds: [0.4\nborrower: x\n", ("is not valid YAML: expected ',' or ']', but got "
                                                                 "':' at line 3, column 9")),
    ("s.json", "", "is empty"),
    ("s.txt", "{}", "'s.txt' has '.txt'; expected a scenario file ending in .json, .yaml or .yml"),
    ("s.json", "[1, 2]", "should be a mapping with the keys format, version, method"),
    ("s.json", '{"colour": "red"}', "unknown key 'colour'; expected format, version, method, thresholds"),
    ("s.json", '{"format": "other-app"}', "format: 'other-app' should be 'slrs-scenario'"),
    ("s.json", '{"version": 2}', "version: 2 should be 1"),
    ("s.json", '{"method": "magic"}', "method: 'magic' should be one of outcome, scorecard, study"),
    ("s.json", '{"thresholds": {"low": "abc"}}', "thresholds.low: 'abc' should be a number from 0 to 1"),
    ("s.yaml", "thresholds:\n  high: true\n", "thresholds.high: True should be a number from 0 to 1"),
    ("s.json", '{"thresholds": {"low": 0.8, "high": 0.3}}', "low=0.8 and high=0.3 should satisfy 0 <= low < high"),
    ("s.json", '{"thresholds": 0.5}', "thresholds: should be a mapping with low and high, found float 0.5"),
    ("s.json", '{"thresholds": {"middle": 0.5}}', "thresholds: unknown field 'middle'; expected low, high"),
    ("s.json", '{"assumptions": {"debt_sale": {}}}', "assumptions: unknown action 'debt_sale'"),
    ("s.json", '{"assumptions": {"legal": 6000}}', "assumptions.legal: should be a mapping with cost, shares"),
    ("s.json", '{"assumptions": {"legal": {"fee": 1}}}', "assumptions.legal: unknown field 'fee'"),
    ("s.json", '{"assumptions": {"legal": {"cost": -1}}}', "assumptions.legal.cost: cost -1.0 should be an amount"),
    ("s.json", '{"assumptions": {"legal": {"shares": [0.9, 1.5, 0.5, 0.5]}}}',
     "assumptions.legal.shares: recovered shares (0.9, 1.5, 0.5, 0.5) should be 4 numbers from 0 to 1"),
    ("s.json", '{"assumptions": {"legal": {"shares": [0.9, 0.5]}}}', "assumptions.legal.shares:"),
    ("s.json", '{"assumptions": {"legal": {"shares": 0.9}}}', ("assumptions.legal.shares: recovered shares 0.9 should "
                                                              "be a list of 4 numbers")),
    ("s.json", '{"assumptions": {"settlement": {"capacity": 2.5}}}', ("assumptions.settlement.capacity: capacity 2.5 "
                                                                     "should be a whole number")),
    ("s.json", '{"assumptions": {"legal": {"capacity": -1}}}', "assumptions.legal.capacity: capacity -1"),
    ("s.json", '{"assumptions": {"reminders": {"capacity": 10}}}', "reminders capacity 10 should be empty"),
    ("s.json", '{"borrower": "BRW_1"}', "borrower: should be a mapping with id and edits"),
    ("s.json", '{"borrower": {"edits": {}}}', "borrower.id: None should be the borrower's Borrower_ID"),
    ("s.json", '{"borrower": {"id": "B1", "edits": {"Age": "old"}}}', "borrower.edits.Age: 'old' should be a number"),
    ("s.json", '{"borrower": {"id": "B1", "edits": {"Height": 180}}}', "borrower.edits.Height: not a model input"),
    ("s.json", '{"borrower": {"id": "B1", "edits": {"Loan_Type": 3}}}', ("borrower.edits.Loan_Type: 3 should be a "
                                                                        "category, as text")),
    ("s.json", '{"borrower": {"id": "B1", "edits": [1]}}', "borrower.edits: should be a mapping of model inputs"),
])
def test_a_bad_scenario_file_is_refused_with_a_message_naming_the_place(name: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        read_scenario_text(text, name)
    assert message in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    text = json.dumps({"method": "magic", "thresholds": {"low": 2}, "assumptions": {"legal": {"cost": "a lot"}},
                       "borrower": {"id": "B1", "edits": {"Age": "old"}}})
    with pytest.raises(ConfigError) as raised:
        read_scenario_text(text, "team.json")
    lines = str(raised.value).splitlines()
    assert lines[0] == "the scenario in 'team.json' cannot be used:"
    assert [line.split(":")[0] for line in lines[1:]] == ["- method", "- thresholds.low", "- assumptions.legal.cost",
                                                          "- borrower.edits.Age"]


def test_bytes_must_be_utf8_text_of_a_reasonable_size() -> None:
    assert read_scenario_bytes(b'\xef\xbb\xbf{"method": "study"}', "bom.json").method == "study"
    with pytest.raises(ConfigError, match="'latin.json' is not UTF-8 text"):
        read_scenario_bytes('{"borrower": {"id": "Jos\u00e9"}}'.encode("latin-1"), "latin.json")
    with pytest.raises(ConfigError, match="a scenario file has at most"):
        read_scenario_bytes(b" " * (DEFAULT_LIMITS.max_scenario_bytes + 1), "huge.json")


def test_read_scenario_file_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no scenario file at .*missing.yaml"):
        read_scenario_file(tmp_path / "missing.yaml")
    path = tmp_path / "mine.json"
    path.write_text(scenario_to_json(CUSTOM), encoding="utf-8")
    assert read_scenario_file(path) == CUSTOM


def test_a_decision_scenario_validates_its_parts() -> None:
    with pytest.raises(ConfigError, match="method 'magic' should be one of outcome, scorecard, study"):
        DecisionScenario("magic")
    with pytest.raises(ConfigError, match="thresholds should be Thresholds, found tuple"):
        DecisionScenario("outcome", (0.5, 0.75))
    with pytest.raises(ConfigError, match="borrower should be a what-if Scenario"):
        DecisionScenario(borrower="BRW_1")


# --- URL parameters ------------------------------------------------------------------------------------------


def test_the_url_holds_only_the_assumptions_that_differ_from_the_defaults() -> None:
    assert scenario_to_query(DecisionScenario()) == {"method": "outcome", "low": "0.5", "high": "0.75"}
    query = scenario_to_query(CUSTOM)
    assert {name: value for name, value in query.items() if name.split(".")[0] in ("cost", "shares", "cap")} == {
        "cost.settlement": "750.5", "shares.settlement": "0.9,0.8,0.7,0.6", "cap.settlement": "300",
        "cost.legal": "5000", "cap.legal": "0"}
    assert query["borrower"] == "BRW_7" and query["edit.Age"] == "45" and query["edit.Interest_Rate"] == "12.0"


@pytest.mark.parametrize(("value", "text"), [(6000.0, "6000"), (0.88, "0.88"), (0.1 + 0.2, "0.30000000000000004"),
                                             (1e-7, "1e-07"), (2.5e15, "2500000000000000.0"), (0.0, "0")])
def test_number_text_is_short_and_exact(value: float, text: str) -> None:
    assert number_text(value) == text and float(text) == value


@pytest.mark.parametrize(("query", "ignored"), [
    ({"method": "magic"}, "method='magic' ignored"),
    ({"low": "abc"}, "low='abc', high=None ignored"),
    ({"low": "0.9", "high": "0.1"}, "low='0.9', high='0.1' ignored"),
    ({"low": "nan"}, "low='nan', high=None ignored"),
    ({"cost.legal": "-5"}, "cost.legal ignored: cost -5.0 should be an amount from 0 to 1,000,000,000,000"),
    ({"cost.legal": "lots"}, "cost.legal ignored: cost 'lots'"),
    ({"shares.legal": "0.9,0.8"}, "shares.legal ignored: recovered shares (0.9, 0.8) should be 4 numbers"),
    ({"cap.legal": "2.5"}, "cap.legal ignored: capacity 2.5 should be a whole number"),
    ({"cap.reminders": "3"}, "cap.reminders ignored: reminders cannot be limited"),
    ({"cost.debt_sale": "1"}, "cost.debt_sale ignored: unknown action 'debt_sale'"),
    ({"borrower": "BRW_1", "edit.Age": "forty"}, "edit.Age ignored: 'forty' should be a number"),
    ({"borrower": "BRW_1", "edit.Height": "180"}, "edit.Height ignored: not a model input"),
    ({"edit.Age": "40"}, "edit.Age ignored: the link names no borrower"),
])
def test_a_bad_url_value_is_dropped_with_a_warning_and_its_default_stays(query: dict, ignored: str) -> None:
    scenario, warnings = scenario_from_query(query)
    assert len(warnings) == 1 and ignored in warnings[0]
    assert (scenario.method, scenario.thresholds, scenario.assumptions) == \
        ("outcome", DEFAULT_THRESHOLDS, DEFAULT_ASSUMPTIONS)
    assert scenario.borrower in (None, Scenario("BRW_1"))


def test_good_url_values_survive_next_to_bad_ones_and_foreign_parameters_are_ignored() -> None:
    scenario, warnings = scenario_from_query({"method": "study", "low": "0.3", "high": "0.6", "cost.legal": "-1",
                                              "cap.legal": "25", "utm_source": "mail", "tab": "2"})
    assert (scenario.method, scenario.thresholds) == ("study", Thresholds(0.3, 0.6))
    assert scenario.assumptions.legal == ActionTerms(6000.0, DEFAULT_ASSUMPTIONS.legal.shares, 25)
    assert len(warnings) == 1 and warnings[0].startswith("cost.legal ignored")


def test_an_empty_capacity_in_a_link_means_no_limit() -> None:
    scenario, warnings = scenario_from_query({"cap.legal": "none", "cap.settlement": ""})
    assert warnings == [] and scenario.assumptions == DEFAULT_ASSUMPTIONS


# --- in words ------------------------------------------------------------------------------------------------


def test_the_default_scenario_in_words() -> None:
    lines = describe_scenario(DecisionScenario())
    assert lines[0].startswith("Risk method: Outcome model")
    assert lines[1] == ("Thresholds: legal action above a risk score of 0.75, settlement offers from 0.50 up to "
                        "0.75, automated reminders below 0.50.")
    assert lines[2:] == ["Cost and recovery assumptions: the defaults.",
                         "Borrower what-if: no borrower chosen (that page starts on a typical borrower).",
                         "Currency: none set, amounts are plain numbers.",
                         "Validation gates: at least 200 labelled rows, ROC AUC at least 0.60, KS at least 0.15, "
                         "calibration error at most 0.10, score PSI at most 0.25 (the defaults)."]


def test_a_custom_scenario_in_words_names_each_change() -> None:
    assert assumption_changes(CUSTOM.assumptions) == [
        "Settlement cost per account 800 -> 750.50",
        "Settlement recovered shares by risk band 93.0% / 84.0% / 68.0% / 45.0% -> 90.0% / 80.0% / 70.0% / 60.0%",
        "Settlement capacity no limit -> 300 accounts", "Legal cost per account 6,000 -> 5,000",
        "Legal capacity no limit -> 0 accounts"]
    lines = describe_scenario(CUSTOM)
    assert lines[0].startswith("Risk method: Study method")
    assert lines[3] == ("Borrower what-if: BRW_7, with 4 edited inputs: age 45, interest rate 12.0, "
                        "loan type Home, monthly income 5123.25.")


def test_currency_and_gates_travel_in_the_file_and_in_the_link() -> None:
    scenario = DecisionScenario(currency=currency_for("EUR"), gates=ValidationGates(auc_floor=0.7,
                                                                                     min_labelled_rows=500))
    assert read_scenario_text(scenario_to_json(scenario), "s.json") == scenario
    query = scenario_to_query(scenario)
    assert query["currency"] == "EUR" and query["gate.auc_floor"] == "0.7" and "currency_symbol" not in query
    assert scenario_from_query(query) == (scenario, [])


def test_bad_currency_or_gates_are_named_in_a_file_and_dropped_from_a_link() -> None:
    with pytest.raises(ConfigError, match=r"(?s)currency: .*gates.ks_floor"):
        read_scenario_text('{"currency": {"code": "EURO"}, "gates": {"ks_floor": 3}}', "s.json")
    scenario, warnings = scenario_from_query({"currency": "E1", "gate.ks_floor": "lots", "gate.psi_ceiling": "0.5"})
    assert scenario.currency.code == "" and scenario.gates.psi_ceiling == 0.5 and len(warnings) == 2
