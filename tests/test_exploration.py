"""Tests for ``slrs.exploration``: the tables behind the Explore page, on small hand-made views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.exceptions import ConfigError
from slrs.exploration import (
    UNKNOWN_OUTCOME,
    correlation_table,
    filter_exploration,
    full_recovery_rates,
    group_labels,
    mean_risk_by,
    scatter_frame,
)
from slrs.schema import NUMERIC_MODEL_FEATURES
from slrs.strategy import LEGAL, NOT_SCORED, REMINDERS, SETTLEMENT

FULL, PARTIAL, WRITTEN_OFF = "Fully Recovered", "Partially Recovered", "Written Off"


def _view(**columns: list) -> pd.DataFrame:
    """A six-row view; any column can be overridden."""
    base = {
        "Borrower_ID": ["B1", "B2", "B3", "B4", "B5", "B6"],
        "Borrower_Segment": pd.array([0, 0, 1, 1, 2, pd.NA], dtype="Int64"),
        "Loan_Type": ["Home", "Auto", "Home", "Personal", "Business", "Home"],
        "Monthly_Income": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        "Loan_Amount": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
        "Num_Missed_Payments": [0.0, 0.0, 1.0, 12.0, 10.0, np.nan],
        "Payment_History": ["On-Time", "Missed", "On-Time", "Delayed", np.nan, "Missed"],
        "Risk_Score": [0.1, 0.3, 0.6, 0.9, 0.8, np.nan],
        "Recovery_Status": [FULL, WRITTEN_OFF, FULL, PARTIAL, np.nan, FULL],
    }
    base.update(columns)
    return pd.DataFrame(base)


STRATEGIES = pd.Series([REMINDERS, REMINDERS, SETTLEMENT, LEGAL, LEGAL, NOT_SCORED])


@pytest.mark.parametrize(("filters", "expected_ids"), [
    ({}, ["B1", "B2", "B3", "B4", "B5", "B6"]),
    ({"segments": [1]}, ["B3", "B4"]),
    ({"chosen_strategies": [LEGAL]}, ["B4", "B5"]),
    ({"loan_types": ["Home"]}, ["B1", "B3", "B6"]),
    ({"loan_types": ["Home"], "segments": [0, 1]}, ["B1", "B3"]),
    ({"loan_types": ["Home"], "chosen_strategies": [NOT_SCORED]}, ["B6"]),
    ({"segments": [], "chosen_strategies": [], "loan_types": []}, ["B1", "B2", "B3", "B4", "B5", "B6"]),
])
def test_filter_exploration_combines_every_filter(filters: dict, expected_ids: list[str]) -> None:
    view = _view()
    mask = filter_exploration(view, STRATEGIES, **filters)
    assert view.loc[mask, "Borrower_ID"].tolist() == expected_ids


@pytest.mark.parametrize(("values", "expected"), [
    ([0.0, 1.0, 9.0, 10.0, 600.0], ["0", "1", "9", "10+", "10+"]),
    ([np.nan, 2.0], [None, "2"]),
])
def test_group_labels_caps_counts(values: list[float], expected: list[str | None]) -> None:
    labels = group_labels(pd.Series(values, name="Num_Missed_Payments"))
    assert [None if pd.isna(label) else label for label in labels] == expected
    assert list(labels.cat.categories) == [*map(str, range(10)), "10+"]


def test_group_labels_orders_categories_as_the_schema() -> None:
    labels = group_labels(pd.Series(["Missed", "On-Time", "Delayed"], name="Payment_History"))
    assert list(labels.cat.categories) == ["On-Time", "Delayed", "Missed"]
    assert labels.sort_values().tolist() == ["On-Time", "Delayed", "Missed"]


@pytest.mark.parametrize("column", ["Age", "Monthly_Income", "Favourite_Colour"])
def test_group_labels_refuses_columns_that_are_neither_categories_nor_counts(column: str) -> None:
    with pytest.raises(ConfigError, match=f"cannot group by '{column}'; expected a category column"):
        group_labels(pd.Series([1.0], name=column))


def test_full_recovery_rates_by_payment_history_counts_known_outcomes_only() -> None:
    table = full_recovery_rates(_view(), "Payment_History")
    # B5 has no history and no outcome; B6 is Missed and fully recovered.
    assert table.to_dict("list") == {"Payment_History": ["On-Time", "Delayed", "Missed"],
                                     "Rate": [1.0, 0.0, 0.5], "Borrowers": [2, 1, 2]}


def test_full_recovery_rates_by_missed_payments_are_in_count_order() -> None:
    table = full_recovery_rates(_view(), "Num_Missed_Payments")
    # B5 (10 missed) has no outcome, B6 no count: neither is counted.
    assert table.to_dict("list") == {"Num_Missed_Payments": ["0", "1", "10+"], "Rate": [0.5, 1.0, 0.0],
                                     "Borrowers": [2, 1, 1]}


@pytest.mark.parametrize("view", [_view(Recovery_Status=[np.nan] * 6), _view().drop(columns="Recovery_Status")],
                         ids=["no-values", "no-column"])
def test_full_recovery_rates_without_outcomes_is_empty(view: pd.DataFrame) -> None:
    table = full_recovery_rates(view, "Payment_History")
    assert table.empty
    assert list(table.columns) == ["Payment_History", "Rate", "Borrowers"]


def test_mean_risk_by_uses_scored_rows_only() -> None:
    table = mean_risk_by(_view(), "Payment_History")
    assert table["Payment_History"].tolist() == ["On-Time", "Delayed", "Missed"]
    assert table["Mean_Risk_Score"].tolist() == pytest.approx([0.35, 0.9, 0.3])
    assert table["Borrowers"].tolist() == [2, 1, 1]  # B6 (Missed) is not scored


def test_correlation_table_is_square_over_numeric_inputs_and_risk() -> None:
    rng = np.random.default_rng(0)
    view = pd.DataFrame(rng.normal(size=(50, len(NUMERIC_MODEL_FEATURES))), columns=list(NUMERIC_MODEL_FEATURES))
    view["Risk_Score"] = view["Loan_Amount"] * 2 + 1
    view["Segment_Name"] = "not numeric"
    table = correlation_table(view)
    assert list(table.index) == list(table.columns) == [*NUMERIC_MODEL_FEATURES, "Risk_Score"]
    assert table.loc["Loan_Amount", "Risk_Score"] == pytest.approx(1.0)
    assert np.allclose(np.diag(table), 1.0)


def test_correlation_table_skips_inputs_the_view_lacks() -> None:
    assert list(correlation_table(_view()).columns) == ["Monthly_Income", "Loan_Amount", "Num_Missed_Payments",
                                                        "Risk_Score"]


def test_scatter_frame_colours_by_outcome_where_known() -> None:
    frame, colour = scatter_frame(_view(), STRATEGIES)
    assert colour == "Recovery_Status"
    assert frame["Recovery_Status"].tolist() == [FULL, WRITTEN_OFF, FULL, PARTIAL, UNKNOWN_OUTCOME, FULL]
    assert frame["Recovery_Strategy"].tolist() == STRATEGIES.tolist()


def test_scatter_frame_colours_by_strategy_without_outcomes() -> None:
    frame, colour = scatter_frame(_view().drop(columns="Recovery_Status"), STRATEGIES)
    assert colour == "Recovery_Strategy"
    assert list(frame.columns) == ["Borrower_ID", "Monthly_Income", "Loan_Amount", "Recovery_Strategy"]
