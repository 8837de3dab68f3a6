"""Scoring on a Dask cluster: the same rows, bits and totals as one process, capacities ranked over the whole book."""

from __future__ import annotations

import pickle
import sys
import types
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from slrs import distributed, pipeline
from slrs.cli import main as cli_main
from slrs.exceptions import DataValidationError
from slrs.io import iter_book
from slrs.money import ActionTerms, Assumptions
from slrs.pipeline import Tally, merge_tallies
from slrs.scenario import DecisionScenario
from slrs.strategy import Thresholds
from slrs.synth import generate_portfolio

UNCAPPED = DecisionScenario("outcome", Thresholds(0.4, 0.7))
CAPPED = replace(UNCAPPED, assumptions=Assumptions(legal=ActionTerms(5000.0, (0.88, 0.8, 0.66, 0.52), capacity=40)))


@pytest.fixture(scope="module", autouse=True)
def plain_main_module():
    """A worker process starts by importing the parent's ``__main__`` from its file. An AppTest run earlier in this
    test process leaves ``app.py`` there (Streamlit runs a script as ``__main__``), which a worker must not run;
    a real ``python -m slrs`` has its own. Give the workers a main module with no file while these tests run."""
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    yield
    sys.modules["__main__"] = real


@pytest.fixture(scope="module")
def client(plain_main_module):
    """One local cluster of two single-threaded worker processes for the whole module (starting one takes ~2 s)."""
    with distributed.connect(None) as client:
        yield client


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A folder of three Parquet files (the last in two row groups) with two Borrower_IDs repeated across files,
    one row that cannot be scored and one value out of range."""
    frame = generate_portfolio(900, seed=21).astype(str)
    frame.loc[650, "Borrower_ID"] = frame.loc[10, "Borrower_ID"]  # first seen in the first file
    frame.loc[700, "Borrower_ID"] = frame.loc[420, "Borrower_ID"]  # first seen in the second file
    frame.loc[5, "Outstanding_Loan_Amount"] = ""
    frame.loc[333, "Age"] = "250"
    folder = tmp_path_factory.mktemp("book")
    for number, (start, stop) in enumerate([(0, 300), (300, 600), (600, 900)]):
        part = pa.Table.from_pandas(frame.iloc[start:stop], preserve_index=False)
        pq.write_table(part, folder / f"loans-{number}.parquet", row_group_size=200)
    return folder


def _single_process(book: Path, scenario: DecisionScenario, bundle) -> tuple[pd.DataFrame, Tally]:
    tally = Tally.of(bundle, scenario.method)
    tables = pipeline.stream_outputs(iter_book(sorted(book.glob("*.parquet")), 250), bundle, scenario, "'book'",
                                     tally)
    return pd.concat(list(tables), ignore_index=True), tally


def _read_parts(parts: list[Path]) -> pd.DataFrame:
    return pd.concat([pq.read_table(part).to_pandas() for part in parts], ignore_index=True)


@pytest.mark.parametrize("scenario", [UNCAPPED, CAPPED], ids=["no capacity", "legal capacity 40"])
def test_a_dask_run_equals_the_single_process_output_row_for_row(client, book, bundle, tmp_path, scenario):
    expected, expected_tally = _single_process(book, scenario, bundle)
    tally, parts = distributed.score_book(client, sorted(book.glob("*.parquet")), bundle, scenario, tmp_path,
                                          "'book'")
    result = _read_parts(parts)
    pd.testing.assert_frame_equal(result, expected.astype(result.dtypes.to_dict()), check_exact=True)
    assert len(parts) == 3
    assert tally.rows == expected_tally.rows == 900
    assert tally.totals == pytest.approx(expected_tally.totals, rel=1e-12)
    drift, expected_drift = (run.finish(bundle, scenario)[1] for run in (tally, expected_tally))
    pd.testing.assert_frame_equal(drift.table, expected_drift.table)  # the partitions' drift counts add up
    assert drift.n_rows == expected_drift.n_rows == 899  # one row cannot be scored
    issues = result.set_index("Borrower_ID")["Data_Issues"]
    assert "first seen in row 11" in result.loc[650, "Data_Issues"]
    assert "first seen in row 421" in result.loc[700, "Data_Issues"]
    assert "first seen" not in result.loc[10, "Data_Issues"]
    assert issues.str.contains("out of range").sum() == 1


def test_capacities_are_ranked_over_the_whole_book(client, book, bundle, tmp_path):
    _, parts = distributed.score_book(client, sorted(book.glob("*.parquet")), bundle, CAPPED, tmp_path, "'book'")
    result = _read_parts(parts)
    legal = result["Recovery_Strategy"].str.startswith("Immediate legal")
    assert legal.sum() == 40  # 40 in the book, not 40 in each of the three partitions


def test_the_book_gathered_for_sweep_and_report_equals_the_single_process_view(client, book, bundle):
    paths = sorted(book.glob("*.parquet"))
    portfolio, view = distributed.gather_book(client, paths, bundle, "outcome", "'book'", "")
    single = pipeline.join_scored(list(pipeline.scored_chunks(iter_book(paths, 250), bundle, "outcome", "'book'")),
                                  "'book'")
    pd.testing.assert_frame_equal(view, single[1], check_exact=True)
    pd.testing.assert_frame_equal(portfolio.validation.issues, single[0].validation.issues)


def _tally_of(frame: pd.DataFrame, first_row: int, bundle) -> Tally:
    tally = Tally.of(bundle, "outcome")
    for portfolio, view in pipeline.scored_chunks(iter([frame]), bundle, "outcome", "x", first_row=first_row):
        pipeline.planned_output(portfolio, view, UNCAPPED, tally)
    return tally


def test_merged_tallies_give_the_single_run_drift_report(bundle):
    frame = generate_portfolio(700, seed=3).astype(str)
    frame.loc[20, "Age"] = "250"  # out of range: a missing (imputed) input, counted in the first part only
    whole = _tally_of(frame, 1, bundle)
    merged = merge_tallies(_tally_of(frame.iloc[:450].copy(), 1, bundle), _tally_of(frame.iloc[450:].copy(), 451, bundle))
    in_memory = pipeline.decide(pipeline.load(frame.to_csv(index=False).encode(), "x.csv"), bundle, UNCAPPED).drift
    for tally in (whole, merged):
        report = tally.finish(bundle, UNCAPPED)[1]
        pd.testing.assert_frame_equal(report.table, in_memory.table)
        assert report.warning == in_memory.warning and report.n_rows == in_memory.n_rows == 700
    assert merged.rows == whole.rows and merged.totals == pytest.approx(whole.totals, rel=1e-12)


def test_partitions_follow_parquet_row_groups(book):
    paths = sorted(book.glob("*.parquet"))
    partitions = distributed.partition_book(paths, rows_per_partition=200)
    assert [(p.path.name, p.row_groups) for p in partitions] == [
        ("loans-0.parquet", (0,)), ("loans-0.parquet", (1,)), ("loans-1.parquet", (0,)),
        ("loans-1.parquet", (1,)), ("loans-2.parquet", (0,)), ("loans-2.parquet", (1,))]


def test_a_data_error_on_a_worker_reaches_the_user_whole():
    error = DataValidationError(["missing required columns: Age"], source="'loans-2.parquet'")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems and str(copy) == str(error)


def test_cli_scores_a_folder_with_dask_into_a_folder_of_parts_equal_to_the_local_engine(book, tmp_path):
    assert cli_main(["score", str(book), "-o", str(tmp_path / "local.parquet")]) == 0
    assert cli_main(["score", str(book), "-o", str(tmp_path / "scored"), "--engine", "dask"]) == 0
    parts = sorted((tmp_path / "scored").iterdir())
    assert [part.name for part in parts] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    pd.testing.assert_frame_equal(_read_parts(parts), pd.read_parquet(tmp_path / "local.parquet"))
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]  # no temporary folder left


def test_cli_refuses_a_dask_output_folder_that_is_not_empty(book, tmp_path, capsys):
    (tmp_path / "scored").mkdir()
    (tmp_path / "scored" / "keep.txt").write_text("mine")
    assert cli_main(["score", str(book), "-o", str(tmp_path / "scored"), "--engine", "dask"]) == 2
    assert "is not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "scored" / "keep.txt").read_text() == "mine"


def test_cli_says_in_words_when_the_scheduler_cannot_be_reached(book, tmp_path, capsys):
    code = cli_main(["score", str(book), "-o", str(tmp_path / "out.parquet"), "--engine", "dask",
                     "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # neither an output nor a temporary folder


def test_cli_writes_a_single_csv_from_a_dask_run_equal_to_the_local_one(book, tmp_path):
    assert cli_main(["score", str(book / "*.parquet"), "-o", str(tmp_path / "local.csv")]) == 0
    assert cli_main(["score", str(book / "*.parquet"), "-o", str(tmp_path / "dask.csv"), "--engine", "dask"]) == 0
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_a_damaged_parquet_file_in_a_dask_book_is_refused_in_words_and_nothing_is_written(book, tmp_path, capsys):
    folder = tmp_path / "book"
    folder.mkdir()
    for path in book.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "loans-9.parquet").write_bytes((book / "loans-0.parquet").read_bytes()[:-100])  # footer cut off
    assert cli_main(["score", str(folder), "-o", str(tmp_path / "scored"), "--engine", "dask"]) == 2
    assert "'loans-9.parquet' cannot be used" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book"]


def test_a_dask_book_whose_files_differ_in_header_is_refused_before_scoring(tmp_path, capsys):
    frame = generate_portfolio(50, seed=4)
    folder = tmp_path / "book"
    folder.mkdir()
    frame.to_parquet(folder / "a.parquet", index=False)
    frame[list(reversed(frame.columns))].to_parquet(folder / "b.parquet", index=False)
    assert cli_main(["score", str(folder), "-o", str(tmp_path / "out.parquet"), "--engine", "dask"]) == 2
    assert "'b.parquet' cannot be used" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book"]


def test_a_dask_book_file_without_a_required_column_is_refused_in_the_census_by_its_name(tmp_path, capsys):
    """The census reads such a file whole (its ID column alone would not show what is missing): the refusal names
    the file before any partition is scored, as it did before the census could read IDs alone."""
    frame = generate_portfolio(50, seed=4)
    folder = tmp_path / "book"
    folder.mkdir()
    frame.to_parquet(folder / "a.parquet", index=False)
    frame.drop(columns=["Loan_Amount"]).to_parquet(folder / "b.parquet", index=False)
    assert cli_main(["score", str(folder), "-o", str(tmp_path / "out.parquet"), "--engine", "dask"]) == 2
    error = capsys.readouterr().err
    assert "'b.parquet' cannot be used" in error and "missing required columns: Loan_Amount" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book"]


@pytest.mark.parametrize("address", ["http://127.0.0.1:8787", "tcp://host:notaport", "localhost"])
def test_an_address_that_is_no_scheduler_is_refused_in_words(book, tmp_path, capsys, address):
    assert cli_main(["score", str(book), "-o", str(tmp_path / "out.parquet"), "--engine", "dask",
                     "--scheduler", address]) == 2
    assert "is not a scheduler's address" in capsys.readouterr().err


def test_a_dask_output_name_taken_by_a_file_is_refused_before_any_work(book, tmp_path, capsys):
    (tmp_path / "scored").write_text("mine")
    assert cli_main(["score", str(book), "-o", str(tmp_path / "scored"), "--engine", "dask"]) == 2
    assert "is not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "scored").read_text() == "mine"


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=40)
    return path


def _ids_frame() -> pd.DataFrame:
    """100 borrowers whose IDs are padded, blank, missing (null) and repeated."""
    frame = generate_portfolio(100, seed=22).astype(str).astype(object)
    frame.loc[3, "Borrower_ID"], frame.loc[4, "Borrower_ID"] = f"  {frame.loc[1, 'Borrower_ID']} ", ""
    frame.loc[5, "Borrower_ID"], frame.loc[90, "Borrower_ID"] = None, frame.loc[2, "Borrower_ID"]
    return frame


@pytest.mark.parametrize("change", ["none", "spare column", "alias", "numbers"])
def test_the_census_of_a_parquet_partition_reads_its_ids_alone_with_the_full_reads_result(tmp_path, monkeypatch,
                                                                                          change):
    frame = _ids_frame()
    if change == "spare column":  # a column the readers name like their own spares: never part of the header
        frame["Extra_Value_1"] = "x"
    elif change == "alias":
        frame = frame.rename(columns={"Borrower_ID": "customer id"})
    elif change == "numbers":
        frame["Borrower_ID"] = [number % 70 for number in range(100)]  # integers, repeated
    partition = distributed.Partition(_parquet(tmp_path / "ids.parquet", frame), (1, 2))  # rows 40 to 99
    assert distributed.find_id_column_alone(partition) is not None
    read_alone = distributed._census(partition)
    monkeypatch.setattr(distributed, "find_id_column_alone", lambda partition: None)
    read_whole = distributed._census(partition)
    assert read_alone[0] == read_whole[0] == 60 and read_alone[2] == read_whole[2]
    for alone, whole in zip(read_alone[1], read_whole[1], strict=True):
        pd.testing.assert_series_equal(alone, whole)


@pytest.mark.parametrize("change", ["padded ID header", "a name twice", "a required column missing", "csv"])
def test_the_census_reads_every_column_when_the_id_column_alone_would_say_less(tmp_path, change):
    frame = generate_portfolio(20, seed=23).astype(str)
    names = list(frame.columns)
    if change == "padded ID header":  # the reader strips it, so the file has no column of that name
        names[names.index("Borrower_ID")] = " Borrower_ID"
    elif change == "a name twice":  # the full read keeps one of them: the header would differ
        names[names.index("Gender")] = "Note"
        names[names.index("Legal_Action_Taken")] = "Note"
    elif change == "a required column missing":  # refused by the full read, in the file's own words
        names[names.index("Loan_Amount")] = "Something_Else"
    path = tmp_path / ("book.csv" if change == "csv" else "book.parquet")
    if change == "csv":
        frame.to_csv(path, index=False)
    else:
        pq.write_table(pa.Table.from_arrays([pa.array(frame[column]) for column in frame], names=names), path)
    assert distributed.find_id_column_alone(distributed.Partition(path)) is None


def test_empty_row_groups_at_the_end_of_a_file_join_its_last_partition(tmp_path):
    path = tmp_path / "tail.parquet"
    table = pa.Table.from_pandas(generate_portfolio(30, seed=24).astype(str), preserve_index=False)
    with pq.ParquetWriter(path, table.schema) as writer:
        writer.write_table(table)
        writer.write_table(table.slice(0, 0))  # a row group of no rows
    assert pq.ParquetFile(path).metadata.num_row_groups == 2
    assert distributed.partition_book([path], rows_per_partition=30) == [distributed.Partition(path, (0, 1))]
