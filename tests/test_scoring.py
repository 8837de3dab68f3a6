"""Scoring: segments and risk scores of validated rows (thresholds and money are the plan's, see test_pipeline)."""

from __future__ import annotations

import pandas as pd
import pytest

from slrs.scoring import PROBABILITY_COLUMNS, score_rows
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return validate_portfolio(generate_portfolio(400, seed=21).astype(str)).clean


@pytest.mark.parametrize("method", ["outcome", "study"])
def test_scores_are_probabilities_that_add_up(bundle, clean: pd.DataFrame, method: str) -> None:
    scores = score_rows(bundle, clean, method)
    assert scores.index.equals(clean.index)
    assert scores["Risk_Score"].between(0, 1).all()
    assert scores[list(PROBABILITY_COLUMNS)].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert (1 - scores[PROBABILITY_COLUMNS[0]]).to_numpy() == pytest.approx(scores["Risk_Score"].to_numpy())


def test_segment_numbers_and_names_come_from_the_committed_segmenter(bundle, clean: pd.DataFrame) -> None:
    scores = score_rows(bundle, clean)
    names = dict(zip(scores["Borrower_Segment"], scores["Segment_Name"], strict=True))
    assert all(bundle.segment_names[segment] == name for segment, name in names.items())


def test_risk_rises_with_missed_payments(bundle, clean: pd.DataFrame) -> None:
    clean = clean.head(50)
    worse = clean.assign(Num_Missed_Payments=clean["Num_Missed_Payments"] + 6,
                         Days_Past_Due=(clean["Days_Past_Due"] + 150).clip(upper=180))
    base = score_rows(bundle, clean)["Risk_Score"]
    assert (score_rows(bundle, worse)["Risk_Score"] >= base - 0.02).all()
    assert score_rows(bundle, worse)["Risk_Score"].mean() > base.mean() + 0.1
