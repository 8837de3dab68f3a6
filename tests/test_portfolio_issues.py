"""Tests for the Portfolio page's helpers in ``slrs.portfolio``: the validation report (issue kinds, issue
filters, rows not scored), the scored table's column order and markdown escaping of user text.

(A separate file from any ``test_portfolio.py`` so that work on other helpers of the module does not collide.)
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from slrs.cli import main as cli_main
from slrs.io import to_csv_bytes
from slrs.money import DEFAULT_ASSUMPTIONS, ActionTerms, Assumptions, plan_actions
from slrs.pipeline import output_table
from slrs.portfolio import (
    LEADING_COLUMNS,
    LoadedPortfolio,
    build_view,
    escape_markdown,
    filter_issues,
    issue_kinds,
    load_portfolio,
    scored_table,
)
from slrs.scenario import DecisionScenario, scenario_to_json
from slrs.schema import OUTPUT_COLUMNS
from slrs.strategy import DEFAULT_THRESHOLDS, LEGAL, Thresholds
from slrs.synth import generate_portfolio


@pytest.fixture(scope="module")
def flawed() -> LoadedPortfolio:
    """Ten rows: row 2 has Age 'forty', row 3 an unknown loan type and no outstanding amount (not scorable)."""
    text = generate_portfolio(10, seed=4).astype(str)
    text.loc[1, "Age"] = "forty"
    text.loc[2, "Loan_Type"] = "Boat"
    text.loc[2, "Outstanding_Loan_Amount"] = ""
    return load_portfolio(text.to_csv(index=False).encode(), "flawed.csv")


def test_loaded_portfolio_counts_rows_with_issues_and_rows_not_scored(flawed: LoadedPortfolio) -> None:
    assert (flawed.n_rows, flawed.n_rows_with_issues, flawed.n_rows_not_scored) == (10, 2, 1)


def test_issue_table_names_row_column_value_and_problem(flawed: LoadedPortfolio) -> None:
    issues = flawed.validation.issues
    assert issues[["Row", "Column", "Value"]].values.tolist() == [
        [2, "Age", "forty"], [3, "Loan_Type", "Boat"], [3, "Outstanding_Loan_Amount", ""]]


@pytest.mark.parametrize(("problem", "kind"), [
    ("is not a number (expected a whole number from 18 to 100)", "is not a number"),
    ("is a duplicate (first seen in row 3; expected one row per borrower)", "is a duplicate"),
    ("is missing (expected an identifier)", "is missing"),
    ("is out of range", "is out of range"),
])
def test_issue_kinds_drop_the_bracketed_detail(problem: str, kind: str) -> None:
    assert issue_kinds(pd.Series([problem])).tolist() == [kind]


@pytest.mark.parametrize(("columns", "kinds", "expected_rows"), [
    (None, None, [2, 3, 3]),
    (["Age"], None, [2]),
    (None, ["is missing"], [3]),
    (["Loan_Type", "Age"], ["is not a known value"], [3]),
    (["Age"], ["is missing"], []),
    ([], [], [2, 3, 3]),
])
def test_filter_issues_by_column_and_kind(flawed: LoadedPortfolio, columns: list[str] | None,
                                          kinds: list[str] | None, expected_rows: list[int]) -> None:
    shown = filter_issues(flawed.validation.issues, columns=columns, kinds=kinds)
    assert shown["Row"].tolist() == expected_rows
    assert list(shown.columns) == ["Row", "Column", "Value", "Problem"]


@pytest.mark.parametrize(("text", "expected"), [
    ("plain words 123", "plain words 123"),
    ("Monthly_Income", "Monthly\\_Income"),
    ("[click](http://x.example) ![img](y)", "\\[click\\]\\(http\\:\\/\\/x\\.example\\) \\!\\[img\\]\\(y\\)"),
    ("<b>bold</b> *star* `code` $x$", "\\<b\\>bold\\<\\/b\\> \\*star\\* \\`code\\` \\$x\\$"),
    ("back\\slash", "back\\\\slash"),
])
def test_escape_markdown_escapes_every_punctuation_mark(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


def test_scored_table_puts_the_decision_columns_first(flawed: LoadedPortfolio, bundle) -> None:
    view = build_view(flawed, bundle, "outcome")
    plan = _plan(view, DEFAULT_THRESHOLDS, DEFAULT_ASSUMPTIONS)
    table = scored_table(view, plan)
    assert tuple(table.columns[:len(LEADING_COLUMNS)]) == LEADING_COLUMNS
    assert sorted(table.columns) == sorted([*view.columns, "Recovery_Strategy", "Action_Cost", "Expected_Recovered",
                                            "Expected_Net_Recovery"])
    assert table["Recovery_Strategy"].tolist() == plan["Recovery_Strategy"].tolist()
    assert "Recovery_Strategy" not in view  # the cached view is left as it was


def test_scored_download_as_csv_keeps_input_text_and_adds_scores(flawed: LoadedPortfolio, bundle) -> None:
    view = build_view(flawed, bundle, "outcome")
    data = to_csv_bytes(output_table(flawed, view, _plan(view, DEFAULT_THRESHOLDS, DEFAULT_ASSUMPTIONS)))
    back = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert len(back) == 10
    assert back.loc[1, "Age"] == "forty"
    assert back.loc[2, "Risk_Score"] == ""  # not scored, with the reason
    assert "not scored" in back.loc[2, "Data_Issues"]
    assert back.columns[-8:].tolist() == list(OUTPUT_COLUMNS) == [
        "Borrower_Segment", "Segment_Name", "Risk_Score", "Recovery_Strategy", "Action_Cost", "Expected_Recovered",
        "Expected_Net_Recovery", "Data_Issues"]
    assert back.loc[2, "Expected_Net_Recovery"] == ""  # an unscored row has no plan


def test_scored_download_equals_what_slrs_score_writes_for_the_same_scenario(flawed: LoadedPortfolio, bundle,
                                                                             tmp_path: Path) -> None:
    scenario = DecisionScenario("study", Thresholds(0.3, 0.6),
                                Assumptions(legal=ActionTerms(5000.0, (0.88, 0.8, 0.66, 0.52), capacity=2)))
    view = build_view(flawed, bundle, "study")
    download = output_table(flawed, view, _plan(view, scenario.thresholds, scenario.assumptions))
    source, scenario_file, output = tmp_path / "flawed.csv", tmp_path / "scenario.json", tmp_path / "scored.csv"
    source.write_bytes(to_csv_bytes(flawed.raw))
    scenario_file.write_text(scenario_to_json(scenario), encoding="utf-8")
    assert cli_main(["score", str(source), "--scenario", str(scenario_file), "-o", str(output)]) == 0
    written = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert (download["Recovery_Strategy"] == LEGAL).sum() == 2  # 3 above 0.6: the capacity holds in the download too
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(to_csv_bytes(download)), dtype=str, keep_default_na=False),
                                  written)


def _plan(view: pd.DataFrame, thresholds: Thresholds, assumptions: Assumptions) -> pd.DataFrame:
    return plan_actions(view["Risk_Score"].to_numpy(), view["Outstanding_Loan_Amount"].to_numpy(), thresholds,
                        assumptions, index=view.index)
