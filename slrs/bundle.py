"""The trained model bundle: segmenter, the risk models, their held-out evaluation and a manifest.

Training lives in ``slrs.training``; saving and loading (with hash and version checks) in ``slrs.io``.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.pipeline import Pipeline

from slrs.exceptions import ModelArtifactError
from slrs.risk import outcome_probabilities, split_risk, study_probabilities
from slrs.scorecard import Scorecard
from slrs.segmentation import RiskOrderedKMeans
from slrs.strategy import Method

VERSIONED_LIBRARIES = ("scikit-learn", "numpy", "pandas", "joblib")


@dataclass(frozen=True)
class ModelBundle:
    """Everything needed to score a portfolio, plus the manifest that says how it was made.

    ``global_explanations`` is the global view of both methods (held-out permutation importances and partial
    dependence, see ``slrs.global_explain``), as stored in ``global_explanations.json``.
    """

    segmenter: RiskOrderedKMeans
    outcome_model: ClassifierMixin
    study_model: Pipeline
    holdout: pd.DataFrame
    manifest: dict
    global_explanations: dict = field(default_factory=dict)
    scorecard: Scorecard | None = None

    @property
    def segment_names(self) -> list[str]:
        return list(self.manifest["segments"]["names"])

    def probabilities(self, X: pd.DataFrame, method: Method) -> np.ndarray:
        """Outcome probabilities, shape (n, 3), in ``OUTCOME_CLASSES`` order, under ``method``."""
        if method == "outcome":
            return outcome_probabilities(self.outcome_model, X)
        partial_share = self.manifest["profile"]["partial_share_of_not_full"]
        if method == "scorecard":
            if self.scorecard is None:
                raise ModelArtifactError("these models hold no benchmark scorecard; retrain with: python -m slrs train")
            return split_risk(self.scorecard.risk(X), partial_share)
        return study_probabilities(self.study_model, X, partial_share)


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), **{name: version(name) for name in VERSIONED_LIBRARIES}}


