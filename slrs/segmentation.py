"""Borrower segments: K-Means on the study's ten scaled numeric features.

Cluster numbers from K-Means are arbitrary; SLRS renumbers them by a delinquency measure (segment 0 has the
fewest missed payments and days past due) so numbers stay stable across retraining, and names each
segment from its profile instead of hard-coding a name per number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from slrs.exceptions import ConfigError
from slrs.schema import ID_COLUMN, SEGMENT_FEATURES

DEFAULT_K = 4
K_RANGE = (2, 12)
DELINQUENCY_FEATURES = ("Num_Missed_Payments", "Days_Past_Due")
SILHOUETTE_SAMPLE = 5_000
# A segment mean this many overall standard deviations from the overall mean earns a word in its name.
NAME_Z_CUT = 0.35
HIGH_DELINQUENCY_Z_CUT = 0.8
# Words for the most distinctive secondary feature, used only to tell apart segments with the same name.
FEATURE_WORDS: dict[str, tuple[str, str]] = {
    "Age": ("Younger", "Older"), "Loan_Amount": ("Small Loans", "Large Loans"),
    "Loan_Tenure": ("Short Tenure", "Long Tenure"), "Interest_Rate": ("Low Rate", "High Rate"),
    "Collateral_Value": ("Low Collateral", "High Collateral"),
    "Outstanding_Loan_Amount": ("Low Balance", "High Balance"), "Monthly_EMI": ("Low EMI", "High EMI"),
}


@dataclass(frozen=True)
class SegmentConfig:
    """How to segment: number of segments and the K-Means seed."""

    k: int = DEFAULT_K
    seed: int = 42

    def __post_init__(self) -> None:
        low, high = K_RANGE
        if not low <= self.k <= high:
            raise ConfigError(f"number of segments k={self.k} should be from {low} to {high}")


class RiskOrderedKMeans(BaseEstimator, ClusterMixin):
    """K-Means on scaled ``SEGMENT_FEATURES`` with segments numbered by delinquency and named by profile.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
    names_ : list of str, one per segment
    profiles_ : DataFrame, one row per segment: feature means in original units and ``Size``
    silhouette_ : float, on a sample of at most ``SILHOUETTE_SAMPLE`` rows
    """

    def __init__(self, n_segments: int = DEFAULT_K, random_state: int = 42) -> None:
        self.n_segments = n_segments
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: object = None) -> RiskOrderedKMeans:
        SegmentConfig(self.n_segments, self.random_state)
        if len(X) < self.n_segments:
            raise ConfigError(f"n_samples={len(X)} should be >= n_segments={self.n_segments}")
        self.pipeline_ = Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("kmeans", KMeans(n_clusters=self.n_segments, n_init=10, random_state=self.random_state)),
        ]).fit(X[list(SEGMENT_FEATURES)])
        centers = pd.DataFrame(self.pipeline_["kmeans"].cluster_centers_, columns=list(SEGMENT_FEATURES))
        risk = centers[list(DELINQUENCY_FEATURES)].mean(axis=1).to_numpy()
        self.segment_of_cluster_ = np.argsort(np.argsort(risk, kind="stable"), kind="stable")
        self.labels_ = self.predict(X)
        self.profiles_ = profile_segments(X, self.labels_, self.n_segments)
        self.names_ = name_segments(self.profiles_, X)
        self.silhouette_ = self._silhouette(X)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        clusters = self.pipeline_.predict(X[list(SEGMENT_FEATURES)])
        return self.segment_of_cluster_[clusters]

    def _silhouette(self, X: pd.DataFrame) -> float:
        scaled = self.pipeline_[:-1].transform(X[list(SEGMENT_FEATURES)])
        size = min(SILHOUETTE_SAMPLE, len(X))
        return float(silhouette_score(scaled, self.labels_, sample_size=size, random_state=self.random_state))


def profile_segments(X: pd.DataFrame, labels: np.ndarray, k: int) -> pd.DataFrame:
    """Mean of each segment feature per segment (original units), with the segment's size."""
    profile = X[list(SEGMENT_FEATURES)].groupby(labels).mean().reindex(range(k))
    profile["Size"] = pd.Series(labels).value_counts().reindex(range(k), fill_value=0).to_numpy()
    profile.index.name = "Borrower_Segment"
    return profile


def name_segments(profiles: pd.DataFrame, X: pd.DataFrame) -> list[str]:
    """Names like "High Income, Low Delinquency" from how far each segment sits from the whole portfolio."""
    features = X[list(SEGMENT_FEATURES)]
    z = (profiles[list(SEGMENT_FEATURES)] - features.mean()) / features.std(ddof=0).replace(0, 1)
    names = [f"{_income_word(row['Monthly_Income'])}, {_delinquency_word(row[list(DELINQUENCY_FEATURES)].mean())}"
             for _, row in z.iterrows()]
    return _disambiguate(names, z)


def _income_word(z: float) -> str:
    return "High Income" if z > NAME_Z_CUT else "Low Income" if z < -NAME_Z_CUT else "Mid Income"


def _delinquency_word(z: float) -> str:
    # "Delinquency", not "default risk": segments describe payment behaviour; the risk score is the model's.
    if z > HIGH_DELINQUENCY_Z_CUT:
        return "Very High Delinquency"
    if z > NAME_Z_CUT:
        return "High Delinquency"
    return "Low Delinquency" if z < -NAME_Z_CUT else "Moderate Delinquency"


def _disambiguate(names: list[str], z: pd.DataFrame) -> list[str]:
    """Add the most distinctive secondary feature to names that repeat, then the number if still needed."""
    result = list(names)
    for position, name in enumerate(names):
        if names.count(name) > 1:
            secondary = z.iloc[position][list(FEATURE_WORDS)]
            feature = str(secondary.abs().idxmax())
            result[position] = f"{name}, {FEATURE_WORDS[feature][int(secondary[feature] > 0)]}"
    return [f"{name} ({i})" if result.count(name) > 1 else name for i, name in enumerate(result)]


def high_risk_segments(n_segments: int) -> list[int]:
    """The study flags half of its segments as high risk; with SLRS numbering, the higher half."""
    return list(range(n_segments - n_segments // 2, n_segments))


def silhouette_by_k(X: pd.DataFrame, ks: range = range(2, 9), seed: int = 42,
                    max_rows: int | None = None) -> pd.DataFrame:
    """Silhouette score for each k, to judge the choice of the number of segments.

    With ``max_rows``, segments are fitted on at most that many rows drawn at random (reproducibly), so
    the comparison stays fast on large portfolios.
    """
    if max_rows is not None and len(X) > max_rows:
        X = X.sample(max_rows, random_state=seed)
    rows = [{"k": k, "silhouette": RiskOrderedKMeans(k, seed).fit(X).silhouette_} for k in ks]
    return pd.DataFrame(rows)


SEGMENT_COLUMNS = ("Borrower_Segment", "Segment_Name")
PROJECTION_AXES = ("Map axis 1", "Map axis 2")


def segmented_rows(view: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """The rows of a scored view that have a segment (rows that could not be scored have none), with the plan's
    expected recovered amount (currency; ``plan`` has the view's index)."""
    rows = view.assign(Expected_Recovered=plan["Expected_Recovered"])
    return rows[rows["Borrower_Segment"].notna()]


def project_features(X: pd.DataFrame) -> tuple[pd.DataFrame, list[float]]:
    """Two-dimensional PCA of the scaled segment features: the space K-Means works in, flattened for a chart.

    Returns the coordinates (columns ``PROJECTION_AXES``, index of ``X``) and the share of the total
    variance (0 to 1) each axis keeps.
    """
    if len(X) < len(PROJECTION_AXES):
        raise ConfigError(f"n_samples={len(X)} should be >= {len(PROJECTION_AXES)} for a 2-D projection")
    pipeline = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler()),
                         ("pca", PCA(n_components=len(PROJECTION_AXES)))])
    coordinates = pipeline.fit_transform(X[list(SEGMENT_FEATURES)])
    # PCA's sign is arbitrary: point the first axis towards more delinquency so the picture is stable.
    loadings = pipeline["pca"].components_
    signs = np.where(loadings[:, list(SEGMENT_FEATURES).index(DELINQUENCY_FEATURES[0])] < 0, -1.0, 1.0)
    frame = pd.DataFrame(coordinates * signs, columns=list(PROJECTION_AXES), index=X.index)
    return frame, [float(share) for share in pipeline["pca"].explained_variance_ratio_]


def resegment(X: pd.DataFrame, k: int, seed: int = 42) -> pd.DataFrame:
    """Segments of ``X`` under a fresh ``RiskOrderedKMeans(k)``: columns ``SEGMENT_COLUMNS``, index of ``X``."""
    segmenter = RiskOrderedKMeans(k, seed).fit(X)
    names = np.array(segmenter.names_, dtype=object)
    return pd.DataFrame({"Borrower_Segment": segmenter.labels_, "Segment_Name": names[segmenter.labels_]},
                        index=X.index)


def profile_table(frame: pd.DataFrame, segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per segment: number, name, size, share of borrowers, mean risk score, the plan's expected recovery
    (currency, total) and its share of the outstanding amount, then each segment feature's mean (original units).

    ``frame`` holds the segment features, Risk_Score and Expected_Recovered (``segmented_rows``); ``segments`` (columns
    ``SEGMENT_COLUMNS``, same index) replaces the segments in ``frame``. Rows without a segment are left out.
    """
    segments = frame[list(SEGMENT_COLUMNS)] if segments is None else segments[list(SEGMENT_COLUMNS)]
    data = frame.drop(columns=list(SEGMENT_COLUMNS), errors="ignore").join(segments, how="inner")
    data = data[data["Borrower_Segment"].notna()]
    table = data.groupby("Borrower_Segment").agg(
        Segment_Name=("Segment_Name", "first"), Size=("Segment_Name", "size"),
        Mean_Risk_Score=("Risk_Score", "mean"), Expected_Recovered=("Expected_Recovered", "sum"),
        **{name: (name, "mean") for name in SEGMENT_FEATURES})
    table.insert(2, "Share", table["Size"] / max(1, len(data)))
    outstanding = data.groupby("Borrower_Segment")["Outstanding_Loan_Amount"].sum()
    table.insert(5, "Expected_Recovery_Rate", table["Expected_Recovered"] / outstanding.replace(0, np.nan))
    return table.reset_index()


def profile_means(profile: pd.DataFrame) -> pd.DataFrame:
    """The segment features' means of ``profile_table``, one row per feature and one column per segment
    ("Segment 0", "Segment 1"...: the names are in the profile table)."""
    means = profile.set_index("Borrower_Segment")[list(SEGMENT_FEATURES)].T
    return means.rename_axis("Feature").reset_index().rename(columns=lambda name: f"Segment {name}"
                                                             if name != "Feature" else name)


def segment_points(frame: pd.DataFrame, segments: pd.DataFrame, projection: pd.DataFrame) -> pd.DataFrame:
    """Rows to plot: Borrower_ID, the segment as "number · name" (in segment order), features and projection."""
    points = frame[[ID_COLUMN, *SEGMENT_FEATURES]].join(segments[list(SEGMENT_COLUMNS)], how="inner")
    points = points.join(projection, how="inner").sort_values("Borrower_Segment", kind="stable")
    points["Segment_Name"] = points["Borrower_Segment"].astype(int).astype(str) + " · " + points["Segment_Name"].astype(str)
    return points
