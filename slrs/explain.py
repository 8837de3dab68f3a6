"""Reason codes: why a borrower's risk score is what it is, one signed contribution per model input.

The contributions are exact SHAP values of the fitted Random Forest (``shap.TreeExplainer``, path-dependent
TreeSHAP), read in probability space:

* ``outcome``: contributions to the forest's own P(not fully recovered) = 1 - P(Fully Recovered), so
  base + contributions = the forest's raw score. The displayed Risk_Score is that score after sigmoid
  calibration; the difference is one more, separately labelled term, ``Calibration``, so that
  base + contributions + calibration = the displayed Risk_Score exactly (to rounding, ~1e-15).
* ``study``: contributions to the study forest's P(high-risk flag), which is the displayed Risk_Score
  itself (uncalibrated); the calibration term is 0.

Derived inputs (ratios) keep their own contribution and get readable names; categories are explained as
the single coded input the forest sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shap
from joblib import Parallel, delayed
from sklearn.ensemble import RandomForestClassifier

from slrs.bundle import ModelBundle
from slrs.exceptions import ConfigError, ModelArtifactError
from slrs.features import CategoryCodes
from slrs.formatting import NO_CURRENCY, Currency
from slrs.portfolio import LoadedPortfolio
from slrs.schema import (
    CATEGORICAL_MODEL_FEATURES,
    FULLY_RECOVERED,
    ID_COLUMN,
    MODEL_FEATURES,
    RISK_COLUMN,
    input_label,
)
from slrs.strategy import Method
from slrs.values import describe_value, format_value

CALIBRATION = "Calibration"
SPACE: dict[Method, str] = {
    "outcome": ("Probability of not being fully recovered: base value + input contributions = the forest's own "
                "score; + calibration = the displayed risk score."),
    "study": ("Probability of the study's high-risk flag: base value + input contributions = the displayed "
              "risk score (the study's score is not calibrated)."),
}
TOP_REASONS = 3
REASON_METHODS: tuple[Method, ...] = ("outcome", "study")  # the methods whose model is a forest
SCORECARD_REASONS = ("Reason codes are computed for the forests of the outcome and study methods. The benchmark "
                     "scorecard gives its reasons as points: the Model page lists each characteristic's bins and "
                     "points.")
CHUNK_ROWS = 10_000
PARALLEL_MIN_ROWS = 20_000


@dataclass(frozen=True)
class ReasonCodes:
    """Reason codes of n rows under one risk method, all in probability space (0 to 1).

    Attributes
    ----------
    method : {"outcome", "study"}
    base_value : float
        The forest's average score over its training data (the same for every row).
    contributions : DataFrame, shape (n, k)
        One signed contribution per model input (columns, internal names); positive raises the risk.
    calibration : Series, shape (n,)
        Displayed score minus the forest's raw score (``outcome``); 0 for ``study``.
    score : Series, shape (n,)
        The displayed Risk_Score, as ``scoring.score_rows`` gives it.
    values : DataFrame, shape (n, k)
        Each input as the forest saw it: ratios derived, gaps imputed, categories as text.
    space : str
        One line saying in which space the terms add up, for the UI and the CLI.
    """

    method: Method
    base_value: float
    contributions: pd.DataFrame
    calibration: pd.Series
    score: pd.Series
    values: pd.DataFrame
    space: str

    def total(self) -> pd.Series:
        """base + contributions + calibration per row; equals ``score`` to ~1e-15."""
        return self.base_value + self.contributions.sum(axis=1) + self.calibration


@dataclass(frozen=True)
class _ForestView:
    """One method's forest, how typed inputs become its matrix, and which probability is explained."""

    prepare: object  # a fitted transformer: typed MODEL_FEATURES frame -> forest input matrix
    forest: RandomForestClassifier
    inputs: tuple[str, ...]
    categories: dict[str, np.ndarray]
    column: int
    negate: bool  # explain 1 - P(column) rather than P(column)
    explainer: shap.TreeExplainer

    def matrix(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.prepare.transform(X[list(MODEL_FEATURES)]), dtype=float)

    def base_value(self) -> float:
        value = float(np.ravel(self.explainer.expected_value)[self.column])
        return 1 - value if self.negate else value

    def raw_score(self, Z: np.ndarray) -> np.ndarray:
        probability = self.forest.predict_proba(Z)[:, self.column]
        return 1 - probability if self.negate else probability

    def values(self, Z: np.ndarray, index: pd.Index) -> pd.DataFrame:
        values = pd.DataFrame(Z, columns=list(self.inputs), index=index)
        for name, names in self.categories.items():
            codes = values[name].to_numpy(dtype=int)
            values[name] = np.where(codes >= 0, names[np.clip(codes, 0, len(names) - 1)], "unknown")
        return values


class ReasonExplainer:
    """The TreeExplainers of a bundle's two forests, built once (cache it: ``slrs.ui.get_explainer``).

    Read-only after construction, so one instance can serve every session.
    """

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        # A method whose model cannot be explained keeps its reason, so the other method still works.
        self._views: dict[str, _ForestView | str] = {}
        for method, build in (("outcome", _outcome_view), ("study", _study_view)):
            try:
                self._views[method] = build(bundle)
            except ModelArtifactError as error:
                self._views[method] = str(error)

    def view(self, method: Method) -> _ForestView:
        """The forest of ``method``; raise ``ModelArtifactError`` if its model is not a Random Forest."""
        if method not in self._views:
            raise ModelArtifactError(SCORECARD_REASONS)
        view = self._views[method]
        if isinstance(view, str):
            raise ModelArtifactError(view)
        return view


def _outcome_view(bundle: ModelBundle) -> _ForestView:
    pipeline = bundle.outcome_model.calibrated_classifiers_[0].estimator
    forest = _require_forest(pipeline.named_steps["model"], "outcome")
    prepare = pipeline.named_steps["prepare"]
    columns = prepare.named_steps["columns"]
    codes = columns.named_transformers_["categorical"]
    if not isinstance(codes, CategoryCodes):
        raise ModelArtifactError("these models were trained by an earlier version of SLRS (their categories are "
                                 "coded another way); retrain with python -m slrs train")
    categories = dict(zip(CATEGORICAL_MODEL_FEATURES, codes.categories_, strict=True))
    return _ForestView(prepare, forest, tuple(columns.get_feature_names_out()), categories,
                       list(forest.classes_).index(FULLY_RECOVERED), True, shap.TreeExplainer(forest))


def _study_view(bundle: ModelBundle) -> _ForestView:
    model = bundle.study_model
    forest = _require_forest(model.named_steps["forest"], "study")
    if 1 not in forest.classes_:
        raise ModelArtifactError("the study forest was trained without a high-risk class; expected classes "
                                 "0 and 1 (retrain with python -m slrs train)")
    return _ForestView(model[:-1], forest, tuple(model.named_steps["impute"].get_feature_names_out()), {},
                       list(forest.classes_).index(1), False, shap.TreeExplainer(forest))


def _require_forest(model: object, method: str) -> RandomForestClassifier:
    if not isinstance(model, RandomForestClassifier):
        raise ModelArtifactError(f"reason codes need a Random Forest, but the {method} model is a "
                                 f"{type(model).__name__}; expected RandomForestClassifier")
    return model


def explain_scores(bundle: ModelBundle, X: pd.DataFrame, method: Method,
                   explainer: ReasonExplainer | None = None) -> ReasonCodes:
    """Reason codes of typed rows: why each gets the Risk_Score that ``scoring.score_rows`` gives it.

    For ``outcome`` the contributions add up (with the base value) to the forest's raw P(not fully
    recovered); the separately labelled calibration term brings the sum to the displayed, calibrated
    Risk_Score. For ``study`` there is no calibration (0). Either way base + contributions + calibration =
    the displayed Risk_Score, to ~1e-15.

    Parameters
    ----------
    bundle : ModelBundle
    X : DataFrame, shape (n, 14 or more)
        The ``schema.MODEL_FEATURES`` columns, typed as ``ValidationResult.clean`` holds them; missing
        inputs are imputed by the model's own pipeline, as in scoring.
    method : {"outcome", "study"}
    explainer : ReasonExplainer, optional
        Built from ``bundle`` (the app caches one); None builds one (a few milliseconds).

    Returns
    -------
    ReasonCodes
        With the index of ``X``.
    """
    if explainer is not None and explainer.bundle is not bundle:
        raise ConfigError("the explainer was built for another model bundle; expected one built from this one")
    view = (explainer or ReasonExplainer(bundle)).view(method)
    Z = view.matrix(X)
    contributions = pd.DataFrame(_shap_chunk(view.explainer, Z, view.column, view.negate),
                                 columns=list(view.inputs), index=X.index)
    score = 1 - bundle.probabilities(X[list(MODEL_FEATURES)], method)[:, 0]  # as scoring.score_rows
    calibration = score - view.raw_score(Z) if method == "outcome" else np.zeros(len(X))
    return ReasonCodes(method, view.base_value(), contributions,
                       pd.Series(calibration, index=X.index, name=CALIBRATION),
                       pd.Series(score, index=X.index, name="Risk_Score"), view.values(Z, X.index), SPACE[method])


def _shap_chunk(explainer: shap.TreeExplainer | RandomForestClassifier, Z: np.ndarray, column: int,
                negate: bool) -> np.ndarray:
    """SHAP values (n, k) of one class's probability; a forest gets its explainer built here (in a worker)."""
    if isinstance(explainer, RandomForestClassifier):
        explainer = shap.TreeExplainer(explainer)
    values = np.asarray(explainer.shap_values(Z))[:, :, column]
    return -values if negate else values


# --- readable names, values and sentences --------------------------------------------------------------------


def _by_size(codes_row: Mapping[str, float], top_n: int) -> list[tuple[str, float]]:
    """The ``top_n`` (name, contribution) pairs of largest size; a Series row works as well as a dict."""
    pairs = [(name, float(amount)) for name, amount in codes_row.items()]
    return sorted(pairs, key=lambda pair: abs(pair[1]), reverse=True)[:top_n]


def reason_sentences(codes_row: Mapping[str, float], inputs_row: Mapping[str, object],
                     top_n: int = TOP_REASONS, currency: Currency = NO_CURRENCY) -> list[str]:
    """Plain sentences for the ``top_n`` inputs with the largest contributions (absolute), largest first.

    ``codes_row`` maps input names to contributions (a row of ``ReasonCodes.contributions``), ``inputs_row``
    the same names to values (a row of ``ReasonCodes.values``). E.g. "6 missed payments raise the risk by
    0.14", "Collateral coverage of 1.3x lowers the risk by 0.05".
    """
    sentences = []
    for name, contribution in _by_size(codes_row, top_n):
        phrase, plural = describe_value(name, inputs_row[name], currency)
        verb = ("raise" if contribution >= 0 else "lower") + ("" if plural else "s")
        size = f"{abs(contribution):.2f}" if abs(contribution) >= 0.005 else "less than 0.01"
        sentences.append(f"{phrase[:1].upper()}{phrase[1:]} {verb} the risk by {size}")
    return sentences


def short_reason(name: str, value: object, contribution: float) -> str:
    """One reason in a few words for a table cell: "6 missed payments (+0.14)"."""
    phrase = describe_value(name, value)[0]
    return f"{phrase[:1].upper()}{phrase[1:]} ({contribution:+.2f})"


# --- one scenario: what the what-if page and the CLI show ----------------------------------------------------


def explain_inputs(bundle: ModelBundle, inputs: Mapping[str, object], method: Method,
                   explainer: ReasonExplainer | None = None) -> ReasonCodes:
    """Reason codes of one complete set of model inputs (a what-if scenario), as a one-row ``ReasonCodes``."""
    frame = pd.DataFrame([{name: inputs[name] for name in MODEL_FEATURES}])
    for name in MODEL_FEATURES:
        frame[name] = frame[name].astype(object if name in CATEGORICAL_MODEL_FEATURES else float)
    return explain_scores(bundle, frame, method, explainer)


def reason_rows(codes: ReasonCodes, position: int = 0) -> pd.DataFrame:
    """One row's reason codes, largest (absolute) first: Input (internal name), Label, Value, Contribution."""
    contributions = codes.contributions.iloc[position]
    order = contributions.abs().sort_values(ascending=False, kind="stable").index
    values = codes.values.iloc[position]
    return pd.DataFrame({"Input": list(order), "Label": [input_label(name) for name in order],
                         "Value": values[order].tolist(),
                         "Contribution": contributions[order].to_numpy(dtype=float)})


def waterfall_table(codes: ReasonCodes, position: int = 0) -> pd.DataFrame:
    """Steps of a waterfall from the base value to the displayed score: Step, Amount, Measure.

    Measure is "absolute" (the base value), "relative" (an input, largest first, then the calibration term
    for ``outcome``) or "total" (the displayed risk score). Amounts are in probability space (0 to 1).
    """
    rows = reason_rows(codes, position)
    steps = [("Base value", codes.base_value, "absolute")]
    steps += [(f"{label}: {format_value(name, value)}", amount, "relative")
              for name, label, value, amount in rows.itertuples(index=False)]
    if codes.method == "outcome":
        steps.append((CALIBRATION, float(codes.calibration.iloc[position]), "relative"))
    steps.append(("Risk score", float(codes.score.iloc[position]), "total"))
    return pd.DataFrame(steps, columns=["Step", "Amount", "Measure"])


def sum_text(codes: ReasonCodes, position: int = 0) -> str:
    """The sum written out: "base 0.41 + inputs +0.20 + calibration +0.01 = 0.62 (the risk score)"."""
    base, inputs = codes.base_value, float(codes.contributions.iloc[position].sum())
    calibration = float(codes.calibration.iloc[position])
    text = f"base {base:.3f} + inputs {inputs:+.3f}"
    if codes.method == "outcome":
        text += f" + calibration {calibration:+.3f}"
    return f"{text} = {base + inputs + calibration:.3f} (the risk score)"


# --- a whole portfolio: short reasons per row, for the download ----------------------------------------------


def reason_codes_table(bundle: ModelBundle, clean: pd.DataFrame, method: Method, top_n: int = TOP_REASONS, *,
                       scorable: pd.Series | None = None, explainer: ReasonExplainer | None = None,
                       n_jobs: int | None = None, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Columns Reason_1 .. Reason_<top_n>: the top drivers of each row's score as short text.

    ``clean`` holds typed rows (``ValidationResult.clean``); rows where ``scorable`` (the validation's mask;
    None: every row) is False get "". Work goes in chunks of ``chunk_rows`` rows; shap holds the GIL, so
    large inputs (``PARALLEL_MIN_ROWS`` rows or more) are spread over ``n_jobs`` processes (None: every core
    for large inputs, one process for small ones).
    """
    columns = [f"Reason_{rank}" for rank in range(1, top_n + 1)]
    table = pd.DataFrame("", index=clean.index, columns=columns, dtype=object)
    mask = np.ones(len(clean), dtype=bool) if scorable is None else scorable.to_numpy(dtype=bool)
    if not mask.any():
        return table
    view = (explainer or ReasonExplainer(bundle)).view(method)
    X = clean.loc[mask, list(MODEL_FEATURES)]
    matrices = [view.matrix(X.iloc[start:start + chunk_rows]) for start in range(0, len(X), chunk_rows)]
    jobs = n_jobs if n_jobs is not None else (-1 if len(X) >= PARALLEL_MIN_ROWS else 1)
    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator")
    # A worker gets the forest (small) and builds its own explainer (milliseconds) for its chunk.
    chunks = parallel(delayed(_shap_chunk)(view.forest, Z, view.column, view.negate) for Z in matrices)
    texts = [_short_reasons(view, Z, contributions, top_n)
             for Z, contributions in zip(matrices, chunks, strict=True)]
    table.loc[mask, columns] = np.concatenate(texts)
    return table


def _short_reasons(view: _ForestView, Z: np.ndarray, contributions: np.ndarray, top_n: int) -> np.ndarray:
    """(n, top_n) short texts, largest contribution first."""
    values = view.values(Z, pd.RangeIndex(len(Z))).to_numpy(dtype=object)
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :top_n]
    names = np.asarray(view.inputs, dtype=object)
    texts = np.empty(order.shape, dtype=object)
    for row, columns in enumerate(order):
        for rank, column in enumerate(columns):
            texts[row, rank] = short_reason(names[column], values[row, column], contributions[row, column])
    return texts


def reason_codes_download(view: pd.DataFrame, portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method,
                          explainer: ReasonExplainer | None = None) -> pd.DataFrame:
    """Row, Borrower_ID, Risk_Score and the top reasons of every row (blank where a row was not scored)."""
    validation = portfolio.validation
    reasons = reason_codes_table(bundle, validation.clean, method, scorable=validation.scorable,
                                 explainer=explainer)
    return pd.concat([view[["Row", ID_COLUMN, RISK_COLUMN]].reset_index(drop=True),
                      reasons.reset_index(drop=True)], axis=1)
