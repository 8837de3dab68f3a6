"""The first pass over a CSV file: its layout, whether it decodes, and (when Arrow can) all its values as text.

Standard library, numpy and pyarrow only: ``slrs score`` starts this pass on its input (``start_first_pass``) before it
imports the scoring code, so Arrow parses the file on the core the imports leave idle. That is why this module
opens a file itself, as ``slrs.digest`` does for the input's hash. ``slrs.io`` reads every CSV through
``read_first_pass`` and turns its result into the portfolio's text frames.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from slrs.background import start_in_background
from slrs.exceptions import DataValidationError
from slrs.formula_guard import restore_formula_text
from slrs.limits import DEFAULT_LIMITS, ReadLimits, quote

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
# A first pass started beside the imports parses on one thread where the process has two cores: the imports keep one
# busy, and a second parser thread slowed them by as much as it gained (measured). With more cores, on all of them.
FIRST_PASS_THREADED = len(os.sched_getaffinity(0)) > 2
DELIMITERS = (",", ";", "\t")
QUOTE_BYTE = ord('"')
SNIFF_BYTES = 1 << 20
# Files up to this size are parsed by Arrow on every core (about five times faster) and held as compact Arrow text
# while they are worked through; larger ones stream through pandas' reader in bounded memory.
ARROW_MAX_BYTES = 1 << 30
# Byte-order marks and the encodings they announce; UTF-32 first, as its little-endian mark starts like UTF-16's.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV file is laid out: its text encoding, delimiter and header names."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]


def _decode_head(head: bytes, filename: str) -> tuple[str, str]:
    """Return the decoded text of the file's first bytes and the encoding to read the file with.

    A byte-order mark names the encoding (UTF-8, UTF-16 or UTF-32); without one, UTF-8, else Windows cp1252.
    """
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return head.decode(encoding, errors="ignore"), encoding  # the window may cut the last character
    if b"\x00" in head:
        raise DataValidationError(["the file is binary, not a text table; expected CSV text or .xlsx"],
                                  source=f"'{filename}'")
    try:
        return head.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # a multi-byte character cut by the sniff window
            return head[: error.start].decode("utf-8-sig"), "utf-8-sig"
        # Not UTF-8: Excel's "CSV" on Windows writes cp1252, which decodes any byte.
        return head.decode("cp1252", errors="replace"), "cp1252"


def sniff_layout(head: bytes, filename: str, limits: ReadLimits = DEFAULT_LIMITS) -> CsvLayout:
    """Detect encoding, delimiter (comma, semicolon or tab) and header from the first bytes of a CSV."""
    text, encoding = _decode_head(head, filename)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        raise DataValidationError(["the file is empty or starts with a blank line; expected a header row "
                                   "and at least one data row"], source=f"'{filename}'")
    delimiter = max(DELIMITERS, key=first_line.count)
    if first_line.count(delimiter) >= limits.max_columns:  # counted before any column is made
        raise DataValidationError([f"the header has {first_line.count(delimiter) + 1:,} columns; SLRS reads at "
                                   f"most {limits.max_columns:,} (limit max_columns)"], source=f"'{filename}'")
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error as error:  # e.g. a header cell longer than the csv module's field size limit
        raise DataValidationError([f"the header row cannot be read ({error}); expected a header row of "
                                   "column names"], source=f"'{filename}'") from None
    return CsvLayout(encoding, delimiter, tuple(unique_headers(header, filename, limits)))


def unique_headers(header: list[str], filename: str, limits: ReadLimits = DEFAULT_LIMITS) -> list[str]:
    """Name blank headers and make repeated ones unique, so no column is lost (linear in the header's size)."""
    if len(header) > limits.max_columns:
        raise DataValidationError([f"the header has {len(header):,} columns; SLRS reads at most "
                                   f"{limits.max_columns:,} (limit max_columns)"], source=f"'{filename}'")
    long = [name for name in header if len(name) > limits.max_cell_chars]
    if long:
        raise DataValidationError([f"a header cell has {len(long[0]):,} characters; at most "
                                   f"{limits.max_cell_chars:,} (limit max_cell_chars): {quote(long[0])}"],
                                  source=f"'{filename}'")
    names: list[str] = []
    taken: set[str] = set()
    for position, name in enumerate(header, start=1):
        name = restore_formula_text(name.strip()) or f"Unnamed_{position}"
        candidate, copy = name, 1
        while candidate in taken:
            copy += 1
            candidate = f"{name}.{copy}"
        names.append(candidate)
        taken.add(candidate)
    return names


def _read_with_arrow(stream: BinaryIO, layout: CsvLayout, use_threads: bool) -> pa.Table | None:
    """The whole CSV as Arrow text columns, parsed on every core if ``use_threads``; None when Arrow cannot read it
    exactly as the pandas reader would (rows wider or narrower than the header, bytes that are not UTF-8) or the
    file is too large to hold: the pandas reader, which keeps spare values and streams, then reads it."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if size > ARROW_MAX_BYTES:
        return None
    try:
        table = pa_csv.read_csv(stream, read_options=pa_csv.ReadOptions(column_names=list(layout.header),
                                                                         skip_rows=1, block_size=1 << 24,
                                                                         use_threads=use_threads),
                                parse_options=pa_csv.ParseOptions(delimiter=layout.delimiter,
                                                                  newlines_in_values=True),
                                convert_options=pa_csv.ConvertOptions(
                                    column_types=dict.fromkeys(layout.header, pa.large_string()),  # pandas' own
                                    strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowException:  # ArrowInvalid among others
        table = None
    stream.seek(0)
    return table if table is not None and table.num_rows else None


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    """Whether the stream (read in blocks, then rewound) decodes in ``encoding`` without a bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        for block in iter(lambda: stream.read(1 << 22), b""):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)


def _quotes_pair_up(stream: BinaryIO) -> bool:
    """Whether the stream (read in blocks, then rewound) holds an even number of double quotes: no quoted value is
    left open at the end, which Arrow would read on where pandas' reader refuses it. An odd count in a valid file
    (a quote inside an unquoted value) only sends the file to the pandas reader."""
    # Counted by numpy, which lets go of the GIL as it counts (bytes.count holds it): the imports beside this run on.
    quotes = sum(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == QUOTE_BYTE)
                 for block in iter(lambda: stream.read(1 << 22), b""))
    stream.seek(0)
    return quotes % 2 == 0


@dataclass(frozen=True)
class FirstPass:
    """What one pass over a CSV file found: its layout, whether every byte decodes in its encoding, and all its
    values as Arrow text, or None when the pandas reader must read it (see ``_read_with_arrow``)."""

    layout: CsvLayout
    decodes: bool
    table: pa.Table | None


def read_first_pass(stream: BinaryIO, filename: str, limits: ReadLimits = DEFAULT_LIMITS,
                    use_threads: bool = True) -> FirstPass:
    """Sniff the layout, then parse the file with Arrow (on every core if ``use_threads``) when it is UTF-8 and its
    quotes pair up. The stream is left rewound."""
    layout = sniff_layout(stream.read(SNIFF_BYTES), filename, limits)
    stream.seek(0)
    if layout.encoding == "utf-8-sig" and _quotes_pair_up(stream):
        table = _read_with_arrow(stream, layout, use_threads)
        if table is not None:  # Arrow checks every value's UTF-8 as it parses: this file decodes
            return FirstPass(layout, True, table)
    return FirstPass(layout, _decodes(stream, layout.encoding), None)


def start_first_pass(path: Path) -> Future[FirstPass] | None:
    """``read_first_pass`` of the CSV file at ``path``, computed from now on in a background thread (Arrow's parsing
    frees the GIL), its error, if any, the future's; None for any other file, an empty one or one over
    ``max_file_bytes``, which the reader then refuses or reads as it would without a started pass."""
    if path.suffix.lower() not in CSV_SUFFIXES or not path.is_file():
        return None
    if not 0 < path.stat().st_size <= DEFAULT_LIMITS.max_file_bytes:
        return None

    def run() -> FirstPass:
        with path.open("rb") as stream:
            return read_first_pass(stream, path.name, use_threads=FIRST_PASS_THREADED)

    return start_in_background("slrs-first-pass", run)
