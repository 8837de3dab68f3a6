"""Model inputs: the category codes equal scikit-learn's imputer and encoder, on text as validation and edits give it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from slrs.exceptions import DataValidationError
from slrs.features import CategoryCodes
from slrs.text import TEXT_DTYPE


def scikit_learn_pair() -> Pipeline:
    return Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                     ("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))])


def text_frame(rng: np.random.Generator, rows: int, dtype: object, unseen: int = 0) -> pd.DataFrame:
    """Random colours and sizes with gaps; the first ``unseen`` colours are one that no other frame holds."""
    values = {"Colour": ["red", "green", "blue", np.nan], "Size": ["S", "M", "L", "XL", np.nan]}
    frame = pd.DataFrame({name: rng.choice(np.array(choices, dtype=object), rows) for name, choices in values.items()})
    frame.loc[:unseen - 1, "Colour"] = "purple"
    return frame.astype(dtype)


@pytest.mark.parametrize("dtype", [TEXT_DTYPE, object, "category"])  # as validated, as edited, as in a view
def test_category_codes_equal_scikit_learns_imputer_and_encoder(dtype: object) -> None:
    rng = np.random.default_rng(7)
    train, new = text_frame(rng, 500, dtype), text_frame(rng, 2_000, dtype, unseen=10)
    expected = scikit_learn_pair().fit(train.astype(object)).transform(new.astype(object))
    codes = CategoryCodes().fit(train).transform(new)
    np.testing.assert_array_equal(codes, expected)
    assert (codes[:10, 0] == -1).all()


def test_category_codes_fill_gaps_with_the_smallest_of_tied_values_as_scikit_learn_does() -> None:
    train = pd.DataFrame({"Colour": ["red", "blue", "red", "blue", "green"]}, dtype=TEXT_DTYPE)
    codes = CategoryCodes().fit(train)
    assert codes.fill_values_ == ["blue"]
    assert codes.categories_[0].tolist() == ["blue", "green", "red"]
    gaps = pd.DataFrame({"Colour": [np.nan, "red"]}, dtype=object)  # a gap as validation gives it
    np.testing.assert_array_equal(codes.transform(gaps), scikit_learn_pair().fit(train.astype(object))
                                  .transform(gaps))
    np.testing.assert_array_equal(codes.transform(gaps), [[0.0], [2.0]])


def test_category_codes_pass_names_through_for_the_column_transformer() -> None:
    train = pd.DataFrame({"Colour": ["red"], "Size": ["S"]}, dtype=TEXT_DTYPE)
    assert CategoryCodes().fit(train).get_feature_names_out().tolist() == ["Colour", "Size"]


def test_category_codes_refuse_a_column_without_values_and_use_before_fitting() -> None:
    with pytest.raises(DataValidationError, match="Colour has no value to learn its categories from"):
        CategoryCodes().fit(pd.DataFrame({"Colour": [np.nan, np.nan]}, dtype=object))
    with pytest.raises(NotFittedError):
        CategoryCodes().transform(pd.DataFrame({"Colour": ["red"]}))
