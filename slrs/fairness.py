"""Fairness of actions: how often each group of borrowers gets each recommended action, against everyone.

Pure: a scored view (``slrs.portfolio.build_view``) and its recommended strategies in, tables out.

**Groups.** Borrowers are grouped by three attributes in turn: Gender, an age band made from Age (years;
``AGE_BANDS``) and Employment_Type. A missing or unrecognised value (the row's ``Data_Issues`` says which)
forms its own group, "Not given". Only scored rows count: rows whose strategy is ``NOT_SCORED`` are left out
of every rate and counted separately per group (``Not_Scored``).

**The limit: the four-fifths rule, read both ways.** The classic four-fifths rule of employment law flags a
group whose selection rate is below 4/5 of the highest group's. Here every action is compared with the
*overall* rate of that action among all scored borrowers, in both directions: a group's rate below
``low_ratio`` = 0.8 times the overall rate is flagged "Less often", above ``high_ratio`` = 1.25 (= 1 / 0.8)
times it "More often". A ratio exactly at a limit is not flagged (ratios are compared after rounding to
``RATIO_DECIMALS`` places, so floating-point noise cannot push 4/5 over the edge). The direction that harms
the group is called *adverse*: getting the harshest action (legal) more often, or the mildest (automated
reminders) less often. Settlement sits in between; its flags are shown but called neither. A group with
fewer than ``min_group`` = 30 scored borrowers is "Too few to judge": its rates move too much by chance.
When nobody at all gets an action, every group's rate of it is 0 too: the ratio is left empty, no flag.

A flag is a reason to look, not a finding of unfairness: it says the recommended actions differ by group
more than the limit allows, not why. The ratio of an action few borrowers get (a handful per group) moves a
lot by chance, which is why ``Count`` is kept next to every rate.

**What the model sees.** Gender is never a model input: it is in ``slrs.schema.NEVER_IN_MODEL`` and not in
``MODEL_FEATURES``, and neither risk method reads it. Age and Employment_Type *are* inputs of the outcome
model (the study method reads Age, one of its ten segment features, but not Employment_Type), so differences
by age band or employment type can come straight from the model. Differences by Gender can still arise
through inputs that go with it (income, loan size, missed payments, ...); that is why they are measured and
shown rather than assumed away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from slrs.exceptions import ConfigError, DataValidationError
from slrs.schema import COLUMN_BY_NAME
from slrs.strategy import LEGAL, NOT_SCORED, REMINDERS, SETTLEMENT, STRATEGIES

AGE_BAND = "Age band"
ATTRIBUTES: tuple[str, ...] = ("Gender", AGE_BAND, "Employment_Type")
ATTRIBUTE_LABELS = {"Gender": "Gender", AGE_BAND: "Age band", "Employment_Type": "Employment type"}
# How a sentence names the attribute of the "Not given" group ("borrowers whose age is not given").
_ATTRIBUTE_NOUNS = {"Gender": "gender", AGE_BAND: "age", "Employment_Type": "employment type"}

# Age bands in years: (label, first age in the band, first age of the next band).
AGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("Under 30", -np.inf, 30), ("30-44", 30, 45), ("45-59", 45, 60), ("60 and over", 60, np.inf))
NOT_GIVEN = "Not given"

MORE_OFTEN, LESS_OFTEN, TOO_FEW, WITHIN = "More often", "Less often", "Too few to judge", "Within limits"
Flag = Literal["More often", "Less often", "Too few to judge", "Within limits"]
RATIO_DECIMALS = 9
ADVERSE_NOTE = "Adverse direction: this group is treated more harshly than borrowers overall."
ACTION_NAMES = {REMINDERS: "Automated reminders", SETTLEMENT: "Settlement offer", LEGAL: "Legal action"}

RATE_COLUMNS = ("Attribute", "Group", "Strategy", "Borrowers", "Not_Scored", "Count", "Rate", "Overall_Rate",
                "Ratio", "Flag", "Adverse")


@dataclass(frozen=True)
class FairnessLimits:
    """When a group's rate of an action is flagged, as a ratio to the overall rate of that action.

    Parameters
    ----------
    low_ratio : float
        Below this ratio (0 < low_ratio < 1) a group gets the action "Less often". Default 0.8 (four-fifths).
    high_ratio : float
        Above this ratio (> 1) a group gets the action "More often". Default 1.25 (= 1 / 0.8).
    min_group : int
        Groups with fewer scored borrowers than this (>= 1) are "Too few to judge". Default 30.
    """

    low_ratio: float = 0.8
    high_ratio: float = 1.25
    min_group: int = 30

    def __post_init__(self) -> None:
        for name in ("low_ratio", "high_ratio"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value):
                raise ConfigError(f"fairness limit {name}={value!r} should be a finite number")
        if not 0 < self.low_ratio < 1:
            raise ConfigError(f"fairness limit low_ratio={self.low_ratio:g} should be between 0 and 1 "
                              "(e.g. 0.8 for the four-fifths rule)")
        if not self.high_ratio > 1:
            raise ConfigError(f"fairness limit high_ratio={self.high_ratio:g} should be above 1 (e.g. 1.25)")
        if not isinstance(self.min_group, (int, np.integer)) or isinstance(self.min_group, bool) \
                or self.min_group < 1:
            raise ConfigError(f"fairness limit min_group={self.min_group!r} should be a whole number of "
                              "borrowers, at least 1")


DEFAULT_LIMITS = FairnessLimits()


def group_labels(view: pd.DataFrame, attribute: str) -> pd.Series:
    """The group of each row of ``view`` under ``attribute`` (one of ``ATTRIBUTES``), as ordered categories.

    Categories: the schema's allowed values (Gender, Employment_Type) or the ``AGE_BANDS`` labels (Age band,
    from Age in years), then ``NOT_GIVEN`` for missing or unrecognised values, or when the column is absent.
    """
    if attribute not in ATTRIBUTES:
        raise ConfigError(f"cannot compare groups by {attribute!r}; expected one of {', '.join(ATTRIBUTES)}")
    if attribute == AGE_BAND:
        labels = [label for label, _, _ in AGE_BANDS]
        edges = [AGE_BANDS[0][1], *(end for _, _, end in AGE_BANDS)]
        ages = pd.to_numeric(view["Age"], errors="coerce") if "Age" in view else pd.Series(np.nan, view.index)
        groups = pd.cut(ages.astype(float), bins=edges, labels=labels, right=False)
    else:
        labels = list(COLUMN_BY_NAME[attribute].allowed)
        values = view[attribute].astype(object) if attribute in view else pd.Series(np.nan, index=view.index)
        groups = pd.Categorical(values.where(values.isin(labels)), categories=labels)
    groups = pd.Categorical(groups, categories=[*labels, NOT_GIVEN], ordered=True)
    return pd.Series(groups, index=view.index, name=attribute).fillna(NOT_GIVEN)


def action_rates(view: pd.DataFrame, strategies: pd.Series, limits: FairnessLimits = DEFAULT_LIMITS,
                 attributes: tuple[str, ...] = ATTRIBUTES) -> pd.DataFrame:
    """Rate of each action per group of each attribute, its ratio to the overall rate, and the flag.

    Parameters
    ----------
    view : DataFrame
        A scored view; reads Age (years), Gender and Employment_Type where present.
    strategies : Series
        The recommended strategy of each row, same index as ``view`` (the plan's, ``slrs.pipeline.plan``).
    limits : FairnessLimits
        When a ratio is flagged and how small a group is too small to judge.
    attributes : tuple of str
        Which of ``ATTRIBUTES`` to group by, in output order.

    Returns
    -------
    DataFrame
        One row per (Attribute, Group, Strategy), groups in category order (only groups with rows), strategies
        mildest first: Borrowers (scored rows in the group), Not_Scored (its rows left out), Count (scored
        rows with the action), Rate = Count / Borrowers (0-1), Overall_Rate (0-1, all scored rows), Ratio =
        Rate / Overall_Rate, Flag (``Flag``) and Adverse (True when the flag's direction harms the group).
    """
    _check_strategies(view, strategies)
    scored = (strategies != NOT_SCORED).to_numpy()
    overall = strategies[scored].value_counts().reindex(STRATEGIES, fill_value=0) / max(1, int(scored.sum()))
    if not attributes:
        raise ConfigError(f"attributes=() names no attribute; expected some of {', '.join(ATTRIBUTES)}")
    table = pd.concat([_rates_by(attribute, group_labels(view, attribute), strategies)
                       for attribute in attributes], ignore_index=True)
    table["Rate"] = table["Count"] / table["Borrowers"].where(table["Borrowers"] > 0)
    table["Overall_Rate"] = table["Strategy"].map(overall).astype(float)
    table["Ratio"] = table["Rate"] / table["Overall_Rate"].where(table["Overall_Rate"] > 0)
    return _flag(table, limits)[list(RATE_COLUMNS)]


def _check_strategies(view: pd.DataFrame, strategies: pd.Series) -> None:
    problems = []
    if not strategies.index.equals(view.index):
        problems.append(f"they have {len(strategies):,} rows that do not line up with the portfolio's "
                        f"{len(view):,} rows (expected one per row, same index)")
    unknown = sorted(set(strategies.dropna().astype(str)) - {*STRATEGIES, NOT_SCORED})
    if unknown or strategies.isna().any():
        problems.append(f"found {', '.join(map(repr, unknown)) or 'missing values'}; expected only "
                        f"{', '.join(map(repr, [*STRATEGIES, NOT_SCORED]))}")
    if problems:
        raise DataValidationError(problems, source="the recommended actions")


def _rates_by(attribute: str, groups: pd.Series, strategies: pd.Series) -> pd.DataFrame:
    """Counts of one attribute: rows group x strategy (mildest first), Borrowers and Not_Scored per group."""
    counts = (pd.DataFrame({"Group": groups, "Strategy": strategies.astype(str)})
              .groupby(["Group", "Strategy"], observed=True).size().unstack(fill_value=0)
              .reindex(columns=[*STRATEGIES, NOT_SCORED], fill_value=0))
    actions = counts[list(STRATEGIES)].to_numpy(dtype="int64")
    n_actions = len(STRATEGIES)
    return pd.DataFrame({
        "Attribute": attribute,
        "Group": np.repeat(counts.index.astype(str).to_numpy(dtype=object), n_actions),
        "Strategy": np.tile(np.array(STRATEGIES, dtype=object), len(counts)),
        "Borrowers": np.repeat(actions.sum(axis=1), n_actions),
        "Not_Scored": np.repeat(counts[NOT_SCORED].to_numpy(dtype="int64"), n_actions),
        "Count": actions.ravel(),  # row-major: each group's actions in turn, as repeat/tile above
    })


def _flag(table: pd.DataFrame, limits: FairnessLimits) -> pd.DataFrame:
    ratio = table["Ratio"].round(RATIO_DECIMALS)
    flag = np.select([table["Borrowers"] < limits.min_group, ratio > limits.high_ratio, ratio < limits.low_ratio],
                     [TOO_FEW, MORE_OFTEN, LESS_OFTEN], default=WITHIN)
    harshest, mildest = STRATEGIES[-1], STRATEGIES[0]
    adverse = (((table["Strategy"] == harshest) & (flag == MORE_OFTEN))
               | ((table["Strategy"] == mildest) & (flag == LESS_OFTEN)))
    return table.assign(Flag=pd.Series(flag, index=table.index, dtype=object), Adverse=adverse.astype(bool))


def fairness_flags(rates: pd.DataFrame, limits: FairnessLimits = DEFAULT_LIMITS) -> pd.DataFrame:
    """The flagged rows of ``action_rates`` ("More often" / "Less often"), each with a plain sentence.

    Adverse flags come first, then the largest departures from the overall rate (by the size of the log of
    the ratio, so 0.5x and 2x weigh the same). Columns: Attribute, Group, Strategy, Rate, Overall_Rate,
    Ratio, Flag, Adverse, Sentence, e.g. "Legal action: Female borrowers 1.31x the overall rate (12.4% vs
    9.5%), above the 1.25x limit." followed, for an adverse flag, by ``ADVERSE_NOTE``.
    """
    flagged = rates[rates["Flag"].isin([MORE_OFTEN, LESS_OFTEN])]
    departure = np.abs(np.log(flagged["Ratio"].clip(lower=1e-12)))
    flagged = flagged.assign(_departure=departure).sort_values(["Adverse", "_departure"], ascending=False,
                                                              kind="stable")
    sentences = [_sentence(row, limits) for row in flagged.itertuples()]
    columns = ["Attribute", "Group", "Strategy", "Rate", "Overall_Rate", "Ratio", "Flag", "Adverse"]
    return flagged[columns].assign(Sentence=pd.Series(sentences, index=flagged.index, dtype=object))


def _sentence(row: Any, limits: FairnessLimits) -> str:
    side, limit = ("above", limits.high_ratio) if row.Flag == MORE_OFTEN else ("below", limits.low_ratio)
    text = (f"{ACTION_NAMES[row.Strategy]}: {describe_group(row.Attribute, row.Group)} {row.Ratio:.2f}x the "
            f"overall rate ({row.Rate:.1%} vs {row.Overall_Rate:.1%}), {side} the {limit:g}x limit.")
    return text + (f" {ADVERSE_NOTE}" if row.Adverse else "")


def describe_group(attribute: str, group: str) -> str:
    """Plain words for a group of borrowers: "Female borrowers", "borrowers aged 30-44", ..."""
    if group == NOT_GIVEN:
        return f"borrowers whose {_ATTRIBUTE_NOUNS[attribute]} is not given"
    if attribute == AGE_BAND:
        return f"borrowers aged {group.lower()}"
    return f"{group} borrowers"


def flag_summary(rates: pd.DataFrame) -> pd.DataFrame:
    """Per attribute (in ``rates`` order): Groups, Too_Few_Groups, Flags and Adverse_Flags (counts)."""
    per_group = rates.groupby(["Attribute", "Group"], sort=False).agg(
        too_few=("Flag", lambda flags: bool((flags == TOO_FEW).any())))
    per_attribute = per_group.groupby("Attribute", sort=False).agg(
        Groups=("too_few", "size"), Too_Few_Groups=("too_few", "sum"))
    flagged = rates[rates["Flag"].isin([MORE_OFTEN, LESS_OFTEN])]
    per_attribute["Flags"] = flagged.groupby("Attribute").size().reindex(per_attribute.index, fill_value=0)
    per_attribute["Adverse_Flags"] = (flagged[flagged["Adverse"]].groupby("Attribute").size()
                                      .reindex(per_attribute.index, fill_value=0))
    return per_attribute.astype("int64").reset_index()
