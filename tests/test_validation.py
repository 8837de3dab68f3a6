"""Tests for ``slrs.validation``: file-level problems raise one ``DataValidationError`` listing them all; row-level
problems keep the row, name the column and value in its issue text, and decide whether it can be scored."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slrs import schema
from slrs.exceptions import DataValidationError
from slrs.id_tracker import IdTracker
from slrs.io import iter_portfolio_file, read_portfolio_bytes
from slrs.synth import generate_portfolio
from slrs.validation import (
    ESSENTIAL_INPUTS,
    ISSUE_COLUMNS,
    MAX_IMPUTED_INPUTS,
    map_headers,
    validate_portfolio,
)

# Model inputs an imputer may stand in for, in schema order.
IMPUTABLE = [name for name in schema.MODEL_FEATURES if name not in ESSENTIAL_INPUTS]
BAD_ROW = 3  # position of the row a test damages (its 1-based Row number is 4)


# --- a clean portfolio -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("n_rows", "seed"), [(30, 11), (500, 0), (500, 1)])
def test_validate_portfolio_reference_like_portfolio_is_clean(n_rows: int, seed: int) -> None:
    portfolio = generate_portfolio(n_rows, seed=seed)
    result = validate_portfolio(portfolio.astype(str))
    assert result.issues.empty
    assert list(result.issues.columns) == list(ISSUE_COLUMNS)
    assert result.row_issues.eq("").all()
    assert result.scorable.all() and result.scorable.dtype == bool
    assert result.column_map == {name: name for name in schema.COLUMN_NAMES}
    for column in schema.COLUMNS:
        if column.is_numeric:
            np.testing.assert_array_equal(result.clean[column.name].to_numpy(),
                                          portfolio[column.name].to_numpy(dtype=float))
        elif column.allowed:
            assert result.clean[column.name].tolist() == portfolio[column.name].tolist()
    assert "Loan_ID" not in result.clean  # a free-text id is not validated


def test_validate_portfolio_reference_bytes_clean(reference_csv_bytes: bytes) -> None:
    frame = read_portfolio_bytes(reference_csv_bytes, "loan-recovery.csv")
    result = validate_portfolio(frame)
    assert result.issues.empty
    assert result.scorable.sum() == len(frame) == 30
    assert result.clean.loc[0, "Outstanding_Loan_Amount"] == pytest.approx(1727997.257896650)


# --- headers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Monthly_Income", "Monthly_Income"),
        ("monthly income", "Monthly_Income"),
        ("MONTHLY-INCOME", "Monthly_Income"),
        ("monthly_income", "Monthly_Income"),
        (" Monthly  Income ", "Monthly_Income"),
        ("income", "Monthly_Income"),
        ("DPD", "Days_Past_Due"),
        ("Customer ID", "Borrower_ID"),
        ("tenure months", "Loan_Tenure"),
        ("sex", "Gender"),
        ("Outstanding Amount", "Outstanding_Loan_Amount"),
        ("outcome", "Recovery_Status"),
    ],
)
def test_map_headers_aliases_and_spellings(header: str, name: str) -> None:
    assert map_headers([header, "Favourite colour"]) == {name: header}


def test_validate_portfolio_renamed_headers_validate(portfolio_text: pd.DataFrame) -> None:
    renamed = portfolio_text.rename(columns={"Monthly_Income": "MONTHLY-INCOME", "Days_Past_Due": "dpd",
                                             "Borrower_ID": "customer id", "Loan_Tenure": "loan tenure"})
    result = validate_portfolio(renamed)
    assert result.issues.empty
    assert result.column_map["Monthly_Income"] == "MONTHLY-INCOME"
    assert result.column_map["Days_Past_Due"] == "dpd"
    assert {"Monthly_Income", "Days_Past_Due", "Borrower_ID", "Loan_Tenure"} <= set(result.clean.columns)
    assert result.clean["Monthly_Income"].tolist() == portfolio_text["Monthly_Income"].astype(float).tolist()


@pytest.mark.parametrize(
    ("first", "second", "name"),
    [
        ("Monthly_Income", "income", "Monthly_Income"),
        ("monthly income", "MONTHLY-INCOME", "Monthly_Income"),
        ("Age", "age years", "Age"),
        ("Borrower_ID", "customer id", "Borrower_ID"),
        ("Age", "Age.2", "Age"),  # how the readers rename a repeated header
    ],
)
def test_map_headers_two_headers_for_one_column_raise(first: str, second: str, name: str) -> None:
    with pytest.raises(DataValidationError, match=rf"columns '{first}' and '{second}' both mean {name}; expected one"):
        map_headers([first, "Loan_Type", second])


def test_validate_portfolio_two_headers_for_one_column_raise(portfolio_text: pd.DataFrame) -> None:
    portfolio_text["income"] = portfolio_text["Monthly_Income"]
    with pytest.raises(DataValidationError, match="columns 'Monthly_Income' and 'income' both mean Monthly_Income"):
        validate_portfolio(portfolio_text)


def test_validate_portfolio_repeated_header_in_file_raises(portfolio_text: pd.DataFrame) -> None:
    # A second "Age" column in a file used to be renamed "Age.2" by the reader and silently ignored.
    data = portfolio_text.assign(Age_copy=portfolio_text["Age"]).to_csv(index=False).replace("Age_copy", "Age", 1)
    frame = read_portfolio_bytes(data.encode(), "p.csv")
    with pytest.raises(DataValidationError, match="columns 'Age' and 'Age.2' both mean Age; expected one"):
        validate_portfolio(frame)


def test_map_headers_lone_copy_suffix_is_an_extra_column() -> None:
    assert map_headers(["Age.2", "Loan_Type"]) == {"Loan_Type": "Loan_Type"}


@pytest.mark.parametrize(
    "dropped",
    [["Age"], ["Age", "Loan_Type", "Monthly_EMI"], list(schema.REQUIRED_COLUMNS)],
    ids=["one", "three", "all"],
)
def test_validate_portfolio_missing_required_columns_one_error(portfolio_text: pd.DataFrame,
                                                               dropped: list[str]) -> None:
    with pytest.raises(DataValidationError, match="missing required columns: " + dropped[0]) as caught:
        validate_portfolio(portfolio_text.drop(columns=dropped))
    assert len(caught.value.problems) == 1
    listed = caught.value.problems[0].split(" (found:")[0]
    assert [name for name in schema.COLUMN_NAMES if name in listed] == dropped
    assert "expected header" in caught.value.problems[0]


@pytest.mark.parametrize(
    "dropped",
    [["Gender"], ["Borrower_ID", "Loan_ID"], ["Recovery_Status"], list(schema.POST_DECISION_COLUMNS),
     [name for name in schema.COLUMN_NAMES if name not in schema.REQUIRED_COLUMNS]],
    ids=["gender", "ids", "target", "post-decision", "all-optional"],
)
def test_validate_portfolio_optional_columns_may_be_absent(portfolio_text: pd.DataFrame,
                                                           dropped: list[str]) -> None:
    result = validate_portfolio(portfolio_text.drop(columns=dropped))
    assert result.issues.empty
    assert result.scorable.all()
    assert not set(dropped) & set(result.clean.columns)


@pytest.mark.parametrize("columns", [list(schema.COLUMN_NAMES), list(schema.REQUIRED_COLUMNS)], ids=["all", "required"])
def test_validate_portfolio_header_only_raises(portfolio_text: pd.DataFrame, columns: list[str]) -> None:
    with pytest.raises(DataValidationError, match="header but no data rows; expected at least one borrower"):
        validate_portfolio(portfolio_text[columns].iloc[0:0])


def test_validate_portfolio_header_only_file_raises() -> None:
    frame = read_portfolio_bytes(",".join(schema.COLUMN_NAMES).encode() + b"\r\n", "p.csv")
    assert frame.empty
    with pytest.raises(DataValidationError, match="header but no data rows"):
        validate_portfolio(frame)


def test_validate_portfolio_every_file_problem_in_one_error(portfolio_text: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError) as caught:
        validate_portfolio(portfolio_text.drop(columns=["Age"]).iloc[0:0], source="'p.csv'")
    assert len(caught.value.problems) == 2
    assert "missing required columns: Age" in caught.value.problems[0]
    assert "no data rows" in caught.value.problems[1]
    assert str(caught.value).startswith("'p.csv' cannot be used:")


# --- category values -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("column", "raw", "canonical"),
    [
        ("Recovery_Status", "Outstanding", "Written Off"),
        ("Recovery_Status", "OUTSTANDING", "Written Off"),
        ("Recovery_Status", " outstanding ", "Written Off"),
        ("Recovery_Status", "partially recovered", "Partially Recovered"),
        ("Payment_History", "on time", "On-Time"),
        ("Payment_History", "ON-TIME", "On-Time"),
        ("Payment_History", "on_time", "On-Time"),
        ("Employment_Type", "self employed", "Self-Employed"),
        ("Employment_Type", "BUSINESS OWNER", "Business Owner"),
        ("Loan_Type", "home", "Home"),
        ("Gender", "female", "Female"),
        ("Collection_Method", "legal-notice", "Legal Notice"),
        ("Legal_Action_Taken", "YES", "Yes"),
    ],
)
def test_validate_portfolio_category_spellings_map(portfolio_text: pd.DataFrame, column: str, raw: str,
                                                   canonical: str) -> None:
    portfolio_text.loc[BAD_ROW, column] = raw
    result = validate_portfolio(portfolio_text)
    assert result.clean.loc[BAD_ROW, column] == canonical
    assert result.issues.empty
    assert result.row_issues.iloc[BAD_ROW] == ""


# --- row-level problems ----------------------------------------------------------------------------------

ROW_PROBLEMS = [
    ("Monthly_Income", "abc", "is not a number (expected a number from 0 to 1,000,000,000)"),
    ("Monthly_Income", "12.000,50", "is not a number"),
    ("Loan_Amount", "nan", "is not a number (expected a number from 0 to 100,000,000,000)"),
    ("Age", "150", "is out of range (expected a whole number from 18 to 100)"),
    ("Age", "17", "is out of range (expected a whole number from 18 to 100)"),
    ("Monthly_Income", "-2500", "is out of range (expected a number from 0 to 1,000,000,000)"),
    ("Monthly_Income", "inf", "is out of range (expected a number from 0 to 1,000,000,000)"),
    ("Interest_Rate", "-inf", "is out of range (expected a number from 0 to 100)"),
    ("Interest_Rate", "1e400", "is out of range (expected a number from 0 to 100)"),
    ("Days_Past_Due", "4000", "is out of range (expected a whole number from 0 to 3,650)"),
    ("Age", "40.5", "is not a whole number (expected a whole number from 18 to 100)"),
    ("Num_Dependents", "2.5", "is not a whole number (expected a whole number from 0 to 20)"),
    ("Employment_Type", "Astronaut", "is not a known value (expected one of Salaried, Self-Employed, Business Owner)"),
    ("Payment_History", "Sometimes", "is not a known value (expected one of On-Time, Delayed, Missed)"),
    ("Gender", "Other", "is not a known value (expected one of Male, Female)"),
    ("Recovery_Status", "Pending", "is not a known value"),
    ("Collection_Attempts", "many", "is not a number (expected a whole number from 0 to 1,000)"),
    ("Loan_Tenure", "", "is missing (expected a whole number from 1 to 480)"),
    ("Age", "   ", "is missing (expected a whole number from 18 to 100)"),
    ("Loan_Type", "", "is missing (expected one of Personal, Home, Auto, Business)"),
    ("Borrower_ID", "", "is missing (expected an identifier)"),
]


@pytest.mark.parametrize(("column", "raw", "problem"), ROW_PROBLEMS)
def test_validate_portfolio_row_problem_keeps_row_and_names_it(portfolio_text: pd.DataFrame, column: str, raw: str,
                                                               problem: str) -> None:
    portfolio_text.loc[BAD_ROW, column] = raw
    result = validate_portfolio(portfolio_text)
    assert len(result.clean) == len(result.row_issues) == len(result.scorable) == len(portfolio_text)
    assert len(result.issues) == 1
    issue = result.issues.iloc[0]
    assert (issue["Row"], issue["Column"], issue["Value"]) == (BAD_ROW + 1, column, raw.strip())
    assert issue["Problem"].startswith(problem)
    named = f"{column} '{raw.strip()}' " if raw.strip() else f"{column} "
    assert result.row_issues.iloc[BAD_ROW].startswith(named + problem)
    assert result.row_issues.drop(index=BAD_ROW).eq("").all()
    assert pd.isna(result.clean.loc[BAD_ROW, column]) or column == "Borrower_ID"
    assert result.scorable.all()  # one unusable input is imputed
    imputed = "scored with training-data values imputed for " + column
    assert (imputed in result.row_issues.iloc[BAD_ROW]) == (column in schema.MODEL_FEATURES)


@pytest.mark.parametrize("raw", ["40.0", "40", " 40 ", "4e1", "+40"])
def test_validate_portfolio_whole_number_spellings_accepted(portfolio_text: pd.DataFrame, raw: str) -> None:
    portfolio_text.loc[BAD_ROW, "Age"] = raw
    result = validate_portfolio(portfolio_text)
    assert result.issues.empty
    assert result.clean.loc[BAD_ROW, "Age"] == 40.0


@pytest.mark.parametrize(("column", "value"), [("Age", "18"), ("Age", "100"), ("Interest_Rate", "0"),
                                               ("Interest_Rate", "100"), ("Monthly_Income", "0")])
def test_validate_portfolio_range_bounds_inclusive(portfolio_text: pd.DataFrame, column: str, value: str) -> None:
    portfolio_text.loc[BAD_ROW, column] = value
    assert validate_portfolio(portfolio_text).issues.empty


def test_validate_portfolio_several_problems_in_one_row(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[BAD_ROW, ["Age", "Gender", "Interest_Rate"]] = ["abc", "?", "250"]
    result = validate_portfolio(portfolio_text)
    assert result.issues["Row"].tolist() == [BAD_ROW + 1] * 3
    text = result.row_issues.iloc[BAD_ROW]
    for part in ("Age 'abc' is not a number", "Gender '?' is not a known value", "Interest_Rate '250' is out of range",
                 "imputed for Age, Interest_Rate"):
        assert part in text
    assert result.scorable.iloc[BAD_ROW]


def test_validate_portfolio_issue_rows_are_one_based_positions(portfolio_text: pd.DataFrame) -> None:
    for position in (0, 9, 29):
        portfolio_text.loc[position, "Age"] = "x"
    result = validate_portfolio(portfolio_text)
    assert result.issues["Row"].tolist() == [1, 10, 30]
    assert result.row_issues.ne("").to_numpy().nonzero()[0].tolist() == [0, 9, 29]


def test_validate_portfolio_first_row_offsets_issue_rows(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[1, "Age"] = "x"
    result = validate_portfolio(portfolio_text, first_row=101)
    assert result.issues["Row"].tolist() == [102]


# --- duplicated Borrower_IDs -----------------------------------------------------------------------------

def test_validate_portfolio_duplicate_borrower_id_flagged_after_first(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[5, "Borrower_ID"] = "BRW_2"
    portfolio_text.loc[9, "Borrower_ID"] = "BRW_2"
    result = validate_portfolio(portfolio_text)
    assert result.issues[["Row", "Column", "Value"]].values.tolist() == [[6, "Borrower_ID", "BRW_2"],
                                                                        [10, "Borrower_ID", "BRW_2"]]
    assert result.row_issues.iloc[1] == ""  # the first occurrence stays clean
    assert result.row_issues.iloc[5] == ("Borrower_ID 'BRW_2' is a duplicate (first seen in row 2; "
                                         "expected one row per borrower)")
    assert result.scorable.all()
    assert len(result.clean) == 30


@pytest.mark.parametrize("chunk_rows", [7, 10, 1])
def test_validate_portfolio_duplicate_across_chunks_with_shared_tracker(tmp_path: Path, portfolio_text: pd.DataFrame,
                                                                        chunk_rows: int) -> None:
    portfolio_text.loc[19, "Borrower_ID"] = "BRW_3"  # row 20 repeats row 3, several chunks later
    portfolio_text.loc[25, "Age"] = "x"  # row 26
    path = tmp_path / "p.csv"
    path.write_bytes(portfolio_text.to_csv(index=False, lineterminator="\r\n").encode())
    tracker, first_row, results = IdTracker(), 1, []
    for chunk in iter_portfolio_file(path, chunk_rows=chunk_rows):
        results.append(validate_portfolio(chunk, first_row=first_row, tracker=tracker))
        first_row += len(chunk)
    issues = pd.concat([result.issues for result in results], ignore_index=True)
    assert issues[["Row", "Column", "Value"]].values.tolist() == [[20, "Borrower_ID", "BRW_3"], [26, "Age", "x"]]
    assert "first seen in row 3" in issues.loc[0, "Problem"]
    row_issues = pd.concat([result.row_issues for result in results], ignore_index=True)
    assert len(row_issues) == 30
    assert row_issues.ne("").to_numpy().nonzero()[0].tolist() == [19, 25]
    assert tracker.first_rows(pa.array(["BRW_3", "BRW_31"])).tolist() == [3, -1]


def test_validate_portfolio_separate_trackers_miss_cross_chunk_duplicates(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[19, "Borrower_ID"] = "BRW_3"
    first = validate_portfolio(portfolio_text.iloc[:10])
    second = validate_portfolio(portfolio_text.iloc[10:], first_row=11)
    assert first.issues.empty and second.issues.empty  # the shared tracker is what finds them


def test_validate_portfolio_empty_borrower_ids_are_not_duplicates(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[[2, 4], "Borrower_ID"] = ""
    result = validate_portfolio(portfolio_text)
    assert result.issues["Problem"].str.contains("duplicate").sum() == 0
    assert result.issues["Row"].tolist() == [3, 5]


# The fixture's frame is copied before it is changed, so sharing it between examples is safe.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.sampled_from(["", "A", "B", "C", "D", "E"]), min_size=1, max_size=40),
       chunk_rows=st.integers(1, 12))
def test_repeated_ids_are_those_a_plain_loop_finds(portfolio_text: pd.DataFrame, ids: list[str],
                                                   chunk_rows: int) -> None:
    frame = pd.concat([portfolio_text] * 2, ignore_index=True).iloc[:len(ids)].copy()
    frame["Borrower_ID"] = ids
    first_seen: dict[str, int] = {}
    expected = []
    for row, borrower in enumerate(ids, start=1):
        if borrower and borrower in first_seen:
            expected.append([row, f"is a duplicate (first seen in row {first_seen[borrower]}; expected one row per "
                                  "borrower)"])
        first_seen.setdefault(borrower, row)
    tracker, found = IdTracker(), []
    for start in range(0, len(ids), chunk_rows):
        issues = validate_portfolio(frame.iloc[start:start + chunk_rows], first_row=start + 1, tracker=tracker).issues
        found += issues.loc[issues["Problem"].str.contains("duplicate"), ["Row", "Problem"]].values.tolist()
    assert found == expected


# --- scoring decisions -----------------------------------------------------------------------------------

@pytest.mark.parametrize("n_bad", range(1, MAX_IMPUTED_INPUTS + 1))
def test_validate_portfolio_few_unusable_inputs_are_imputed(portfolio_text: pd.DataFrame, n_bad: int) -> None:
    bad = IMPUTABLE[:n_bad]
    portfolio_text.loc[BAD_ROW, bad] = "?"
    result = validate_portfolio(portfolio_text)
    assert result.scorable.all()
    assert result.row_issues.iloc[BAD_ROW].endswith("scored with training-data values imputed for " + ", ".join(bad))


@pytest.mark.parametrize("n_bad", [MAX_IMPUTED_INPUTS + 1, MAX_IMPUTED_INPUTS + 3, len(IMPUTABLE)])
def test_validate_portfolio_too_many_unusable_inputs_not_scored(portfolio_text: pd.DataFrame, n_bad: int) -> None:
    bad = IMPUTABLE[:n_bad]
    portfolio_text.loc[BAD_ROW, bad] = ""
    result = validate_portfolio(portfolio_text)
    assert result.scorable.tolist() == [position != BAD_ROW for position in range(30)]
    assert result.row_issues.iloc[BAD_ROW].endswith(
        f"not scored: {n_bad} model inputs unusable ({', '.join(bad)}); at most {MAX_IMPUTED_INPUTS} can be imputed")
    assert len(result.clean) == 30  # kept, just not scored


@pytest.mark.parametrize("raw", ["", "abc", "-1", "inf"])
def test_validate_portfolio_unusable_outstanding_amount_not_scored(portfolio_text: pd.DataFrame, raw: str) -> None:
    portfolio_text.loc[BAD_ROW, "Outstanding_Loan_Amount"] = raw
    result = validate_portfolio(portfolio_text)
    assert not result.scorable.iloc[BAD_ROW]
    assert result.scorable.drop(index=BAD_ROW).all()
    assert result.row_issues.iloc[BAD_ROW].endswith(
        "not scored: Outstanding_Loan_Amount is needed and cannot be imputed")


def test_validate_portfolio_non_model_problems_do_not_block_scoring(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[BAD_ROW, ["Gender", "Recovery_Status", "Collection_Attempts", "Collection_Method",
                                 "Legal_Action_Taken", "Borrower_ID"]] = ["x", "x", "x", "x", "x", ""]
    result = validate_portfolio(portfolio_text)
    assert len(result.issues) == 6
    assert result.scorable.all()
    assert "imputed" not in result.row_issues.iloc[BAD_ROW]


# --- the input is left alone -----------------------------------------------------------------------------

@pytest.mark.parametrize("damaged", [False, True], ids=["clean", "damaged"])
def test_validate_portfolio_ignores_extra_columns_and_does_not_mutate(portfolio_text: pd.DataFrame,
                                                                      damaged: bool) -> None:
    portfolio_text["Branch"] = "North"
    portfolio_text["notes"] = None
    if damaged:
        portfolio_text.loc[BAD_ROW, ["Age", "Recovery_Status", "Payment_History"]] = [" 150 ", "outstanding", "on time"]
    before = copy.deepcopy(portfolio_text)
    result = validate_portfolio(portfolio_text)
    pd.testing.assert_frame_equal(portfolio_text, before)
    assert not {"Branch", "notes"} & set(result.clean.columns)
    assert set(result.clean.columns) <= set(schema.COLUMN_NAMES)
    assert len(result.issues) == int(damaged)


def test_validate_portfolio_non_unique_index_kept(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.index = ["a"] * 10 + ["b"] * 10 + [7] * 10
    portfolio_text.iloc[12, portfolio_text.columns.get_loc("Age")] = "x"
    portfolio_text.iloc[15, portfolio_text.columns.get_loc("Borrower_ID")] = "BRW_1"
    result = validate_portfolio(portfolio_text)
    for part in (result.clean, result.row_issues, result.scorable):
        assert part.index.equals(portfolio_text.index)
    assert result.issues["Row"].tolist() == [13, 16]
    assert result.row_issues.ne("").to_numpy().nonzero()[0].tolist() == [12, 15]
    assert np.isnan(result.clean["Age"].iloc[12])


def test_validate_portfolio_numeric_frame_validates() -> None:
    portfolio = generate_portfolio(20, seed=4)
    portfolio.loc[2, "Monthly_Income"] = np.nan
    result = validate_portfolio(portfolio)
    assert result.issues[["Row", "Column", "Value"]].values.tolist() == [[3, "Monthly_Income", ""]]
    assert result.scorable.all()


def test_validate_portfolio_repeated_spare_column_names(portfolio_text: pd.DataFrame) -> None:
    # A caller's frame may repeat a column name; this once crashed with AttributeError.
    frame = pd.concat([portfolio_text, pd.DataFrame({"Extra_Value_1": [""] * 30}),
                       pd.DataFrame({"Extra_Value_1": [""] * 29 + ["late"]})], axis=1)
    result = validate_portfolio(frame)
    assert result.issues[["Row", "Column"]].values.tolist() == [[30, "Extra_Value_1"]]
    assert "beyond the header's columns" in result.row_issues.iloc[29]


# --- property: no input makes validation lose a row or raise anything but DataValidationError --------------

CELL = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "40", "40.5", "-3", "Male", "on time", "Outstanding",
                     "Salaried", "Home", "BRW_1", "Extra", "0x1F", "1_000", "١٢"]),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


@st.composite
def portfolio_frames(draw: st.DrawFn) -> pd.DataFrame:
    n_rows = draw(st.integers(min_value=0, max_value=6))
    schema_part = draw(st.one_of(st.just(list(schema.COLUMN_NAMES)), st.just(list(schema.REQUIRED_COLUMNS)),
                                 st.lists(st.sampled_from(schema.COLUMN_NAMES), unique=True)))
    extras = draw(st.lists(st.one_of(st.text(min_size=1, max_size=10),
                                     st.sampled_from(["Extra_Value_1", "Extra_Value_2", "age", "Age.2", "income"])),
                           max_size=3))
    columns = [*schema_part, *extras]
    frame = pd.DataFrame({position: draw(st.lists(CELL, min_size=n_rows, max_size=n_rows))
                          for position in range(len(columns))}, index=pd.RangeIndex(n_rows))
    frame.columns = columns
    if draw(st.booleans()):
        frame.index = draw(st.lists(st.sampled_from([0, 1, "a"]), min_size=n_rows, max_size=n_rows))
    return frame


@settings(max_examples=60, deadline=None)
@given(frame=portfolio_frames())
def test_validate_portfolio_random_frames_keep_every_row(frame: pd.DataFrame) -> None:
    before = frame.copy(deep=True)
    try:
        result = validate_portfolio(frame)
    except DataValidationError as error:
        assert error.problems
        return
    assert len(result.row_issues) == len(result.clean) == len(result.scorable) == len(frame)
    for part in (result.clean, result.row_issues, result.scorable):
        assert part.index.equals(frame.index)
    assert result.issues["Row"].between(1, len(frame)).all()
    with_text = set(np.flatnonzero(result.row_issues.to_numpy() != "").tolist())
    assert set((result.issues["Row"] - 1).tolist()) <= with_text  # every problem shows in its row's text
    silent = [position for position in range(len(frame)) if position not in with_text]
    assert result.scorable.to_numpy()[silent].all()  # a row without any note is scored
    pd.testing.assert_frame_equal(frame, before)


def test_a_blank_outcome_or_collection_record_is_not_a_data_issue_but_a_blank_input_is(
        portfolio_text: pd.DataFrame) -> None:
    # An open loan has no outcome and no collection record yet; a loan without an age is a data problem.
    portfolio_text.loc[0, ["Recovery_Status", "Collection_Attempts", "Collection_Method", "Legal_Action_Taken"]] = ""
    portfolio_text.loc[1, "Age"] = ""
    result = validate_portfolio(portfolio_text)
    assert result.row_issues.iloc[0] == ""
    assert "Age is missing" in result.row_issues.iloc[1]
    assert pd.isna(result.clean.loc[0, "Recovery_Status"])
