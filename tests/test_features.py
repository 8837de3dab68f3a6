"""Model inputs: the category codes equal scikit-learn's imputer and encoder, on text as validation and edits give it."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from slrs.features import CategoryCodes
from slrs.validation import TEXT_DTYPE


def scikit_learn_pair() -> Pipeline:
    return Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                     ("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))])


def text_frame(rng: np.random.Generator, rows: int, dtype: object) -> pd.DataFrame:
    values = {"Colour": ["red", "green", "blue", np.nan], "Size": ["S", "M", "L", "XL", np.nan]}
    return pd.DataFrame({name: pd.Series(rng.choice(np.array(choices, dtype=object), rows), dtype=dtype)
                         for name, choices in values.items()})


@pytest.mark.parametrize("dtype", [TEXT_DTYPE, object])
def test_codes_equal_scikit_learns_imputer_and_encoder(dtype: object) -> None:
    rng = np.random.default_rng(7)
    train, new = text_frame(rng, 500, dtype), text_frame(rng, 2_000, dtype)
    new.loc[:9, "Colour"] = "purple"  # never seen in training
    expected = scikit_learn_pair().fit(train.astype(object)).transform(new.astype(object))
    codes = CategoryCodes().fit(train).transform(new)
    np.testing.assert_array_equal(codes, expected)
    assert (codes[:10, 0] == -1).all()


def test_a_tie_fills_gaps_with_the_smallest_value_as_scikit_learn_does() -> None:
    train = pd.DataFrame({"Colour": ["red", "blue", "red", "blue", "green"]}, dtype=TEXT_DTYPE)
    codes = CategoryCodes().fit(train)
    assert codes.fill_values_ == ["blue"]
    assert codes.categories_[0].tolist() == ["blue", "green", "red"]
    gaps = pd.DataFrame({"Colour": [np.nan, "red"]}, dtype=object)  # a gap as validation gives it
    np.testing.assert_array_equal(codes.transform(gaps), scikit_learn_pair().fit(train.astype(object))
                                  .transform(gaps))
    np.testing.assert_array_equal(codes.transform(gaps), [[0.0], [2.0]])


def test_names_pass_through_for_the_column_transformer() -> None:
    train = pd.DataFrame({"Colour": ["red"], "Size": ["S"]}, dtype=TEXT_DTYPE)
    assert CategoryCodes().fit(train).get_feature_names_out().tolist() == ["Colour", "Size"]
