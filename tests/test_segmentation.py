from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs.exceptions import ConfigError
from slrs.schema import MODEL_FEATURES
from slrs.segmentation import (
    PROJECTION_AXES,
    SEGMENT_COLUMNS,
    RiskOrderedKMeans,
    SegmentConfig,
    high_risk_segments,
    name_segments,
    profile_segments,
    profile_table,
    project_features,
    resegment,
    segment_points,
    segmented_rows,
    silhouette_by_k,
)
from slrs.synth import generate_portfolio
from slrs.validation import validate_portfolio


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    return validate_portfolio(generate_portfolio(1500, seed=3)).clean[list(MODEL_FEATURES)]


def _delinquency(X: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    return X[["Num_Missed_Payments", "Days_Past_Due"]].rank(pct=True).mean(axis=1).groupby(labels).mean()


@pytest.mark.parametrize("k", [2, 4, 6])
def test_segments_are_numbered_by_rising_delinquency(features: pd.DataFrame, k: int) -> None:
    segmenter = RiskOrderedKMeans(k).fit(features)
    assert sorted(np.unique(segmenter.labels_)) == list(range(k))
    risk = _delinquency(features, segmenter.labels_)
    assert risk.iloc[-1] == risk.max() and risk.iloc[0] == risk.min()


def test_segment_numbers_are_stable_across_retraining_with_other_seeds(features: pd.DataFrame) -> None:
    first = RiskOrderedKMeans(4, random_state=1).fit(features)
    second = RiskOrderedKMeans(4, random_state=7).fit(features.sample(frac=1.0, random_state=0))
    agreement = (first.labels_ == second.predict(features)).mean()
    assert agreement > 0.9


def test_segment_names_come_from_profiles_and_are_unique(features: pd.DataFrame) -> None:
    segmenter = RiskOrderedKMeans(4).fit(features)
    assert len(set(segmenter.names_)) == 4
    assert all("Delinquency" in name and "Income" in name for name in segmenter.names_)
    assert "High Delinquency" in segmenter.names_[-1]


def test_segment_names_follow_the_profile_not_the_segment_number(features: pd.DataFrame) -> None:
    profiles = profile_segments(features, np.zeros(len(features), dtype=int), 1)
    rich_and_late = profiles.assign(Monthly_Income=features["Monthly_Income"].quantile(0.95),
                                    Num_Missed_Payments=features["Num_Missed_Payments"].quantile(0.99),
                                    Days_Past_Due=features["Days_Past_Due"].quantile(0.99))
    poor_and_punctual = profiles.assign(Monthly_Income=features["Monthly_Income"].quantile(0.05),
                                        Num_Missed_Payments=0, Days_Past_Due=0)
    names = name_segments(pd.concat([rich_and_late, poor_and_punctual], ignore_index=True), features)
    assert names == ["High Income, Very High Delinquency", "Low Income, Low Delinquency"]


def test_profiles_are_in_original_units_with_sizes(features: pd.DataFrame) -> None:
    segmenter = RiskOrderedKMeans(4).fit(features)
    assert segmenter.profiles_["Size"].sum() == len(features)
    assert segmenter.profiles_["Monthly_Income"].between(1e4, 3e5).all()
    assert -1 <= segmenter.silhouette_ <= 1


@pytest.mark.parametrize("k", [1, 13])
def test_segment_config_rejects_k_out_of_range(k: int) -> None:
    with pytest.raises(ConfigError, match=f"k={k}"):
        SegmentConfig(k)


def test_fit_rejects_fewer_rows_than_segments(features: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="n_samples=3 should be >= n_segments=4"):
        RiskOrderedKMeans(4).fit(features.head(3))


@pytest.mark.parametrize(("k", "expected"), [(2, [1]), (4, [2, 3]), (5, [3, 4])])
def test_high_risk_segments_are_the_higher_half(k: int, expected: list[int]) -> None:
    assert high_risk_segments(k) == expected


def test_silhouette_by_k_reports_each_k(features: pd.DataFrame) -> None:
    table = silhouette_by_k(features.head(400), range(2, 5))
    assert table["k"].tolist() == [2, 3, 4] and table["silhouette"].between(-1, 1).all()


# --- Segments page helpers: projection, re-segmentation, profile table ----------------------------------------


@pytest.fixture(scope="module")
def scored(features: pd.DataFrame) -> pd.DataFrame:
    """A view-like frame: features, the committed-style segments and scores, one unscored row."""
    segmenter = RiskOrderedKMeans(4).fit(features)
    frame = features.assign(Borrower_ID=[f"BRW_{i}" for i in range(len(features))],
                            Borrower_Segment=pd.array(segmenter.labels_, dtype="Int64"),
                            Segment_Name=np.array(segmenter.names_, dtype=object)[segmenter.labels_],
                            Risk_Score=np.linspace(0, 1, len(features)), Expected_Recovered=1000.0)
    frame.loc[frame.index[0], ["Borrower_Segment", "Segment_Name", "Risk_Score", "Expected_Recovered"]] = pd.NA
    return frame


def test_segmented_rows_leave_out_unscored_rows(scored: pd.DataFrame) -> None:
    assert len(segmented_rows(scored, scored)) == len(scored) - 1


def test_projection_has_two_axes_ordered_by_kept_variance(features: pd.DataFrame) -> None:
    projection, variance = project_features(features)
    assert list(projection.columns) == list(PROJECTION_AXES) and projection.index.equals(features.index)
    assert 1 >= variance[0] + variance[1] and variance[0] >= variance[1] > 0
    # The first axis points towards more missed payments, whatever sign PCA happened to pick.
    assert np.corrcoef(projection[PROJECTION_AXES[0]], features["Num_Missed_Payments"])[0, 1] > 0


def test_projection_needs_two_rows(features: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="n_samples=1 should be >= 2"):
        project_features(features.head(1))


@pytest.mark.parametrize("k", [3, 5])
def test_resegment_gives_k_named_segments_on_the_same_rows(features: pd.DataFrame, k: int) -> None:
    segments = resegment(features, k)
    assert list(segments.columns) == list(SEGMENT_COLUMNS) and segments.index.equals(features.index)
    assert sorted(segments["Borrower_Segment"].unique()) == list(range(k))
    assert segments.groupby("Borrower_Segment")["Segment_Name"].nunique().eq(1).all()
    assert segments["Segment_Name"].nunique() == k


@pytest.mark.parametrize("k", [None, 3])
def test_profile_table_has_one_row_per_segment_in_original_units(scored: pd.DataFrame, k: int | None) -> None:
    rows = segmented_rows(scored, scored)
    segments = None if k is None else resegment(rows, k)
    table = profile_table(rows, segments)
    labels = rows["Borrower_Segment"] if segments is None else segments["Borrower_Segment"]
    assert table["Borrower_Segment"].tolist() == list(range(k or 4))
    assert table["Size"].sum() == len(rows) and table["Share"].sum() == pytest.approx(1)
    expected_income = rows.groupby(labels.to_numpy())["Monthly_Income"].mean().to_numpy()
    np.testing.assert_allclose(table["Monthly_Income"], expected_income)
    assert (table["Expected_Recovered"] == table["Size"] * 1000.0).all()
    outstanding = rows.groupby(labels.to_numpy())["Outstanding_Loan_Amount"].sum().to_numpy()
    np.testing.assert_allclose(table["Expected_Recovery_Rate"], 1000.0 * table["Size"] / outstanding)


def test_segment_points_label_segments_by_number_and_name_in_order(scored: pd.DataFrame) -> None:
    rows = segmented_rows(scored, scored)
    projection, _ = project_features(rows)
    points = segment_points(rows, rows, projection)
    assert len(points) == len(rows) and points["Borrower_Segment"].is_monotonic_increasing
    first = points.iloc[0]
    assert first["Segment_Name"] == f"{first['Borrower_Segment']} · {rows.loc[first.name, 'Segment_Name']}"
    assert set(PROJECTION_AXES) <= set(points.columns)


def test_silhouette_by_k_can_work_on_a_sample(features: pd.DataFrame) -> None:
    sampled = silhouette_by_k(features, range(2, 4), max_rows=200)
    expected = silhouette_by_k(features.sample(200, random_state=42), range(2, 4))
    pd.testing.assert_frame_equal(sampled, expected)
