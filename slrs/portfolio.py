"""The active portfolio as the app sees it: loaded, validated, scored, and summarised.

A *view* is one row per input row: the row number, an identifier, the typed schema columns, the scores of one
risk method and the data issues. Thresholds are applied on top of a view (they do not change the scores),
so moving a threshold never re-scores anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slrs.bundle import ModelBundle
from slrs.explain import ReasonExplainer, reason_codes_table
from slrs.io import iter_portfolio_bytes
from slrs.money import PLAN_AMOUNT_COLUMNS, add_plan_columns
from slrs.risk import Method
from slrs.schema import ID_COLUMN, ISSUES_COLUMN, SCORE_COLUMNS, TARGET
from slrs.scoring import score_rows
from slrs.strategy import NOT_SCORED, STRATEGIES, Thresholds, assign_strategy
from slrs.validation import IdTracker, ValidationResult, validate_portfolio

UPLOAD_CHUNK_ROWS = 20_000
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class LoadedPortfolio:
    """A portfolio file as read (text, unchanged) with what validation found. ``digest`` identifies it."""

    name: str
    raw: pd.DataFrame
    validation: ValidationResult
    digest: str
    is_sample: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.raw)

    @property
    def n_rows_with_issues(self) -> int:
        return int((self.validation.row_issues != "").sum())

    @property
    def n_rows_not_scored(self) -> int:
        return int((~self.validation.scorable).sum())


def load_portfolio(data: bytes, name: str, *, is_sample: bool = False,
                   on_progress: ProgressCallback | None = None) -> LoadedPortfolio:
    """Read and validate a whole file (CSV in chunks, so progress can be shown), keeping every row."""
    expected_rows = max(1, data.count(b"\n"))
    frames, results, tracker, first_row = [], [], IdTracker(), 1
    for chunk in iter_portfolio_bytes(data, name, UPLOAD_CHUNK_ROWS):
        chunk.index = pd.RangeIndex(first_row - 1, first_row - 1 + len(chunk))
        results.append(validate_portfolio(chunk, first_row=first_row, tracker=tracker, source=f"'{name}'"))
        frames.append(chunk)
        first_row += len(chunk)
        if on_progress:
            on_progress(min(0.99, first_row / expected_rows), f"{first_row - 1:,} rows checked")
    raw = pd.concat(frames)
    return LoadedPortfolio(name, raw, _merge_results(results), hashlib.sha256(data).hexdigest(), is_sample)


def _merge_results(results: list[ValidationResult]) -> ValidationResult:
    return ValidationResult(
        clean=pd.concat([r.clean for r in results]),
        issues=pd.concat([r.issues for r in results], ignore_index=True),
        row_issues=pd.concat([r.row_issues for r in results]),
        scorable=pd.concat([r.scorable for r in results]),
        column_map=results[0].column_map,
    )


def build_view(portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method) -> pd.DataFrame:
    """Row number, identifier, typed columns, scores under ``method`` and issues, one row per input row."""
    validation = portfolio.validation
    clean = validation.clean
    scores = score_rows(bundle, clean[validation.scorable], method).reindex(clean.index)
    view = pd.DataFrame({"Row": np.arange(1, len(clean) + 1)}, index=clean.index)
    view[ID_COLUMN] = _identifiers(clean)
    view = pd.concat([view, clean.drop(columns=[ID_COLUMN], errors="ignore"),
                      scores.drop(columns=["Recovery_Strategy"])], axis=1)
    view["Borrower_Segment"] = view["Borrower_Segment"].astype("Int64")
    view[ISSUES_COLUMN] = validation.row_issues
    return view.reset_index(drop=True)


def _identifiers(clean: pd.DataFrame) -> pd.Series:
    """Borrower_ID where the file has one, else "Row N", so every row can be picked and searched."""
    rows = pd.Series([f"Row {n}" for n in range(1, len(clean) + 1)], index=clean.index, dtype=object)
    if ID_COLUMN not in clean:
        return rows
    ids = clean[ID_COLUMN].astype(object)
    return ids.where(ids.notna() & (ids != ""), rows)


def strategies_for(view: pd.DataFrame, thresholds: Thresholds) -> pd.Series:
    """Recovery strategy per row of ``view`` under ``thresholds`` (unscored rows: ``NOT_SCORED``)."""
    # An explicit "str" dtype gives the same Series as inference, 6x faster (26 ms vs 4 ms on 100,000 rows).
    return pd.Series(assign_strategy(view["Risk_Score"].to_numpy(dtype=float), thresholds), index=view.index,
                     dtype="str")


# The columns a reader looks at first in the scored table; the inputs and probabilities follow.
LEADING_COLUMNS = ("Row", ID_COLUMN, "Segment_Name", "Risk_Score", "Recovery_Strategy", "Expected_Recovery",
                   ISSUES_COLUMN)


def scored_table(view: pd.DataFrame, strategies: pd.Series) -> pd.DataFrame:
    """``view`` with a Recovery_Strategy column, ``LEADING_COLUMNS`` first; same index and rows."""
    table = view.assign(Recovery_Strategy=strategies)
    return table[[*LEADING_COLUMNS, *(c for c in table.columns if c not in LEADING_COLUMNS)]]


def scored_download(portfolio: LoadedPortfolio, view: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """The scored file to download: input columns unchanged, rows in order, score and plan columns appended.

    Recovery_Strategy is the plan's (thresholds, then capacities) and the plan's cost, expected recovered and net
    recovery come before Data_Issues: what ``slrs score --scenario`` writes for the same scenario. Built from
    the view's scores and the plan (``money.plan_actions`` of the view), so a download never re-scores anything.
    """
    scores = view.assign(Recovery_Strategy=plan["Recovery_Strategy"])[list(SCORE_COLUMNS)]
    kept = portfolio.raw.drop(columns=[c for c in (*SCORE_COLUMNS, *PLAN_AMOUNT_COLUMNS) if c in portfolio.raw.columns])
    table = pd.concat([kept, scores.set_axis(kept.index)], axis=1)
    return add_plan_columns(table, plan.set_axis(kept.index), before=ISSUES_COLUMN)


def reason_codes_download(view: pd.DataFrame, portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method,
                          explainer: ReasonExplainer | None = None) -> pd.DataFrame:
    """Row, Borrower_ID, Risk_Score and the top reasons of every row (blank where a row was not scored)."""
    validation = portfolio.validation
    reasons = reason_codes_table(bundle, validation.clean, method, scorable=validation.scorable,
                                 explainer=explainer)
    return pd.concat([view[["Row", ID_COLUMN, "Risk_Score"]], reasons.reset_index(drop=True)], axis=1)


def portfolio_kpis(view: pd.DataFrame) -> dict[str, float]:
    """Headline numbers: borrowers, outstanding and expected recovery (currency), recovery rate, issues."""
    outstanding = float(view["Outstanding_Loan_Amount"].sum())
    recovery = float(view["Expected_Recovery"].sum())
    return {
        "borrowers": len(view),
        "outstanding": outstanding,
        "expected_recovery": recovery,
        "expected_recovery_rate": recovery / outstanding if outstanding else float("nan"),
        "rows_with_issues": int((view[ISSUES_COLUMN] != "").sum()),
        "unscored": int(view["Risk_Score"].isna().sum()),
        "mean_risk": float(view["Risk_Score"].mean()),
    }


def strategy_summary(view: pd.DataFrame, strategies: pd.Series) -> pd.DataFrame:
    """Borrowers, outstanding and expected recovery per strategy, mildest first, with shares."""
    order = [*STRATEGIES, NOT_SCORED]
    table = pd.DataFrame({"Strategy": strategies, "Outstanding": view["Outstanding_Loan_Amount"],
                          "Expected_Recovery": view["Expected_Recovery"]}).groupby("Strategy").agg(
        Borrowers=("Outstanding", "size"), Outstanding=("Outstanding", "sum"),
        Expected_Recovery=("Expected_Recovery", "sum"))
    table = table.reindex([s for s in order if s in table.index or s in STRATEGIES], fill_value=0)
    table["Share_of_Borrowers"] = table["Borrowers"] / max(1, len(view))
    return table.reset_index()


COMPARED_MEASURES = ("Borrowers", "Outstanding", "Expected_Recovery")


def compare_thresholds(view: pd.DataFrame, default: Thresholds, chosen: Thresholds) -> pd.DataFrame:
    """Per strategy, each measure under ``default`` and ``chosen`` thresholds and the change (chosen - default).

    Columns: Strategy, then ``<measure>_Default``, ``<measure>_Chosen`` and ``<measure>_Change`` for
    Borrowers, Outstanding and Expected_Recovery (currency). Rows as in ``strategy_summary``; both
    sides add up to the whole view, so each change column sums to zero.
    """
    return compare_summaries(strategy_summary(view, strategies_for(view, default)),
                             strategy_summary(view, strategies_for(view, chosen)))


def compare_summaries(default: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """``compare_thresholds`` from two ``strategy_summary`` tables of the same view (saves re-assigning)."""
    before, after = default.set_index("Strategy"), chosen.set_index("Strategy")
    table = pd.DataFrame(index=before.index)
    for measure in COMPARED_MEASURES:
        table[f"{measure}_Default"] = before[measure]
        table[f"{measure}_Chosen"] = after[measure]
        table[f"{measure}_Change"] = after[measure] - before[measure]
    return table.reset_index()


def segment_summary(view: pd.DataFrame) -> pd.DataFrame:
    """Per segment: name, borrowers, outstanding, expected recovery and mean risk score."""
    scored = view[view["Borrower_Segment"].notna()]
    return scored.groupby("Borrower_Segment").agg(
        Segment_Name=("Segment_Name", "first"), Borrowers=("Row", "size"),
        Outstanding=("Outstanding_Loan_Amount", "sum"), Expected_Recovery=("Expected_Recovery", "sum"),
        Mean_Risk_Score=("Risk_Score", "mean")).reset_index()


def segment_strategy_matrix(view: pd.DataFrame, strategies: pd.Series) -> pd.DataFrame:
    """Number of borrowers per segment (rows) and strategy (columns)."""
    labels = view["Borrower_Segment"].astype(str) + " " + view["Segment_Name"].fillna("")
    matrix = pd.crosstab(labels.where(view["Borrower_Segment"].notna(), "Not scored"), strategies,
                         rownames=["Segment"], colnames=["Strategy"])
    return matrix.reindex(columns=[s for s in [*STRATEGIES, NOT_SCORED] if s in matrix.columns or s in STRATEGIES],
                          fill_value=0)


def filter_view(view: pd.DataFrame, strategies: pd.Series, *, segments: list[int] | None = None,
                chosen_strategies: list[str] | None = None, risk_range: tuple[float, float] = (0.0, 1.0),
                search: str = "") -> pd.Series:
    """Boolean mask of the rows matching every filter (unscored rows pass the risk filter)."""
    mask = pd.Series(True, index=view.index)
    if segments:
        mask &= view["Borrower_Segment"].isin(segments)
    if chosen_strategies:
        mask &= strategies.isin(chosen_strategies)
    risk = view["Risk_Score"]
    mask &= risk.between(*risk_range) | risk.isna()
    if search.strip():
        mask &= view[ID_COLUMN].astype(str).str.contains(search.strip(), case=False, regex=False)
    return mask


def has_labels(view: pd.DataFrame) -> bool:
    return TARGET in view and view[TARGET].notna().any()


def issue_kinds(problems: pd.Series) -> pd.Series:
    """The kind of each row-level problem: its text without the detail in brackets ("is missing")."""
    return problems.astype(str).str.split(" (", n=1, regex=False).str[0]


def filter_issues(issues: pd.DataFrame, *, columns: list[str] | None = None,
                  kinds: list[str] | None = None) -> pd.DataFrame:
    """The rows of an issue table (Row, Column, Value, Problem) in ``columns`` and of ``kinds`` (None: all)."""
    mask = pd.Series(True, index=issues.index)
    if columns:
        mask &= issues["Column"].isin(columns)
    if kinds:
        mask &= issue_kinds(issues["Problem"]).isin(kinds)
    return issues[mask]


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """``text`` with every ASCII punctuation mark backslash-escaped, so markdown shows it literally.

    For user text (file names, headers, values) inside messages that Streamlit renders as markdown.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
