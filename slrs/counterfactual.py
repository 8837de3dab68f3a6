"""Counterfactuals: the fewest, smallest changes that would move a borrower to a milder recovery strategy.

Only ``ACTIONABLE_INPUTS`` change, each in the one direction a remedy moves it, on a ladder of values inside
the training range (``bundle.manifest["profile"]``). A change's size is its distance over the input's training
spread (p01 to p99): curing one of ten missed payments weighs as much as paying off a tenth of the usual
balances. Single inputs come first (every ladder value), then pairs and triples (a coarse grid, then each input
brought down to the smallest ladder value that still works); a set holding a set that already works is skipped.

The monthly instalment is a consequence, never a free choice: when the outstanding amount ``O`` or the tenure
``T`` (months) changes, the borrower's own instalment is scaled as the annuity at the loan's rate scales,
``EMI' = EMI * (O' / O) * a(T') / a(T)``, ``a(T) = r / (1 - (1 + r) ** -T)``, ``r = Interest_Rate / 1200``
(``1 / T`` at a zero rate), rounded to cents. For an annuity loan (as ``slrs.synth`` draws them) that is the
annuity of the new balance over the new tenure; for others it keeps the borrower's own instalment level. A
candidate whose instalment leaves the training range is dropped.

Candidates are scored in batches by ``scoring.score_rows`` (behind ``slrs score`` and
``whatif.score_scenarios``); every option returned was scored again alone by ``whatif.score_scenario`` and
is kept only if that lands in a milder tier.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from numbers import Real
from typing import Literal

import numpy as np
import pandas as pd

from slrs.bundle import ModelBundle
from slrs.exceptions import ConfigError
from slrs.formatting import format_amount, format_score
from slrs.schema import (
    CATEGORICAL_MODEL_FEATURES,
    MODEL_FEATURES,
    NUMERIC_MODEL_FEATURES,
    RISK_COLUMN,
    input_label,
)
from slrs.scoring import score_rows
from slrs.strategy import METHODS, STRATEGIES, Method, Thresholds, assign_actions
from slrs.whatif import Value, score_scenario

# The inputs a borrower or the bank can change by acting, and the direction a remedy moves each
# (-1 lower, +1 higher). Everything else is left alone on purpose: Age, Gender, Employment_Type and
# Num_Dependents are who the borrower is; Monthly_Income is not the bank's to change and a promise of more
# income cannot be verified; Loan_Type, Loan_Amount and Interest_Rate are the contract as written and
# Payment_History is the past. Monthly_EMI follows the outstanding amount and tenure (module docstring).
ACTIONABLE_INPUTS: dict[str, int] = {
    "Num_Missed_Payments": -1,  # missed instalments cured (paid)
    "Days_Past_Due": -1,  # the oldest arrears paid, so the account is less overdue
    "Outstanding_Loan_Amount": -1,  # a part payment
    "Collateral_Value": +1,  # more collateral pledged
    "Loan_Tenure": +1,  # a longer term after restructuring
}
EMI = "Monthly_EMI"
EMI_DRIVERS = ("Outstanding_Loan_Amount", "Loan_Tenure")
MAX_INPUTS_CHANGED = 3
# Ladder values tried per input for sets of 1, 2 and 3 inputs (None: every value); then refined.
GRID_LEVELS: dict[int, int | None] = {1: None, 2: 16, 3: 8}
# A money ladder has 50 to 125 round steps (1, 2 or 5 times a power of ten) between the value and its bound.
MONEY_STEPS = 50
Status = Literal["lowest_tier", "found", "none_found"]


@dataclass(frozen=True)
class Change:
    """One input changed: its value before and after, in plain words; ``consequence`` marks the instalment."""

    name: str
    before: Value
    after: Value
    text: str
    consequence: bool = False


@dataclass(frozen=True)
class Option:
    """A set of changes, the risk score (0 to 1) it gives when re-scored, and the tier that score falls in.

    ``size`` is the sum of the changes, each divided by its input's training spread (p01 to p99).
    """

    changes: tuple[Change, ...]
    risk_score: float
    tier: str
    size: float

    @property
    def inputs(self) -> tuple[str, ...]:
        """The actionable inputs this option changes (the instalment, a consequence, is not one of them)."""
        return tuple(change.name for change in self.changes if not change.consequence)

    @property
    def edits(self) -> dict[str, Value]:
        """Every changed input with its new value, instalment included: ``whatif.apply_edits(base, edits)``."""
        return {change.name: change.after for change in self.changes}

    @property
    def text(self) -> str:
        return "; ".join(change.text for change in self.changes)


@dataclass(frozen=True)
class CounterfactualResult:
    """Where a borrower stands, the tier to aim for (the next milder one) and up to a few ways to get there.

    ``status`` is "lowest_tier" (nothing to do), "found" or "none_found"; ``message`` says it in plain words.
    An option may reach a tier milder than ``target_tier``; its own ``tier`` says which.
    """

    method: Method
    thresholds: Thresholds
    risk_score: float
    tier: str
    target_tier: str | None
    status: Status
    message: str
    options: tuple[Option, ...]

    def to_dict(self) -> dict[str, object]:
        """Every field as plain JSON types (``--json``); each option also has its ``text``, ``inputs``, ``edits``."""
        data = asdict(self)
        data["options"] = [{**fields, "text": option.text, "inputs": list(option.inputs), "edits": option.edits}
                           for option, fields in zip(self.options, data["options"])]
        return {**data, "actionable_inputs": list(ACTIONABLE_INPUTS)}


@dataclass(frozen=True)
class _Search:
    """What every step of one search needs; ``ladders`` hold each input's values, smallest change first."""

    bundle: ModelBundle
    base: dict[str, Value]
    method: Method
    thresholds: Thresholds
    profile: Mapping
    target_rank: int
    ladders: dict[str, np.ndarray]


def find_counterfactuals(bundle: ModelBundle, inputs: Mapping[str, Value], method: Method,
                         thresholds: Thresholds, profile: Mapping, max_options: int = 3) -> CounterfactualResult:
    """Up to ``max_options`` smallest changes to actionable inputs that move a borrower to a milder strategy.

    Parameters
    ----------
    bundle : ModelBundle
        The trained models.
    inputs : mapping
        Every name of ``schema.MODEL_FEATURES`` with a value (``whatif.baseline_inputs(...).inputs``).
    method : {"outcome", "study"}
        Risk method to score with.
    thresholds : Thresholds
        Strategy cut-offs on the risk score.
    profile : mapping
        The training profile, ``bundle.manifest["profile"]``: ranges and spreads of each input.
    max_options : int, default 3
        At most this many options, each changing a different set of inputs.

    Returns
    -------
    CounterfactualResult
        Options ordered by (number of inputs changed, total normalised size); none if the borrower is in the
        mildest tier already or if no change within the training ranges reaches a milder tier.

    Raises
    ------
    ConfigError
        If an input is missing or not a finite number, ``method`` is unknown or ``max_options`` < 1.
    """
    base = _check_arguments(inputs, method, max_options)
    current = score_scenario(bundle, base, method, thresholds)
    risk, tier = float(current["Risk_Score"]), str(current["Recovery_Strategy"])
    rank = STRATEGIES.index(tier)
    if rank == 0:
        return CounterfactualResult(method, thresholds, risk, tier, None, "lowest_tier",
                                    f"Risk score {format_score(risk)} is already in the mildest tier ({tier}): "
                                    "nothing to do.", ())
    ladders = {name: _ladder(name, base[name], profile) for name in ACTIONABLE_INPUTS}
    search = _Search(bundle, base, method, thresholds, profile, rank - 1, ladders)
    options = _search_options(search, max_options)
    target = STRATEGIES[rank - 1]
    return CounterfactualResult(method, thresholds, risk, tier, target, "found" if options else "none_found",
                                _message(risk, tier, target, options), options)


def _check_arguments(inputs: Mapping[str, Value], method: str, max_options: int) -> dict[str, Value]:
    missing = [name for name in MODEL_FEATURES if name not in inputs]
    if missing:
        raise ConfigError(f"counterfactual inputs lack {', '.join(missing)}; "
                          f"expected all {len(MODEL_FEATURES)} model inputs")
    base = {name: value.item() if isinstance(value, np.generic) else value
            for name, value in ((name, inputs[name]) for name in MODEL_FEATURES)}
    for name in NUMERIC_MODEL_FEATURES:
        value = base[name]
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ConfigError(f"{name}={value!r} should be a finite number")
    if method not in METHODS:
        raise ConfigError(f"method={method!r} should be one of {', '.join(METHODS)}")
    if isinstance(max_options, bool) or not isinstance(max_options, int) or max_options < 1:
        raise ConfigError(f"max_options={max_options!r} should be a whole number >= 1")
    return base


def _search_options(search: _Search, max_options: int) -> tuple[Option, ...]:
    """Options by rising number of inputs; a level is searched only while too few options are known."""
    options: list[Option] = []
    usable = [name for name in ACTIONABLE_INPUTS if len(search.ladders[name])]
    for size in range(1, MAX_INPUTS_CHANGED + 1):
        known = [set(option.inputs) for option in options]
        sets = [names for names in itertools.combinations(usable, size)
                if not any(working <= set(names) for working in known)]
        found = _best_per_set(search, sets, GRID_LEVELS[size])
        if size > 1:
            found = _refine(search, found)
        for names, values in sorted(found, key=lambda item: _sizes(search, *item)):
            option = _verified_option(search, names, values) if len(options) < max_options else None
            options += [option] if option else []
        if len(options) >= max_options:
            break
    return tuple(sorted(options, key=lambda option: (len(option.inputs), option.size)))


def _ladder(name: str, value: Value, profile: Mapping) -> np.ndarray:
    """Values ``name`` may take in its remedy direction within the training range, smallest change first."""
    direction, numeric = ACTIONABLE_INPUTS[name], profile["numeric"][name]
    low, high = numeric["min"], numeric["max"]
    if numeric["integer"]:
        values = np.arange(math.ceil(value) - 1, low - 1, -1.0) if direction < 0 \
            else np.arange(math.floor(value) + 1, high + 1, 1.0)
    else:
        limit = low if direction < 0 else high
        distance = direction * (limit - value)
        if distance <= 0:
            return np.empty(0)
        step = _round_step(distance / MONEY_STEPS)
        values = np.round(value + direction * step * np.arange(1, math.floor(distance / step) + 1), 2)
        if not len(values) or values[-1] != limit:
            values = np.append(values, limit)
    return values[(values >= low) & (values <= high)]


def _round_step(target: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``target`` (a cent at the least)."""
    if target < 0.01:
        return 0.01
    power = 10.0 ** math.floor(math.log10(target))
    return max(multiple * power for multiple in (1, 2, 5) if multiple * power <= target)


def _spread(profile: Mapping, name: str) -> float:
    """The training spread of an input (p01 to p99; the full range, or 1, if that is empty)."""
    numeric = profile["numeric"][name]
    return next((width for width in (numeric["p99"] - numeric["p01"], numeric["max"] - numeric["min"])
                 if width > 0), 1.0)


def _sizes(search: _Search, names: tuple[str, ...], matrix: np.ndarray) -> np.ndarray:
    """Total normalised change per row of ``matrix`` (one column per name; a 1-D row gives a 0-D array)."""
    return sum(np.abs(matrix[..., j] - float(search.base[name])) / _spread(search.profile, name)
               for j, name in enumerate(names))


def _grid(ladders: list[np.ndarray], levels: int | None) -> np.ndarray:
    """Every combination of (up to ``levels`` evenly spread) ladder values, one row each."""
    axes = [ladder if levels is None or len(ladder) <= levels
            else ladder[np.unique(np.round(np.linspace(0, len(ladder) - 1, levels)).astype(int))]
            for ladder in ladders]
    return np.column_stack([axis.ravel() for axis in np.meshgrid(*axes, indexing="ij")])


def _best_per_set(search: _Search, sets: list[tuple[str, ...]],
                  levels: int | None) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """For each set of inputs, the grid row with the smallest total change that reaches the target tier."""
    blocks = [(names, _grid([search.ladders[name] for name in names], levels)) for names in sets]
    found = []
    for (names, matrix), reached in zip(blocks, _reached(search, blocks)):
        if reached.any():
            sizes = np.where(reached, _sizes(search, names, matrix), np.inf)
            found.append((names, matrix[int(np.argmin(sizes))]))
    return found


def _refine(search: _Search, found: list[tuple[tuple[str, ...], np.ndarray]]
            ) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Bring each input of each option, in turn, down to the smallest ladder value that still works."""
    found = [(names, values.copy()) for names, values in found]
    for position in range(MAX_INPUTS_CHANGED):
        blocks = [(names, _finer_rows(search, names, values, position)) for names, values in found]
        for (_, rows), reached, (_, values) in zip(blocks, _reached(search, blocks), found):
            if reached.any():  # ladders run smallest change first, so the first row that works is the smallest
                values[position] = rows[int(np.argmax(reached)), position]
    return found


def _finer_rows(search: _Search, names: tuple[str, ...], values: np.ndarray, position: int) -> np.ndarray:
    """Copies of ``values`` with the input at ``position`` set to each smaller step of its ladder."""
    if position >= len(names):
        return np.empty((0, len(names)))
    name, own = names[position], float(search.base[names[position]])
    ladder = search.ladders[name]
    rows = np.repeat(values[None, :], int(np.sum(np.abs(ladder - own) < abs(values[position] - own))), axis=0)
    rows[:, position] = ladder[:len(rows)]
    return rows


def _reached(search: _Search, blocks: list[tuple[tuple[str, ...], np.ndarray]]) -> list[np.ndarray]:
    """Per block, whether each row (base inputs with the block's columns replaced) reaches the target tier."""
    lengths = [len(matrix) for _, matrix in blocks]
    total = sum(lengths)
    if total == 0:
        return [np.zeros(0, dtype=bool) for _ in blocks]
    columns = {name: np.full(total, float(search.base[name])) for name in ACTIONABLE_INPUTS}
    for (names, matrix), start in zip(blocks, np.cumsum([0, *lengths[:-1]])):
        for j, name in enumerate(names):
            columns[name][start:start + len(matrix)] = matrix[:, j]
    emi = _emi_column(search.base, columns)
    frame = pd.DataFrame({name: np.full(total, search.base[name], dtype=object if name in
                                        CATEGORICAL_MODEL_FEATURES else float) for name in MODEL_FEATURES})
    for name, values in (*columns.items(), (EMI, emi)):
        frame[name] = values
    ranks = assign_actions(score_rows(search.bundle, frame, search.method)[RISK_COLUMN].to_numpy(), search.thresholds)
    numeric, own = search.profile["numeric"][EMI], float(search.base[EMI])
    # The instalment is a consequence: a candidate whose instalment leaves the training range is out.
    in_range = (emi >= min(numeric["min"], own)) & (emi <= max(numeric["max"], own))
    reached = (ranks <= search.target_rank) & in_range
    return np.split(reached, np.cumsum(lengths)[:-1])


def _emi_column(base: Mapping[str, Value], columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """The instalment per candidate row: recomputed where the outstanding amount or tenure moved, else kept."""
    moved = np.logical_or.reduce([columns[name] != float(base[name]) for name in EMI_DRIVERS])
    recomputed = consequent_emi(base, columns["Outstanding_Loan_Amount"], columns["Loan_Tenure"])
    return np.where(moved, recomputed, float(base[EMI]))


def consequent_emi(inputs: Mapping[str, Value], outstanding: np.ndarray | float,
                   tenure: np.ndarray | float) -> np.ndarray:
    """The monthly instalment (currency) after the outstanding amount and tenure (months) change.

    ``inputs`` holds the borrower's own Monthly_EMI, Outstanding_Loan_Amount, Loan_Tenure and Interest_Rate
    (percent per year); the rule is in the module docstring. Returns an array shaped like ``outstanding``.
    """
    outstanding, tenure = np.asarray(outstanding, dtype=float), np.asarray(tenure, dtype=float)
    base_outstanding = float(inputs["Outstanding_Loan_Amount"])
    share = outstanding / base_outstanding if base_outstanding > 0 else np.ones_like(outstanding)
    factor = _annuity_factor(float(inputs["Interest_Rate"]), tenure) \
        / _annuity_factor(float(inputs["Interest_Rate"]), np.asarray(float(inputs["Loan_Tenure"])))
    return np.round(float(inputs[EMI]) * share * factor, 2)


def _annuity_factor(rate_percent: float, months: np.ndarray) -> np.ndarray:
    """Instalment per unit of balance repaid over ``months`` at an annual rate in percent."""
    monthly = rate_percent / 1200.0
    if monthly == 0:
        return 1.0 / months
    return monthly / (1.0 - (1.0 + monthly) ** -months)


def _verified_option(search: _Search, names: tuple[str, ...], values: np.ndarray) -> Option | None:
    """The option, re-scored alone the way ``slrs score`` scores a row; None unless it lands in a milder tier."""
    edited = dict(search.base)
    for name, value in zip(names, values):
        edited[name] = int(np.rint(value)) if search.profile["numeric"][name]["integer"] else float(value)
    if any(name in names for name in EMI_DRIVERS):
        edited[EMI] = float(consequent_emi(search.base, edited["Outstanding_Loan_Amount"], edited["Loan_Tenure"]))
    scored = score_scenario(search.bundle, edited, search.method, search.thresholds)
    tier = str(scored["Recovery_Strategy"])
    if STRATEGIES.index(tier) > search.target_rank:
        return None
    changes = [_change(name, search.base[name], edited[name]) for name in ACTIONABLE_INPUTS if name in names]
    if edited[EMI] != search.base[EMI]:
        changes.append(_change(EMI, search.base[EMI], edited[EMI]))
    return Option(tuple(changes), float(scored["Risk_Score"]), tier, float(_sizes(search, names, values)))


def _money(amount: float) -> str:
    return format_amount(amount)


def _change(name: str, before: Value, after: Value) -> Change:
    """A change in plain words, e.g. "Cure 4 missed payments (6 -> 2)"."""
    delta = abs(after - before)
    texts = {
        "Num_Missed_Payments": f"Cure {delta:g} missed payment{'s' * (delta != 1)} ({before:g} -> {after:g})",
        "Days_Past_Due": f"Bring days past due down by {delta:g} ({before:g} -> {after:g} days)",
        "Outstanding_Loan_Amount": f"Part payment of {_money(delta)} "
                                   f"(outstanding {_money(before)} -> {_money(after)})",
        "Collateral_Value": f"Add collateral worth {_money(delta)} (collateral {_money(before)} -> {_money(after)})",
        "Loan_Tenure": f"Extend the tenure by {delta:g} month{'s' * (delta != 1)} ({before:g} -> {after:g} months)",
        EMI: f"Monthly instalment becomes {_money(after)} (was {_money(before)}), following the new balance "
             "and tenure",
    }
    return Change(name, before, after, texts[name], consequence=name == EMI)


def _message(risk: float, tier: str, target: str, options: tuple[Option, ...]) -> str:
    where = f"this borrower (risk score {format_score(risk)}, {tier})"
    if not options:
        inputs = ", ".join(input_label(name).lower() for name in ACTIONABLE_INPUTS)
        return (f"No option found: no change of up to {MAX_INPUTS_CHANGED} of {inputs} "
                f"within the ranges seen in training moves {where} to a milder tier.")
    count = f"{len(options)} option{'s' * (len(options) != 1)}"
    return f"{count} would move {where} to {target} or milder; each was checked by re-scoring it."
