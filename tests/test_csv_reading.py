"""The first pass over a CSV file: Arrow reads what it can read exactly, and the rest is left to pandas' reader
with the facts it needs (layout, whether the file decodes); started early, it gives the same answer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from slrs.csv_reading import read_first_pass, start_first_pass
from slrs.exceptions import DataValidationError
from slrs.limits import ReadLimits
from slrs.synth import generate_portfolio

BOOK = generate_portfolio(300, seed=3).astype(str).to_csv(index=False).encode()


def test_a_utf8_file_is_read_by_arrow_whole_and_decodes() -> None:
    found = read_first_pass(io.BytesIO(BOOK), "book.csv")
    assert found.decodes and found.layout.delimiter == "," and found.layout.encoding == "utf-8-sig"
    assert found.table is not None and found.table.num_rows == 300
    assert found.table.column("Borrower_ID").to_pylist()[:2] == ["BRW_1", "BRW_2"]


# Arrow's own UTF-8 check stands in for Python's decoder on the files Arrow reads, so it must refuse what Python's
# strict decoder refuses: a lone byte of cp1252, an encoded surrogate, an overlong form, a code point past U+10FFFF.
@pytest.mark.parametrize("bad", [b"\xe9", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"])
def test_bytes_that_are_not_utf8_leave_the_file_to_pandas_reader_marked_as_not_decoding(
        bad: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnicodeDecodeError):
        bad.decode("utf-8")
    monkeypatch.setattr("slrs.csv_reading.SNIFF_BYTES", 4096)  # the encoding is decided before the bad bytes
    found = read_first_pass(io.BytesIO(BOOK.replace(b"BRW_250,", b"BRW_" + bad + b"250,")), "book.csv")
    assert found.table is None and not found.decodes


def test_an_odd_number_of_quotes_leaves_the_file_to_pandas_reader() -> None:
    found = read_first_pass(io.BytesIO(BOOK.replace(b"BRW_250,", b'BRW_"250,')), "book.csv")
    assert found.table is None and found.decodes


def test_one_parser_thread_reads_what_all_of_them_read() -> None:
    threaded = read_first_pass(io.BytesIO(BOOK), "book.csv").table
    assert read_first_pass(io.BytesIO(BOOK), "book.csv", use_threads=False).table.equals(threaded)


def test_a_started_first_pass_gives_the_same_result_or_the_same_error(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(BOOK)
    started = start_first_pass(path)
    assert started is not None
    assert started.result(timeout=30).table.equals(read_first_pass(io.BytesIO(BOOK), "book.csv").table)
    path.write_bytes(b"\n" + BOOK)
    with pytest.raises(DataValidationError, match="starts with a blank line"):
        start_first_pass(path).result(timeout=30)


def test_no_first_pass_starts_for_files_the_reader_refuses_before_reading(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "book.xlsx").write_bytes(BOOK)
    (tmp_path / "big.csv").write_bytes(BOOK)
    for name in ("empty.csv", "book.xlsx", "missing.csv"):
        assert start_first_pass(tmp_path / name) is None
    monkeypatch.setattr("slrs.csv_reading.DEFAULT_LIMITS", ReadLimits(max_file_bytes=len(BOOK) - 1))
    assert start_first_pass(tmp_path / "big.csv") is None  # refused for its size, unread
