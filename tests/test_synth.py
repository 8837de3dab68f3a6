"""Tests for ``slrs.synth``: the reference format, determinism and the documented causal story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs import schema
from slrs.exceptions import ConfigError
from slrs.synth import generate_history, generate_portfolio

N_ROWS = 5_000
STORY_SEED = 0


@pytest.fixture(scope="module")
def portfolio() -> pd.DataFrame:
    return generate_portfolio(N_ROWS, seed=STORY_SEED)


def _full_rate(df: pd.DataFrame) -> float:
    return float((df[schema.TARGET] == schema.FULLY_RECOVERED).mean())


def test_generate_portfolio_columns_match_schema(portfolio: pd.DataFrame) -> None:
    assert list(portfolio.columns) == list(schema.COLUMN_NAMES)
    assert len(portfolio) == N_ROWS
    assert not portfolio.isna().any().any()


@pytest.mark.parametrize("column", [c for c in schema.COLUMNS if c.is_numeric], ids=lambda c: c.name)
def test_generate_portfolio_numbers_within_schema_range(portfolio: pd.DataFrame, column: schema.Column) -> None:
    values = portfolio[column.name]
    assert pd.api.types.is_numeric_dtype(values)
    if column.minimum is not None:
        assert values.min() >= column.minimum
    if column.maximum is not None:
        assert values.max() <= column.maximum


@pytest.mark.parametrize("column", [c for c in schema.COLUMNS if c.allowed], ids=lambda c: c.name)
def test_generate_portfolio_categories_are_exactly_allowed(portfolio: pd.DataFrame, column: schema.Column) -> None:
    assert set(portfolio[column.name]) == set(column.allowed)


@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        ("Age", 21, 64),
        ("Num_Dependents", 0, 3),
        ("Monthly_Income", 15_000, 250_000),
        ("Loan_Amount", 50_000, 2_000_000),
        ("Loan_Tenure", 12, 72),
        ("Num_Missed_Payments", 0, 12),
        ("Days_Past_Due", 0, 180),
        ("Collection_Attempts", 0, 10),
    ],
)
def test_generate_portfolio_integer_columns_in_reference_range(
    portfolio: pd.DataFrame, column: str, low: int, high: int
) -> None:
    values = portfolio[column]
    assert pd.api.types.is_integer_dtype(values)
    assert values.between(low, high).all()


@pytest.mark.parametrize("column", ["Interest_Rate", "Collateral_Value", "Outstanding_Loan_Amount", "Monthly_EMI"])
def test_generate_portfolio_floats_rounded_to_cents(portfolio: pd.DataFrame, column: str) -> None:
    values = portfolio[column]
    assert pd.api.types.is_float_dtype(values)
    assert np.allclose(values, values.round(2), rtol=0, atol=1e-9)


def test_generate_portfolio_tenures_are_whole_years(portfolio: pd.DataFrame) -> None:
    assert set(portfolio["Loan_Tenure"]) <= {12, 24, 36, 48, 60, 72}


@pytest.mark.parametrize(("column", "prefix"), [("Borrower_ID", "BRW_"), ("Loan_ID", "LN_")])
def test_generate_portfolio_ids_are_numbered_from_one(portfolio: pd.DataFrame, column: str, prefix: str) -> None:
    expected = [f"{prefix}{i}" for i in range(1, N_ROWS + 1)]
    assert portfolio[column].tolist() == expected


@pytest.mark.parametrize(("seed", "other_seed"), [(0, 1), (7, 8)])
def test_generate_portfolio_is_deterministic_per_seed(seed: int, other_seed: int) -> None:
    first = generate_portfolio(200, seed=seed)
    pd.testing.assert_frame_equal(first, generate_portfolio(200, seed=seed))
    assert not first.equals(generate_portfolio(200, seed=other_seed))


def test_generate_portfolio_single_row_is_valid() -> None:
    df = generate_portfolio(1, seed=3)
    assert df.shape == (1, len(schema.COLUMN_NAMES))
    assert df.loc[0, "Borrower_ID"] == "BRW_1"


@pytest.mark.parametrize("n_rows", [0, -5, 2.5, True])
def test_generate_portfolio_rejects_bad_n_rows(n_rows: object) -> None:
    with pytest.raises(ConfigError, match=r"n_rows=.* should be a whole number >= 1"):
        generate_portfolio(n_rows)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "low", "high"),
    [(schema.FULLY_RECOVERED, 0.55, 0.62), (schema.PARTIALLY_RECOVERED, 0.25, 0.30), (schema.WRITTEN_OFF, 0.10, 0.15)],
)
def test_generate_portfolio_outcome_rates_near_target(
    portfolio: pd.DataFrame, outcome: str, low: float, high: float
) -> None:
    rate = (portfolio[schema.TARGET] == outcome).mean()
    assert low <= rate <= high


@pytest.mark.parametrize(
    ("loan_type", "low", "high"),
    [("Personal", 0.0, 0.0), ("Home", 1.1, 1.5), ("Auto", 0.6, 1.0), ("Business", 0.3, 1.2)],
)
def test_generate_portfolio_collateral_share_by_loan_type(
    portfolio: pd.DataFrame, loan_type: str, low: float, high: float
) -> None:
    loans = portfolio[portfolio["Loan_Type"] == loan_type]
    share = loans["Collateral_Value"] / loans["Loan_Amount"]
    assert len(loans) > 0
    assert share.between(low - 1e-6, high + 1e-6).all()


def test_generate_portfolio_emi_is_annuity_of_outstanding(portfolio: pd.DataFrame) -> None:
    monthly_rate = portfolio["Interest_Rate"] / 1200
    tenure = portfolio["Loan_Tenure"].astype(float)
    expected = portfolio["Outstanding_Loan_Amount"] * monthly_rate / (1 - (1 + monthly_rate) ** -tenure)
    assert np.allclose(portfolio["Monthly_EMI"], expected, rtol=0, atol=0.01)
    assert (portfolio["Outstanding_Loan_Amount"] <= portfolio["Loan_Amount"]).all()


def test_generate_portfolio_income_drives_loan_amount(portfolio: pd.DataFrame) -> None:
    assert portfolio["Monthly_Income"].corr(portfolio["Loan_Amount"]) > 0.3


def test_generate_portfolio_few_missed_payments_mostly_recover(portfolio: pd.DataFrame) -> None:
    assert _full_rate(portfolio[portfolio["Num_Missed_Payments"] <= 2]) > 0.65


def test_generate_portfolio_recovery_falls_with_missed_payments(portfolio: pd.DataFrame) -> None:
    bands = pd.cut(portfolio["Num_Missed_Payments"], bins=[-1, 0, 2, 4, 12])
    rates = portfolio.groupby(bands, observed=True).apply(_full_rate)
    assert len(rates) == 4
    assert rates.is_monotonic_decreasing and rates.iloc[0] - rates.iloc[-1] > 0.3


def test_generate_portfolio_no_missed_payments_mostly_not_past_due(portfolio: pd.DataFrame) -> None:
    clean = portfolio[portfolio["Num_Missed_Payments"] == 0]
    assert (clean["Days_Past_Due"] == 0).mean() > 0.8
    assert (clean["Payment_History"] == "On-Time").mean() > 0.8


@pytest.mark.parametrize(
    ("column", "better_when"),
    [("Monthly_Income", "high"), ("coverage", "high"), ("Days_Past_Due", "low")],
)
def test_generate_portfolio_top_quartile_recovery_ordered(
    portfolio: pd.DataFrame, column: str, better_when: str
) -> None:
    df = portfolio.assign(coverage=portfolio["Collateral_Value"] / portfolio["Outstanding_Loan_Amount"])
    # rank first: a quarter or more of the loans share the same coverage (0, unsecured Personal loans)
    quartile = pd.qcut(df[column].rank(method="first"), 4, labels=False)
    low_rate, high_rate = _full_rate(df[quartile == 0]), _full_rate(df[quartile == 3])
    better, worse = (high_rate, low_rate) if better_when == "high" else (low_rate, high_rate)
    assert better - worse > 0.05


def test_generate_portfolio_gender_drives_nothing(portfolio: pd.DataFrame) -> None:
    rates = portfolio.groupby("Gender").apply(_full_rate)
    assert set(rates.index) == {"Male", "Female"}
    assert abs(rates["Male"] - rates["Female"]) < 0.04


@pytest.mark.parametrize(
    ("legal_action", "written_off_share_low", "written_off_share_high"), [("Yes", 0.5, 1.0), ("No", 0.0, 0.2)]
)
def test_generate_portfolio_legal_action_mostly_on_written_off(
    portfolio: pd.DataFrame, legal_action: str, written_off_share_low: float, written_off_share_high: float
) -> None:
    loans = portfolio[portfolio["Legal_Action_Taken"] == legal_action]
    share = (loans[schema.TARGET] == schema.WRITTEN_OFF).mean()
    assert written_off_share_low < share <= written_off_share_high


@pytest.mark.parametrize(("outcome", "mean_low", "mean_high"), [(schema.FULLY_RECOVERED, 0.0, 2.5),
                                                                 (schema.WRITTEN_OFF, 4.0, 10.0)])
def test_generate_portfolio_attempts_follow_outcome(
    portfolio: pd.DataFrame, outcome: str, mean_low: float, mean_high: float
) -> None:
    attempts = portfolio.loc[portfolio[schema.TARGET] == outcome, "Collection_Attempts"]
    assert mean_low <= attempts.mean() <= mean_high


@pytest.mark.parametrize(
    ("outcome", "method", "min_share"),
    [(schema.FULLY_RECOVERED, "Calls", 0.7), (schema.WRITTEN_OFF, "Legal Notice", 0.35)],
)
def test_generate_portfolio_method_escalates_with_outcome(
    portfolio: pd.DataFrame, outcome: str, method: str, min_share: float
) -> None:
    loans = portfolio[portfolio[schema.TARGET] == outcome]
    assert (loans["Collection_Method"] == method).mean() >= min_share


# --- the monthly history ----------------------------------------------------------------------------------------

def test_a_history_keeps_its_book_size_and_names_its_months() -> None:
    history = generate_history(300, 14, seed=2)
    assert list(history)[:2] == ["2026-01", "2026-02"] and list(history)[-1] == "2027-02"
    assert {len(frame) for frame in history.values()} == {300}
    assert all(list(frame.columns) == list(schema.COLUMN_NAMES) for frame in history.values())


def test_a_loan_reports_its_outcome_once_in_its_last_month_and_then_leaves() -> None:
    history = generate_history(400, 10, seed=3)
    frames = list(history.values())
    for month, frame in enumerate(frames[:-1]):
        concluded = frame.loc[frame["Recovery_Status"].notna(), "Loan_ID"]
        assert not set(concluded) & set(frames[month + 1]["Loan_ID"])  # gone the month after
        open_loans = frame[frame["Recovery_Status"].isna()]
        assert open_loans[list(schema.POST_DECISION_COLUMNS)].isna().all().all()
    ids = pd.concat(frames)
    reported = ids[ids["Recovery_Status"].notna()]
    assert reported["Loan_ID"].is_unique
    joined = set(frames[-1]["Loan_ID"]) - set(frames[0]["Loan_ID"])
    assert joined  # new loans joined the book


def test_the_downturn_raises_missed_payments_and_days_past_due_from_its_month() -> None:
    history = list(generate_history(2000, 8, seed=4, downturn_month=5).values())
    missed = [frame["Num_Missed_Payments"].mean() for frame in history]
    days = [frame["Days_Past_Due"].mean() for frame in history]
    assert max(missed[:4]) + 0.5 < min(missed[4:])
    assert max(days[:4]) + 15 < min(days[4:])
    calm = list(generate_history(2000, 8, seed=4, downturn_month=None).values())
    assert max(frame["Num_Missed_Payments"].mean() for frame in calm) < min(missed[4:])


def test_a_history_is_deterministic_per_seed() -> None:
    first, again = generate_history(200, 4, seed=7), generate_history(200, 4, seed=7)
    assert all(first[month].equals(again[month]) for month in first)
    assert not first["2026-03"].equals(generate_history(200, 4, seed=8)["2026-03"])


@pytest.mark.parametrize(("months", "downturn"), [(0, 3), (121, 3), (True, 3), (12, 0), (12, -1)])
def test_a_history_refuses_bad_months(months: object, downturn: int) -> None:
    with pytest.raises(ConfigError, match="months=|downturn_month="):
        generate_history(100, months, downturn_month=downturn)
