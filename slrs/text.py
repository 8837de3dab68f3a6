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


def take_labels(labels: Sequence[str | None], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a text array; a None label is a missing value."""
    return pd.array(pa.array(list(labels), type=pa.large_string()).take(pa.array(codes)), dtype=TEXT_DTYPE)


def decode_text_categories(categories: pd.Series) -> pd.Series:
    """A categorical column of text as plain text (missing stays missing), as ``astype(str)`` gives it, decoded by
    Arrow: pandas makes one Python string per row first. (Categories of numbers would be written differently.)"""
    text = pd.array(pa.array(categories).cast(pa.large_string()), dtype=TEXT_DTYPE)
    return pd.Series(text, index=categories.index, name=categories.name)
