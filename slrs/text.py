"""Text columns as pandas keeps text (``TEXT_DTYPE``: Arrow-backed "str"), built by Arrow from a few labels.

A column of labels (strategies, risk bands, segment names, canonical categories) built from an array of Python
strings costs an object per row, then a conversion of each to Arrow: about 7 ms per 100,000 rows and column, all of
it holding the GIL. Arrow's ``take`` copies the labels' bytes straight into the column (under 1 ms), and the
column is the same as pandas would have made.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' own "str"

# The bytes a value with whitespace at either end has there: ASCII whitespace and the control characters below the
# space, or a byte of a multi-byte UTF-8 character (such as a no-break space). Wider than whitespace, never narrower.
MAYBE_WHITESPACE_BYTES = np.zeros(256, dtype=bool)
MAYBE_WHITESPACE_BYTES[:ord(" ") + 1] = True
MAYBE_WHITESPACE_BYTES[0x80:] = True


def take_labels(labels: Sequence[str | None], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a text array; a None label is a missing value."""
    return pd.array(pa.array(list(labels), type=pa.large_string()).take(pa.array(codes)), dtype=TEXT_DTYPE)


def convert_to_text(column: pd.Series) -> pd.Series:
    """A column of text held as categories or as Python strings, as pandas keeps text (``TEXT_DTYPE``); missing
    stays missing. Categories are decoded by Arrow: ``astype(str)`` would make one Python string per row first.
    (Categories of numbers would be written differently.)"""
    if isinstance(column.dtype, pd.CategoricalDtype):
        text = pd.array(pa.array(column).cast(pa.large_string()), dtype=TEXT_DTYPE)
        return pd.Series(text, index=column.index, name=column.name)
    return column.astype(TEXT_DTYPE)


def strip_text(text: pd.Series) -> pd.Series:
    """``text.str.strip()`` of a text column without missing values, or ``text`` itself when no value starts or ends
    with a byte that may be whitespace (``MAYBE_WHITESPACE_BYTES``). That check reads two bytes per value from
    Arrow's buffers: the 21 columns of 200,000 rows took 44 ms to strip, 18 ms to check, and a file's values seldom
    have whitespace to strip."""
    values = pa.array(text)
    if may_start_with(values, MAYBE_WHITESPACE_BYTES) or may_end_with(values, MAYBE_WHITESPACE_BYTES):
        return text.str.strip()
    return text


def may_start_with(column: pa.Array | pa.ChunkedArray, byte_mask: np.ndarray) -> bool:
    """Whether any value of an Arrow text column may start with a byte marked in ``byte_mask`` (a mask of 256),
    read from Arrow's buffers. A mask of ASCII bytes finds the values starting with those characters: no other UTF-8
    character starts with an ASCII byte. An empty value reads its neighbour's first byte (and a null slot holding
    bytes its own), which at worst is a false alarm: the caller then does what it would without the check."""
    return any(byte_mask.take(_edge_bytes(chunk, last=False)).any() for chunk in _chunks(column))


def may_end_with(column: pa.Array | pa.ChunkedArray, byte_mask: np.ndarray) -> bool:
    """As ``may_start_with``, for each value's last byte."""
    return any(byte_mask.take(_edge_bytes(chunk, last=True)).any() for chunk in _chunks(column))


def _chunks(column: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return column.chunks if isinstance(column, pa.ChunkedArray) else [column]


def _edge_bytes(chunk: pa.Array, last: bool) -> np.ndarray:
    """The first (or the last) byte of each value of an Arrow text array, an empty value's taken from a neighbour
    (no mask of the empty ones: they are rare, and filtering them out cost more than the rest)."""
    _, offset_buffer, data = chunk.buffers()
    if data is None or not data.size or not len(chunk):
        return np.empty(0, dtype=np.intp)
    offsets = np.frombuffer(offset_buffer, dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
    bounds = offsets[chunk.offset:chunk.offset + len(chunk) + 1]
    return np.frombuffer(data, dtype=np.uint8).take(bounds[1:] - 1 if last else bounds[:-1], mode="clip")
