"""Scoring: validated rows in, segment, risk score, strategy and expected recovery out.

The same functions serve the CLI (chunk by chunk), the app (whole portfolio) and the what-if page (one row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import parallel_config

from slrs.bundle import ModelBundle
from slrs.economics import DEFAULT_ASSUMPTIONS, RecoveryAssumptions, expected_recovery
from slrs.risk import Method
from slrs.schema import ISSUES_COLUMN, MODEL_FEATURES, OUTCOME_CLASSES, SCORE_COLUMNS
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds, assign_strategy
from slrs.validation import IdTracker, ValidationResult, validate_portfolio

PARALLEL_MIN_ROWS = 5_000


@dataclass(frozen=True)
class ScoredPortfolio:
    """A scored table: the input columns unchanged plus ``SCORE_COLUMNS``, and what validation found."""

    table: pd.DataFrame
    validation: ValidationResult


def score_rows(bundle: ModelBundle, clean: pd.DataFrame, method: Method = "outcome",
               thresholds: Thresholds = DEFAULT_THRESHOLDS,
               assumptions: RecoveryAssumptions = DEFAULT_ASSUMPTIONS) -> pd.DataFrame:
    """Score rows whose model inputs are usable (missing ones are imputed by the models).

    Returns a frame with the index of ``clean`` and the columns Borrower_Segment, Segment_Name,
    Risk_Score (probability of not being fully recovered), Recovery_Strategy and Expected_Recovery
    (currency), plus one probability column per outcome class.
    """
    X = clean[list(MODEL_FEATURES)]
    segments = bundle.segmenter.predict(X)
    # A thread pool costs more than it saves on small inputs (what-if edits score one row).
    with parallel_config(backend="threading", n_jobs=-1 if len(X) >= PARALLEL_MIN_ROWS else 1):
        probabilities = bundle.probabilities(X, method)
    risk = 1 - probabilities[:, 0]
    result = pd.DataFrame({
        "Borrower_Segment": segments,
        "Segment_Name": np.array(bundle.segment_names, dtype=object)[segments],
        "Risk_Score": risk,
        "Recovery_Strategy": assign_strategy(risk, thresholds),
        "Expected_Recovery": expected_recovery(X["Outstanding_Loan_Amount"].to_numpy(), probabilities, assumptions),
    }, index=clean.index)
    for column, label in enumerate(OUTCOME_CLASSES):
        result[f"P_{label.replace(' ', '_')}"] = probabilities[:, column]
    return result


def score_validated(frame: pd.DataFrame, validation: ValidationResult, bundle: ModelBundle,
                    method: Method = "outcome", thresholds: Thresholds = DEFAULT_THRESHOLDS,
                    assumptions: RecoveryAssumptions = DEFAULT_ASSUMPTIONS) -> pd.DataFrame:
    """The input table, unchanged and in order, with ``SCORE_COLUMNS`` appended (replacing old ones)."""
    scored = score_rows(bundle, validation.clean[validation.scorable], method, thresholds, assumptions)
    scored = scored.reindex(frame.index)
    scored["Recovery_Strategy"] = assign_strategy(scored["Risk_Score"].to_numpy(), thresholds)
    scored[ISSUES_COLUMN] = validation.row_issues
    scored["Borrower_Segment"] = scored["Borrower_Segment"].astype("Int64")
    kept = frame.drop(columns=[c for c in SCORE_COLUMNS if c in frame.columns])
    return pd.concat([kept, scored[list(SCORE_COLUMNS)]], axis=1)


def score_portfolio(frame: pd.DataFrame, bundle: ModelBundle, method: Method = "outcome",
                    thresholds: Thresholds = DEFAULT_THRESHOLDS,
                    assumptions: RecoveryAssumptions = DEFAULT_ASSUMPTIONS, *, first_row: int = 1,
                    tracker: IdTracker | None = None, source: str = "the portfolio") -> ScoredPortfolio:
    """Validate and score a raw text table (a whole file or one chunk of it)."""
    validation = validate_portfolio(frame, first_row=first_row, tracker=tracker, source=source)
    table = score_validated(frame, validation, bundle, method, thresholds, assumptions)
    return ScoredPortfolio(table, validation)

