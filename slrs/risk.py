"""Risk models: the honest ``outcome`` method, the ``scorecard`` benchmark and the study's ``study`` method.

``outcome`` learns Recovery_Status from what is known before the recovery decision (``MODEL_FEATURES``:
no IDs, no Gender, no post-decision columns, no target). Its Risk_Score is the calibrated probability that
the loan will not be fully recovered. A Random Forest and a HistGradientBoosting model are compared by
cross-validation and the one with the higher held-out ROC AUC is kept.

``scorecard`` is the interpretable benchmark a credit committee expects: weight-of-evidence bins and a logistic
regression (``slrs.scorecard``), cross-validated on the same folds and selectable as a method.

A neural network (scikit-learn's MLP) is cross-validated on the same folds too, to answer the study's "use deep
learning for more accurate predictions"; it is compared, never kept (``COMPARISON_CANDIDATES``).

``study`` repeats the original study: K-Means segments, the higher half flagged "high risk", a Random
Forest trained to predict that flag. Its score relearns the segments; it is kept only for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from slrs.exceptions import ConfigError
from slrs.features import (
    NUMERIC_INPUTS,
    add_derived_features,
    build_preprocessor,
    categorical_mask,
)
from slrs.schema import CATEGORICAL_MODEL_FEATURES, OUTCOME_CLASSES, SEGMENT_FEATURES
from slrs.segmentation import RiskOrderedKMeans, high_risk_segments
from slrs.strategy import Method

CV_FOLDS = 5
# Columns of the held-out predictions (``ModelBundle.holdout``) besides the outcome candidates'.
STUDY_COLUMN, SCORECARD_COLUMN, NEURAL_NETWORK = "study", "scorecard", "neural_network"
OUTCOME_COLUMN = "outcome_method"  # the kept outcome candidate's held-out score
HOLDOUT_COLUMNS: dict[Method, str] = {"outcome": OUTCOME_COLUMN, "scorecard": SCORECARD_COLUMN, "study": STUDY_COLUMN}
RANDOM_STATE = 42
CALIBRATION_FOLDS = 3
STUDY_TREES = 100  # the study's Random Forest used scikit-learn's default of 100 trees


@dataclass(frozen=True)
class TrainingSettings:
    """How much work training does: the sizes of the models and of the global explanations.

    The committed artifacts use the defaults (``COMMITTED_TRAINING``). ``FAST_TRAINING`` trains the same kinds of
    models, small, for tests that need a freshly trained bundle but not its exact numbers.

    Attributes
    ----------
    forest_trees, boosting_iterations, study_trees : int
        Trees of the outcome Random Forest, boosting iterations of HistGradientBoosting, trees of the study's forest.
    neural_network_iterations : int
        Most training passes of the neural network candidate (it stops earlier when it no longer improves).
    scorecard_prebins : int
        Fine bins per characteristic that the scorecard's optimal binning merges from (optbinning's default: 20).
    importance_repeats : int
        Shuffles per input and fold for the held-out permutation importance.
    partial_dependence_rows : int
        Training rows averaged over for each partial-dependence curve.
    """

    forest_trees: int = 40
    boosting_iterations: int = 200
    study_trees: int = STUDY_TREES
    neural_network_iterations: int = 200
    scorecard_prebins: int = 20
    importance_repeats: int = 5
    partial_dependence_rows: int = 1_000

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"training setting {name}={value!r} should be a whole number of 1 or more")


COMMITTED_TRAINING = TrainingSettings()
FAST_TRAINING = TrainingSettings(forest_trees=10, boosting_iterations=20, study_trees=10, neural_network_iterations=20,
                                 scorecard_prebins=8, importance_repeats=1, partial_dependence_rows=200)


def build_candidates(settings: TrainingSettings = COMMITTED_TRAINING) -> dict[str, ClassifierMixin]:
    """The estimators compared for the outcome method (both deterministic for a fixed seed)."""
    return {
        # Leaves of at least 50 borrowers: the same held-out AUC as leaves of 10 (0.828, 5-fold CV on the bundled
        # data) at a fifteenth of the cost of exact SHAP reason codes. 40 trees score 0.827 against 0.828 for 100
        # and predict (and explain) 2.5 times faster: what a million-row file feels (see benchmarks/bench_score.py).
        "random_forest": RandomForestClassifier(
            n_estimators=settings.forest_trees, min_samples_leaf=50, n_jobs=-1, random_state=RANDOM_STATE),
        "hist_gradient_boosting": HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=settings.boosting_iterations, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0,
            categorical_features=categorical_mask(), early_stopping=False, random_state=RANDOM_STATE),
    }


def build_neural_network(settings: TrainingSettings = COMMITTED_TRAINING) -> Pipeline:
    """The neural network candidate: derived ratios, scaled numbers, one-hot categories, a two-layer MLP.

    It learns Recovery_Status like the outcome candidates; its own probabilities are used (not recalibrated).
    """
    columns = ColumnTransformer(
        [("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
          list(NUMERIC_INPUTS)),
         ("categorical", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                   ("encode", OneHotEncoder(handle_unknown="ignore"))]),
          list(CATEGORICAL_MODEL_FEATURES))])
    network = MLPClassifier(hidden_layer_sizes=(32, 16), alpha=1e-3, early_stopping=True,
                            max_iter=settings.neural_network_iterations, random_state=RANDOM_STATE)
    return Pipeline([("derive", FunctionTransformer(add_derived_features)), ("columns", columns),
                     ("network", network)])


def build_outcome_model(estimator: ClassifierMixin) -> CalibratedClassifierCV:
    """Preprocessing + estimator, calibrated by sigmoid on inner folds, refitted on all rows given."""
    pipeline = Pipeline([("prepare", build_preprocessor()), ("model", clone(estimator))])
    return CalibratedClassifierCV(pipeline, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


def select_segment_features(X: pd.DataFrame) -> pd.DataFrame:
    return X[list(SEGMENT_FEATURES)]


def build_study_model(settings: TrainingSettings = COMMITTED_TRAINING) -> Pipeline:
    """The study's classifier: a Random Forest on the ten segment features."""
    return Pipeline([
        ("select", FunctionTransformer(select_segment_features)),
        ("impute", SimpleImputer(strategy="median")),
        ("forest", RandomForestClassifier(n_estimators=settings.study_trees, n_jobs=-1, random_state=RANDOM_STATE)),
    ])


def study_flag(segments: np.ndarray, n_segments: int) -> np.ndarray:
    """The study's High_Risk_Flag: 1 for borrowers in the flagged half of the segments."""
    return np.isin(segments, high_risk_segments(n_segments)).astype(int)


def fit_study_model(X: pd.DataFrame, segmenter: RiskOrderedKMeans,
                    settings: TrainingSettings = COMMITTED_TRAINING) -> Pipeline:
    """Fit the study's forest to the flag derived from ``segmenter``'s segments of ``X``."""
    return build_study_model(settings).fit(X, study_flag(segmenter.predict(X), segmenter.n_segments))


def outcome_probabilities(model: ClassifierMixin, X: pd.DataFrame) -> np.ndarray:
    """Probabilities of ``OUTCOME_CLASSES`` (shape (n, 3)); a class absent in training gets 0."""
    proba = model.predict_proba(X)
    full = np.zeros((len(X), len(OUTCOME_CLASSES)))
    for column, label in enumerate(model.classes_):
        full[:, OUTCOME_CLASSES.index(label)] = proba[:, column]
    return full


def study_probabilities(study_model: Pipeline, X: pd.DataFrame, partial_share: float) -> np.ndarray:
    """The study's score read as P(not fully recovered), split by the training share of partial outcomes.

    This is the study's implicit claim, made explicit so that its expected recovery can be compared.
    """
    risk = study_model.predict_proba(X)[:, list(study_model.classes_).index(1)] \
        if 1 in study_model.classes_ else np.zeros(len(X))
    return split_risk(risk, partial_share)


def split_risk(risk: np.ndarray, partial_share: float) -> np.ndarray:
    """Outcome probabilities (n, 3) from P(not fully recovered), split by the training share of partial outcomes
    (for the methods that model only "fully recovered or not": the study and the scorecard)."""
    return np.column_stack([1 - risk, risk * partial_share, risk * (1 - partial_share)])
