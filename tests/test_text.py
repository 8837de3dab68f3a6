"""Text columns built by Arrow: the same values pandas would give from Python strings; whitespace stripped only
where a value may have some, and the byte checks that tell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from slrs.text import (
    MAYBE_WHITESPACE_BYTES,
    TEXT_DTYPE,
    convert_to_text,
    may_end_with,
    may_start_with,
    strip_text,
    take_labels,
)

APOSTROPHE = np.zeros(256, dtype=bool)
APOSTROPHE[ord("'")] = True


def _text(*chunks: list[str]) -> pd.Series:
    """A text column as the readers give it: Arrow-backed, possibly in several chunks."""
    arrow = pa.chunked_array([pa.array(chunk, type=pa.large_string()) for chunk in chunks])
    return pd.Series(pd.array(arrow, dtype=TEXT_DTYPE))


def test_labels_at_gives_the_column_pandas_would_make_from_python_strings() -> None:
    labels, codes = ["legal", "settlement", None], np.array([1, 0, 2, 1, 1])
    built = take_labels(labels, codes)
    assert built.dtype == TEXT_DTYPE
    pd.testing.assert_series_equal(pd.Series(built), pd.Series(np.array(labels, dtype=object)[codes], dtype="str"))
    assert len(take_labels(labels, np.array([], dtype=int))) == 0


def test_categories_and_python_strings_become_text_keeping_index_name_and_missing_values() -> None:
    categories = pd.Series(["b", None, "a", "b"], index=[7, 8, 9, 10], name="Segment", dtype="category")
    pd.testing.assert_series_equal(convert_to_text(categories), categories.astype("str"))
    strings = pd.Series(["b", None, ""], index=[3, 4, 5], name="Issues", dtype=object)
    pd.testing.assert_series_equal(convert_to_text(strings), strings.astype("str"))
    assert convert_to_text(strings).dtype == TEXT_DTYPE


def test_strip_text_strips_every_kind_of_whitespace_at_either_end() -> None:
    values = ["a ", " b", "\tc\n", "\u00a0d", "e\u3000", "\x1cf", "g\u2028", "", "h i", "é", "ñ "]
    column = _text(values[:4], values[4:])
    pd.testing.assert_series_equal(strip_text(column), column.str.strip())
    assert strip_text(column).tolist() == [value.strip() for value in values]


def test_strip_text_gives_the_column_itself_when_no_value_needs_it() -> None:
    column = _text(["BRW_1", "", "70716"], ["Female", "a b"])
    assert strip_text(column) is column
    sliced = _text([" padded", "x", "y "]).iloc[1:2]  # an Arrow slice: its offsets start past the padded value
    assert strip_text(sliced) is sliced


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6), max_size=5), min_size=1, max_size=3))
def test_strip_text_equals_pandas_strip_on_any_text(chunks: list[list[str]]) -> None:
    column = _text(*chunks)
    pd.testing.assert_series_equal(strip_text(column), column.str.strip())


def test_edge_byte_checks_find_a_marked_byte_at_either_end_in_any_chunk() -> None:
    column = pa.chunked_array([pa.array(["ab", "", "c"]), pa.array(["d", "e'"])])
    assert may_end_with(column, APOSTROPHE) and not may_start_with(column, APOSTROPHE)
    assert may_start_with(pa.array(["x", "'=1"], type=pa.large_string()), APOSTROPHE)
    assert not may_start_with(pa.array(["'x", "y"]).slice(1), APOSTROPHE)  # the slice leaves the 'x out
    for nothing in (pa.array([], type=pa.string()), pa.array(["", ""]), pa.array([None, None], type=pa.string())):
        assert not may_start_with(nothing, MAYBE_WHITESPACE_BYTES) and not may_end_with(nothing, MAYBE_WHITESPACE_BYTES)
