"""Borrower what-if: one borrower's model inputs, edited within the training ranges, scored live.

A *scenario* is a borrower (by ``Borrower_ID``) plus the inputs edited away from that borrower's row in the
file. It travels in the URL as ``borrower=BRW_12&edit.Age=45&edit.Loan_Type=Home`` so that a link
reproduces it; a value in a link that is unparseable or out of bounds is dropped with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from slrs.bundle import ModelBundle
from slrs.exceptions import ConfigError
from slrs.formatting import NO_CURRENCY, Currency, format_amount, format_score
from slrs.limits import quote
from slrs.money import DEFAULT_ASSUMPTIONS, Assumptions, plan_actions
from slrs.schema import (
    CATEGORICAL_MODEL_FEATURES,
    ID_COLUMN,
    MODEL_FEATURES,
    OUTCOME_CLASSES,
    PLAN_AMOUNT_COLUMNS,
    RISK_COLUMN,
    STRATEGY_COLUMN,
    input_label,
    normalize_label,
)
from slrs.scoring import score_rows
from slrs.strategy import SHORT_STRATEGY, Method, Thresholds
from slrs.values import format_value

Value = int | float | str
QUERY_BORROWER = "borrower"
QUERY_EDIT_PREFIX = "edit."
PROBABILITY_COLUMNS = {f"P_{label.replace(' ', '_')}": label for label in OUTCOME_CLASSES}
RESULT_COLUMNS = ("Borrower_Segment", "Segment_Name", "Risk_Score", "Recovery_Strategy", *PLAN_AMOUNT_COLUMNS,
                  *PROBABILITY_COLUMNS)
# Edits closer than this (relative) to the baseline are the same value seen through a number widget.
SAME_VALUE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class InputBounds:
    """What an edited model input may be: a number from ``minimum`` to ``maximum`` or one of ``values``."""

    name: str
    minimum: float = 0.0
    maximum: float = 0.0
    integer: bool = False
    values: tuple[str, ...] = ()

    @property
    def is_category(self) -> bool:
        return bool(self.values)

    @property
    def step(self) -> float:
        """A round step for +/- buttons: 1 for whole numbers, else about a hundredth of the range."""
        if self.integer:
            return 1.0
        return float(10 ** math.floor(math.log10(max(self.maximum - self.minimum, 1.0) / 100)))

    def expected(self) -> str:
        if self.is_category:
            return "one of " + ", ".join(self.values)
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.minimum:,g} to {self.maximum:,g}"

    def parse(self, text: str) -> Value:
        """The value ``text`` stands for; raise ``ConfigError`` naming the text and what was expected."""
        if self.is_category:
            lookup = {normalize_label(value): value for value in self.values}
            if normalize_label(text) in lookup:
                return lookup[normalize_label(text)]
        else:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if math.isfinite(number) and self.minimum <= number <= self.maximum \
                    and (not self.integer or number.is_integer()):
                return int(number) if self.integer else number
        raise ConfigError(f"{self.name}={quote(text)} should be {self.expected()}")


@dataclass(frozen=True)
class Baseline:
    """A borrower's model inputs as in the file; ``imputed`` names inputs the file lacks (training values)."""

    borrower_id: str
    inputs: dict[str, Value]
    imputed: tuple[str, ...] = ()
    position: int = 0  # the borrower's row in the view, counted from 0


@dataclass(frozen=True)
class Scenario:
    """A borrower and the inputs edited away from their row (only inputs that differ)."""

    borrower_id: str
    edits: dict[str, Value] = field(default_factory=dict)


def input_bounds(profile: Mapping, baseline: Mapping[str, Value] | None = None) -> dict[str, InputBounds]:
    """Bounds for editing each model input: the training range, widened to hold ``baseline``'s own value.

    ``profile`` is the manifest's training profile (``numeric``: min/max/integer, ``categorical``: values).
    """
    bounds: dict[str, InputBounds] = {}
    for name in MODEL_FEATURES:
        if name in CATEGORICAL_MODEL_FEATURES:
            values = list(profile["categorical"][name]["values"])
            own = baseline.get(name) if baseline else None
            bounds[name] = InputBounds(name, values=tuple(values + [own] if own and own not in values else values))
            continue
        numeric = profile["numeric"][name]
        low, high = numeric["min"], numeric["max"]
        if baseline and baseline.get(name) is not None:
            low, high = min(low, baseline[name]), max(high, baseline[name])
        bounds[name] = InputBounds(name, float(low), float(high), integer=bool(numeric["integer"]))
    return bounds


def find_borrower(view: pd.DataFrame, borrower_id: str) -> int | None:
    """Position of the first row of ``view`` with this ``Borrower_ID`` (spaces around it ignored), or None."""
    matches = np.flatnonzero(view[ID_COLUMN].astype(str).to_numpy() == str(borrower_id).strip())
    return int(matches[0]) if len(matches) else None


def pick_borrower(view: pd.DataFrame, which: Literal["typical", "highest"] = "typical") -> str:
    """The ``Borrower_ID`` of the scored row closest to the median risk score, or of the riskiest row."""
    risk = view["Risk_Score"]
    if risk.notna().sum() == 0:
        return str(view[ID_COLUMN].iloc[0])
    position = risk.idxmax() if which == "highest" else (risk - risk.median()).abs().idxmin()
    return str(view.loc[position, ID_COLUMN])


def baseline_inputs(view: pd.DataFrame, borrower_id: str, profile: Mapping) -> Baseline | None:
    """The borrower's model inputs as in the file (None if the ID is not in ``view``).

    A value the file lacks (or that was unusable) becomes the training median or most frequent value, as
    the models themselves would impute it, and is named in ``imputed``.
    """
    position = find_borrower(view, borrower_id)
    if position is None:
        return None
    row = view.iloc[position]
    inputs: dict[str, Value] = {}
    imputed = []
    for name in MODEL_FEATURES:
        value = row[name]
        if pd.isna(value):
            imputed.append(name)
            value = profile["categorical"][name]["mode"] if name in CATEGORICAL_MODEL_FEATURES \
                else profile["numeric"][name]["median"]
        inputs[name] = _typed(name, value, profile)
    return Baseline(str(row[ID_COLUMN]), inputs, tuple(imputed), position)


def _typed(name: str, value: object, profile: Mapping) -> Value:
    if name in CATEGORICAL_MODEL_FEATURES:
        return str(value)
    return int(round(float(value))) if profile["numeric"][name]["integer"] else float(value)


def score_scenarios(bundle: ModelBundle, scenarios: Sequence[Mapping[str, Value]], method: Method,
                    thresholds: Thresholds, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> list[dict[str, object]]:
    """Segment, risk score, strategy, cost, expected recovered and net recovery (currency) of each complete set
    of inputs, planned one borrower at a time (a capacity limits a portfolio, not one borrower).

    Few rows score in one thread (see ``scoring.score_rows``), so a what-if edit costs milliseconds.
    """
    for inputs in scenarios:
        missing = [name for name in MODEL_FEATURES if name not in inputs]
        if missing:
            raise ConfigError(f"what-if inputs lack {', '.join(missing)}; "
                              f"expected all {len(MODEL_FEATURES)} model inputs")
    frame = pd.DataFrame([{name: inputs[name] for name in MODEL_FEATURES} for inputs in scenarios])
    for name in MODEL_FEATURES:
        frame[name] = frame[name].astype(object if name in CATEGORICAL_MODEL_FEATURES else float)
    scored = score_rows(bundle, frame, method)
    plans = [plan_actions(scored[RISK_COLUMN].to_numpy()[[i]], frame["Outstanding_Loan_Amount"].to_numpy()[[i]],
                          thresholds, assumptions) for i in range(len(frame))]
    scored[STRATEGY_COLUMN] = [plan[STRATEGY_COLUMN].iloc[0] for plan in plans]
    for column in PLAN_AMOUNT_COLUMNS:
        scored[column] = [plan[column].iloc[0] for plan in plans]
    return [{column: _plain(scored[column].iloc[i]) for column in RESULT_COLUMNS} for i in range(len(frame))]


def as_planned(result: Mapping[str, object], plan_row: pd.Series) -> dict[str, object]:
    """``result`` (of ``score_scenarios``) with the strategy and money the portfolio's plan gave this borrower.

    The file's own borrower is shown as the plan treats them, capacities included; an edited borrower is planned
    alone (a capacity limits a portfolio, not one borrower).
    """
    return {**result, **{column: _plain(plan_row[column]) for column in (STRATEGY_COLUMN, *PLAN_AMOUNT_COLUMNS)}}


def score_scenario(bundle: ModelBundle, inputs: Mapping[str, Value], method: Method,
                   thresholds: Thresholds, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> dict[str, object]:
    """``score_scenarios`` for one set of inputs."""
    return score_scenarios(bundle, [inputs], method, thresholds, assumptions)[0]


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def changed_inputs(base: Mapping[str, Value], edited: Mapping[str, Value]) -> dict[str, Value]:
    """The inputs of ``edited`` that differ from ``base``, in schema order."""
    return {name: edited[name] for name in MODEL_FEATURES if name in edited and not _same(base[name], edited[name])}


def _same(first: Value, second: Value) -> bool:
    if isinstance(first, str) or isinstance(second, str):
        return first == second
    return math.isclose(first, second, rel_tol=SAME_VALUE_TOLERANCE, abs_tol=SAME_VALUE_TOLERANCE)


def changes_table(base: Mapping[str, Value], edited: Mapping[str, Value],
                  currency: Currency = NO_CURRENCY) -> pd.DataFrame:
    """One row per changed input: Input (its readable name), Baseline and Edited, values as display text with
    their unit (``slrs.explain.format_value``)."""
    changes = changed_inputs(base, edited)
    return pd.DataFrame({"Input": [input_label(name) for name in changes],
                         "Baseline": [format_value(name, base[name], currency) for name in changes],
                         "Edited": [format_value(name, value, currency) for name, value in changes.items()]})


def scenario_to_query(scenario: Scenario) -> dict[str, str]:
    """URL parameters: ``borrower`` and one ``edit.<input>`` per edit (numbers written exactly)."""
    query = {QUERY_BORROWER: scenario.borrower_id}
    for name, value in scenario.edits.items():
        query[QUERY_EDIT_PREFIX + name] = _query_text(value)
    return query


def _query_text(value: Value) -> str:
    # repr of a float is the shortest text that reads back as the same number.
    return value if isinstance(value, str) else str(int(value)) if isinstance(value, int) else repr(float(value))


def is_scenario_parameter(name: str) -> bool:
    """Whether a URL parameter belongs to the what-if scenario (the page owns these, and only these)."""
    return name == QUERY_BORROWER or name.startswith(QUERY_EDIT_PREFIX)


def scenario_from_query(query: Mapping[str, str],
                        bounds: Mapping[str, InputBounds]) -> tuple[Scenario, list[str]]:
    """The scenario in URL parameters, and a warning per edit dropped (unknown, unparseable or out of bounds).

    The borrower is taken as written (``""`` if absent); whether it exists is for the caller to check.
    """
    edits: dict[str, Value] = {}
    warnings = []
    for key, text in query.items():
        if not key.startswith(QUERY_EDIT_PREFIX):
            continue
        name = key.removeprefix(QUERY_EDIT_PREFIX)
        if name not in bounds:
            warnings.append(f"{quote(key)} ignored: not a model input; expected one of {', '.join(bounds)}")
            continue
        try:
            edits[name] = bounds[name].parse(text)
        except ConfigError as error:
            warnings.append(f"{key} ignored: {error}")
    return Scenario(str(query.get(QUERY_BORROWER, "")).strip(), edits), warnings


def open_scenario(view: pd.DataFrame, profile: Mapping,
                  query: Mapping[str, str]) -> tuple[Baseline, Scenario, list[str]]:
    """The baseline and valid edits a link (or a stored scenario) describes, with a warning per thing dropped.

    A missing or unknown borrower falls back to the typical one (closest to the median risk score).
    """
    wanted = str(query.get(QUERY_BORROWER, "")).strip()
    baseline = baseline_inputs(view, wanted, profile) if wanted else None
    warnings = []
    if baseline is None:
        if wanted:
            warnings.append(f"borrower {quote(wanted)} is not in the active portfolio; showing a typical borrower")
        baseline = baseline_inputs(view, pick_borrower(view, "typical"), profile)
    scenario, problems = scenario_from_query(query, input_bounds(profile, baseline.inputs))
    edits = changed_inputs(baseline.inputs, {**baseline.inputs, **scenario.edits})
    return baseline, Scenario(baseline.borrower_id, edits), warnings + problems


def apply_edits(base: Mapping[str, Value], edits: Mapping[str, Value]) -> dict[str, Value]:
    """The inputs of ``base`` with ``edits`` applied."""
    return {**base, **edits}


def result_cards(base: Mapping[str, object], edited: Mapping[str, object],
                 currency: Currency = NO_CURRENCY) -> list[dict[str, object]]:
    """What to show per measure, baseline next to edited: display values, the change, and a note on each.

    ``delta_color`` and ``delta_arrow`` follow ``st.metric``: a higher risk score is bad ("inverse"), more
    recovery is good; a changed segment or strategy is neither, so it gets no arrow.
    """
    risk_change = edited["Risk_Score"] - base["Risk_Score"]
    recovery_change = edited["Expected_Recovered"] - base["Expected_Recovered"]
    moved = {name: None if base[name] == edited[name] else "changed"
             for name in ("Borrower_Segment", "Recovery_Strategy")}
    return [
        _card("Risk score", format_score(base["Risk_Score"]), format_score(edited["Risk_Score"]),
              f"{risk_change:+.3f}" if abs(risk_change) >= 0.0005 else None, "inverse",
              ("Chance of not recovering in full",) * 2),
        _card("Segment", str(base["Borrower_Segment"]), str(edited["Borrower_Segment"]), moved["Borrower_Segment"],
              "off", (base["Segment_Name"], edited["Segment_Name"])),
        _card("Strategy", SHORT_STRATEGY[base["Recovery_Strategy"]], SHORT_STRATEGY[edited["Recovery_Strategy"]],
              moved["Recovery_Strategy"], "off", (base["Recovery_Strategy"], edited["Recovery_Strategy"])),
        _card("Expected recovery", format_amount(base["Expected_Recovered"], currency),
              format_amount(edited["Expected_Recovered"], currency),
              ("+" if recovery_change > 0 else "") + format_amount(recovery_change, currency)
              if abs(recovery_change) >= 0.5 else None, "normal",
              ("The outstanding amount times the share the action is expected to recover in the "
               "borrower's risk band (Money & thresholds page)",) * 2),
    ]


def _card(measure: str, baseline: str, edited: str, delta: str | None, color: str,
          notes: tuple[object, object]) -> dict[str, object]:
    return {"measure": measure, "baseline": baseline, "edited": edited, "delta": delta, "delta_color": color,
            "delta_arrow": "off" if color == "off" else "auto", "baseline_note": notes[0], "edited_note": notes[1]}


def outcome_table(base: Mapping[str, object], edited: Mapping[str, object]) -> pd.DataFrame:
    """Chance (0 to 1) of each final outcome, baseline and edited: columns Outcome, Baseline, Edited."""
    return pd.DataFrame({"Outcome": list(PROBABILITY_COLUMNS.values()),
                         "Baseline": [base[column] for column in PROBABILITY_COLUMNS],
                         "Edited": [edited[column] for column in PROBABILITY_COLUMNS]})
