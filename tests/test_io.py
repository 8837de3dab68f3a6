"""Tests for ``slrs.io``: portfolio files in every layout come back as exact text, and unusable files raise a
``DataValidationError`` naming the problem and what was expected."""

from __future__ import annotations

import errno
import io
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slrs.io as slrs_io
from slrs.csv_reading import start_first_pass
from slrs.exceptions import DataValidationError
from slrs.io import (
    SPARE_COLUMNS,
    SPARE_PREFIX,
    find_book_files,
    iter_book,
    iter_portfolio_file,
    read_portfolio_bytes,
    to_excel_bytes,
)
from slrs.schema import COLUMN_BY_NAME
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio

Reader = Callable[[bytes, str], pd.DataFrame]


@pytest.fixture(params=["bytes", "file_chunked"])
def read(request: pytest.FixtureRequest, tmp_path: Path) -> Reader:
    """Both entry points: an upload read at once, and a file on disk read in chunks of 7 rows."""
    if request.param == "bytes":
        return read_portfolio_bytes

    def read_file(data: bytes, filename: str) -> pd.DataFrame:
        path = tmp_path / filename
        path.write_bytes(data)
        whole = pd.concat(list(iter_portfolio_file(path, chunk_rows=7)), ignore_index=True)
        # Each chunk carries only the spare columns it uses; other chunks have no value there.
        spares = [c for c in whole.columns if c.startswith(SPARE_PREFIX)]
        whole[spares] = whole[spares].fillna("")
        return whole

    return read_file


def _csv_lines(text: pd.DataFrame) -> list[bytes]:
    return text.to_csv(index=False, lineterminator="\n").encode("utf-8").splitlines()


# --- the reference format and its CSV variants ------------------------------------------------------------

def test_read_portfolio_bytes_reference_format_is_exact_text(reference_csv_bytes: bytes,
                                                             portfolio_text: pd.DataFrame) -> None:
    assert reference_csv_bytes.count(b"\r\n") == len(portfolio_text)  # header + rows, none after the last
    assert not reference_csv_bytes.endswith(b"\n")
    frame = read_portfolio_bytes(reference_csv_bytes, "loan-recovery.csv")
    pd.testing.assert_frame_equal(frame, portfolio_text)
    assert frame.loc[0, "Outstanding_Loan_Amount"] == "1727997.257896650"
    assert frame.iloc[-1, -1] in ("Yes", "No")  # no stray carriage return on the very last value


@pytest.mark.parametrize("line_end", ["\r\n", "\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["final-newline", "no-final-newline"])
@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
@pytest.mark.parametrize(("delimiter", "filename"), [(",", "p.csv"), (";", "p.csv"), ("\t", "p.tsv"), ("\t", "p.txt")],
                         ids=["comma", "semicolon", "tab-tsv", "tab-txt"])
def test_read_portfolio_csv_layouts_give_same_text(read: Reader, portfolio_text: pd.DataFrame, delimiter: str,
                                                   filename: str, bom: bool, final_newline: bool,
                                                   line_end: str) -> None:
    text = portfolio_text.to_csv(index=False, sep=delimiter, lineterminator=line_end)
    if not final_newline:
        text = text.removesuffix(line_end)
    data = text.encode("utf-8-sig" if bom else "utf-8")
    frame = read(data, filename)
    assert list(frame.columns) == list(portfolio_text.columns)  # the BOM is not glued to the first header
    pd.testing.assert_frame_equal(frame, portfolio_text)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Borrower_ID", "Smith{d} John"),
        ("Loan_ID", 'LN "7"{d} second'),
        ("Loan_ID", "two{d}\nlines"),
        ("Collection_Method", "{d}{d}{d}"),
    ],
    ids=["delimiter", "quotes-and-delimiter", "newline", "only-delimiters"],
)
def test_read_portfolio_quoted_field_keeps_delimiter_inside(read: Reader, portfolio_text: pd.DataFrame,
                                                            delimiter: str, column: str, value: str) -> None:
    portfolio_text.loc[4, column] = value.format(d=delimiter)
    data = portfolio_text.to_csv(index=False, sep=delimiter).encode("utf-8")
    assert b'"' in data  # the writer had to quote it
    frame = read(data, "p.csv")
    assert frame.shape == portfolio_text.shape
    assert frame.loc[4, column] == value.format(d=delimiter)
    pd.testing.assert_frame_equal(frame, portfolio_text)


@pytest.mark.parametrize("raw", ["1727997.257896650", "007", "1e3", " 42 ", "-0.0", "NA", "null", "nan", "N/A"])
def test_read_portfolio_values_stay_as_written(read: Reader, portfolio_text: pd.DataFrame, raw: str) -> None:
    portfolio_text.loc[2, "Monthly_Income"] = raw
    frame = read(portfolio_text.to_csv(index=False).encode("utf-8"), "p.csv")
    assert frame.loc[2, "Monthly_Income"] == raw
    assert frame["Monthly_Income"].map(type).eq(str).all()


def test_read_portfolio_cp1252_file_reads(read: Reader, portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[0, "Borrower_ID"] = "Müller"
    portfolio_text.loc[1, "Borrower_ID"] = "Café €5"
    data = portfolio_text.to_csv(index=False, sep=";", lineterminator="\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the case under test: the file is not UTF-8
    frame = read(data, "p.csv")
    assert frame.loc[0, "Borrower_ID"] == "Müller"
    assert frame.loc[1, "Borrower_ID"] == "Café €5"
    pd.testing.assert_frame_equal(frame, portfolio_text)


def test_read_portfolio_bytes_multibyte_character_cut_by_sniff_window(portfolio_text: pd.DataFrame,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio_text.loc[0, "Borrower_ID"] = "Zoë"
    data = portfolio_text.to_csv(index=False).encode("utf-8")
    cut = data.index("ë".encode()) + 1  # the sniff window ends inside the two-byte 'ë'
    monkeypatch.setattr("slrs.csv_reading.SNIFF_BYTES", cut)
    frame = read_portfolio_bytes(data, "p.csv")
    assert frame.loc[0, "Borrower_ID"] == "Zoë"  # still read as UTF-8, not as cp1252 'Zoë'


# --- rows wider or narrower than the header ---------------------------------------------------------------

@pytest.mark.parametrize("n_extra", [1, 3, SPARE_COLUMNS])
def test_read_portfolio_row_with_extra_values_keeps_them(read: Reader, portfolio_text: pd.DataFrame,
                                                         n_extra: int) -> None:
    lines = _csv_lines(portfolio_text)
    extras = [f"surplus{i}" for i in range(1, n_extra + 1)]
    lines[3] += ("," + ",".join(extras)).encode()  # data row 3
    frame = read(b"\n".join(lines), "p.csv")
    spares = [f"{SPARE_PREFIX}{i}" for i in range(1, n_extra + 1)]
    assert list(frame.columns) == [*portfolio_text.columns, *spares]
    assert frame.loc[2, spares].tolist() == extras
    assert (frame.drop(index=2)[spares] == "").all().all()
    pd.testing.assert_frame_equal(frame[portfolio_text.columns], portfolio_text)

    result = validate_portfolio(frame)
    assert len(result.row_issues) == len(portfolio_text)
    assert result.issues[["Row", "Column", "Value"]].values.tolist() == [[3, f"{SPARE_PREFIX}1", "surplus1"]]
    assert result.row_issues.name == "Data_Issues"
    assert "Extra_Value_1 'surplus1' holds a value beyond the header's columns" in result.row_issues.iloc[2]
    assert result.scorable.all()


@pytest.mark.parametrize(
    ("data_row", "match"),
    [
        (1, r"more values than the header's 21 columns.*expected one value per header column"),
        (5, r"line 6 has 31 values but the header has 21 columns; expected at most 29 values per line"),
        (30, r"line 31 has 31 values but the header has 21 columns; expected at most 29 values per line"),
    ],
    ids=["first-row", "middle-row", "last-row"],
)
def test_read_portfolio_row_beyond_spare_columns_raises(read: Reader, portfolio_text: pd.DataFrame,
                                                        data_row: int, match: str) -> None:
    lines = _csv_lines(portfolio_text)
    lines[data_row] += b",x" * (SPARE_COLUMNS + 2)
    with pytest.raises(DataValidationError, match=match):
        read(b"\n".join(lines), "p.csv")


@pytest.mark.parametrize("n_kept", [1, 5, 20])
def test_read_portfolio_short_row_gets_empty_strings(read: Reader, portfolio_text: pd.DataFrame,
                                                     n_kept: int) -> None:
    lines = _csv_lines(portfolio_text)
    lines[5] = b",".join(lines[5].split(b",")[:n_kept])  # data row 5
    frame = read(b"\n".join(lines), "p.csv")
    assert frame.shape == portfolio_text.shape
    assert frame.iloc[4, :n_kept].tolist() == portfolio_text.iloc[4, :n_kept].tolist()
    assert frame.iloc[4, n_kept:].tolist() == [""] * (portfolio_text.shape[1] - n_kept)
    pd.testing.assert_frame_equal(frame.drop(index=4), portfolio_text.drop(index=4))


def test_read_portfolio_bytes_header_named_like_spare_column(portfolio_text: pd.DataFrame) -> None:
    # Re-reading SLRS output that already carries an Extra_Value_1 column once crashed with a pandas
    # "Duplicate names" ValueError.
    portfolio_text[f"{SPARE_PREFIX}1"] = ""
    lines = _csv_lines(portfolio_text)
    lines[1] += b",overflow"
    frame = read_portfolio_bytes(b"\n".join(lines), "scored.csv")
    assert list(frame.columns) == [*portfolio_text.columns, f"{SPARE_PREFIX}2"]
    assert frame.loc[0, f"{SPARE_PREFIX}2"] == "overflow"
    assert frame[f"{SPARE_PREFIX}1"].eq("").all()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Age,,Age", ["Age", "Unnamed_2", "Age.2"]),
        (b"Age,Age,Age", ["Age", "Age.2", "Age.3"]),
        (b" Age , Loan_Type ", ["Age", "Loan_Type"]),
    ],
    ids=["blank", "repeated", "padded"],
)
def test_read_portfolio_bytes_headers_made_unique(header: bytes, expected: list[str]) -> None:
    n = len(expected)
    frame = read_portfolio_bytes(header + b"\n" + b",".join([b"1"] * n), "p.csv")
    assert list(frame.columns) == expected
    assert frame.iloc[0].tolist() == ["1"] * n  # no column lost


# --- Excel ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("filename", ["p.xlsx", "P.XLSX"])
def test_read_portfolio_xlsx_round_trip_keeps_text_and_numbers(read: Reader, portfolio_text: pd.DataFrame,
                                                               filename: str) -> None:
    # Numbers are number cells in SLRS's workbooks (a spreadsheet can add them up), so they come back as the same
    # numbers, not the same text ("1727997.257896650" is 1727997.25789665); every text cell comes back exactly.
    frame = read(to_excel_bytes(portfolio_text), filename)
    numeric = [name for name in portfolio_text if COLUMN_BY_NAME[name].is_numeric]
    pd.testing.assert_frame_equal(frame.drop(columns=numeric), portfolio_text.drop(columns=numeric))
    for name in numeric:
        assert frame[name].astype(float).tolist() == portfolio_text[name].astype(float).tolist(), name
    assert float(frame.loc[0, "Outstanding_Loan_Amount"]) == 1727997.25789665


def test_read_portfolio_bytes_xlsx_numbers_round_trip() -> None:
    portfolio = generate_portfolio(30, seed=3)
    frame = read_portfolio_bytes(to_excel_bytes(portfolio), "p.xlsx")
    assert list(frame.columns) == list(portfolio.columns)
    for column in portfolio.select_dtypes("number"):
        assert frame[column].astype(float).tolist() == portfolio[column].astype(float).tolist(), column
    result = validate_portfolio(frame)
    assert result.issues.empty
    assert result.scorable.all()


def test_read_portfolio_bytes_xlsx_blank_cells_become_empty_strings(portfolio_text: pd.DataFrame) -> None:
    portfolio_text.loc[3, "Gender"] = None
    frame = read_portfolio_bytes(to_excel_bytes(portfolio_text), "p.xlsx")
    assert frame.loc[3, "Gender"] == ""
    assert len(frame) == len(portfolio_text)


# --- whole-file problems ------------------------------------------------------------------------------------

def _xlsx_bytes() -> bytes:
    return to_excel_bytes(generate_portfolio(5, seed=0))


def _xlsx_with_member(member: str, payload: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_xlsx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, payload if name == member else source.read(name))
    return out.getvalue()


def _deflate_damaged_xlsx() -> bytes:
    data = bytearray(_xlsx_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start: start + 8] = b"\xff" * 8  # corrupt the compressed stream, keep the zip directory intact
    return bytes(data)


SMALL_CSV = b"Borrower_ID,Age\nBRW_1,40"
FILE_PROBLEMS = [
    pytest.param(lambda: b"", "p.csv", r"the file is empty.*expected a header row and at least one data row",
                 id="empty"),
    pytest.param(lambda: b"  \r\n\t \n  ", "p.csv", r"empty.*expected a header row and at least one data row",
                 id="whitespace"),
    pytest.param(lambda: b"\r\n\r\n" + SMALL_CSV, "p.csv", r"starts with a blank line; expected a header row",
                 id="blank-first-line"),
    pytest.param(lambda: SMALL_CSV + b"\x00\x01\x02\xff\xfe", "p.csv",
                 r"binary, not a text table; expected CSV text or \.xlsx", id="nul-bytes"),
    pytest.param(lambda: bytes(range(256)) * 8, "p.txt", r"binary, not a text table; expected CSV text or \.xlsx",
                 id="binary-txt"),
    pytest.param(lambda: SMALL_CSV, "p.pdf",
                 r"the file has '\.pdf'; expected a CSV file \(\.csv, \.tsv, \.txt\), an Excel workbook \(\.xlsx\) or a "
                 r"Parquet file \(\.parquet\)",
                 id="pdf"),
    pytest.param(lambda: SMALL_CSV, "p.xls", r"the file has '\.xls'; expected a CSV file", id="xls"),
    pytest.param(lambda: SMALL_CSV, "portfolio", r"the file has no extension; expected a CSV file", id="no-extension"),
    pytest.param(lambda: random.Random(0).randbytes(4096), "x.xlsx",
                 r"workbook cannot be opened \(BadZipFile\); expected a valid \.xlsx file", id="random-xlsx"),
    pytest.param(lambda: SMALL_CSV, "x.xlsx", r"workbook cannot be opened.*expected a valid \.xlsx file",
                 id="csv-named-xlsx"),
    pytest.param(lambda: _xlsx_bytes()[:2000], "x.xlsx", r"workbook cannot be opened.*expected a valid \.xlsx file",
                 id="truncated-xlsx"),
    pytest.param(_deflate_damaged_xlsx, "x.xlsx",
                 r"workbook cannot be opened \(error\); expected a valid \.xlsx file", id="bad-deflate-xlsx"),
    pytest.param(lambda: _xlsx_with_member("xl/workbook.xml", b"<not xml"), "x.xlsx",
                 r"workbook cannot be opened \(ParseError\); expected a valid \.xlsx file", id="bad-xml-xlsx"),
    pytest.param(lambda: b'Borrower_ID,Age\nBRW_1,"40\nBRW_2,41', "p.csv",
                 r"quoted value is never closed.*expected matching double quotes", id="unclosed-quote"),
    pytest.param(lambda: b"A" * 200_000 + b"\nBRW_1", "p.csv",
                 r"header row cannot be read.*expected a header row of column names", id="huge-header-cell"),
]


@pytest.mark.parametrize(("make_data", "filename", "match"), FILE_PROBLEMS)
def test_read_portfolio_unusable_file_raises(read: Reader, make_data: Callable[[], bytes], filename: str,
                                             match: str) -> None:
    with pytest.raises(DataValidationError, match=match) as caught:
        read(make_data(), filename)
    assert len(caught.value.problems) == 1
    assert caught.value.source == f"'{filename}'"
    assert isinstance(caught.value, ValueError)  # callers that know nothing of SLRS can still catch it


@pytest.mark.parametrize("filename", ["missing.csv", "missing.xlsx"])
def test_iter_portfolio_file_missing_path_raises(tmp_path: Path, filename: str) -> None:
    with pytest.raises(DataValidationError, match=r"no file at .*missing.*; expected an existing CSV or \.xlsx file"):
        list(iter_portfolio_file(tmp_path / filename, chunk_rows=7))


def test_iter_portfolio_file_directory_raises(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(DataValidationError, match=r"no file at .*folder\.csv"):
        list(iter_portfolio_file(folder, chunk_rows=7))


# --- chunked reading --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("chunk_rows", "sizes"),
    [(7, [7, 7, 7, 7, 2]), (1, [1] * 30), (30, [30]), (1000, [30])],
)
def test_iter_portfolio_file_chunks_yield_all_rows_in_order(tmp_path: Path, reference_csv_bytes: bytes,
                                                            portfolio_text: pd.DataFrame, chunk_rows: int,
                                                            sizes: list[int]) -> None:
    path = tmp_path / "portfolio.csv"
    path.write_bytes(reference_csv_bytes)
    chunks = list(iter_portfolio_file(path, chunk_rows=chunk_rows))
    assert [len(chunk) for chunk in chunks] == sizes
    whole = pd.concat(chunks, ignore_index=True)
    assert whole["Borrower_ID"].tolist() == [f"BRW_{i}" for i in range(1, 31)]
    pd.testing.assert_frame_equal(whole, portfolio_text)


def test_iter_portfolio_file_spare_column_only_in_later_chunk(tmp_path: Path, portfolio_text: pd.DataFrame) -> None:
    lines = _csv_lines(portfolio_text)
    lines[25] += b",late-extra"
    path = tmp_path / "portfolio.csv"
    path.write_bytes(b"\n".join(lines))
    chunks = list(iter_portfolio_file(path, chunk_rows=7))
    assert [f"{SPARE_PREFIX}1" in chunk for chunk in chunks] == [False, False, False, True, False]
    assert chunks[3][f"{SPARE_PREFIX}1"].tolist() == ["", "", "", "late-extra", "", "", ""]


# --- malformed input never escapes as anything but DataValidationError -------------------------------------

INSERTS = [b",", b";", b"\t", b'"', b"\n", b"\r\n", b"\r", b'""', b"\xef\xbb\xbf", b"\xff", b"\x00"]
MUTATION = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(b"")),
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.binary(min_size=1, max_size=1)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.sampled_from(INSERTS)),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just(b"")),
)


def _mutate(data: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, where, payload in mutations:
        at = where % (len(out) + 1)
        if kind == "truncate":
            del out[at:]
        elif kind == "flip" and at < len(out):
            out[at] = payload[0]
        elif kind == "insert":
            out[at:at] = payload
        elif kind == "delete":
            del out[at: at + 1 + where % 40]
    return bytes(out)


def _read_and_validate(data: bytes, filename: str) -> None:
    """Read and validate; only DataValidationError may escape, and no row read may be lost."""
    try:
        frame = read_portfolio_bytes(data, filename)
    except DataValidationError:
        return
    try:
        result = validate_portfolio(frame)
    except DataValidationError:
        return
    assert len(result.row_issues) == len(result.clean) == len(result.scorable) == len(frame)
    assert result.row_issues.index.equals(frame.index)


@settings(max_examples=60, deadline=None)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=6),
       filename=st.sampled_from(["p.csv", "p.tsv", "p.txt"]))
def test_read_portfolio_bytes_mutated_csv_raises_only_data_validation_error(
        reference_csv_bytes: bytes, mutations: list[tuple[str, int, bytes]], filename: str) -> None:
    _read_and_validate(_mutate(reference_csv_bytes, mutations), filename)


@settings(max_examples=60, deadline=None)
@given(data=st.one_of(st.binary(max_size=400),
                      st.text(alphabet='ab1.-,;\t"\r\n Age_ID', max_size=200).map(str.encode)),
       filename=st.sampled_from(["p.csv", "p.txt", "p.xlsx"]))
def test_read_portfolio_bytes_random_bytes_raise_only_data_validation_error(data: bytes, filename: str) -> None:
    _read_and_validate(data, filename)


@pytest.fixture(scope="module")
def xlsx_sample() -> bytes:
    return _xlsx_bytes()


@settings(max_examples=60, deadline=None)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_read_portfolio_bytes_mutated_xlsx_raises_only_data_validation_error(
        xlsx_sample: bytes, mutations: list[tuple[str, int, bytes]]) -> None:
    # Damaged workbooks once escaped as zlib.error, NotImplementedError or xml ParseError.
    _read_and_validate(_mutate(xlsx_sample, mutations), "p.xlsx")


def _book_bytes(kind: str) -> bytes:
    text = generate_portfolio(500, seed=12).astype(str).to_csv(index=False)
    if kind == "cp1252":
        return text.replace("BRW_7,", "BRW_Zoë,").encode("cp1252")
    if kind == "odd quotes":
        return text.replace("BRW_7,", 'BRW_"7,').encode()
    if kind == "wide row":
        return text.replace("BRW_7,", "BRW_7,extra,").encode()
    return text.encode()


# Arrow reads the first; pandas' reader the others, with the layout and the decoding the started pass found.
@pytest.mark.parametrize("kind", ["utf-8", "cp1252", "odd quotes", "wide row"])
def test_a_first_pass_started_earlier_gives_the_same_chunks(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(_book_bytes(kind))
    read = list(iter_portfolio_file(path, 200))
    started = list(iter_portfolio_file(path, 200, started=start_first_pass(path)))
    assert [len(chunk) for chunk in started] == [200, 200, 100]
    for a, b in zip(read, started, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_a_first_pass_started_earlier_gives_the_same_error(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"\n" + _book_bytes("utf-8"))
    with pytest.raises(DataValidationError, match="starts with a blank line"):
        list(iter_portfolio_file(path, 200, started=start_first_pass(path)))


def test_arrow_and_pandas_readers_give_the_same_text(monkeypatch) -> None:
    """Files Arrow reads (fast, on every core) come out exactly as through the pandas reader (the fallback)."""
    frame = generate_portfolio(500, seed=12).astype(str)
    frame.loc[0, "Borrower_ID"] = 'BRW, "quoted"'
    frame.loc[1, "Borrower_ID"] = "'=SUM(A1)"
    frame.loc[2, "Age"] = ""
    frame.loc[3, "Loan_Type"] = " Home "
    data = b"\xef\xbb\xbf" + frame.to_csv(index=False, lineterminator="\r\n").encode()
    fast = list(slrs_io.iter_portfolio_bytes(data, "book.csv", 200))
    monkeypatch.setattr("slrs.csv_reading.ARROW_MAX_BYTES", 0)
    slow = list(slrs_io.iter_portfolio_bytes(data, "book.csv", 200))
    assert [len(chunk) for chunk in fast] == [len(chunk) for chunk in slow] == [200, 200, 100]
    for a, b in zip(fast, slow, strict=True):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
    assert fast[0].loc[1, "Borrower_ID"] == "=SUM(A1)" and fast[0].loc[0, "Borrower_ID"] == 'BRW, "quoted"'


def test_a_book_is_a_file_a_folder_or_a_pattern_of_files_in_name_order(tmp_path: Path) -> None:
    frame = generate_portfolio(30, seed=2)
    for name in ("b.csv", "a.csv", "c.parquet"):
        (frame.to_parquet if name.endswith(".parquet") else frame.to_csv)(tmp_path / name, index=False)
    (tmp_path / "notes.md").write_text("not a portfolio")
    (tmp_path / ".a.csv.partial").write_text("half written")
    assert [p.name for p in find_book_files(tmp_path)] == ["a.csv", "b.csv", "c.parquet"]
    assert [p.name for p in find_book_files(tmp_path / "*.csv")] == ["a.csv", "b.csv"]
    assert find_book_files(tmp_path / "a.csv") == [tmp_path / "a.csv"]
    rows = pd.concat(list(iter_book(find_book_files(tmp_path), 7)), ignore_index=True)
    assert len(rows) == 90 and rows["Borrower_ID"].tolist() == frame["Borrower_ID"].tolist() * 3


@pytest.mark.parametrize(("name", "message"), [("missing.csv", "no file at"), ("*.xlsx", "names no portfolio file")])
def test_a_book_that_names_no_file_is_refused_in_words(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        find_book_files(tmp_path / name)


def test_every_file_of_a_book_must_have_the_first_files_header(tmp_path: Path) -> None:
    frame = generate_portfolio(10, seed=2)
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.drop(columns=["Age"]).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataValidationError, match="differ from the first file's") as error:
        list(iter_book(find_book_files(tmp_path), 100))
    assert error.value.source == "'b.csv'"


def test_a_late_row_with_an_extra_value_is_not_a_second_header(tmp_path: Path) -> None:
    lines = generate_portfolio(30, seed=2).to_csv(index=False).splitlines()
    lines[25] += ",late-extra"
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n")
    rows = pd.concat(list(iter_book([tmp_path / "a.csv"], 7)), ignore_index=True)
    assert len(rows) == 30 and "late-extra" in rows.astype(str).to_numpy()


def _write_slowly(stream) -> None:
    for _ in range(20):
        stream.write(b"x" * 1000)
        time.sleep(0.01)


def test_a_file_written_atomically_goes_to_the_disk_while_it_is_written(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    sync_ends: list[float] = []

    def sync_slowly(descriptor: int) -> None:
        time.sleep(0.3)  # a sync in progress when the writing ends must be waited for: the file closes next
        sync_ends.append(time.monotonic())

    monkeypatch.setattr(slrs_io, "SYNC_EVERY_S", 0.005)
    monkeypatch.setattr(slrs_io, "_sync_data", sync_slowly)
    slrs_io.write_atomically(tmp_path / "out.csv", _write_slowly)
    returned = time.monotonic()
    time.sleep(0.4)
    assert sync_ends and max(sync_ends) < returned
    assert (tmp_path / "out.csv").read_bytes() == b"x" * 20_000


def test_a_failed_sync_while_writing_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(descriptor: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(slrs_io, "SYNC_EVERY_S", 0.005)
    monkeypatch.setattr(slrs_io, "_sync_data", fail)
    with pytest.raises(OSError, match="Input/output error"):
        slrs_io.write_atomically(tmp_path / "out.csv", _write_slowly)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary part
