"""Champion vs challenger: transition counts, totals and their changes, segments, alignment checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slrs.compare import (
    MEASURES,
    MONEY,
    TOTAL,
    Comparison,
    compare_plans,
    transition_matrix,
)
from slrs.exceptions import ConfigError
from slrs.money import (
    DEFAULT_ASSUMPTIONS,
    PLAN_COLUMNS,
    ActionTerms,
    Assumptions,
    plan_actions,
    plan_totals,
)
from slrs.portfolio import build_view, load_portfolio
from slrs.strategy import (
    DEFAULT_THRESHOLDS,
    LEGAL,
    NOT_SCORED,
    REMINDERS,
    SETTLEMENT,
    STRATEGIES,
    Thresholds,
)

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "portfolio.csv"
R, S, L, N = REMINDERS, SETTLEMENT, LEGAL, NOT_SCORED
NAN = np.nan


@pytest.fixture
def view() -> pd.DataFrame:
    """Six borrowers shaped like ``build_view`` output (the columns compare uses); the last is not scored."""
    return pd.DataFrame({
        "Row": range(1, 7),
        "Borrower_ID": [f"B{n}" for n in range(1, 7)],
        "Outstanding_Loan_Amount": [1000.0, 2000, 3000, 4000, 5000, 6000],
        "Borrower_Segment": pd.array([0, 0, 1, 1, 2, None], dtype="Int64"),
        "Segment_Name": ["Calm", "Calm", "Mixed", "Mixed", "Stressed", NAN],
        "Risk_Score": [0.1, 0.3, 0.55, 0.6, 0.9, NAN],
    })


def _plan(strategies: list[str], cost: list[float], recovered: list[float]) -> pd.DataFrame:
    """A hand-made plan with known strategies and amounts (currency)."""
    plan = pd.DataFrame({"Recovery_Strategy": strategies, "Risk_Band": "any",
                         "Outstanding": [1000.0, 2000, 3000, 4000, 5000, 6000], "Action_Cost": cost,
                         "Expected_Recovered": recovered})
    plan["Expected_Net_Recovery"] = plan["Expected_Recovered"] - plan["Action_Cost"]
    plan["Capacity_Fallback"] = False
    return plan[list(PLAN_COLUMNS)]


@pytest.fixture
def champion_plan() -> pd.DataFrame:
    return _plan([R, R, S, S, L, N], [25, 25, 800, 800, 6000, NAN], [900, 1500, 2500, 3000, 4000, NAN])


@pytest.fixture
def challenger_plan() -> pd.DataFrame:
    return _plan([R, S, S, L, L, N], [25, 800, 800, 6000, 6000, NAN], [900, 1800, 2500, 3400, 4000, NAN])


@pytest.fixture
def comparison(view, champion_plan, challenger_plan) -> Comparison:
    return compare_plans(view, champion_plan, view.copy(), challenger_plan)


def test_transitions_count_who_moves_where(comparison: Comparison) -> None:
    order = [*STRATEGIES, N, TOTAL]
    expected = pd.DataFrame([[1, 1, 0, 0, 2],
                             [0, 1, 1, 0, 2],
                             [0, 0, 1, 0, 1],
                             [0, 0, 0, 1, 1],
                             [1, 2, 2, 1, 6]], index=order[:4] + [TOTAL], columns=order)
    matrix = comparison.transitions
    assert matrix.index.tolist() == order and matrix.columns.tolist() == order
    assert (matrix.index.name, matrix.columns.name) == ("Champion", "Challenger")
    assert matrix.to_numpy().tolist() == expected.to_numpy().tolist()
    assert comparison.moved == 2


def test_totals_hold_both_sides_and_the_change(comparison: Comparison) -> None:
    totals = comparison.totals.set_index("Measure")
    assert totals.index.tolist() == list(MEASURES)
    assert totals["Champion"].tolist() == [2, 2, 1, 7650, 11900, 4250]
    assert totals["Challenger"].tolist() == [1, 2, 2, 13625, 12600, -1025]
    assert totals["Change"].tolist() == [-1, 0, 1, 5975, 700, -5275]
    assert (totals["Change"] == totals["Challenger"] - totals["Champion"]).all()
    # net = recovered - cost on both sides, and so is its change
    net, recovered, cost = (totals.loc[m] for m in ("Expected_Net_Recovery", "Expected_Recovered", "Action_Cost"))
    assert (net == recovered - cost).all()


def test_by_segment_counts_borrowers_and_moves(comparison: Comparison) -> None:
    table = comparison.by_segment
    assert table["Segment_Name"].tolist() == ["Calm", "Mixed", "Stressed", N]
    assert table["Borrower_Segment"].isna().tolist() == [False, False, False, True]
    assert table["Borrowers"].tolist() == [2, 2, 1, 1]
    assert table["Moved"].tolist() == [1, 1, 0, 0]
    assert table["Expected_Net_Recovery_Change"].tolist() == [-475, -4800, 0, 0]
    assert table.loc[3, [f"{m}_{side}" for m in MONEY for side in ("Champion", "Challenger")]].eq(0).all()


@pytest.mark.parametrize("measure", MONEY)
@pytest.mark.parametrize("side", ["Champion", "Challenger", "Change"])
def test_by_segment_sums_equal_the_totals(comparison: Comparison, measure: str, side: str) -> None:
    total = comparison.totals.set_index("Measure").loc[measure, side]
    assert comparison.by_segment[f"{measure}_{side}"].sum() == pytest.approx(total)


def test_identical_sides_change_nothing(view: pd.DataFrame, champion_plan: pd.DataFrame) -> None:
    comparison = compare_plans(view, champion_plan, view, champion_plan.copy())
    matrix = comparison.transitions.drop(index=TOTAL, columns=TOTAL).to_numpy()
    assert (matrix == np.diag(np.diag(matrix))).all()
    assert np.diag(matrix).tolist() == [2, 2, 1, 1]
    assert comparison.moved == 0
    assert (comparison.totals["Change"] == 0).all()
    assert (comparison.by_segment.filter(like="_Change") == 0).all().all()
    assert (comparison.by_segment["Moved"] == 0).all()


def test_transition_matrix_lists_every_strategy_and_not_scored_only_when_present() -> None:
    matrix = transition_matrix(pd.Series([L, L]), pd.Series([L, R]))
    assert matrix.index.tolist() == [*STRATEGIES, TOTAL] and matrix.columns.tolist() == [*STRATEGIES, TOTAL]
    assert matrix.loc[L, R] == 1 and matrix.loc[L, L] == 1 and matrix.loc[TOTAL, TOTAL] == 2
    assert matrix.loc[S].sum() == 0


def _reordered(view: pd.DataFrame) -> pd.DataFrame:
    return view.iloc[::-1].reset_index(drop=True)


@pytest.mark.parametrize(("change", "message"), [
    (lambda v: v.iloc[:5], "the challenger plan's 6 rows are not its view's 5 rows"),
    (_reordered, "Row differs between the champion and the challenger from row 1"),
    (lambda v: v.assign(Borrower_ID=[*v["Borrower_ID"][:4], "X", "B6"]), "Borrower_ID differs .* from row 5"),
    (lambda v: v.assign(Borrower_Segment=pd.array([0, 0, 1, 2, 2, None], dtype="Int64")),
     "Borrower_Segment differs .* from row 4"),
    (lambda v: v.assign(Borrower_Segment=pd.array([0, 0, 1, 1, 2, 3], dtype="Int64")),
     "Borrower_Segment differs .* from row 6"),
    (lambda v: v.drop(columns="Borrower_ID"), "the challenger view has no column 'Borrower_ID'"),
])
def test_misaligned_rows_are_refused(view, champion_plan, challenger_plan, change, message) -> None:
    with pytest.raises(ConfigError, match=message):
        compare_plans(view, champion_plan, change(view), challenger_plan)


def test_different_numbers_of_rows_are_refused(view, champion_plan) -> None:
    shorter = view.iloc[:5]
    with pytest.raises(ConfigError, match="the champion has 6 rows and the challenger 5"):
        compare_plans(view, champion_plan, shorter, champion_plan.iloc[:5])


def test_outcome_against_study_on_the_sample_matches_each_plans_totals(bundle) -> None:
    portfolio = load_portfolio(SAMPLE.read_bytes(), SAMPLE.name, is_sample=True)
    sides = {"outcome": (DEFAULT_THRESHOLDS, DEFAULT_ASSUMPTIONS),
             "study": (Thresholds(0.3, 0.6), Assumptions(legal=ActionTerms(6000.0, (0.88, 0.8, 0.66, 0.52), 200)))}
    views = {method: build_view(portfolio, bundle, method) for method in sides}
    plans = {method: plan_actions(views[method]["Risk_Score"].to_numpy(),
                                  views[method]["Outstanding_Loan_Amount"].to_numpy(), *sides[method],
                                  index=views[method].index) for method in sides}
    comparison = compare_plans(views["outcome"], plans["outcome"], views["study"], plans["study"])
    totals = comparison.totals.set_index("Measure")
    for side, method in (("Champion", "outcome"), ("Challenger", "study")):
        expected = plan_totals(plans[method])
        assert totals.loc[list(MONEY), side].tolist() == pytest.approx([expected[m] for m in MONEY])
        assert totals.loc[["Reminders_Accounts", "Settlement_Accounts", "Legal_Accounts"], side].tolist() == [
            expected["reminders_accounts"], expected["settlement_accounts"], expected["legal_accounts"]]
    assert totals.loc["Legal_Accounts", "Challenger"] == 200
    assert comparison.transitions.loc[TOTAL, TOTAL] == portfolio.n_rows
    moved = (plans["outcome"]["Recovery_Strategy"] != plans["study"]["Recovery_Strategy"]).sum()
    assert comparison.moved == moved > 0
    assert comparison.by_segment["Borrowers"].sum() == portfolio.n_rows
