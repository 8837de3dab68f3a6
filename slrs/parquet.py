"""Parquet in and out: the same text-first reading as CSV, the same limits, the same refusals.

A Parquet file carries types, but SLRS reads every value as text (``slrs.io``'s rule): each column is cast to text
by Arrow, so validation sees what a CSV of the same data would hold and decides what each value means; a missing
value is an empty text. Nested values (lists, structs, maps) and raw bytes are not portfolio values and are
refused by name. The file's row count and width are read from its footer before any row, so an oversized file is
refused without being read. Outputs keep the scored table's types (text input columns, numbers for the scores and
money); a Parquet file is data for programs, not a spreadsheet, so text is written exactly as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from slrs.exceptions import ConfigError, DataValidationError
from slrs.limits import DEFAULT_LIMITS, ReadLimits, quote

PARQUET_SUFFIXES = (".parquet",)
BATCH_ROWS = 200_000  # rows per batch when the caller reads the whole file


def iter_parquet_chunks(source: BinaryIO, filename: str, chunk_rows: int | None, limits: ReadLimits = DEFAULT_LIMITS,
                        row_groups: Sequence[int] | None = None,
                        columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """Yield the file's rows (of ``row_groups`` only, if given) as text frames of at most ``chunk_rows`` rows,
    columns named as in the file (only ``columns``, names in the file, if given: the checks are the whole file's).

    Raises ``DataValidationError`` for a file that is not Parquet or is damaged, one past ``limits`` (rows,
    columns), and a column of nested values or bytes.
    """
    where = f"'{filename}'"
    try:
        parquet = pq.ParquetFile(source)
        metadata, schema = parquet.metadata, parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as error:
        raise DataValidationError([f"the file cannot be read as Parquet ({_first_line(error)}); expected a "
                                   "Parquet file written by pandas, Spark, Arrow or a compatible program"],
                                  source=where) from None
    if metadata.num_rows > limits.max_rows:
        raise DataValidationError([f"the file has {metadata.num_rows:,} data rows; SLRS reads at most "
                                   f"{limits.max_rows:,} (limit max_rows)"], source=where)
    if len(schema) > limits.max_columns:
        raise DataValidationError([f"the file has {len(schema):,} columns; SLRS reads at most "
                                   f"{limits.max_columns:,} (limit max_columns)"], source=where)
    if metadata.num_rows == 0:
        raise DataValidationError(["the file has no rows; expected at least one data row"], source=where)
    unknown = [name for name in columns or () if name not in schema.names]
    if unknown:  # a caller's mistake, not the file's
        raise ConfigError(f"no column {', '.join(map(quote, unknown))} in '{filename}' to read alone")
    unreadable = [field.name for field in schema if not _is_plain(field.type)]
    if unreadable:
        raise DataValidationError([f"column {quote(name)} holds nested values or raw bytes; expected plain numbers "
                                   "or text in every column" for name in unreadable], source=where)
    try:
        for batch in parquet.iter_batches(batch_size=chunk_rows or BATCH_ROWS, row_groups=row_groups,
                                          columns=None if columns is None else list(columns)):
            yield _text_frame(batch, filename, limits)
    except (pa.ArrowException, OSError) as error:
        raise DataValidationError([f"the file is damaged ({_first_line(error)}); expected a complete Parquet "
                                   "file"], source=where) from None


def _is_plain(kind: pa.DataType) -> bool:
    return not (pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
                or pa.types.is_fixed_size_binary(kind) or pa.types.is_dictionary(kind) and
                not _is_plain(kind.value_type))


def _text_frame(batch: pa.RecordBatch, filename: str, limits: ReadLimits) -> pd.DataFrame:
    """Every column as text (missing values as ""), each cell within ``limits.max_cell_chars``."""
    columns = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        text = pc.fill_null(pc.cast(column, pa.string()), "")
        if has_value_longer_than(text, limits.max_cell_chars):
            raise DataValidationError([f"column {quote(name)} has a value of {longest_value(text):,} characters; "
                                       f"at most {limits.max_cell_chars:,} (limit max_cell_chars)"],
                                      source=f"'{filename}'")
        columns[name] = text
    return pa.table(columns).to_pandas().astype(str)


def longest_value(column: pa.Array | pa.ChunkedArray) -> int:
    """Characters of the longest value of an Arrow text column (0 when it is empty)."""
    return pc.max(pc.utf8_length(column)).as_py() or 0


def has_value_longer_than(column: pa.Array | pa.ChunkedArray, limit: int) -> bool:
    """Whether a value of an Arrow text column has more than ``limit`` characters. A character is at least one byte,
    so the values' lengths in bytes, read from the offsets (a tenth of the time of counting characters), settle it
    unless a value has more bytes than ``limit``."""
    return (pc.max(pc.binary_length(column)).as_py() or 0) > limit and longest_value(column) > limit


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__


def write_parquet(frames: Iterable[pd.DataFrame], stream: BinaryIO) -> None:
    """Write frames with the same columns to one Parquet file, in order (the first frame's types rule)."""
    writer, schema = None, None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(stream, schema)
            writer.write_table(table if table.schema == schema else table.cast(schema))
    finally:
        if writer is not None:
            writer.close()
