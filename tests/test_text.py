"""Text columns built by Arrow: the same values pandas would give from Python strings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slrs.text import TEXT_DTYPE, decode_text_categories, take_labels


def test_labels_at_gives_the_column_pandas_would_make_from_python_strings() -> None:
    labels, codes = ["legal", "settlement", None], np.array([1, 0, 2, 1, 1])
    built = take_labels(labels, codes)
    assert built.dtype == TEXT_DTYPE
    pd.testing.assert_series_equal(pd.Series(built), pd.Series(np.array(labels, dtype=object)[codes], dtype="str"))
    assert len(take_labels(labels, np.array([], dtype=int))) == 0


def test_decoded_categories_keep_their_index_name_and_missing_values() -> None:
    categories = pd.Series(["b", None, "a", "b"], index=[7, 8, 9, 10], name="Segment", dtype="category")
    pd.testing.assert_series_equal(decode_text_categories(categories), categories.astype("str"))
