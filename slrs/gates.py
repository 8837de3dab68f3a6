"""Validation gates: the pass/fail limits a portfolio's evidence must meet before its numbers guide decisions.

Each gate compares one figure of the active portfolio with a limit the bank sets (part of the scenario, so it is
edited, saved and shared with the rest):

- **labelled rows**: scored rows with a known outcome, at least ``min_labelled_rows``;
- **ROC AUC**, at least ``auc_floor``, and **KS**, at least ``ks_floor`` (``slrs.outcome_analysis``);
- **calibration error**, at most ``calibration_error_ceiling`` (mean gap between score and observed rate by band);
- **score stability**: the risk score's PSI against the training data, at most ``psi_ceiling`` (``slrs.drift``).

A gate that cannot be measured (too few labelled rows, no training reference) is *not checked*, which is not a
pass: ``python -m slrs evaluate`` exits 0 only when every gate passes, so it can guard a batch job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Literal

from slrs.drift import SCORE_INPUT, TOO_FEW_ROWS, DriftReport
from slrs.exceptions import ConfigError
from slrs.formatting import format_count, format_ratio
from slrs.limits import quote
from slrs.outcome_analysis import OutcomeAnalysis

GateStatus = Literal["pass", "fail", "not checked"]
DECIMALS = 3  # figures are shown, and compared with their limits, to three decimals
STATUS_WORDS: dict[str, str] = {"pass": "Pass", "fail": "Fail", "not checked": "Not checked"}


@dataclass(frozen=True)
class ValidationGates:
    """The limits (see the module docstring); the defaults are a starting point for a bank's own policy.

    The AUC floor of 0.60 and KS floor of 0.15 are common minimums for an application or behaviour score; a
    PSI of 0.25 is the usual "major shift"; a calibration error of 0.10 means scores off by ten points on
    average; 200 labelled rows give an AUC interval of about +/- 0.08.
    """

    min_labelled_rows: int = 200
    auc_floor: float = 0.60
    ks_floor: float = 0.15
    calibration_error_ceiling: float = 0.10
    psi_ceiling: float = 0.25

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name != "min_labelled_rows" and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, item.name, float(value))  # a limit of 1 is the number 1.0
            value = getattr(self, item.name)
            if item.name == "min_labelled_rows":
                if not isinstance(value, int) or isinstance(value, bool) or not 20 <= value <= 10_000_000:
                    raise ConfigError(f"min_labelled_rows={quote(value)} should be a whole number from 20 to "
                                      "10,000,000")
            elif not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) \
                    or not 0 <= value <= (10 if item.name == "psi_ceiling" else 1):
                top = 10 if item.name == "psi_ceiling" else 1
                raise ConfigError(f"{item.name}={quote(value)} should be a number from 0 to {top}")


DEFAULT_GATES = ValidationGates()
GATE_FIELDS = tuple(item.name for item in fields(ValidationGates))
GATE_LABELS = {"min_labelled_rows": "Labelled rows, at least", "auc_floor": "ROC AUC, at least",
               "ks_floor": "KS, at least", "calibration_error_ceiling": "Calibration error, at most",
               "psi_ceiling": "Score stability (PSI), at most"}


@dataclass(frozen=True)
class GateResult:
    """One gate on one portfolio: what was measured, against what limit, and the outcome."""

    gate: str
    limit: str
    measured: str
    status: GateStatus
    limit_value: float
    measured_value: float | None

    def line(self) -> str:
        return f"{STATUS_WORDS[self.status]}: {self.gate} {self.limit} (measured: {self.measured})"


def check_gates(analysis: OutcomeAnalysis, drift: DriftReport, gates: ValidationGates) -> tuple[GateResult, ...]:
    """Every gate on a portfolio's outcome analysis and drift check, in ``GATE_FIELDS`` order."""
    labelled = "pass" if analysis.n >= gates.min_labelled_rows else "fail"
    results = [GateResult(GATE_LABELS["min_labelled_rows"], format_count(gates.min_labelled_rows),
                          f"{format_count(analysis.n)} rows", labelled, gates.min_labelled_rows, analysis.n)]
    for name, value, at_least in (("auc_floor", analysis.auc, True), ("ks_floor", analysis.ks, True),
                                  ("calibration_error_ceiling", analysis.calibration_error, False),
                                  ("psi_ceiling", _score_psi(drift), False)):
        results.append(_compare(GATE_LABELS[name], getattr(gates, name), value, at_least))
    return tuple(results)


def _compare(gate: str, limit: float, value: float | None, at_least: bool) -> GateResult:
    """Pass or fail on the figures as shown (three decimals), so a gate never fails next to two equal numbers."""
    if value is None or math.isnan(value):
        return GateResult(gate, format_ratio(limit), "not measurable", "not checked", limit, None)
    shown = round(value, DECIMALS)
    passed = shown >= limit if at_least else shown <= limit
    return GateResult(gate, format_ratio(limit), format_ratio(value), "pass" if passed else "fail", limit, value)


def _score_psi(drift: DriftReport) -> float | None:
    rows = drift.table[drift.table["Input"] == SCORE_INPUT]
    if rows.empty or rows["Status"].iloc[0] == TOO_FEW_ROWS:
        return None
    return float(rows["PSI"].iloc[0])


def all_passed(results: tuple[GateResult, ...]) -> bool:
    return bool(results) and all(result.status == "pass" for result in results)


def gates_summary(results: tuple[GateResult, ...]) -> str:
    """``3 of 5 gates pass; failed: ROC AUC, KS; not checked: ...`` in one line."""
    passed = sum(result.status == "pass" for result in results)
    words = [f"{passed} of {len(results)} validation gates pass"]
    for status in ("fail", "not checked"):
        names = [result.gate.split(",")[0] for result in results if result.status == status]
        if names:
            words.append(f"{STATUS_WORDS[status].lower()}: {', '.join(names)}")
    return "; ".join(words)


def gates_to_dict(gates: ValidationGates) -> dict:
    return {name: getattr(gates, name) for name in GATE_FIELDS}


def read_gates(data: object, problems: list[str], place: str = "gates") -> ValidationGates:
    """Gates from a mapping (parts left out keep their defaults); problems are added to ``problems``."""
    if not isinstance(data, Mapping):
        problems.append(f"{place}: should be a mapping of {', '.join(GATE_FIELDS)}")
        return DEFAULT_GATES
    values = {}
    for key, value in data.items():
        if key not in GATE_FIELDS:
            problems.append(f"{place}: unknown field {quote(key)}; expected {', '.join(GATE_FIELDS)}")
            continue
        try:
            replace(DEFAULT_GATES, **{key: value})
        except ConfigError as error:
            problems.append(f"{place}.{key}: {error}")
            continue
        values[key] = value
    return replace(DEFAULT_GATES, **values)
