"""Portfolio views under a plan: summaries, the threshold comparison, the segment x strategy matrix, filters, KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.io import load_bundle
from slrs.money import SUMMARY_TOTAL, plan_summary
from slrs.pipeline import plan
from slrs.portfolio import (
    COMPARED_MEASURES,
    build_view,
    compare_summaries,
    filter_view,
    load_portfolio,
    portfolio_kpis,
    segment_strategy_matrix,
)
from slrs.strategy import (
    DEFAULT_THRESHOLDS,
    LEGAL,
    NOT_SCORED,
    REMINDERS,
    SETTLEMENT,
    STRATEGIES,
    Thresholds,
)
from slrs.synth import generate_portfolio

NAMES = ["Low", "Low", "Mid", "Mid", "High", "High", "Very High", np.nan]


@pytest.fixture
def view() -> pd.DataFrame:
    """Eight borrowers shaped like ``build_view`` output; the last could not be scored."""
    return pd.DataFrame({
        "Row": range(1, 9),
        "Borrower_ID": [f"B{n}" for n in range(1, 9)],
        "Outstanding_Loan_Amount": [100.0, 200, 300, 400, 500, 600, 700, 800],
        "Borrower_Segment": pd.array([0, 0, 1, 1, 2, 2, 3, None], dtype="Int64"),
        "Segment_Name": NAMES,
        "Risk_Score": [0.10, 0.49, 0.50, 0.60, 0.75, 0.76, 0.95, np.nan],
        "Data_Issues": [""] * 7 + ["Outstanding_Loan_Amount: missing"],
    })


def strategies_for(view: pd.DataFrame, thresholds: Thresholds) -> pd.Series:
    return plan(view, thresholds)["Recovery_Strategy"]


def strategy_summary(view: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """The plan's summary at ``thresholds`` (default assumptions), without its Total row."""
    summary = plan_summary(plan(view, thresholds))
    return summary[summary["Strategy"] != SUMMARY_TOTAL].reset_index(drop=True)


@pytest.mark.parametrize(("low", "high", "borrowers"), [
    (0.50, 0.75, [2, 3, 2, 1]),   # the study's cut-offs: 0.50 and 0.75 themselves are settlement
    (0.30, 0.60, [1, 3, 3, 1]),
    (0.00, 1.00, [0, 7, 0, 1]),   # every scored borrower in settlement; empty strategies stay listed
    (0.96, 0.99, [7, 0, 0, 1]),
])
def test_strategy_summary_adds_up_to_the_portfolio(view: pd.DataFrame, low: float, high: float,
                                                   borrowers: list[int]) -> None:
    summary = strategy_summary(view, Thresholds(low, high))
    assert summary["Strategy"].tolist() == [*STRATEGIES, NOT_SCORED]
    assert summary["Borrowers"].tolist() == borrowers
    assert summary["Borrowers"].sum() == len(view)
    assert summary["Outstanding"].sum() == pytest.approx(view["Outstanding_Loan_Amount"].sum())
    assert summary["Share_of_Borrowers"].sum() == pytest.approx(1.0)


def test_strategy_summary_sums_money_per_strategy(view: pd.DataFrame) -> None:
    summary = strategy_summary(view, DEFAULT_THRESHOLDS).set_index("Strategy")
    assert summary.loc[[REMINDERS, SETTLEMENT, LEGAL, NOT_SCORED], "Outstanding"].tolist() == [300, 1200, 1300, 800]
    # Default shares by band: reminders 0.97 / 0.85, settlement 0.68 (0.50 and 0.60) and 0.45 (0.75), legal 0.52.
    assert summary.loc[[REMINDERS, SETTLEMENT, LEGAL], "Expected_Recovered"].tolist() == pytest.approx([267, 701, 676])
    assert summary.loc[[REMINDERS, SETTLEMENT, LEGAL], "Action_Cost"].tolist() == [50, 2400, 12000]


def test_strategy_summary_lists_not_scored_only_when_present(view: pd.DataFrame) -> None:
    scored = view.iloc[:7]
    assert strategy_summary(scored, DEFAULT_THRESHOLDS)["Strategy"].tolist() == list(STRATEGIES)


def test_strategy_summary_of_a_real_view_counts_every_row() -> None:
    text = generate_portfolio(60, seed=3).astype(str)
    text.loc[0, "Outstanding_Loan_Amount"] = ""  # no outstanding amount: kept, but not scored
    portfolio = load_portfolio(text.to_csv(index=False).encode(), "mine.csv")
    view = build_view(portfolio, load_bundle(), "outcome")
    summary = strategy_summary(view, Thresholds(0.3, 0.6)).set_index("Strategy")
    assert summary["Borrowers"].sum() == 60
    assert summary.loc[NOT_SCORED, "Borrowers"] == 1


@pytest.mark.parametrize(("chosen", "change"), [
    (Thresholds(0.30, 0.60), [-1, 0, 1, 0]),
    (Thresholds(0.00, 1.00), [-2, 4, -2, 0]),
    (DEFAULT_THRESHOLDS, [0, 0, 0, 0]),
])
def test_compare_summaries_puts_defaults_and_choice_side_by_side(view: pd.DataFrame, chosen: Thresholds,
                                                                  change: list[int]) -> None:
    table = compare_summaries(plan_summary(plan(view, DEFAULT_THRESHOLDS)), plan_summary(plan(view, chosen)))
    assert table["Strategy"].tolist() == [*STRATEGIES, NOT_SCORED, SUMMARY_TOTAL]
    assert table["Borrowers_Change"].tolist() == [*change, 0]
    assert table["Borrowers_Default"].tolist() == [2, 3, 2, 1, 8]
    chosen_summary = strategy_summary(view, chosen)
    assert table["Borrowers_Chosen"].tolist()[:-1] == chosen_summary["Borrowers"].tolist()
    assert table["Outstanding_Chosen"].tolist()[:-1] == chosen_summary["Outstanding"].tolist()
    for measure in ("Borrowers", "Outstanding"):  # the same borrowers, moved between actions
        assert table[f"{measure}_Change"].iloc[:-1].sum() == pytest.approx(0)
    for measure in COMPARED_MEASURES:
        assert (table[f"{measure}_Chosen"] - table[f"{measure}_Default"]).tolist() == \
            pytest.approx(table[f"{measure}_Change"].tolist())


@pytest.mark.parametrize("thresholds", [DEFAULT_THRESHOLDS, Thresholds(0.0, 1.0), Thresholds(0.3, 0.6)])
def test_segment_strategy_matrix_counts_every_borrower_once(view: pd.DataFrame, thresholds: Thresholds) -> None:
    matrix = segment_strategy_matrix(view, strategies_for(view, thresholds))
    assert int(matrix.to_numpy().sum()) == len(view)
    assert list(matrix.columns) == [*STRATEGIES, NOT_SCORED]
    assert matrix.loc["Not scored", NOT_SCORED] == 1
    assert matrix.loc["0 Low"].sum() == 2


def test_segment_strategy_matrix_places_each_segment(view: pd.DataFrame) -> None:
    matrix = segment_strategy_matrix(view, strategies_for(view, DEFAULT_THRESHOLDS))
    assert matrix.loc["0 Low", REMINDERS] == 2
    assert matrix.loc["2 High", SETTLEMENT] == 1 and matrix.loc["2 High", LEGAL] == 1
    assert matrix.loc["3 Very High", LEGAL] == 1


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8"]),
    ({"segments": [0]}, ["B1", "B2"]),
    ({"segments": [2, 3]}, ["B5", "B6", "B7"]),
    ({"chosen_strategies": [LEGAL]}, ["B6", "B7"]),
    ({"chosen_strategies": [NOT_SCORED]}, ["B8"]),
    ({"risk_range": (0.5, 0.6)}, ["B3", "B4", "B8"]),  # unscored rows pass the risk filter
    ({"search": " b1 "}, ["B1"]),                      # trimmed, case-insensitive
    ({"search": "B."}, []),                            # literal text, not a pattern
    ({"segments": [1], "chosen_strategies": [SETTLEMENT], "risk_range": (0.55, 1.0)}, ["B4"]),
])
def test_filter_view_keeps_rows_matching_every_filter(view: pd.DataFrame, filters: dict,
                                                      expected: list[str]) -> None:
    mask = filter_view(view, strategies_for(view, DEFAULT_THRESHOLDS), **filters)
    assert view.loc[mask, "Borrower_ID"].tolist() == expected


def test_portfolio_kpis_sum_the_view_and_its_plan(view: pd.DataFrame) -> None:
    kpis = portfolio_kpis(view, plan(view, DEFAULT_THRESHOLDS))
    assert kpis["borrowers"] == 8
    assert kpis["outstanding"] == 3600
    assert kpis["expected_recovered"] == pytest.approx(267 + 701 + 676)
    assert kpis["action_cost"] == 50 + 2400 + 12000
    assert kpis["expected_net_recovery"] == pytest.approx(267 + 701 + 676 - 14450)
    assert kpis["expected_recovery_rate"] == pytest.approx(1644 / 2800)  # of the scored rows' outstanding
    assert (kpis["rows_with_issues"], kpis["unscored"]) == (1, 1)
    assert kpis["mean_risk"] == pytest.approx(np.mean([0.10, 0.49, 0.50, 0.60, 0.75, 0.76, 0.95]))


def test_portfolio_kpis_of_an_empty_outstanding_give_no_rate(view: pd.DataFrame) -> None:
    zero = view.assign(Outstanding_Loan_Amount=0.0)
    assert np.isnan(portfolio_kpis(zero, plan(zero, DEFAULT_THRESHOLDS))["expected_recovery_rate"])


def test_reason_codes_download_has_one_row_per_borrower_with_blanks_where_unscored() -> None:
    from slrs.explain import reason_codes_download
    from slrs.io import load_bundle
    from slrs.portfolio import build_view, load_portfolio
    from slrs.synth import generate_portfolio

    frame = generate_portfolio(30, seed=4)
    frame.loc[2, "Outstanding_Loan_Amount"] = None
    bundle = load_bundle()
    portfolio = load_portfolio(frame.to_csv(index=False).encode(), "book.csv")
    table = reason_codes_download(build_view(portfolio, bundle, "outcome"), portfolio, bundle, "outcome")
    assert len(table) == 30 and list(table.columns[:3]) == ["Row", "Borrower_ID", "Risk_Score"]
    assert table.loc[2, "Reason_1"] == "" and (table.drop(index=2)["Reason_1"] != "").all()


@pytest.mark.parametrize("ids", [["B1", "", "B3", "  "], None])
def test_a_row_without_a_borrower_id_is_named_by_its_row_number(ids: list[str] | None) -> None:
    frame = generate_portfolio(4, seed=8).astype(str)
    if ids is None:
        frame = frame.drop(columns=["Borrower_ID"])
    else:
        frame["Borrower_ID"] = ids
    portfolio = load_portfolio(frame.to_csv(index=False).encode(), "ids.csv")
    view = build_view(portfolio, load_bundle(), "outcome")
    expected = ["Row 1", "Row 2", "Row 3", "Row 4"] if ids is None else ["B1", "Row 2", "B3", "Row 4"]
    assert view["Borrower_ID"].tolist() == expected and view["Borrower_ID"].dtype == "str"
