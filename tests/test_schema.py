from __future__ import annotations

import pytest

from slrs import schema
from slrs.io import read_portfolio_bytes, to_csv_bytes, to_excel_bytes


def test_schema_has_the_21_reference_columns_in_order() -> None:
    assert len(schema.COLUMNS) == 21
    assert schema.COLUMN_NAMES[0] == "Borrower_ID" and schema.COLUMN_NAMES[-1] == "Legal_Action_Taken"


@pytest.mark.parametrize("excluded", ["Borrower_ID", "Loan_ID", "Gender", "Recovery_Status",
                                      "Collection_Attempts", "Collection_Method", "Legal_Action_Taken"])
def test_model_features_exclude_ids_gender_target_and_post_decision_columns(excluded: str) -> None:
    assert excluded not in schema.MODEL_FEATURES
    assert excluded in schema.NEVER_IN_MODEL


def test_segment_features_are_the_studys_ten_numeric_features() -> None:
    assert schema.SEGMENT_FEATURES == ("Age", "Monthly_Income", "Loan_Amount", "Loan_Tenure", "Interest_Rate",
                                       "Collateral_Value", "Outstanding_Loan_Amount", "Monthly_EMI",
                                       "Num_Missed_Payments", "Days_Past_Due")


def test_only_model_inputs_are_required() -> None:
    assert set(schema.REQUIRED_COLUMNS) == set(schema.MODEL_FEATURES)


@pytest.mark.parametrize(("header", "expected"), [
    ("monthly income", "Monthly_Income"), ("MONTHLY-INCOME", "Monthly_Income"), (" Monthly_Income ", "Monthly_Income"),
    ("days past due", "Days_Past_Due"), ("DPD", "Days_Past_Due"), ("recovery status", "Recovery_Status"),
    ("Favourite colour", None),
])
def test_canonical_column_ignores_case_spaces_dashes_and_underscores(header: str, expected: str | None) -> None:
    assert schema.canonical_column(header) == expected


def test_category_lookup_maps_the_studys_outstanding_to_written_off() -> None:
    lookup = schema.category_lookup(schema.COLUMN_BY_NAME["Recovery_Status"])
    assert lookup[schema.normalize_label("OUTSTANDING")] == "Written Off"


def test_describe_schema_gives_expected_values_for_every_column() -> None:
    rows = schema.describe_schema()
    assert [row["column"] for row in rows] == list(schema.COLUMN_NAMES)
    assert all(row["expected"] and row["description"] for row in rows)


def test_template_frame_is_an_empty_table_with_the_schema_header_in_order() -> None:
    template = schema.template_frame()
    assert list(template.columns) == list(schema.COLUMN_NAMES) and template.empty
    assert to_csv_bytes(template).decode().replace('"', "").strip() == ",".join(schema.COLUMN_NAMES)
    # The Excel version reads back to the same header.
    assert list(read_portfolio_bytes(to_excel_bytes(template), "template.xlsx").columns) == list(schema.COLUMN_NAMES)
