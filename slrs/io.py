"""Reading and writing portfolio files (CSV, Excel and Parquet), within ``slrs.limits``, and writing outputs safely.

Every value is read as text so that nothing is lost or reformatted: the scored output repeats the input
columns exactly as they were, and validation decides what each text means. Rows are never dropped here;
a row with more values than the header keeps them in spare columns that validation reports on. Bytes that are
not text in the file's encoding are kept, written as ``\\xNN``, and named for their row (``UNDECODABLE_ATTR``).

Outputs never carry a live spreadsheet formula: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is written with a leading apostrophe (OWASP's advice against CSV injection), and reading strips
exactly that apostrophe again, so SLRS reads its own files back unchanged. Files are written to a temporary file
beside the target and renamed only when complete (``write_atomically``).
"""

from __future__ import annotations

import glob
import io
import itertools
import json
import os
import re
import shutil
import tempfile
import threading
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from slrs.bundle import ModelBundle, library_versions
from slrs.csv_reading import CSV_SUFFIXES, FirstPass, read_first_pass, unique_headers
from slrs.digest import sha256_file
from slrs.exceptions import ConfigError, DataValidationError, ModelArtifactError
from slrs.formula_guard import (
    FORMULA_LIKE,
    FORMULA_STARTS,
    NEUTRALISED_FORMULA,
    PLAIN_NUMBER,
    neutralise_formula_text,
)
from slrs.limits import DEFAULT_LIMITS, ReadLimits, quote
from slrs.parquet import PARQUET_SUFFIXES, has_value_longer_than, iter_parquet_chunks, write_parquet
from slrs.scenario import DecisionScenario, read_scenario_bytes
from slrs.schema import (
    COLUMN_BY_NAME,
    OUTPUT_COLUMNS,
    SCHEMA_VERSION,
    SPARE_PREFIX,
    UNDECODABLE_ATTR,
    canonical_column,
)
from slrs.text import may_start_with

EXCEL_SUFFIXES = (".xlsx",)
# An .xlsx sheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
SUPPORTED_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
# Values beyond the header's width are kept in this many spare columns; a row with more is refused.
SPARE_COLUMNS = 8
# How often a large output being written is sent on to the disk (``write_atomically``).
SYNC_EVERY_S = 0.25
# fdatasync skips the file's times, which a sync before the rename does not need; not every system has it.
_sync_data = getattr(os, "fdatasync", os.fsync)
_PARSER_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
# How backslashreplace writes a byte the encoding cannot decode; searched for only in files that do not decode.
_ESCAPED_BYTE = re.compile(r"\\x[0-9a-f]{2}")


def check_suffix(filename: str) -> str:
    """Return the lower-case suffix of ``filename`` or raise naming the formats SLRS reads."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        found = f"'{suffix}'" if suffix else "no extension"
        raise DataValidationError(
            [f"the file has {found}; expected a CSV file (.csv, .tsv, .txt), an Excel workbook (.xlsx) or a "
             "Parquet file (.parquet)"],
            source=f"'{filename}'",
        )
    return suffix


def iter_csv_chunks(stream: BinaryIO, filename: str, chunk_rows: int | None, limits: ReadLimits = DEFAULT_LIMITS,
                    started: Future[FirstPass] | None = None) -> Iterator[pd.DataFrame]:
    """Yield the CSV's rows as text frames of at most ``chunk_rows`` rows (all rows at once if None); ``started``
    is this stream's file's ``read_first_pass`` under ``DEFAULT_LIMITS``, if one was started earlier
    (``slrs.csv_reading.start_first_pass``): it stands for the sniffing and the reading by Arrow.

    Stops with a ``DataValidationError`` once the file passes ``limits.max_rows`` or a cell passes
    ``limits.max_cell_chars``; a value whose bytes the encoding cannot decode is kept (see the module docstring).
    """
    found = started.result() if started is not None else read_first_pass(stream, filename, limits)
    if found.table is not None:
        yield from _arrow_chunks(found.table, filename, chunk_rows, limits)
        return
    layout, clean = found.layout, found.decodes
    rows = 0
    spares = _spare_names(layout.header)
    names = [*layout.header, *spares]
    with warnings.catch_warnings():
        # pandas only warns when it would truncate the first row: that would lose data, so it is an error.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            # Without chunk_rows read_csv parses the whole file here, so it must sit inside the guard.
            reader = pd.read_csv(
                stream, sep=layout.delimiter, header=None, skiprows=1, names=names, index_col=False,
                dtype=str, keep_default_na=False, na_filter=False, encoding=layout.encoding,
                encoding_errors="backslashreplace", skip_blank_lines=True, chunksize=chunk_rows, engine="c",
            )
            chunks = reader if chunk_rows else [reader]
            for chunk in chunks:
                rows += len(chunk)
                _check_chunk(chunk, rows, filename, limits)
                yield _restore_chunk(_drop_empty_spares(chunk, spares), look_for_undecodable=not clean)
        except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
            raise DataValidationError([_explain_parser_error(error, len(layout.header))],
                                      source=f"'{filename}'") from None


def _arrow_chunks(table: pa.Table, filename: str, chunk_rows: int | None,
                  limits: ReadLimits) -> Iterator[pd.DataFrame]:
    step = chunk_rows or table.num_rows
    if table.num_rows > limits.max_rows or any(has_value_longer_than(column, limits.max_cell_chars)
                                               for column in table.columns):
        # Let the chunk check find the place and say it, as it does for the pandas reader.
        for start in range(0, table.num_rows, step):
            _check_chunk(table.slice(start, step).to_pandas(), start + min(step, table.num_rows - start), filename,
                         limits)
    guarded = [name for name, column in zip(table.column_names, table.columns, strict=True)
               if may_start_with(column, _APOSTROPHE_BYTE)]
    for start in range(0, table.num_rows, step):
        yield _restore_chunk(table.slice(start, step).to_pandas(), look_for_undecodable=False, columns=guarded)


def _check_chunk(chunk: pd.DataFrame, rows_so_far: int, filename: str, limits: ReadLimits) -> None:
    if rows_so_far > limits.max_rows:
        raise DataValidationError([f"the file has more than {limits.max_rows:,} data rows (limit max_rows); "
                                   "expected a smaller portfolio, or split it"], source=f"'{filename}'")
    for column in chunk.columns:
        lengths = chunk[column].str.len()
        if len(lengths) and lengths.max() > limits.max_cell_chars:
            row = int(np.argmax(lengths.to_numpy() > limits.max_cell_chars))
            raise DataValidationError([f"column {quote(column)}, row {rows_so_far - len(chunk) + row + 1:,} has "
                                       f"{int(lengths.iloc[row]):,} characters; at most {limits.max_cell_chars:,} "
                                       "(limit max_cell_chars)"], source=f"'{filename}'")


def _restore_chunk(chunk: pd.DataFrame, look_for_undecodable: bool,
                   columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Undo the output's formula guard (in ``columns`` only, if given: those in which a value may start with an
    apostrophe), and note where undecodable bytes were kept as ``\\xNN`` text."""
    undecodable = {}
    for column in chunk.columns:
        values = chunk[column]
        guarded = values.str.startswith("'") if columns is None or column in columns else None
        if guarded is not None and guarded.any():
            restored = values.str.replace(NEUTRALISED_FORMULA, "", n=1, regex=True)
            chunk[column] = values = values.where(~guarded, restored)
        if not look_for_undecodable:
            continue
        broken = values.str.contains(_ESCAPED_BYTE)
        if broken.any():
            undecodable[column] = broken.to_numpy()
    if undecodable:
        chunk.attrs[UNDECODABLE_ATTR] = undecodable
    return chunk


def _spare_names(header: tuple[str, ...]) -> list[str]:
    """Spare column names no header already uses (re-reading SLRS output can bring Extra_Value_1 along)."""
    free = (f"{SPARE_PREFIX}{i}" for i in itertools.count(1))
    return list(itertools.islice((name for name in free if name not in header), SPARE_COLUMNS))


def _drop_empty_spares(chunk: pd.DataFrame, spares: list[str]) -> pd.DataFrame:
    empty = [c for c in spares if not chunk[c].astype(bool).any()]
    return chunk.drop(columns=empty)


def _explain_parser_error(error: Exception, n_header: int) -> str:
    match = _PARSER_LINE.search(str(error))
    if match:
        _, line, seen = match.groups()
        return (f"line {line} has {seen} values but the header has {n_header} columns; expected at most "
                f"{n_header + SPARE_COLUMNS} values per line (check the delimiter and quoting)")
    if "EOF inside string" in str(error):
        return "a quoted value is never closed (the file ends inside quotes); expected matching double quotes"
    return (f"a row has more values than the header's {n_header} columns (check the delimiter and "
            "quoting); expected one value per header column")


# A damaged workbook fails inside zipfile/zlib/XML parsing with any of these, never an SLRS error.
WORKBOOK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ParseError, KeyError, ValueError,
                   OSError, TypeError, IndexError, DefusedXmlException)
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")


def read_excel(data: bytes, filename: str, limits: ReadLimits = DEFAULT_LIMITS) -> pd.DataFrame:
    """Read the first sheet of an .xlsx workbook as text, blank cells as empty strings.

    The workbook is checked first, streaming its XML without building it (``check_workbook``); only then
    does openpyxl read it, through defusedxml.
    """
    try:
        check_workbook(data, filename, limits)
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl")
    except DataValidationError:  # a limit, already said in words (it is a ValueError too)
        raise
    except WORKBOOK_ERRORS as error:
        raise DataValidationError([f"the workbook cannot be opened ({type(error).__name__}); expected a "
                                   "valid .xlsx file saved by Excel or a compatible program"],
                                  source=f"'{filename}'") from None
    frame.columns = unique_headers([_header_text(c) for c in frame.columns], filename, limits)
    frame = frame.fillna("")
    _check_chunk(frame, len(frame), filename, limits)  # cell lengths, as for CSV (rows were checked in the XML)
    return _restore_chunk(frame, look_for_undecodable=False)


def check_workbook(data: bytes, filename: str, limits: ReadLimits = DEFAULT_LIMITS) -> None:
    """Refuse a workbook whose parts expand past ``max_workbook_bytes`` or whose sheets declare or hold cells
    beyond ``max_rows`` rows or ``max_columns`` columns, reading the sheets' XML as a stream (time proportional to
    the file, memory bounded)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        expanded = sum(info.file_size for info in archive.infolist())
        if expanded > limits.max_workbook_bytes:
            raise DataValidationError([f"the workbook expands to {expanded:,} bytes; at most "
                                       f"{limits.max_workbook_bytes:,} (limit max_workbook_bytes)"],
                                      source=f"'{filename}'")
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as sheet:
                    rows, columns = _sheet_extent(sheet)
                _check_extent(rows, columns, filename, limits)


def _sheet_extent(sheet: BinaryIO) -> tuple[int, int]:
    """The largest row and column a sheet declares (its dimension) or holds a cell in, without keeping the XML:
    each finished row is dropped from the tree as soon as it has been read."""
    rows = columns = 0
    sheet_data = None
    for event, element in SafeElementTree.iterparse(sheet, events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "end":
            if tag == "row" and sheet_data is not None:
                del sheet_data[:]
            continue
        if tag == "sheetData":
            sheet_data = element
        reference = {"dimension": element.get("ref", "").split(":")[-1], "c": element.get("r", "")}.get(tag, "")
        if match := _CELL_REF.match(reference):
            rows, columns = max(rows, int(match.group(2))), max(columns, _column_number(match.group(1)))
        elif tag == "row" and element.get("r", "").isdigit():
            rows = max(rows, int(element.get("r")))
    return rows, columns


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _check_extent(rows: int, columns: int, filename: str, limits: ReadLimits) -> None:
    if columns > limits.max_columns:
        raise DataValidationError([f"a sheet reaches column {columns:,}; SLRS reads at most "
                                   f"{limits.max_columns:,} columns (limit max_columns)"], source=f"'{filename}'")
    if rows - 1 > min(limits.max_rows, EXCEL_MAX_ROWS):
        raise DataValidationError([f"a sheet reaches row {rows:,}; SLRS reads at most "
                                   f"{min(limits.max_rows, EXCEL_MAX_ROWS):,} data rows"], source=f"'{filename}'")


def _header_text(header: object) -> str:
    text = str(header)
    return "" if text.startswith("Unnamed: ") else text


def iter_portfolio_bytes(data: bytes, filename: str, chunk_rows: int | None,
                         limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[pd.DataFrame]:
    """Yield an uploaded file (CSV in chunks of ``chunk_rows`` rows, all at once if None; .xlsx whole)."""
    suffix = check_suffix(filename)
    _check_size(len(data), filename, limits)
    if not data.strip():
        raise DataValidationError(["the file is empty; expected a header row and at least one data row"],
                                  source=f"'{filename}'")
    if suffix in EXCEL_SUFFIXES:
        yield read_excel(data, filename, limits)
    elif suffix in PARQUET_SUFFIXES:
        yield from _parquet_frames(io.BytesIO(data), filename, chunk_rows, limits)
    else:
        yield from iter_csv_chunks(io.BytesIO(data), filename, chunk_rows, limits)


def _parquet_frames(source: BinaryIO, filename: str, chunk_rows: int | None, limits: ReadLimits = DEFAULT_LIMITS,
                    row_groups: Sequence[int] | None = None,
                    columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """``slrs.parquet.iter_parquet_chunks`` with headers made unique as for CSV; the whole file at once if None."""
    chunks = iter_parquet_chunks(source, filename, chunk_rows, limits, row_groups=row_groups, columns=columns)
    if chunk_rows is None:  # one frame, as for a whole CSV
        frames = list(chunks)
        chunks = iter([pd.concat(frames, ignore_index=True)])
    for frame in chunks:
        frame.columns = unique_headers([str(name) for name in frame.columns], filename, limits)
        yield frame


def _check_size(size: int, filename: str, limits: ReadLimits) -> None:
    if size > limits.max_file_bytes:
        raise DataValidationError([f"the file has {size:,} bytes; SLRS reads at most {limits.max_file_bytes:,} "
                                   "(limit max_file_bytes)"], source=f"'{filename}'")


def read_portfolio_bytes(data: bytes, filename: str) -> pd.DataFrame:
    """Read a whole uploaded file (CSV or .xlsx) into a frame of text values."""
    return next(iter_portfolio_bytes(data, filename, chunk_rows=None))


BOOK_EXPECTED = "expected a CSV, .xlsx or .parquet file, a folder of them or a pattern such as loans/*.parquet"


def find_book_files(source: Path) -> list[Path]:
    """The files of a *book* (one portfolio kept in several files): ``source`` itself if it is a file, the portfolio
    files of a folder (by name), or the files a glob pattern (``loans/2026-*.parquet``) matches (by name)."""
    if source.is_file():
        return [source]
    if source.is_dir():
        found = sorted(path for path in source.iterdir() if path.is_file() and not path.name.startswith(".")
                       and path.suffix.lower() in SUPPORTED_SUFFIXES)
        where = f"the folder {source}"
    else:
        if not glob.has_magic(str(source)):
            raise DataValidationError([f"no file at {source}; {BOOK_EXPECTED}"], source=f"'{source.name}'")
        found = sorted(path for path in map(Path, glob.glob(str(source))) if path.is_file())
        where = f"the pattern {source}"
    if not found:
        raise DataValidationError([f"{where} names no portfolio file; {BOOK_EXPECTED}"], source=str(source))
    return found


def names_a_folder(output: Path) -> bool:
    """Whether an output path without a suffix names a folder (of Parquet parts, from a Dask run)."""
    return output.suffix == ""


def iter_book(paths: Sequence[Path], chunk_rows: int,
              first_file_started: Future[FirstPass] | None = None) -> Iterator[pd.DataFrame]:
    """The rows of a book's files, in order, in chunks; every file must have the first one's header. A first pass
    over the first file, if it is a CSV, may have been started earlier (``first_file_started``)."""
    header = None
    for index, path in enumerate(paths):
        started = first_file_started if index == 0 else None
        for position, chunk in enumerate(iter_portfolio_file(path, chunk_rows, started=started)):
            if position == 0:
                header = header or file_header(chunk)
                check_same_header(file_header(chunk), header, path.name)
            yield chunk


def file_header(chunk: pd.DataFrame) -> list[str]:
    """A file's own header, as its first chunk shows it (without the spare columns a long row may add)."""
    return [str(column) for column in chunk.columns if not str(column).startswith(SPARE_PREFIX)]


def check_same_header(columns: list[str], header: list[str], filename: str) -> None:
    """Refuse a file of a book whose header is not the first file's (its rows would land in other columns)."""
    if columns != header:
        raise DataValidationError([f"its columns ({', '.join(columns)}) differ from the first file's "
                                   f"({', '.join(header)}); expected one header for every file of a portfolio"],
                                  source=f"'{filename}'")


def iter_portfolio_file(path: Path, chunk_rows: int, *, row_groups: Sequence[int] | None = None,
                        columns: Sequence[str] | None = None,
                        started: Future[FirstPass] | None = None) -> Iterator[pd.DataFrame]:
    """Yield a portfolio file from disk in chunks (CSV, Parquet) or whole (Excel cannot be streamed). Of a Parquet
    file only ``row_groups`` and only ``columns`` (names in the file) are read, if given; other files ignore them.
    ``started`` is the CSV file's first pass, if it was started earlier (``iter_csv_chunks``)."""
    suffix = check_suffix(path.name)
    if not path.is_file():
        raise DataValidationError([f"no file at {path}; expected an existing CSV or .xlsx file"],
                                  source=f"'{path.name}'")
    _check_size(path.stat().st_size, path.name, DEFAULT_LIMITS)
    if suffix in EXCEL_SUFFIXES:
        yield read_portfolio_bytes(path.read_bytes(), path.name)
        return
    if path.stat().st_size == 0:
        raise DataValidationError(["the file is empty; expected a header row and at least one data row"],
                                  source=f"'{path.name}'")
    with path.open("rb") as stream:
        if suffix in PARQUET_SUFFIXES:
            yield from _parquet_frames(stream, path.name, chunk_rows, row_groups=row_groups, columns=columns)
        else:
            yield from iter_csv_chunks(stream, path.name, chunk_rows, started=started)


def _neutralise_table(table: pa.Table) -> pa.Table:
    """``neutralise_formula_text`` on every text cell and header of an Arrow table, in Arrow's compute kernels."""
    columns = []
    for column in table.columns:
        is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        if is_text and may_start_with(column, _FORMULA_FIRST_BYTES):
            risky = pc.and_(pc.match_substring_regex(column, FORMULA_LIKE),
                            pc.invert(pc.match_substring_regex(column, PLAIN_NUMBER)))
            guarded = pc.binary_join_element_wise(pa.scalar("'", column.type), column, pa.scalar("", column.type))
            column = pc.if_else(pc.fill_null(risky, False), guarded, column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=[neutralise_formula_text(str(name)) for name in table.column_names])


_FORMULA_FIRST_BYTES = np.zeros(256, dtype=bool)
_FORMULA_FIRST_BYTES[list(("'" + "".join(FORMULA_STARTS)).encode())] = True
_APOSTROPHE_BYTE = np.zeros(256, dtype=bool)
_APOSTROPHE_BYTE[ord("'")] = True


def write_csv_chunk(frame: pd.DataFrame, stream: BinaryIO, first: bool) -> None:
    """Append ``frame`` to a binary stream as UTF-8 CSV, with the header only for the first chunk.

    pyarrow's writer is about ten times faster than pandas' here; it quotes text values where needed, which
    any CSV reader reads back to the same text. Formula-like text is neutralised (see the module docstring).
    """
    table = _neutralise_table(pa.Table.from_pandas(frame, preserve_index=False))
    pa_csv.write_csv(table, stream, pa_csv.WriteOptions(include_header=first, quoting_style="needed"))


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a frame to UTF-8 CSV bytes with the CLI's writer (for downloads)."""
    buffer = io.BytesIO()
    write_csv_chunk(frame, buffer, first=True)
    return buffer.getvalue()


def write_frames(frames: Iterable[pd.DataFrame], stream: BinaryIO, suffix: str) -> None:
    """Write frames with the same columns, in order, as one file of the kind ``suffix`` names: ``.parquet``,
    ``.xlsx`` (built whole: a workbook cannot be written in pieces) or CSV (anything else)."""
    if suffix in PARQUET_SUFFIXES:
        write_parquet(frames, stream)
    elif suffix in EXCEL_SUFFIXES:
        stream.write(to_excel_bytes(pd.concat(list(frames))))
    else:
        for position, frame in enumerate(frames):
            write_csv_chunk(frame, stream, first=position == 0)


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a frame to Parquet bytes (for downloads)."""
    buffer = io.BytesIO()
    write_parquet([frame], buffer)
    return buffer.getvalue()


def to_excel_bytes(frame: pd.DataFrame, sheet_name: str = "Portfolio") -> bytes:
    """Serialise a frame to .xlsx bytes (for downloads and the CLI's Excel output).

    Text cells are neutralised as in CSV and written as text, never as formulas; the schema's numeric columns
    and the scores are number cells (a value that is not a number stays text, as in the file).
    """
    sheet = _neutralise_table(pa.Table.from_pandas(frame, preserve_index=False)).to_pandas()
    for column in sheet.columns:
        if _is_numeric_column(column) and pd.api.types.is_string_dtype(sheet[column]):
            numbers = pd.to_numeric(sheet[column].replace("", None), errors="coerce")
            sheet[column] = numbers.astype(object).where(numbers.notna(), sheet[column])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False}}) as writer:
        sheet.to_excel(writer, index=False, sheet_name=sheet_name)
    return buffer.getvalue()


def _is_numeric_column(name: str) -> bool:
    column = COLUMN_BY_NAME.get(canonical_column(name) or "")
    return (column is not None and column.is_numeric) or name in OUTPUT_COLUMNS


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a file through ``write`` into a temporary file beside ``path``, renamed to ``path`` only on success.

    A refused, failed or interrupted run (an exception, Ctrl-C) leaves no file at ``path`` and no temporary file.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as stream:
            with _sync_while_written(stream.fileno()):
                write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _sync_while_written(descriptor: int) -> Iterator[None]:
    """Send what is written to the file to the disk every ``SYNC_EVERY_S`` while the block runs, from a background
    thread (syncing frees the GIL), so the final sync waits only for the last writes: for a million scored rows
    (318 MB) it took 0.3 s at the end.

    A failed sync stops the syncing and is raised when the block ends: Linux reports a write-back error to one
    sync only, so the final sync would not see it, and a file missing data would be renamed into place."""
    done, failures = threading.Event(), []

    def sync_until_done() -> None:
        while not done.wait(SYNC_EVERY_S):
            try:
                _sync_data(descriptor)
            except OSError as error:
                failures.append(error)
                return

    syncing = threading.Thread(target=sync_until_done, name="slrs-sync", daemon=True)
    syncing.start()
    try:
        yield
    finally:
        done.set()
        syncing.join()  # before the file is closed (a second Ctrl-C here could cut the wait short: harmless)
    if failures:
        raise failures[0]


def write_folder(path: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (name -> content) into a new folder at ``path`` that appears only when every file is
    written: a failed or interrupted run leaves no folder at ``path`` (an empty one there is replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial"))
    try:
        for name, content in files.items():
            (temporary / name).write_bytes(content)
        temporary.chmod(0o755)  # a folder others may read, as a plain mkdir makes it (mkdtemp's is private)
        publish_folder(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def publish_folder(parts_folder: Path, output: Path) -> None:
    """Rename a finished folder to ``output`` (an empty folder there is replaced)."""
    if output.is_dir():
        output.rmdir()  # refuses, with an OSError, a folder that is no longer empty
    parts_folder.rename(output)


# --- scenario files ---------------------------------------------------------------------------------------

def read_scenario_file(path: Path) -> DecisionScenario:
    """Read a scenario file (.json, .yaml or .yml; see ``slrs.scenario``) for the command line.

    Raises ``ConfigError`` when there is no such file, it is not UTF-8 text, or its content is unusable.
    """
    if not path.is_file():
        raise ConfigError(f"no scenario file at {path}; expected an existing .json, .yaml or .yml file")
    return read_scenario_bytes(path.read_bytes(), path.name)


# --- model artifacts --------------------------------------------------------------------------------------

MANIFEST_NAME = "manifest.json"
ARTIFACT_FILES = {"segmenter": "segmenter.joblib", "outcome_model": "outcome_model.joblib",
                  "study_model": "study_model.joblib", "scorecard": "scorecard.joblib", "holdout": "holdout_predictions.csv",
                  "global_explanations": "global_explanations.json"}
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
REBUILD_HINT = "rebuild them with: python -m slrs train --out {directory}"


def save_bundle(bundle: ModelBundle, directory: Path) -> Path:
    """Write the bundle's joblib files, held-out predictions, global explanations and a manifest with their sha256."""
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle.segmenter, directory / ARTIFACT_FILES["segmenter"])
    joblib.dump(bundle.outcome_model, directory / ARTIFACT_FILES["outcome_model"])
    joblib.dump(bundle.study_model, directory / ARTIFACT_FILES["study_model"])
    joblib.dump(bundle.scorecard, directory / ARTIFACT_FILES["scorecard"])
    bundle.holdout.to_csv(directory / ARTIFACT_FILES["holdout"], index=False, lineterminator="\n")
    (directory / ARTIFACT_FILES["global_explanations"]).write_text(
        json.dumps(bundle.global_explanations, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    manifest = {**bundle.manifest,
                "files": {name: sha256_file(directory / name) for name in ARTIFACT_FILES.values()}}
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_bundle(directory: Path = DEFAULT_MODEL_DIR) -> ModelBundle:
    """Load a saved bundle after checking file hashes, schema version and library versions."""
    hint = REBUILD_HINT.format(directory=directory)
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        raise ModelArtifactError(f"no trained model in {directory} (missing {MANIFEST_NAME}); {hint}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = _artifact_problems(manifest, directory)
    if problems:
        raise ModelArtifactError(f"the model in {directory} cannot be used: {'; '.join(problems)}; {hint}")
    parts = {name: joblib.load(directory / ARTIFACT_FILES[name])
             for name in ("segmenter", "outcome_model", "study_model", "scorecard")}
    holdout = pd.read_csv(directory / ARTIFACT_FILES["holdout"])
    explanations = json.loads((directory / ARTIFACT_FILES["global_explanations"]).read_text(encoding="utf-8"))
    return ModelBundle(**parts, holdout=holdout, manifest=manifest, global_explanations=explanations)


def _artifact_problems(manifest: dict, directory: Path) -> list[str]:
    problems = []
    if manifest.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema version {manifest.get('schema_version')} should be {SCHEMA_VERSION}")
    built_with = manifest.get("libraries", {})
    for name, installed in library_versions().items():
        if name != "python" and built_with.get(name) != installed:
            problems.append(f"made with {name} {built_with.get(name)} but {installed} is installed")
    for name, expected in manifest.get("files", {}).items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != expected:
            problems.append(f"{name} was changed since training (sha256 differs)")
    if set(manifest.get("files", {})) != set(ARTIFACT_FILES.values()):
        problems.append("the manifest does not list every artifact file")
    return problems
