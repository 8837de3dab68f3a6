"""The active portfolio as the app sees it: loaded, validated, scored, and summarised.

A *view* is one row per input row: the row number, an identifier, the typed schema columns, the scores of one
risk method and the data issues. Thresholds are applied on top of a view (they do not change the scores),
so moving a threshold never re-scores anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import pandas as pd

from slrs.bundle import ModelBundle
from slrs.id_tracker import IdTracker
from slrs.io import iter_portfolio_bytes
from slrs.money import plan_totals
from slrs.schema import (
    COLUMNS,
    COST_COLUMN,
    ID_COLUMN,
    ISSUES_COLUMN,
    NET_COLUMN,
    PLAN_AMOUNT_COLUMNS,
    RECOVERED_COLUMN,
    RISK_COLUMN,
    SEGMENT_COLUMN,
    SEGMENT_NAME_COLUMN,
    STRATEGY_COLUMN,
    TARGET,
)
from slrs.scoring import score_rows
from slrs.strategy import NOT_SCORED, STRATEGIES, Method
from slrs.text import TEXT_DTYPE
from slrs.validation import ValidationResult, validate_portfolio

UPLOAD_CHUNK_ROWS = 50_000
COMPACT_COLUMNS = (*(column.name for column in COLUMNS if column.dtype == "category"), SEGMENT_NAME_COLUMN,
                   ISSUES_COLUMN)
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
    frames, results, checked = [], [], 0
    for chunk, result in validate_chunks(iter_portfolio_bytes(data, name, UPLOAD_CHUNK_ROWS), f"'{name}'"):
        frames.append(chunk)
        results.append(result)
        checked += len(chunk)
        if on_progress:
            on_progress(min(0.99, (checked + 1) / expected_rows), f"{checked:,} rows checked")
    raw = pd.concat(frames)
    validation = merge_validations(results)
    # Mostly empty: one text per distinct issue instead of one per row (see COMPACT_COLUMNS).
    validation = replace(validation, row_issues=validation.row_issues.astype("category"))
    return LoadedPortfolio(name, raw, validation, hashlib.sha256(data).hexdigest(), is_sample)


def validate_chunks(chunks: Iterable[pd.DataFrame], source: str, *, first_row: int = 1,
                    tracker: IdTracker | None = None) -> Iterator[tuple[pd.DataFrame, ValidationResult]]:
    """Each chunk of a file's text rows, indexed by its rows' positions in the file (from 0), and its validation;
    repeated Borrower_IDs are found across chunks. A part of a larger book starts at its ``first_row`` there,
    with a ``tracker`` that knows the IDs seen before it."""
    tracker = tracker if tracker is not None else IdTracker()
    for chunk in chunks:
        chunk.index = pd.RangeIndex(first_row - 1, first_row - 1 + len(chunk))
        yield chunk, validate_portfolio(chunk, first_row=first_row, tracker=tracker, source=source)
        first_row += len(chunk)


def merge_validations(results: list[ValidationResult]) -> ValidationResult:
    """One validation result of consecutive chunks of a file, in order."""
    return ValidationResult(
        clean=pd.concat([r.clean for r in results]),
        issues=pd.concat([r.issues for r in results], ignore_index=True),
        row_issues=pd.concat([r.row_issues for r in results]),
        scorable=pd.concat([r.scorable for r in results]),
        column_map=results[0].column_map,
    )


def build_view(portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method) -> pd.DataFrame:
    """Row number, identifier, typed columns, scores under ``method`` and issues, one row per input row.

    The view keeps the portfolio's index (the row's position in its file, from 0), so a chunk of a file gets
    the same row numbers as the whole file.
    """
    validation = portfolio.validation
    clean = validation.clean
    scores = score_rows(bundle, clean[validation.scorable], method).reindex(clean.index)
    view = pd.DataFrame({"Row": clean.index + 1}, index=clean.index)
    view[ID_COLUMN] = _identifiers(clean, view["Row"])
    view = pd.concat([view, clean.drop(columns=[ID_COLUMN], errors="ignore"), scores], axis=1)
    view[SEGMENT_COLUMN] = view[SEGMENT_COLUMN].astype("Int64")
    view[ISSUES_COLUMN] = validation.row_issues
    return view


def compact_view(view: pd.DataFrame) -> pd.DataFrame:
    """``view`` with its texts of few distinct values (``COMPACT_COLUMNS``: categories, segment names, the mostly
    empty issues) stored once each, a tenth of the memory of one string per row: for a view that is kept, as a
    session keeps its views for as long as it lives. A chunk written and dropped is not worth it: 0.06 s per
    200,000 rows, on the busiest thread of a streamed run."""
    return view.astype({column: "category" for column in COMPACT_COLUMNS if column in view})


def _identifiers(clean: pd.DataFrame, rows: pd.Series) -> pd.Series:
    """Borrower_ID where the file has one, else "Row N", so every row can be picked and searched."""
    if ID_COLUMN not in clean:
        return "Row " + rows.astype(str)
    ids = clean[ID_COLUMN].astype(TEXT_DTYPE)
    missing = (ids.isna() | (ids == "")).to_numpy()
    if missing.any():  # "Row N" only where an ID is missing: a text per row costs a Python string per row
        ids = ids.mask(missing, "Row " + rows[missing].astype(str))
    return ids


# The columns a reader looks at first in the scored table; the inputs and probabilities follow.
LEADING_COLUMNS = ("Row", ID_COLUMN, SEGMENT_NAME_COLUMN, RISK_COLUMN, STRATEGY_COLUMN, *PLAN_AMOUNT_COLUMNS,
                   ISSUES_COLUMN)


def scored_table(view: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """``view`` with the plan's strategy and money, ``LEADING_COLUMNS`` first; same index and rows."""
    table = view.assign(**{column: plan[column] for column in (STRATEGY_COLUMN, *PLAN_AMOUNT_COLUMNS)})
    return table[[*LEADING_COLUMNS, *(c for c in table.columns if c not in LEADING_COLUMNS)]]


def portfolio_kpis(view: pd.DataFrame, plan: pd.DataFrame) -> dict[str, float]:
    """Headline numbers: borrowers, outstanding, the plan's cost, expected recovered and net recovery (currency),
    the expected recovery rate (recovered / outstanding of the scored rows), rows with issues and unscored."""
    totals = plan_totals(plan)
    scored_outstanding = float(plan.loc[plan[STRATEGY_COLUMN] != NOT_SCORED, "Outstanding"].sum())
    return {
        "borrowers": len(view),
        "outstanding": float(view["Outstanding_Loan_Amount"].sum()),
        "action_cost": totals[COST_COLUMN],
        "expected_recovered": totals[RECOVERED_COLUMN],
        "expected_net_recovery": totals[NET_COLUMN],
        "expected_recovery_rate": totals[RECOVERED_COLUMN] / scored_outstanding if scored_outstanding else float("nan"),
        "rows_with_issues": int((view[ISSUES_COLUMN] != "").sum()),
        "unscored": int(view[RISK_COLUMN].isna().sum()),
        "mean_risk": float(view[RISK_COLUMN].mean()),
    }


COMPARED_MEASURES = ("Borrowers", "Outstanding", RECOVERED_COLUMN, NET_COLUMN)


def compare_summaries(default: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Two ``money.plan_summary`` tables of the same view side by side, per strategy and in total.

    Columns: Strategy, then ``<measure>_Default``, ``<measure>_Chosen`` and ``<measure>_Change`` (chosen - default)
    for each of ``COMPARED_MEASURES`` (currency but Borrowers).
    """
    before, after = default.set_index("Strategy"), chosen.set_index("Strategy")
    table = pd.DataFrame(index=before.index)
    for measure in COMPARED_MEASURES:
        table[f"{measure}_Default"] = before[measure]
        table[f"{measure}_Chosen"] = after[measure]
        table[f"{measure}_Change"] = after[measure] - before[measure]
    return table.reset_index()


def comparison_for(comparison: pd.DataFrame, measure: str) -> pd.DataFrame:
    """One measure of ``compare_summaries`` (indexed by Strategy): Strategy, Defaults, Yours and Change."""
    return pd.DataFrame({"Strategy": comparison.index, "Defaults": comparison[f"{measure}_Default"].to_numpy(),
                         "Yours": comparison[f"{measure}_Chosen"].to_numpy(),
                         "Change": comparison[f"{measure}_Change"].to_numpy()})


def segment_summary(view: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Per segment: name, borrowers, outstanding, the plan's expected recovered and net recovery, mean risk."""
    scored = view[view[SEGMENT_COLUMN].notna()].assign(
        **{column: plan[column] for column in (RECOVERED_COLUMN, NET_COLUMN)})
    return scored.groupby(SEGMENT_COLUMN).agg(
        Segment_Name=(SEGMENT_NAME_COLUMN, "first"), Borrowers=("Row", "size"),
        Outstanding=("Outstanding_Loan_Amount", "sum"), Expected_Recovered=(RECOVERED_COLUMN, "sum"),
        Expected_Net_Recovery=(NET_COLUMN, "sum"), Mean_Risk_Score=(RISK_COLUMN, "mean")).reset_index()


def segment_strategy_matrix(view: pd.DataFrame, strategies: pd.Series) -> pd.DataFrame:
    """Number of borrowers per segment (rows) and strategy (columns)."""
    labels = view["Borrower_Segment"].astype(str) + " " + view["Segment_Name"].astype(object).fillna("").astype(str)
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
