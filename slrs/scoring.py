"""Scoring: validated rows in, segment and risk score out.

Scores do not depend on thresholds or assumptions: the plan (``slrs.money.plan_actions``) puts actions and money
on top of them. The same function serves the pipeline (a whole portfolio or one chunk), the what-if page (one
row) and the counterfactual search (a batch of candidates).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from slrs.bundle import ModelBundle
from slrs.schema import (
    MODEL_FEATURES,
    OUTCOME_CLASSES,
    RISK_COLUMN,
    SEGMENT_COLUMN,
    SEGMENT_NAME_COLUMN,
)
from slrs.strategy import Method
from slrs.text import take_labels

PARALLEL_MIN_ROWS = 5_000
SCORING_THREADS = len(os.sched_getaffinity(0))  # the cores this process may use, not the machine's
PROBABILITY_COLUMNS = tuple(f"P_{label.replace(' ', '_')}" for label in OUTCOME_CLASSES)


def score_rows(bundle: ModelBundle, clean: pd.DataFrame, method: Method = "outcome") -> pd.DataFrame:
    """Score rows whose model inputs are usable (missing ones are imputed by the models).

    Returns a frame with the index of ``clean`` and the columns Borrower_Segment, Segment_Name, Risk_Score
    (probability of not being fully recovered, 0 to 1) and one probability column per outcome class
    (``PROBABILITY_COLUMNS``).
    """
    X = clean[list(MODEL_FEATURES)]
    if X.empty:  # a chunk in which no row can be scored: nothing to ask the models
        return pd.DataFrame({SEGMENT_COLUMN: pd.Series(dtype=int), SEGMENT_NAME_COLUMN: pd.Series(dtype=object),
                             RISK_COLUMN: pd.Series(dtype=float),
                             **{name: pd.Series(dtype=float) for name in PROBABILITY_COLUMNS}}, index=clean.index)
    segments = bundle.segmenter.predict(X)
    probabilities = _probabilities_by_row_blocks(bundle, X, method)
    result = pd.DataFrame({
        SEGMENT_COLUMN: segments,
        SEGMENT_NAME_COLUMN: take_labels(bundle.segment_names, segments),
        RISK_COLUMN: 1 - probabilities[:, 0],
    }, index=clean.index)
    for column, name in enumerate(PROBABILITY_COLUMNS):
        result[name] = probabilities[:, column]
    return result


def _probabilities_by_row_blocks(bundle: ModelBundle, X: pd.DataFrame, method: Method) -> np.ndarray:
    """``bundle.probabilities`` on blocks of rows, one thread per core (scikit-learn's trees release the GIL).

    Each row's trees are summed in one order in one thread, so a row gets the same bits however the file is cut
    (chunks, Dask partitions); scikit-learn's own tree threads add in the order they finish. A thread costs
    more than it saves on small inputs (what-if edits score one row).
    """
    if len(X) < PARALLEL_MIN_ROWS or SCORING_THREADS == 1:
        return bundle.probabilities(X, method)
    blocks = np.array_split(np.arange(len(X)), SCORING_THREADS)
    with ThreadPoolExecutor(SCORING_THREADS, thread_name_prefix="slrs-score") as pool:
        parts = pool.map(lambda rows: bundle.probabilities(X.iloc[rows], method), blocks)
        return np.concatenate(list(parts))
