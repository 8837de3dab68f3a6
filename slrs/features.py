"""Model inputs: the schema's pre-decision features plus a few ratios a credit analyst would compute.

Everything here runs inside the model pipelines, so it is fitted (imputation) inside each CV fold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

from slrs.schema import (
    CATEGORICAL_MODEL_FEATURES,
    MODEL_FEATURES,
    NUMERIC_MODEL_FEATURES,
)

# Ratios are capped: a zero denominator would otherwise give an infinite, meaningless input.
RATIO_CAP = 10.0
DERIVED_FEATURES: dict[str, str] = {
    "EMI_to_Income": "Monthly instalment as a share of monthly income",
    "Collateral_Coverage": "Collateral value as a multiple of the outstanding amount",
    "Outstanding_Share": "Share of the original loan still outstanding",
}
NUMERIC_INPUTS = (*NUMERIC_MODEL_FEATURES, *DERIVED_FEATURES)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator.astype(float) / denominator.astype(float)
    return ratio.replace([np.inf, -np.inf], RATIO_CAP).clip(upper=RATIO_CAP)


def add_derived_features(X: pd.DataFrame) -> pd.DataFrame:
    """Return the model features with the ratio columns of ``DERIVED_FEATURES`` appended."""
    X = X[list(MODEL_FEATURES)].copy()
    X["EMI_to_Income"] = _ratio(X["Monthly_EMI"], X["Monthly_Income"])
    X["Collateral_Coverage"] = _ratio(X["Collateral_Value"], X["Outstanding_Loan_Amount"])
    X["Outstanding_Share"] = _ratio(X["Outstanding_Loan_Amount"], X["Loan_Amount"])
    return X


def build_preprocessor() -> Pipeline:
    """Derived ratios, median/most-frequent imputation and ordinal codes for categories.

    Output columns: ``NUMERIC_INPUTS`` then ``CATEGORICAL_MODEL_FEATURES`` (categories as codes, unknown -1).
    """
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
    ])
    columns = ColumnTransformer(
        [("numeric", SimpleImputer(strategy="median"), list(NUMERIC_INPUTS)),
         ("categorical", categorical, list(CATEGORICAL_MODEL_FEATURES))],
        verbose_feature_names_out=False,
    )
    return Pipeline([("derive", FunctionTransformer(add_derived_features)), ("columns", columns)])


def categorical_mask() -> list[bool]:
    """Which preprocessed columns are categorical codes (for HistGradientBoosting)."""
    return [False] * len(NUMERIC_INPUTS) + [True] * len(CATEGORICAL_MODEL_FEATURES)
