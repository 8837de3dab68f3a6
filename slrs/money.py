"""Deciding with money: what each action costs, what it is expected to bring back, and the best thresholds.

The bank's assumptions are data (``Assumptions``): for each of the three actions, a cost per account
(currency), the expected recovered share of the outstanding amount in each risk band under that action, and
an optional capacity (at most that many accounts get the action). The model only says how risky a borrower
is; how much an action recovers from a borrower of that risk is the bank's own experience, so it is an
assumption the user can see and change, never something SLRS pretends to have learnt.

For one borrower under action ``a``: expected recovered = outstanding x share(a, risk band); net recovery =
expected recovered - cost(a). A plan assigns actions by the two thresholds; with a capacity, the assigned
accounts with the highest marginal value (net under the action minus net under the next milder action) keep
it and the rest fall back to the next milder action. Reminders, the fallback of last resort, have no capacity.

The defaults below are plausible round numbers for a retail lender, not measured values: reminders are almost
free and work on borrowers who would pay anyway; a settlement gives up part of the balance (lower shares in
the low bands) but recovers more from stressed borrowers; legal action is expensive and damages cooperative
relationships, but recovers most from the riskiest accounts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from slrs.exceptions import ConfigError
from slrs.limits import quote
from slrs.schema import (
    COST_COLUMN,
    NET_COLUMN,
    PLAN_AMOUNT_COLUMNS,
    RECOVERED_COLUMN,
    STRATEGY_COLUMN,
)
from slrs.strategy import (
    NOT_SCORED,
    STRATEGIES,
    Thresholds,
    assign_actions,
    strategy_labels,
)
from slrs.text import take_labels

Action = Literal["reminders", "settlement", "legal"]
ACTIONS: tuple[Action, ...] = ("reminders", "settlement", "legal")  # mildest first, as ``STRATEGIES``
STRATEGY_OF: dict[Action, str] = dict(zip(ACTIONS, STRATEGIES, strict=True))
# Risk-score band edges: band 0 is below 0.25, band 3 is 0.75 and above.
BAND_EDGES = (0.25, 0.50, 0.75)
# Bounds that keep every amount and count representable (and far beyond any real book).
MAX_COST = 1e12  # currency per account
MAX_CAPACITY = 1_000_000_000  # accounts
BANDS = ("Low (below 0.25)", "Moderate (0.25 to 0.50)", "High (0.50 to 0.75)", "Very high (0.75 and above)")


def is_number(value: object) -> bool:
    """A real, finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class ActionTerms:
    """Cost and effect of one action.

    Attributes
    ----------
    cost : float
        Cost per account, currency (0 or more).
    shares : tuple of 4 floats
        Expected recovered share of the outstanding amount (0 to 1) in each risk band of ``BANDS``.
    capacity : int or None
        At most this many accounts get the action; None: no limit.
    """

    cost: float
    shares: tuple[float, float, float, float]
    capacity: int | None = None

    def __post_init__(self) -> None:
        if not is_number(self.cost) or not 0 <= self.cost <= MAX_COST:
            raise ConfigError(f"cost {quote(self.cost)} should be an amount from 0 to {MAX_COST:,.0f}")
        if isinstance(self.shares, (list, tuple)):  # a list would make the frozen terms unhashable
            object.__setattr__(self, "shares", tuple(self.shares))
        if not isinstance(self.shares, tuple) or len(self.shares) != len(BANDS) or \
                not all(is_number(s) and 0 <= s <= 1 for s in self.shares):
            raise ConfigError(f"recovered shares {quote(self.shares)} should be {len(BANDS)} numbers from 0 to 1, "
                              "one per risk band")
        if self.capacity is not None and (not isinstance(self.capacity, int) or isinstance(self.capacity, bool)
                                          or not 0 <= self.capacity <= MAX_CAPACITY):
            raise ConfigError(f"capacity {quote(self.capacity)} should be a whole number from 0 to {MAX_CAPACITY:,}, "
                              "or empty for no limit")


@dataclass(frozen=True)
class Assumptions:
    """The cost and effect of each action (see the module docstring for the defaults' reasoning)."""

    reminders: ActionTerms = ActionTerms(25.0, (0.97, 0.85, 0.55, 0.25))
    settlement: ActionTerms = ActionTerms(800.0, (0.93, 0.84, 0.68, 0.45))
    legal: ActionTerms = ActionTerms(6000.0, (0.88, 0.80, 0.66, 0.52))

    def __post_init__(self) -> None:
        if self.reminders.capacity is not None:
            raise ConfigError(f"reminders capacity {self.reminders.capacity} should be empty: reminders are the "
                              "action every account falls back to, so they cannot be limited")

    def terms(self, action: Action) -> ActionTerms:
        return getattr(self, action)

    @property
    def has_capacities(self) -> bool:
        """Whether any action is limited: then a plan depends on the whole portfolio, not on each row alone."""
        return any(self.terms(action).capacity is not None for action in ACTIONS)


DEFAULT_ASSUMPTIONS = Assumptions()



# --- assumptions as plain data: a dict (JSON/YAML) and a table (the app's editor) -----------------------------

def assumptions_to_dict(assumptions: Assumptions) -> dict:
    """``{"reminders": {"cost": .., "shares": [..4], "capacity": None}, ...}``, JSON-ready."""
    return {action: {"cost": terms.cost, "shares": list(terms.shares), "capacity": terms.capacity}
            for action in ACTIONS for terms in [assumptions.terms(action)]}


TERM_FIELDS = ("cost", "shares", "capacity")
NO_LIMIT = "none"  # how a file or a link writes "no capacity limit"


def read_assumptions(data: object, problems: list[str], place: str = "assumptions") -> Assumptions:
    """Assumptions from plain data (JSON, YAML, a table's rows), adding one line to ``problems`` per bad part.

    Missing actions and fields keep their defaults; with any problem the defaults are returned.
    """
    if not isinstance(data, Mapping):
        problems.append(f"{place}: should be a mapping of the actions {', '.join(ACTIONS)}, found {describe_kind(data)}")
        return DEFAULT_ASSUMPTIONS
    problems += [f"{place}: unknown action {quote(name)}; expected {', '.join(ACTIONS)}" for name in data if name not in ACTIONS]
    terms, first_problem = {}, len(problems)
    for action in ACTIONS:
        given = data.get(action, {})
        if not isinstance(given, Mapping):
            problems.append(f"{place}.{action}: should be a mapping with {', '.join(TERM_FIELDS)}, "
                            f"found {describe_kind(given)}")
            continue
        problems += [f"{place}.{action}: unknown field {quote(key)}; expected {', '.join(TERM_FIELDS)}"
                     for key in given if key not in TERM_FIELDS]
        terms[action] = DEFAULT_ASSUMPTIONS.terms(action)
        for field in [field for field in TERM_FIELDS if field in given]:
            try:
                terms[action] = replace(terms[action], **{field: read_term_field(field, given[field])})
            except ConfigError as error:
                problems.append(f"{place}.{action}.{field}: {error}")
    try:
        assumptions = Assumptions(**terms)
    except ConfigError as error:
        problems.append(f"{place}: {error}")
        return DEFAULT_ASSUMPTIONS
    return assumptions if len(problems) == first_problem else DEFAULT_ASSUMPTIONS


def read_term_field(field: str, value: object) -> object:
    """One field of ``ActionTerms`` from plain data: numeric text becomes a number, an empty capacity None."""
    if field == "shares":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"recovered shares {quote(value)} should be a list of {len(BANDS)} numbers from 0 to 1, "
                              "one per risk band")
        return tuple(read_number(share) for share in value)
    if field == "capacity":
        return _read_capacity(value)
    return read_number(value)


def read_number(value: object) -> object:
    """Numbers and numeric text (``"1,200"``; YAML reads ``1e5`` as text) become floats; anything else is
    returned as it is, for the validator to name."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return value
    return value


def _read_capacity(value: object) -> object:
    """Empty (None, "", "none", NaN: an empty table cell) means no limit; a whole float such as 200.0 is 200."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", NO_LIMIT)):
        return None
    number = read_number(value)
    if isinstance(number, float) and (math.isnan(number) or number.is_integer()):
        return None if math.isnan(number) else int(number)
    return number


def describe_kind(value: object) -> str:
    """A value's type and text for a message ("nothing" for None), at most 80 characters."""
    return "nothing" if value is None else f"{type(value).__name__} {quote(value)}"[:80]


TABLE_COLUMNS = ("Action", "Cost_per_account", *(f"Share_{band.split(' (')[0].replace(' ', '_')}" for band in BANDS),
                 "Capacity")


def assumptions_table(assumptions: Assumptions) -> pd.DataFrame:
    """One row per action (mildest first): cost, the four recovered shares and the capacity (empty: no limit)."""
    rows = [[STRATEGY_OF[action], terms.cost, *terms.shares, terms.capacity]
            for action in ACTIONS for terms in [assumptions.terms(action)]]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table["Capacity"] = table["Capacity"].astype("Int64")
    return table


def assumptions_from_table(table: pd.DataFrame) -> Assumptions:
    """Read an edited ``assumptions_table``; raise ``ConfigError`` naming each bad cell and what is expected."""
    # The rows are read by position, so their order is checked too (a sorted table would swap actions).
    if list(table.columns) != list(TABLE_COLUMNS) or table["Action"].tolist() != list(STRATEGIES):
        raise ConfigError(f"the assumptions table should have the rows {list(STRATEGIES)} and the columns "
                          f"{list(TABLE_COLUMNS)}")
    data = {}
    for action, (_, row) in zip(ACTIONS, table.iterrows(), strict=True):
        capacity = row["Capacity"]
        data[action] = {"cost": _cell(row["Cost_per_account"]), "shares": [_cell(row[c]) for c in TABLE_COLUMNS[2:6]],
                        "capacity": None if pd.isna(capacity) else _cell(capacity)}
    problems: list[str] = []
    assumptions = read_assumptions(data, problems, place="table")
    if problems:
        raise ConfigError("; ".join(_table_place(problem) for problem in problems))
    return assumptions


TABLE_FIELD_WORDS = {"cost": "cost per account", "shares": "recovered shares", "capacity": "capacity"}


def _table_place(problem: str) -> str:
    """``table.legal.cost: ...`` in the words of the table: ``Immediate legal notices ..., cost per account: ...``."""
    place, _, text = problem.partition(": ")
    parts = place.split(".")[1:]
    if not parts:
        return text
    words = STRATEGY_OF.get(parts[0], parts[0])
    return f"{words}, {TABLE_FIELD_WORDS[parts[1]]}: {text}" if len(parts) > 1 else f"{words}: {text}"


def _cell(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else \
        value.item() if isinstance(value, np.generic) else value


# --- plans: who gets which action, and what it is worth ------------------------------------------------------

def risk_bands(risk: np.ndarray) -> np.ndarray:
    """Band number (0 to 3, see ``BANDS``) per risk score; -1 where the score is missing."""
    risk = np.asarray(risk, dtype=float)
    return np.where(np.isnan(risk), -1, np.searchsorted(BAND_EDGES, risk, side="right"))


def action_values(risk: np.ndarray, outstanding: np.ndarray, assumptions: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """Expected recovered amount and cost (currency) of every row under every action.

    Returns two arrays of shape (n, 3), actions mildest first; rows with a missing score get NaN.
    """
    bands = risk_bands(risk)
    shares = np.array([assumptions.terms(a).shares for a in ACTIONS]).T  # (4 bands, 3 actions)
    costs = np.array([assumptions.terms(a).cost for a in ACTIONS])
    scored = bands >= 0
    recovered = np.full((len(bands), len(ACTIONS)), np.nan)
    recovered[scored] = np.asarray(outstanding, dtype=float)[scored, None] * shares[bands[scored]]
    cost = np.where(scored[:, None], costs[None, :], np.nan)
    return recovered, cost


def apply_capacity(actions: np.ndarray, net: np.ndarray, assumptions: Assumptions) -> np.ndarray:
    """Actions after capacities: the highest-value accounts keep a scarce action, the rest fall back one step.

    Legal is limited first, so accounts it cannot take compete for settlement with those assigned it.
    ``net`` is (n, 3), net recovery under each action. Ties keep the earlier row (a stable order).
    """
    actions = actions.copy()
    for level in (2, 1):
        capacity = assumptions.terms(ACTIONS[level]).capacity
        chosen = np.flatnonzero(actions == level)
        if capacity is None or len(chosen) <= capacity:
            continue
        marginal = net[chosen, level] - net[chosen, level - 1]
        ranked = chosen[np.argsort(-marginal, kind="stable")]
        actions[ranked[capacity:]] = level - 1
    return actions


def capacity_actions(risk: np.ndarray, outstanding: np.ndarray, thresholds: Thresholds,
                     assumptions: Assumptions) -> np.ndarray:
    """Every row's action (``ACTIONS`` level, -1 unscored) after the thresholds, then the capacities."""
    recovered, cost = action_values(risk, outstanding, assumptions)
    return apply_capacity(assign_actions(risk, thresholds), recovered - cost, assumptions)


PLAN_COLUMNS = (STRATEGY_COLUMN, "Risk_Band", "Outstanding", COST_COLUMN, RECOVERED_COLUMN, NET_COLUMN,
                "Capacity_Fallback")


def plan_actions(risk: np.ndarray, outstanding: np.ndarray, thresholds: Thresholds,
                 assumptions: Assumptions = DEFAULT_ASSUMPTIONS, index: pd.Index | None = None,
                 actions: np.ndarray | None = None) -> pd.DataFrame:
    """The plan for each row: strategy (after capacities), risk band, cost, expected recovered and net (currency).

    ``Capacity_Fallback`` is True where a capacity moved the row to a milder action than its thresholds gave.
    Rows without a score get ``NOT_SCORED`` and empty amounts; they count in no total. ``actions`` are these
    rows' ``capacity_actions`` when they were ranked with others (a book planned in partitions).
    """
    recovered, cost = action_values(risk, outstanding, assumptions)
    by_thresholds = assign_actions(risk, thresholds)
    actions = apply_capacity(by_thresholds, recovered - cost, assumptions) if actions is None else actions
    rows, scored = np.arange(len(actions)), actions >= 0
    pick = np.where(scored, actions, 0)
    bands = risk_bands(risk)
    plan = pd.DataFrame({
        STRATEGY_COLUMN: strategy_labels(actions),
        "Risk_Band": take_labels([*BANDS, NOT_SCORED], np.where(bands >= 0, bands, len(BANDS))),
        "Outstanding": np.asarray(outstanding, dtype=float),
        COST_COLUMN: np.where(scored, cost[rows, pick], np.nan),
        RECOVERED_COLUMN: np.where(scored, recovered[rows, pick], np.nan),
    }, index=index)
    plan[NET_COLUMN] = plan[RECOVERED_COLUMN] - plan[COST_COLUMN]
    plan["Capacity_Fallback"] = actions != by_thresholds
    return plan


def plan_view(view: pd.DataFrame, thresholds: Thresholds, assumptions: Assumptions,
              actions: np.ndarray | None = None) -> pd.DataFrame:
    """``plan_actions`` of a scored view (its Risk_Score and Outstanding_Loan_Amount), with the view's index."""
    return plan_actions(view["Risk_Score"].to_numpy(dtype=float), view["Outstanding_Loan_Amount"].to_numpy(dtype=float),
                        thresholds, assumptions, index=view.index, actions=actions)


MONEY_MEASURES = ("Borrowers", *PLAN_AMOUNT_COLUMNS)


SUMMARY_TOTAL = "Total"


def plan_summary(plan: pd.DataFrame) -> pd.DataFrame:
    """Per strategy, mildest first, then a Total row: borrowers, their share of all borrowers, outstanding, cost,
    expected recovered and net recovery (currency), and the accounts a capacity moved.

    Rows that could not be scored form their own row (no money) and count in the Total's borrowers only.
    """
    order = [*STRATEGIES, NOT_SCORED]
    table = plan.groupby("Recovery_Strategy").agg(
        Borrowers=("Action_Cost", "size"), Outstanding=("Outstanding", "sum"), Action_Cost=("Action_Cost", "sum"),
        Expected_Recovered=("Expected_Recovered", "sum"), Expected_Net_Recovery=("Expected_Net_Recovery", "sum"),
        Capacity_Fallbacks=("Capacity_Fallback", "sum"))
    table = table.reindex([s for s in order if s in table.index or s in STRATEGIES], fill_value=0)
    table.loc[SUMMARY_TOTAL] = table.sum()
    table.insert(1, "Share_of_Borrowers", table["Borrowers"] / max(1, len(plan)))
    return table.rename_axis("Strategy").reset_index()


def plan_totals(plan: pd.DataFrame) -> dict[str, float]:
    """Portfolio totals (currency) of a plan, and the number of accounts per action."""
    totals = {measure: float(plan[measure].sum()) for measure in MONEY_MEASURES[1:]}
    counts = plan["Recovery_Strategy"].value_counts()
    return {**totals, **{f"{action}_accounts": int(counts.get(STRATEGY_OF[action], 0)) for action in ACTIONS},
            "capacity_fallbacks": int(plan["Capacity_Fallback"].sum())}


# --- threshold sweep and efficient frontier ------------------------------------------------------------------

SWEEP_STEP = 0.05
# A finer grid adds nothing a committee can act on and grows with 1 / step squared.
MIN_SWEEP_STEP = 0.01


def threshold_grid(step: float = SWEEP_STEP) -> list[Thresholds]:
    """Every valid (low, high) pair on a grid of ``step`` from ``step`` to 1 - ``step`` (low < high)."""
    if not is_number(step) or not MIN_SWEEP_STEP <= step <= 0.5:
        raise ConfigError(f"sweep step {quote(step)} should be from {MIN_SWEEP_STEP:g} to 0.5 (a step of "
                          f"{MIN_SWEEP_STEP:g} already gives {len(np.arange(99)) * 98 // 2:,} pairs)")
    values = np.round(np.arange(step, 1 - step / 2, step), 10)
    grid = [Thresholds(float(low), float(high)) for low in values for high in values if low < high]
    if not grid:  # a step of 0.4 or more leaves a single value between 0 and 1
        raise ConfigError(f"sweep step {quote(step)} gives no (low, high) pair; expected a step below 0.4")
    return grid


def sweep_thresholds(risk: np.ndarray, outstanding: np.ndarray, assumptions: Assumptions,
                     grid: list[Thresholds]) -> pd.DataFrame:
    """Portfolio totals of the plan at every grid point: Low, High, cost, recovered, net, accounts per action.

    The scores are computed once; each point only re-assigns actions (and capacities) over them.
    """
    risk = np.asarray(risk, dtype=float)
    scored = ~np.isnan(risk)
    risk = risk[scored]
    recovered, cost = action_values(risk, np.asarray(outstanding, dtype=float)[scored], assumptions)
    net = recovered - cost
    rows = np.arange(len(risk))
    records = []
    for thresholds in grid:
        actions = apply_capacity(assign_actions(risk, thresholds), net, assumptions)
        counts = np.bincount(actions, minlength=len(ACTIONS))
        records.append((thresholds.low, thresholds.high, cost[rows, actions].sum(), recovered[rows, actions].sum(),
                        net[rows, actions].sum(), *counts))
    columns = ["Low", "High", *PLAN_AMOUNT_COLUMNS,
               *(f"{action.capitalize()}_Accounts" for action in ACTIONS)]
    return pd.DataFrame.from_records(records, columns=columns)


def best_thresholds(sweep: pd.DataFrame) -> Thresholds:
    """The grid point with the highest net recovery (ties: fewer legal cases, then the lower thresholds)."""
    if sweep.empty:
        raise ConfigError("the sweep has no grid points; expected at least one (low, high) pair")
    best = sweep.sort_values(["Expected_Net_Recovery", "Legal_Accounts", "Low", "High"],
                             ascending=[False, True, True, True], kind="stable").iloc[0]
    return Thresholds(float(best["Low"]), float(best["High"]))


def efficient_frontier(sweep: pd.DataFrame) -> pd.DataFrame:
    """The grid points no other point beats: none has as few legal cases or fewer and a higher net recovery.

    Sorted by the number of legal cases; net recovery rises along it.
    """
    ordered = sweep.sort_values(["Legal_Accounts", "Expected_Net_Recovery"], ascending=[True, False], kind="stable")
    best_so_far = ordered["Expected_Net_Recovery"].cummax().shift(fill_value=-np.inf)
    return ordered[ordered["Expected_Net_Recovery"] > best_so_far].reset_index(drop=True)
