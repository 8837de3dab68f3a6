from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.schema import SCORE_COLUMNS
from slrs.scoring import score_portfolio, score_rows
from slrs.strategy import NOT_SCORED, STRATEGIES, Thresholds
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio


@pytest.fixture(scope="module")
def portfolio() -> pd.DataFrame:
    return generate_portfolio(400, seed=21).astype(str)


def test_score_portfolio_keeps_every_input_column_and_row_in_order(bundle, portfolio: pd.DataFrame) -> None:
    shuffled = portfolio.sample(frac=1.0, random_state=1).assign(Branch="North")
    table = score_portfolio(shuffled, bundle).table
    assert list(table.columns) == [*shuffled.columns, *SCORE_COLUMNS]
    pd.testing.assert_frame_equal(table[shuffled.columns], shuffled)


@pytest.mark.parametrize("method", ["outcome", "study"])
def test_scores_are_probabilities_and_strategies_follow_thresholds(bundle, portfolio, method: str) -> None:
    thresholds = Thresholds(0.3, 0.6)
    table = score_portfolio(portfolio, bundle, method, thresholds).table
    risk = table["Risk_Score"]
    assert risk.between(0, 1).all()
    expected = np.where(risk > 0.6, STRATEGIES[2], np.where(risk >= 0.3, STRATEGIES[1], STRATEGIES[0]))
    assert (table["Recovery_Strategy"] == expected).all()


def test_expected_recovery_is_in_currency_and_at_most_outstanding(bundle, portfolio) -> None:
    table = score_portfolio(portfolio, bundle).table
    outstanding = portfolio["Outstanding_Loan_Amount"].astype(float)
    assert (table["Expected_Recovery"] <= outstanding + 1e-6).all()
    assert (table["Expected_Recovery"] > 0.05 * outstanding - 1e-6).all()


def test_segment_numbers_and_names_come_from_the_committed_segmenter(bundle, portfolio) -> None:
    table = score_portfolio(portfolio, bundle).table
    names = dict(zip(table["Borrower_Segment"], table["Segment_Name"], strict=True))
    assert all(bundle.segment_names[segment] == name for segment, name in names.items())


def test_risk_rises_with_missed_payments(bundle, portfolio) -> None:
    clean = validate_portfolio(portfolio.head(50)).clean
    worse = clean.assign(Num_Missed_Payments=clean["Num_Missed_Payments"] + 6,
                         Days_Past_Due=(clean["Days_Past_Due"] + 150).clip(upper=180))
    base = score_rows(bundle, clean)["Risk_Score"]
    assert (score_rows(bundle, worse)["Risk_Score"] >= base - 0.02).all()
    assert score_rows(bundle, worse)["Risk_Score"].mean() > base.mean() + 0.1


def test_unscorable_rows_are_kept_with_their_reason(bundle, portfolio) -> None:
    broken = portfolio.head(5).copy()
    broken.loc[broken.index[1], "Outstanding_Loan_Amount"] = "n/a"
    table = score_portfolio(broken, bundle).table
    row = table.iloc[1]
    assert len(table) == 5 and np.isnan(row["Risk_Score"]) and row["Recovery_Strategy"] == NOT_SCORED
    assert "not scored" in row["Data_Issues"] and "'n/a'" in row["Data_Issues"]
    assert table["Risk_Score"].drop(index=table.index[1]).notna().all()


def test_rescoring_a_scored_table_replaces_the_score_columns(bundle, portfolio) -> None:
    once = score_portfolio(portfolio, bundle).table
    twice = score_portfolio(once.astype(str), bundle, thresholds=Thresholds(0.1, 0.2)).table
    assert list(twice.columns) == list(once.columns)
    assert (twice["Recovery_Strategy"] != once["Recovery_Strategy"]).any()
