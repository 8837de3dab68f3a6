"""Champion vs challenger: two scenarios on the same portfolio, who moves between actions and what it is worth.

A *side* is one scenario (``slrs.scenario.DecisionScenario``): a risk method, two thresholds and the bank's cost
and recovery assumptions. The champion is the scenario in use; the challenger is an alternative. Both are planned on the
same borrowers (``slrs.money.plan_actions``), so every difference comes from the scenario, never the data.

``compare_plans`` gives the transition matrix (how many borrowers each champion action sends to each
challenger action; the diagonal is unchanged), the portfolio totals of both sides and their change, and the
same money measures per borrower segment. Changes are always challenger minus champion, in currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slrs.exceptions import ConfigError
from slrs.money import ACTIONS, STRATEGY_OF
from slrs.schema import ID_COLUMN, PLAN_AMOUNT_COLUMNS
from slrs.strategy import NOT_SCORED, STRATEGIES

MONEY = PLAN_AMOUNT_COLUMNS
ACCOUNT_MEASURES = tuple(f"{action.capitalize()}_Accounts" for action in ACTIONS)  # as in ``sweep_thresholds``
MEASURES = (*ACCOUNT_MEASURES, *MONEY)
# Plain words for a credit committee, one per entry of ``MEASURES``.
MEASURE_LABELS = {
    "Reminders_Accounts": "Borrowers sent automated reminders",
    "Settlement_Accounts": "Borrowers offered a settlement",
    "Legal_Accounts": "Borrowers sent to legal action",
    "Action_Cost": "Cost of the actions",
    "Expected_Recovered": "Expected recovery",
    "Expected_Net_Recovery": "Expected net recovery (recovered minus cost)",
}
TOTAL = "Total"
# Columns that identify a row: both views must list the same borrowers in the same order.
ROW_COLUMNS = ("Row", ID_COLUMN, "Borrower_Segment")


@dataclass(frozen=True, eq=False)  # tables have no single truth value, so sides compare by identity
class Comparison:
    """What changes when the challenger replaces the champion (changes: challenger - champion).

    Attributes
    ----------
    transitions : DataFrame
        Borrowers per champion action (rows, named "Champion") and challenger action (columns, named
        "Challenger"), mildest first, ``NOT_SCORED`` when present, with a ``TOTAL`` row and column.
    totals : DataFrame
        Columns Measure (``MEASURES``: borrowers per action, then currency), Champion, Challenger, Change.
    by_segment : DataFrame
        Per segment: Borrower_Segment, Segment_Name, Borrowers, Moved, then ``<money>_Champion``,
        ``<money>_Challenger`` and ``<money>_Change`` for each of ``MONEY`` (currency). Rows not scored form
        one last row (segment empty, name ``NOT_SCORED``) with zero money. Sums equal ``totals``.
    moved : int
        Borrowers whose action differs between the two sides.
    """

    transitions: pd.DataFrame
    totals: pd.DataFrame
    by_segment: pd.DataFrame
    moved: int


def compare_plans(champion_view: pd.DataFrame, champion_plan: pd.DataFrame, challenger_view: pd.DataFrame,
                  challenger_plan: pd.DataFrame) -> Comparison:
    """Compare two plans of the same portfolio (views from ``build_view``, plans from ``plan_actions``).

    Raises
    ------
    ConfigError
        When the views do not list the same borrowers in the same order (Row, Borrower_ID, Borrower_Segment),
        or a plan does not have its view's rows.
    """
    _check_aligned(champion_view, champion_plan, challenger_view, challenger_plan)
    # The views list the same borrowers in the same order, so the challenger takes the champion's row labels.
    challenger_plan = challenger_plan.set_axis(champion_plan.index)
    before, after = champion_plan["Recovery_Strategy"], challenger_plan["Recovery_Strategy"]
    return Comparison(
        transitions=transition_matrix(before, after),
        totals=_totals(champion_plan, challenger_plan),
        by_segment=_by_segment(champion_view, champion_plan, challenger_plan),
        moved=int((before != after).sum()),
    )


def _check_aligned(champion_view: pd.DataFrame, champion_plan: pd.DataFrame, challenger_view: pd.DataFrame,
                   challenger_plan: pd.DataFrame) -> None:
    for side, view, plan in (("champion", champion_view, champion_plan),
                             ("challenger", challenger_view, challenger_plan)):
        if not plan.index.equals(view.index):
            raise ConfigError(f"the {side} plan's {len(plan):,} rows are not its view's {len(view):,} rows; "
                              "expected the plan made from that view")
    if len(champion_view) != len(challenger_view):
        raise ConfigError(f"the champion has {len(champion_view):,} rows and the challenger {len(challenger_view):,};"
                          " expected the same portfolio on both sides")
    for column in ROW_COLUMNS:
        missing = [side for side, view in (("champion", champion_view), ("challenger", challenger_view))
                   if column not in view]
        if missing:
            raise ConfigError(f"the {' and '.join(missing)} view has no column {column!r}; expected a scored view "
                              "of the portfolio")
        before, after = champion_view[column].reset_index(drop=True), challenger_view[column].reset_index(drop=True)
        same = (before.isna() & after.isna()) | (before == after).fillna(False)
        if not same.all():
            row = int(np.flatnonzero(~same.to_numpy(dtype=bool))[0]) + 1
            raise ConfigError(f"{column} differs between the champion and the challenger from row {row:,} "
                              f"({before.iloc[row - 1]!r} vs {after.iloc[row - 1]!r}); expected the same "
                              "portfolio, rows in the same order")


def transition_matrix(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Borrowers per strategy in ``before`` (rows) and ``after`` (columns), mildest first, with totals.

    Both series hold strategy labels for the same rows. ``NOT_SCORED`` is listed when either side has it.
    """
    order = [*STRATEGIES, *([NOT_SCORED] if (before == NOT_SCORED).any() or (after == NOT_SCORED).any() else [])]
    matrix = pd.crosstab(np.asarray(before, dtype=object), np.asarray(after, dtype=object)).reindex(
        index=order, columns=order, fill_value=0).astype(int)
    matrix.loc[TOTAL] = matrix.sum()
    matrix[TOTAL] = matrix.sum(axis=1)
    return matrix.rename_axis(index="Champion", columns="Challenger")


def segment_change(by_segment: pd.DataFrame, measure: str) -> pd.DataFrame:
    """``Comparison.by_segment`` for one of ``MONEY``: segment, name, borrowers, moved, champion, challenger, change."""
    return by_segment[["Borrower_Segment", "Segment_Name", "Borrowers", "Moved"]].assign(
        Champion=by_segment[f"{measure}_Champion"], Challenger=by_segment[f"{measure}_Challenger"],
        Change=by_segment[f"{measure}_Change"])


def _side_totals(plan: pd.DataFrame) -> list[float]:
    counts = plan["Recovery_Strategy"].value_counts()
    return [*(float(counts.get(STRATEGY_OF[action], 0)) for action in ACTIONS),
            *(float(plan[measure].sum()) for measure in MONEY)]


def _totals(champion_plan: pd.DataFrame, challenger_plan: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"Measure": list(MEASURES), "Champion": _side_totals(champion_plan),
                          "Challenger": _side_totals(challenger_plan)})
    table["Change"] = table["Challenger"] - table["Champion"]
    return table


def _by_segment(view: pd.DataFrame, champion_plan: pd.DataFrame, challenger_plan: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"Borrower_Segment": view["Borrower_Segment"].astype("Int64"),
                          "Segment_Name": view["Segment_Name"].astype(object).where(view["Borrower_Segment"].notna(),
                                                                                    NOT_SCORED),
                          "Moved": champion_plan["Recovery_Strategy"] != challenger_plan["Recovery_Strategy"]})
    for measure in MONEY:
        frame[f"{measure}_Champion"] = champion_plan[measure].fillna(0.0)
        frame[f"{measure}_Challenger"] = challenger_plan[measure].fillna(0.0)
    table = frame.groupby(["Borrower_Segment", "Segment_Name"], dropna=False, sort=True).agg(
        Borrowers=("Moved", "size"), Moved=("Moved", "sum"),
        **{column: (column, "sum") for column in frame.columns[3:]}).reset_index()
    for measure in MONEY:
        table.insert(table.columns.get_loc(f"{measure}_Challenger") + 1, f"{measure}_Change",
                     table[f"{measure}_Challenger"] - table[f"{measure}_Champion"])
    table["Moved"] = table["Moved"].astype(int)
    return table
