"""Money: assumptions as data, net recovery per row and in total, capacities, the sweep and the frontier."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from slrs.exceptions import ConfigError
from slrs.money import (
    ACTIONS,
    BANDS,
    DEFAULT_ASSUMPTIONS,
    PLAN_COLUMNS,
    STRATEGY_OF,
    TABLE_COLUMNS,
    ActionTerms,
    Assumptions,
    action_values,
    assumptions_from_table,
    assumptions_table,
    assumptions_to_dict,
    best_thresholds,
    efficient_frontier,
    plan_actions,
    plan_summary,
    plan_totals,
    risk_bands,
    sweep_thresholds,
    threshold_grid,
)
from slrs.scenario import scenario_from_dict
from slrs.strategy import LEGAL, NOT_SCORED, REMINDERS, SETTLEMENT, Thresholds

# Round numbers, so every expected amount below can be worked out by hand.
SIMPLE = Assumptions(reminders=ActionTerms(10.0, (0.9, 0.6, 0.3, 0.1)),
                     settlement=ActionTerms(100.0, (0.8, 0.7, 0.5, 0.3)),
                     legal=ActionTerms(1000.0, (0.7, 0.6, 0.6, 0.5)))
HAND_RISK = np.array([0.10, 0.30, 0.60, 0.80, np.nan])
HAND_OUTSTANDING = np.array([1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0])


def _with(assumptions: Assumptions, action: str, **changes) -> Assumptions:
    terms = assumptions.terms(action)
    fields = {"cost": terms.cost, "shares": terms.shares, "capacity": terms.capacity, **changes}
    return Assumptions(**{**{a: assumptions.terms(a) for a in ACTIONS}, action: ActionTerms(**fields)})


def _portfolio(n: int = 400, seed: int = 3, missing: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random risk scores (``missing`` of them NaN) and outstanding amounts (currency)."""
    rng = np.random.default_rng(seed)
    risk = rng.uniform(0, 1, n)
    risk[rng.choice(n, missing, replace=False)] = np.nan
    return risk, rng.uniform(1_000, 300_000, n)


# --- plans without capacity ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("risk", "band"), [(0.0, 0), (0.2499, 0), (0.25, 1), (0.4999, 1), (0.5, 2), (0.75, 3),
                                            (1.0, 3), (np.nan, -1)])
def test_risk_bands_cut_at_the_documented_edges(risk: float, band: int) -> None:
    assert risk_bands(np.array([risk])).tolist() == [band]


@pytest.mark.parametrize(("thresholds", "strategies", "recovered", "cost"), [
    # risk 0.10 (band Low), 0.30 (Moderate), 0.60 (High), 0.80 (Very high), then an unscored row
    (Thresholds(0.5, 0.75), [REMINDERS, REMINDERS, SETTLEMENT, LEGAL],
     [1000 * 0.9, 2000 * 0.6, 3000 * 0.5, 4000 * 0.5], [10, 10, 100, 1000]),
    (Thresholds(0.2, 0.5), [REMINDERS, SETTLEMENT, LEGAL, LEGAL],
     [1000 * 0.9, 2000 * 0.7, 3000 * 0.6, 4000 * 0.5], [10, 100, 1000, 1000]),
    (Thresholds(0.9, 0.95), [REMINDERS] * 4, [1000 * 0.9, 2000 * 0.6, 3000 * 0.3, 4000 * 0.1], [10] * 4),
])
def test_plan_applies_the_share_of_each_band_under_the_chosen_action(thresholds, strategies, recovered, cost) -> None:
    plan = plan_actions(HAND_RISK, HAND_OUTSTANDING, thresholds, SIMPLE)
    assert list(plan.columns) == list(PLAN_COLUMNS)
    assert plan["Recovery_Strategy"].tolist() == [*strategies, NOT_SCORED]
    assert plan["Risk_Band"].tolist() == [*BANDS, NOT_SCORED]
    np.testing.assert_allclose(plan["Expected_Recovered"].iloc[:4], recovered)
    np.testing.assert_allclose(plan["Action_Cost"].iloc[:4], cost)
    np.testing.assert_allclose(plan["Expected_Net_Recovery"].iloc[:4], np.subtract(recovered, cost))
    assert plan.iloc[4][["Action_Cost", "Expected_Recovered", "Expected_Net_Recovery"]].isna().all()
    assert not plan["Capacity_Fallback"].any()


def test_net_recovery_is_recovered_minus_cost_per_row_and_in_total() -> None:
    risk, outstanding = _portfolio(missing=25)
    plan = plan_actions(risk, outstanding, Thresholds(0.4, 0.7), DEFAULT_ASSUMPTIONS, index=pd.RangeIndex(5, 405))
    assert plan.index.equals(pd.RangeIndex(5, 405))
    scored = plan["Recovery_Strategy"] != NOT_SCORED
    assert scored.sum() == 375 and plan.loc[~scored, "Expected_Net_Recovery"].isna().all()
    np.testing.assert_allclose(plan["Expected_Net_Recovery"][scored],
                               plan["Expected_Recovered"][scored] - plan["Action_Cost"][scored])
    totals = plan_totals(plan)
    assert totals["Expected_Net_Recovery"] == pytest.approx(totals["Expected_Recovered"] - totals["Action_Cost"])
    assert totals["Expected_Net_Recovery"] == pytest.approx(plan.loc[scored, "Expected_Net_Recovery"].sum())
    assert sum(totals[f"{action}_accounts"] for action in ACTIONS) == 375  # the unscored rows count nowhere
    summary = plan_summary(plan).set_index("Strategy")
    assert summary.loc[NOT_SCORED, "Borrowers"] == 25 and summary.loc[NOT_SCORED, "Action_Cost"] == 0
    assert summary.loc["Total", "Borrowers"] == 400
    for measure in ("Action_Cost", "Expected_Recovered", "Expected_Net_Recovery"):
        assert summary.loc["Total", measure] == pytest.approx(totals[measure])
        assert summary.loc[[REMINDERS, SETTLEMENT, LEGAL], measure].sum() == pytest.approx(totals[measure])


def test_action_values_are_outstanding_times_share_and_the_cost_of_each_action() -> None:
    recovered, cost = action_values(HAND_RISK, HAND_OUTSTANDING, SIMPLE)
    assert recovered.shape == cost.shape == (5, 3)
    np.testing.assert_allclose(recovered[3], [4000 * 0.1, 4000 * 0.3, 4000 * 0.5])
    np.testing.assert_allclose(cost[0], [10, 100, 1000])
    assert np.isnan(recovered[4]).all() and np.isnan(cost[4]).all()


# --- capacity --------------------------------------------------------------------------------------------------

def _marginal_order(rows: list[int], upper: np.ndarray, lower: np.ndarray) -> list[int]:
    """Brute force: ``rows`` by marginal value (upper - lower), highest first, ties by position."""
    return sorted(rows, key=lambda row: (-(upper[row] - lower[row]), row))


@pytest.mark.parametrize("capacity", [0, 1, 7, 60, 10_000])
def test_legal_capacity_keeps_the_highest_marginal_value_accounts(capacity: int) -> None:
    risk, outstanding = _portfolio()
    thresholds = Thresholds(0.5, 0.7)
    assumptions = _with(DEFAULT_ASSUMPTIONS, "legal", capacity=capacity)
    plan = plan_actions(risk, outstanding, thresholds, assumptions)
    recovered, cost = action_values(risk, outstanding, assumptions)
    net = recovered - cost
    by_thresholds = np.flatnonzero(risk > thresholds.high).tolist()
    expected_legal = sorted(_marginal_order(by_thresholds, net[:, 2], net[:, 1])[:capacity])
    assert np.flatnonzero(plan["Recovery_Strategy"] == LEGAL).tolist() == expected_legal
    assert (plan["Recovery_Strategy"] == LEGAL).sum() == min(capacity, len(by_thresholds))
    moved = sorted(set(by_thresholds) - set(expected_legal))
    assert np.flatnonzero(plan["Capacity_Fallback"]).tolist() == moved
    assert (plan["Recovery_Strategy"].iloc[moved] == SETTLEMENT).all()  # one step milder, not reminders


def test_legal_overflow_competes_for_settlement_capacity() -> None:
    # Row 0 is assigned settlement by the thresholds, row 1 legal; legal takes nobody, so both want the one
    # settlement place: row 1 is worth more under settlement than under reminders, so it wins it.
    risk, outstanding = np.array([0.6, 0.9]), np.array([10_000.0, 100_000.0])
    assumptions = _with(_with(SIMPLE, "legal", capacity=0), "settlement", capacity=1)
    plan = plan_actions(risk, outstanding, Thresholds(0.5, 0.75), assumptions)
    assert plan["Recovery_Strategy"].tolist() == [REMINDERS, SETTLEMENT]
    assert plan["Capacity_Fallback"].tolist() == [True, True]


@pytest.mark.parametrize(("legal", "settlement"), [(0, 0), (5, 20), (30, 50), (200, 10), (None, 40), (25, None)])
def test_capacities_match_a_brute_force_allocation(legal: int | None, settlement: int | None) -> None:
    risk, outstanding = _portfolio(missing=10, seed=8)
    thresholds = Thresholds(0.35, 0.75)
    assumptions = _with(_with(DEFAULT_ASSUMPTIONS, "legal", capacity=legal), "settlement", capacity=settlement)
    recovered, cost = action_values(risk, outstanding, assumptions)
    net = recovered - cost
    legal_pool = np.flatnonzero(risk > thresholds.high).tolist()
    legal_rows = _marginal_order(legal_pool, net[:, 2], net[:, 1])[:legal]
    settlement_pool = sorted(set(np.flatnonzero((risk >= thresholds.low) & (risk <= thresholds.high)))
                             | (set(legal_pool) - set(legal_rows)))
    settlement_rows = _marginal_order(settlement_pool, net[:, 1], net[:, 0])[:settlement]
    plan = plan_actions(risk, outstanding, thresholds, assumptions)
    strategies = plan["Recovery_Strategy"]
    assert np.flatnonzero(strategies == LEGAL).tolist() == sorted(legal_rows)
    assert np.flatnonzero(strategies == SETTLEMENT).tolist() == sorted(settlement_rows)
    assert (strategies == NOT_SCORED).sum() == 10
    for capacity, label in ((legal, LEGAL), (settlement, SETTLEMENT)):
        assert capacity is None or (strategies == label).sum() <= capacity


# --- sweep, best thresholds, frontier --------------------------------------------------------------------------

SWEEP_CASES = [DEFAULT_ASSUMPTIONS, _with(DEFAULT_ASSUMPTIONS, "legal", capacity=15),
               _with(_with(SIMPLE, "legal", capacity=5), "settlement", capacity=40)]


@pytest.mark.parametrize("assumptions", SWEEP_CASES)
def test_sweep_totals_equal_the_plan_at_each_grid_point(assumptions: Assumptions) -> None:
    risk, outstanding = _portfolio(300, seed=5, missing=12)
    grid = threshold_grid(0.1)
    sweep = sweep_thresholds(risk, outstanding, assumptions, grid)
    assert len(sweep) == len(grid) == 36
    for thresholds, point in zip(grid, sweep.itertuples(), strict=True):
        totals = plan_totals(plan_actions(risk, outstanding, thresholds, assumptions))
        assert (point.Low, point.High) == (thresholds.low, thresholds.high)
        for measure in ("Action_Cost", "Expected_Recovered", "Expected_Net_Recovery"):
            assert getattr(point, measure) == pytest.approx(totals[measure])
        for action in ACTIONS:
            assert getattr(point, f"{action.capitalize()}_Accounts") == totals[f"{action}_accounts"]


@pytest.mark.parametrize("assumptions", SWEEP_CASES)
def test_best_thresholds_are_at_least_as_good_as_every_grid_point(assumptions: Assumptions) -> None:
    risk, outstanding = _portfolio(500, seed=9)
    sweep = sweep_thresholds(risk, outstanding, assumptions, threshold_grid())
    best = best_thresholds(sweep)
    assert best in threshold_grid()
    best_net = plan_totals(plan_actions(risk, outstanding, best, assumptions))["Expected_Net_Recovery"]
    assert best_net == pytest.approx(sweep["Expected_Net_Recovery"].max())
    assert (sweep["Expected_Net_Recovery"] <= best_net + 1e-6).all()


def test_best_thresholds_break_ties_by_fewer_legal_cases_then_lower_thresholds() -> None:
    sweep = pd.DataFrame({"Low": [0.1, 0.2, 0.3, 0.2], "High": [0.9, 0.8, 0.4, 0.3],
                          "Expected_Net_Recovery": [5.0, 7.0, 7.0, 7.0], "Legal_Accounts": [1, 3, 2, 2]})
    assert best_thresholds(sweep) == Thresholds(0.2, 0.3)
    with pytest.raises(ConfigError, match="no grid points"):
        best_thresholds(sweep.iloc[:0])


@pytest.mark.parametrize("assumptions", SWEEP_CASES)
def test_frontier_is_non_dominated_increasing_and_covers_every_point(assumptions: Assumptions) -> None:
    risk, outstanding = _portfolio(500, seed=4)
    sweep = sweep_thresholds(risk, outstanding, assumptions, threshold_grid())
    frontier = efficient_frontier(sweep)
    assert not frontier.empty
    assert frontier["Legal_Accounts"].is_monotonic_increasing and frontier["Legal_Accounts"].is_unique
    assert (frontier["Expected_Net_Recovery"].diff().dropna() > 0).all()
    for point in frontier.itertuples():
        beaten = (sweep["Legal_Accounts"] <= point.Legal_Accounts) & \
                 (sweep["Expected_Net_Recovery"] > point.Expected_Net_Recovery)
        assert not beaten.any()
    for point in sweep.itertuples():  # every grid point is matched or beaten by a frontier point
        assert ((frontier["Legal_Accounts"] <= point.Legal_Accounts)
                & (frontier["Expected_Net_Recovery"] >= point.Expected_Net_Recovery)).any()
    assert frontier["Expected_Net_Recovery"].iloc[-1] == sweep["Expected_Net_Recovery"].max()


def test_threshold_grid_has_every_valid_pair() -> None:
    grid = threshold_grid()
    assert len(grid) == 171 and len(set(grid)) == 171
    assert all(0.05 <= t.low < t.high <= 0.95 for t in grid)
    assert Thresholds(0.5, 0.75) in grid and Thresholds(0.05, 0.95) in grid
    assert len(threshold_grid(0.25)) == 3  # 0.25, 0.5, 0.75


@pytest.mark.parametrize("step", [0, -0.1, 0.4, 0.5, 0.7])
def test_threshold_grid_refuses_a_step_without_pairs(step: float) -> None:
    with pytest.raises(ConfigError, match="sweep step"):
        threshold_grid(step)


# --- assumptions as data ---------------------------------------------------------------------------------------

def read_assumptions_file(data: object) -> Assumptions:
    """Assumptions as a scenario file holds them (the one reader of assumptions as plain data)."""
    return scenario_from_dict({"assumptions": data}).assumptions


CAPPED = _with(_with(DEFAULT_ASSUMPTIONS, "legal", capacity=40), "settlement", capacity=0)


@pytest.mark.parametrize("assumptions", [DEFAULT_ASSUMPTIONS, CAPPED, SIMPLE])
def test_assumptions_round_trip_through_json_and_the_table(assumptions: Assumptions) -> None:
    data = json.loads(json.dumps(assumptions_to_dict(assumptions)))
    assert read_assumptions_file(data) == assumptions
    table = assumptions_table(assumptions)
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table["Action"].tolist() == [STRATEGY_OF[action] for action in ACTIONS]
    assert str(table["Capacity"].dtype) == "Int64"
    assert assumptions_from_table(table) == assumptions


def test_table_cells_as_an_editor_returns_them_are_read() -> None:
    table = assumptions_table(DEFAULT_ASSUMPTIONS)
    table.loc[2, "Capacity"] = 120
    table.loc[1, "Cost_per_account"] = 950  # an int in a float column
    table["Share_High"] = table["Share_High"].astype("float32")
    read = assumptions_from_table(table)
    assert read.legal.capacity == 120 and isinstance(read.legal.capacity, int)
    assert read.settlement.cost == 950.0
    assert read.reminders.shares[2] == pytest.approx(DEFAULT_ASSUMPTIONS.reminders.shares[2])


def test_missing_actions_and_fields_keep_their_defaults() -> None:
    read = read_assumptions_file({"legal": {"capacity": 12}, "settlement": {"cost": "1,200"}})
    assert read.legal == ActionTerms(DEFAULT_ASSUMPTIONS.legal.cost, DEFAULT_ASSUMPTIONS.legal.shares, 12)
    assert read.settlement.cost == 1200.0 and read.reminders == DEFAULT_ASSUMPTIONS.reminders


@pytest.mark.parametrize(("data", "match"), [
    ({"legal": {"cost": -5}}, r"legal\.cost: cost -5\.0 should be an amount from 0 to 1,000,000,000,000"),
    ({"settlement": {"cost": "a lot"}}, r"settlement\.cost: cost .a lot' should be an amount"),
    ({"reminders": {"cost": None}}, r"reminders\.cost: cost None should be"),
    ({"settlement": {"shares": [0.9, 0.8, 1.2, 0.4]}}, r"settlement\.shares: recovered shares .*1\.2.* from 0 to 1"),
    ({"legal": {"shares": [0.9, 0.8, 0.5]}}, r"legal\.shares: recovered shares .* should be 4 numbers"),
    ({"legal": {"shares": [0.9, float("nan"), 0.5, 0.4]}}, r"legal\.shares: recovered shares"),
    ({"legal": {"capacity": -1}}, r"legal\.capacity: capacity -1 should be a whole number from 0 to 1,000,000,000"),
    ({"legal": {"capacity": 2.5}}, r"legal\.capacity: capacity 2\.5 should be a whole number"),
    ({"settlement": {"capacity": True}}, r"settlement\.capacity: capacity True should be a whole number"),
    ({"reminders": {"capacity": 10}}, r"reminders capacity 10 should be empty"),
    ({"legal": {"cost": 1, "budget": 5}}, r"legal: unknown field 'budget'; expected cost, shares, capacity"),
    ({"lawyers": {"cost": 1}}, r"unknown action 'lawyers'"),
    ({"legal": 6000}, r"legal: should be a mapping"),
    ([1, 2], r"assumptions: should be a mapping"),
])
def test_bad_assumptions_name_the_action_and_field(data: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        read_assumptions_file(data)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        read_assumptions_file({"legal": {"cost": -1}, "settlement": {"capacity": -3}, "other": {}})
    message = str(raised.value)
    assert "legal.cost: cost" in message and "settlement.capacity: capacity -3" in message and "unknown action 'other'" in message
    assert isinstance(raised.value, ValueError)


def _table_with(column: str, row: int, value: object) -> pd.DataFrame:
    table = assumptions_table(DEFAULT_ASSUMPTIONS).astype({column: object})
    table.loc[row, column] = value
    return table


@pytest.mark.parametrize(("table", "match"), [
    (_table_with("Cost_per_account", 2, -10.0), r"legal notices & aggressive recovery, cost per account: cost -10\.0"),
    (_table_with("Cost_per_account", 0, None), r"Automated reminders & routine monitoring, cost per account: cost None"),
    (_table_with("Share_Very_high", 1, 1.5), r"Settlement offers & flexible repayment plans, recovered shares: recovered shares"),
    (_table_with("Capacity", 2, -1), r"aggressive recovery, capacity: capacity -1"),
    (_table_with("Capacity", 1, 2.5), r"repayment plans, capacity: capacity 2\.5"),
    (_table_with("Capacity", 0, 5), r"reminders capacity 5 should be empty"),
    (assumptions_table(DEFAULT_ASSUMPTIONS).iloc[:2], r"should have the rows"),
    (assumptions_table(DEFAULT_ASSUMPTIONS).drop(columns="Capacity"), r"should have the rows .* and the columns"),
    (assumptions_table(DEFAULT_ASSUMPTIONS).iloc[::-1], r"should have the rows"),
])
def test_bad_tables_name_the_action_and_field(table: pd.DataFrame, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        assumptions_from_table(table)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"cost": float("inf"), "shares": (0.5,) * 4}, "cost inf"),
    ({"cost": 1.0, "shares": (0.5,) * 4, "capacity": 3.0}, "capacity 3.0"),
    ({"cost": 1.0, "shares": 0.5}, "recovered shares 0.5"),
])
def test_action_terms_validate_on_construction(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ActionTerms(**kwargs)
