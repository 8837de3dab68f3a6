"""The global view of both risk methods: what drives their scores across the whole portfolio.

Two measures, both reproducible with ``python -m slrs train``:

- **Permutation importance on held-out data**: inside cross-validation, each fold's models score their held-out
  fold once as it is and again with one model input shuffled; the importance of that input is the drop in
  ROC AUC against "not fully recovered" (mean of ``N_REPEATS`` shuffles), summarised as mean and standard
  deviation over the folds. An input a method never uses drops nothing: exactly 0.
- **Partial dependence** of the final models: the average Risk_Score of a fixed sample of training rows while
  one input is set to each value of a grid (training p01..p99, or each category), the others left as they are.

The results are stored in the model bundle (``global_explanations.json``); the tables for the app are read
from there, nothing is refitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from slrs.exceptions import ConfigError, ModelArtifactError
from slrs.risk import RANDOM_STATE, outcome_probabilities
from slrs.schema import COLUMN_BY_NAME, FULLY_RECOVERED, OUTCOME_CLASSES
from slrs.strategy import Method

Scorer = Callable[[pd.DataFrame], np.ndarray]
N_REPEATS = 5
PD_SAMPLE_ROWS = 1_000
MAX_STACKED_ROWS = 200_000
PD_GRID_POINTS = 20
MAIN_OUTCOME_INPUTS = 6
MAIN_STUDY_INPUTS = 3
METHOD_NAMES: dict[Method, str] = {"outcome": "Outcome model", "scorecard": "Benchmark scorecard",
                                   "study": "Study method"}
STUDY_KEY, SCORECARD_KEY = "study", "scorecard"
REBUILD = "rebuild the model with: python -m slrs train"


def outcome_risk(model: ClassifierMixin, X: pd.DataFrame) -> np.ndarray:
    """The outcome method's Risk_Score: 1 - calibrated P(Fully Recovered), shape (n,)."""
    return 1 - outcome_probabilities(model, X)[:, OUTCOME_CLASSES.index(FULLY_RECOVERED)]


def study_risk(model: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """The study method's Risk_Score: its forest's P(high-risk flag), shape (n,)."""
    return model.predict_proba(X)[:, -1]


def held_out_importances(score: Scorer, X: pd.DataFrame, y: np.ndarray, *, seed: int,
                         n_repeats: int = N_REPEATS) -> np.ndarray:
    """Drop in ROC AUC of ``score`` on (``X``, ``y``) when each column of ``X`` is shuffled.

    Parameters
    ----------
    score : callable
        Maps a table of model inputs to a risk score per row, shape (n,).
    X : DataFrame, shape (n, p)
        Rows the scorer was not fitted on, with the raw model inputs.
    y : array of 0/1, shape (n,)
        1 when the loan was not fully recovered.
    seed : int
        Seed of the shuffles: the same seed shuffles the same way for every scorer.
    n_repeats : int
        Shuffles per column; the drops are averaged.

    Returns
    -------
    ndarray, shape (p,)
        Baseline AUC minus the mean AUC with the column shuffled (AUC points; 0 for an unused column).
    """
    y = np.asarray(y)
    if n_repeats < 1:
        raise ConfigError(f"n_repeats={n_repeats} should be >= 1")
    if len(y) != len(X) or set(np.unique(y)) != {0, 1}:
        raise ConfigError(f"held-out labels have values {sorted(np.unique(y).tolist())} for {len(y)} rows of "
                          f"{len(X)}; expected one 0/1 label per row with both values present")
    rng = np.random.default_rng(seed)
    orders = {column: [rng.permutation(len(X)) for _ in range(n_repeats)] for column in X.columns}
    # Score many shuffled copies per call (each call costs ~30 ms of overhead), up to MAX_STACKED_ROWS rows.
    per_call = max(1, MAX_STACKED_ROWS // (len(X) * n_repeats))
    shuffled_auc = []
    for start in range(0, X.shape[1], per_call):
        columns = list(X.columns[start:start + per_call])
        stacked = pd.concat([_stack_shuffled(X, column, orders[column]) for column in columns], ignore_index=True)
        risk = score(stacked).reshape(len(columns), n_repeats, len(X))
        shuffled_auc += [np.mean([roc_auc_score(y, repeat) for repeat in block]) for block in risk]
    return roc_auc_score(y, score(X)) - np.asarray(shuffled_auc)


def _stack_shuffled(X: pd.DataFrame, column: str, orders: list[np.ndarray]) -> pd.DataFrame:
    """``X`` once per order, stacked, with ``column`` reordered by that order in each copy."""
    stacked = X.iloc[np.tile(np.arange(len(X)), len(orders))].reset_index(drop=True)
    values = X[column].to_numpy()
    stacked[column] = np.concatenate([values[order] for order in orders])
    return stacked


def summarise_importances(per_fold: Mapping[str, Sequence[np.ndarray]], features: Sequence[str]) -> dict:
    """Mean and standard deviation over folds of each model's held-out importances (JSON-ready).

    ``per_fold`` maps a model name to one array of shape (len(features),) per fold.
    """
    return {name: {"features": list(features), "mean": np.mean(folds, axis=0).tolist(),
                   "std": np.std(folds, axis=0).tolist(), "folds": np.asarray(folds).tolist()}
            for name, folds in per_fold.items()}


def main_inputs(importances: Mapping[str, dict], outcome_key: str,
                n_outcome: int = MAIN_OUTCOME_INPUTS, n_study: int = MAIN_STUDY_INPUTS) -> list[str]:
    """The outcome model's top ``n_outcome`` inputs, then any of the study's top ``n_study`` not among them."""
    chosen = _top(importances[outcome_key], n_outcome)
    return chosen + [name for name in _top(importances[STUDY_KEY], n_study) if name not in chosen]


def _top(summary: dict, n: int) -> list[str]:
    order = np.argsort(-np.asarray(summary["mean"]), kind="stable")
    return [summary["features"][i] for i in order[:n]]


def input_grid(values: pd.Series, n_points: int = PD_GRID_POINTS) -> list:
    """Values to set a model input to for partial dependence.

    ``n_points`` evenly spaced from the input's 1st to 99th percentile (whole-number inputs rounded, repeats
    dropped), or each category present, in the schema's order.
    """
    column = COLUMN_BY_NAME[str(values.name)]
    if not column.is_numeric:
        present = set(values.dropna())
        return [value for value in column.allowed if value in present]
    low, high = values.quantile([0.01, 0.99])
    grid = np.linspace(low, high, n_points)
    if column.dtype == "int":
        grid = np.unique(np.round(grid))
    return [float(value) for value in grid]


def partial_dependence(score: Scorer, X: pd.DataFrame, feature: str, grid: Sequence) -> np.ndarray:
    """Average score of the rows of ``X`` with ``feature`` set to each grid value, shape (len(grid),)."""
    stacked = X.iloc[np.tile(np.arange(len(X)), len(grid))].reset_index(drop=True)
    stacked[feature] = np.repeat(np.asarray(grid), len(X))
    return score(stacked).reshape(len(grid), len(X)).mean(axis=1)


def build_global_explanations(X: pd.DataFrame, scorers: Mapping[Method, Scorer], importances: dict,
                              outcome_key: str, *, n_repeats: int = N_REPEATS,
                              sample_rows: int = PD_SAMPLE_ROWS) -> dict:
    """The bundle's global view: held-out importances plus partial dependence of the main inputs.

    Parameters
    ----------
    X : DataFrame
        The training rows (raw model inputs); at most ``sample_rows`` of them, drawn with a fixed seed,
        are averaged over.
    scorers : mapping
        The final fitted model of each method as a scorer (risk score per row).
    importances : dict
        ``summarise_importances`` of the cross-validation, keyed by candidate name and ``"study"``.
    outcome_key : str
        The candidate kept for the outcome method.
    """
    sample = X.sample(n=min(sample_rows, len(X)), random_state=RANDOM_STATE)
    inputs = main_inputs(importances, outcome_key)
    grids = {feature: input_grid(X[feature]) for feature in inputs}
    curves = {method: {feature: {"values": grid, "risk": partial_dependence(score, sample, feature, grid).tolist()}
                       for feature, grid in grids.items()}
              for method, score in scorers.items()}
    return {"method_models": {"outcome": outcome_key, "scorecard": SCORECARD_KEY, "study": STUDY_KEY},
            "permutation_importance": {"metric": "drop in held-out ROC AUC", "n_repeats": n_repeats,
                                       "models": importances},
            "partial_dependence": {"sample_rows": len(sample), "inputs": inputs, "curves": curves}}


# --- tables for the app -----------------------------------------------------------------------------------

def _require(explanations: Mapping) -> None:
    if "permutation_importance" not in explanations or "partial_dependence" not in explanations:
        raise ModelArtifactError(f"the model bundle holds no global explanations; {REBUILD}")


def importance_table(explanations: Mapping, method: Method) -> pd.DataFrame:
    """Held-out permutation importance of each model input under ``method``, largest first.

    Columns Feature, Meaning, Importance (mean drop in ROC AUC over folds) and Std (its spread over folds).
    """
    _require(explanations)
    summary = explanations["permutation_importance"]["models"][explanations["method_models"][method]]
    table = pd.DataFrame({"Feature": summary["features"],
                          "Meaning": [COLUMN_BY_NAME[name].description for name in summary["features"]],
                          "Importance": summary["mean"], "Std": summary["std"]})
    return table.sort_values("Importance", ascending=False, ignore_index=True, kind="stable")


def partial_dependence_table(explanations: Mapping, methods: Sequence[Method]) -> pd.DataFrame:
    """Partial-dependence curves, long form: Method (its name), Feature, Value, Risk_Score.

    Rows follow ``methods``, then the main inputs in order of importance, then the grid.
    """
    _require(explanations)
    section = explanations["partial_dependence"]
    rows = [{"Method": METHOD_NAMES[method], "Feature": feature, "Value": value, "Risk_Score": risk}
            for method in methods for feature in section["inputs"]
            for value, risk in zip(section["curves"][method][feature]["values"],
                                   section["curves"][method][feature]["risk"], strict=True)]
    return pd.DataFrame(rows, columns=["Method", "Feature", "Value", "Risk_Score"])


def other_method(method: Method) -> Method:
    """The method shown for comparison: the outcome model, or the study's beside the outcome model."""
    return "study" if method == "outcome" else "outcome"


@dataclass(frozen=True)
class GlobalView:
    """What the Model page shows of the global view, the method in use first.

    ``importances`` pairs a chart title with an ``importance_table``, for the method in use and then the
    other; ``curves`` is ``partial_dependence_table`` of both methods (the one in use first).
    """

    importances: list[tuple[str, pd.DataFrame]]
    curves: pd.DataFrame
    sample_rows: int
    n_repeats: int


def global_view(explanations: Mapping, method: Method) -> GlobalView:
    """The global view under ``method`` with the other method for comparison (read from the bundle)."""
    _require(explanations)
    methods: list[Method] = [method, other_method(method)]
    titles = [f"{METHOD_NAMES[method]} (in use)", f"{METHOD_NAMES[methods[1]]} (for comparison)"]
    return GlobalView([(title, importance_table(explanations, shown)) for title, shown in zip(titles, methods)],
                      partial_dependence_table(explanations, methods),
                      int(explanations["partial_dependence"]["sample_rows"]),
                      int(explanations["permutation_importance"]["n_repeats"]))
