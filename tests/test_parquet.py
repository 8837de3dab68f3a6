"""Parquet in and out: the same text, rows and refusals as CSV."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from slrs import pipeline
from slrs.cli import main as cli_main
from slrs.exceptions import ConfigError, DataValidationError
from slrs.io import iter_portfolio_file, read_portfolio_bytes, to_parquet_bytes
from slrs.parquet import has_value_longer_than
from slrs.synth import generate_portfolio


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_a_typed_parquet_file_reads_as_the_same_text_as_its_csv() -> None:
    frame = generate_portfolio(200, seed=3)
    from_parquet = read_portfolio_bytes(_parquet(frame), "book.parquet")
    from_csv = read_portfolio_bytes(frame.to_csv(index=False).encode(), "book.csv")
    assert list(from_parquet.columns) == list(from_csv.columns) and len(from_parquet) == 200
    for column in ("Borrower_ID", "Loan_Type", "Num_Missed_Payments", "Age"):
        assert from_parquet[column].tolist() == from_csv[column].tolist()
    assert pd.to_numeric(from_parquet["Monthly_EMI"]).tolist() == pd.to_numeric(from_csv["Monthly_EMI"]).tolist()


def test_parquet_and_csv_give_the_same_decision() -> None:
    frame = generate_portfolio(300, seed=4)
    parquet = pipeline.load(_parquet(frame), "book.parquet")
    csv = pipeline.load(frame.to_csv(index=False).encode(), "book.csv")
    assert parquet.n_rows == csv.n_rows == 300
    pd.testing.assert_frame_equal(parquet.validation.clean, csv.validation.clean)


def test_missing_values_are_empty_text_and_reported_like_csv() -> None:
    frame = generate_portfolio(50, seed=5)
    frame.loc[3, "Age"] = None
    loaded = pipeline.load(_parquet(frame), "gaps.parquet")
    assert loaded.raw.loc[3, "Age"] == "" and loaded.n_rows_with_issues >= 1


@pytest.mark.parametrize(("data", "message"), [
    (b"PAR1 not really parquet PAR1", "cannot be read as Parquet"),
    (b"x" * 64, "cannot be read as Parquet"),
])
def test_a_file_that_is_not_parquet_is_refused_in_words(data: bytes, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        read_portfolio_bytes(data, "broken.parquet")


def test_a_damaged_parquet_file_is_refused_in_words() -> None:
    data = _parquet(generate_portfolio(2_000, seed=6))
    damaged = data[:len(data) // 2] + bytes(len(data) // 4) + data[-len(data) // 4:]
    with pytest.raises(DataValidationError, match="Parquet|damaged"):
        read_portfolio_bytes(damaged, "damaged.parquet")


def test_nested_columns_and_missing_required_columns_are_named() -> None:
    table = pa.table({"Borrower_ID": ["B1"], "Age": [[1, 2]]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    with pytest.raises(DataValidationError, match="'Age' holds nested values"):
        read_portfolio_bytes(buffer.getvalue(), "nested.parquet")
    with pytest.raises(DataValidationError, match="missing required columns"):
        pipeline.load(_parquet(pd.DataFrame({"Borrower_ID": ["B1"], "Age": [40]})), "thin.parquet")


def test_an_empty_parquet_file_is_refused() -> None:
    with pytest.raises(DataValidationError, match="no rows"):
        read_portfolio_bytes(_parquet(generate_portfolio(5, seed=1).iloc[:0]), "empty.parquet")


def test_score_writes_parquet_that_equals_its_csv_output(tmp_path: Path) -> None:
    source = tmp_path / "book.parquet"
    generate_portfolio(400, seed=7).to_parquet(source, index=False)
    assert cli_main(["score", str(source), "-o", str(tmp_path / "out.parquet"), "--chunk-rows", "150"]) == 0
    assert cli_main(["score", str(source), "-o", str(tmp_path / "out.csv")]) == 0
    parquet = pd.read_parquet(tmp_path / "out.parquet")
    csv = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(parquet.columns) == list(csv.columns) and len(parquet) == 400
    assert parquet["Borrower_ID"].tolist() == csv["Borrower_ID"].tolist()
    assert parquet["Risk_Score"].tolist() == pytest.approx(pd.to_numeric(csv["Risk_Score"]).tolist(), abs=1e-12)
    assert parquet["Recovery_Strategy"].tolist() == csv["Recovery_Strategy"].tolist()


def test_parquet_download_reads_back_as_the_same_table() -> None:
    frame = pd.DataFrame({"Borrower_ID": ["B1", "=cmd"], "Risk_Score": [0.1, 0.9]})
    back = pd.read_parquet(io.BytesIO(to_parquet_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame)  # text exactly as it is: a Parquet file is not a spreadsheet


def test_parquet_files_stream_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "book.parquet"
    generate_portfolio(1_000, seed=8).to_parquet(path, index=False)
    sizes = [len(chunk) for chunk in iter_portfolio_file(path, 300)]
    assert sizes == [300, 300, 300, 100]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_a_value_is_longer_than_the_limit_by_its_characters_not_its_bytes(kind) -> None:
    """The byte lengths only spare counting characters: five two-byte letters are five characters, not ten."""
    assert not has_value_longer_than(pa.array(["ééééé", "abc", None], kind), 5)
    assert has_value_longer_than(pa.chunked_array([pa.array(["ab"], kind), pa.array(["éééééé"], kind)]), 5)
    assert has_value_longer_than(pa.array(["abcdef"], kind), 5)
    assert not has_value_longer_than(pa.array([], kind), 0)


def test_reading_a_column_the_file_does_not_have_is_a_callers_mistake_said_by_name(tmp_path: Path) -> None:
    path = tmp_path / "book.parquet"
    path.write_bytes(to_parquet_bytes(generate_portfolio(5, seed=1)))
    ids = list(iter_portfolio_file(path, 10, columns=["Borrower_ID"]))
    assert [list(frame.columns) for frame in ids] == [["Borrower_ID"]] and len(ids[0]) == 5
    with pytest.raises(ConfigError, match="no column 'Borower_ID'"):
        list(iter_portfolio_file(path, 10, columns=["Borower_ID"]))
