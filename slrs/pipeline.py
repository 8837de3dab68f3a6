"""The one path from a portfolio file to a decision: load -> score -> plan -> analyse -> outputs.

The app, the command line and the committee pack all go through these functions, so a figure has one value in
every face:

- **load** (``load``): read and validate every row, keeping the file's text (``slrs.portfolio.LoadedPortfolio``);
- **score** (``score``): segment and risk score under one method (a *view*: one row per input row);
- **plan** (``plan``): the scenario's thresholds, then its capacities, give each row an action, its cost, its
  expected recovered amount and its net recovery (``slrs.money.plan_actions``: the one money model);
- **analyse** (``check``, ``decide``, ``sweep``, ``compare``): drift, the threshold sweep, champion against
  challenger, and the findings a user must know before trusting the numbers (``slrs.findings``);
- **outputs** (``output_table``, ``pack``): the scored file (``slrs score`` and the app's download write the
  same table) and the committee pack.

The command line streams large files: ``stream_outputs`` runs the same functions on chunks of rows and plans
capacities over the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from slrs.bundle import ModelBundle
from slrs.compare import Comparison, compare_plans
from slrs.drift import DriftReport, check_drift
from slrs.findings import Finding, gather_findings
from slrs.money import ACTIONS, plan_totals, plan_view, sweep_thresholds
from slrs.portfolio import LoadedPortfolio, ProgressCallback, build_view, load_portfolio, merge_validations
from slrs.report import PackInputs, build_committee_pack
from slrs.risk import Method
from slrs.scenario import DecisionScenario
from slrs.schema import MODEL_FEATURES, OUTPUT_COLUMNS, PLAN_AMOUNT_COLUMNS, RISK_COLUMN, STRATEGY_COLUMN
from slrs.strategy import Thresholds
from slrs.validation import IdTracker, validate_portfolio

# Columns of a plan that the totals and the findings of a streamed run need (the rest are dropped per chunk).
TALLY_PLAN_COLUMNS = (STRATEGY_COLUMN, "Outstanding", *PLAN_AMOUNT_COLUMNS, "Capacity_Fallback")


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity
class Decision:
    """A portfolio scored and planned under one scenario, with what a user must know before trusting it.

    Attributes
    ----------
    portfolio : LoadedPortfolio
        The file as read, with what validation found.
    scenario : DecisionScenario
        The method, thresholds and assumptions that made the plan.
    view : DataFrame
        ``score(portfolio, bundle, scenario.method)``.
    plan : DataFrame
        ``plan(view, scenario)``: same index as ``view``.
    drift : DriftReport
        The portfolio against the training data under ``scenario.method``.
    findings : tuple of Finding
        Most severe first.
    """

    portfolio: LoadedPortfolio
    scenario: DecisionScenario
    view: pd.DataFrame
    plan: pd.DataFrame
    drift: DriftReport
    findings: tuple[Finding, ...]


# --- load, score, plan, analyse -------------------------------------------------------------------------------

def load(data: bytes, name: str, *, is_sample: bool = False,
         on_progress: ProgressCallback | None = None) -> LoadedPortfolio:
    """Read and validate a whole portfolio file (CSV or .xlsx bytes); raises ``DataValidationError`` if unusable."""
    return load_portfolio(data, name, is_sample=is_sample, on_progress=on_progress)


def score(portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method) -> pd.DataFrame:
    """The portfolio's view under ``method``: row, identifier, typed inputs, segment, risk score, issues."""
    return build_view(portfolio, bundle, method)


def plan(view: pd.DataFrame, scenario: DecisionScenario | Thresholds) -> pd.DataFrame:
    """The scenario's plan of a view (thresholds, then capacities); a bare ``Thresholds`` keeps the default
    assumptions. Not cached anywhere: it takes milliseconds on 100,000 rows."""
    if isinstance(scenario, Thresholds):
        scenario = DecisionScenario(thresholds=scenario)
    return plan_view(view, scenario.thresholds, scenario.assumptions)


def check(portfolio: LoadedPortfolio, view: pd.DataFrame, bundle: ModelBundle, method: Method) -> DriftReport:
    """The drift check of a scored portfolio against the training data (``slrs.drift.check_drift``)."""
    validation = portfolio.validation
    return check_drift(validation.clean, validation.scorable, view[RISK_COLUMN].to_numpy(dtype=float), method,
                       bundle.manifest.get("drift_reference"))


def find(portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method, drift: DriftReport) -> tuple[Finding, ...]:
    """The findings of a scored portfolio (see ``slrs.findings.gather_findings``)."""
    return gather_findings(n_rows=portfolio.n_rows, n_rows_with_issues=portfolio.n_rows_with_issues,
                           n_unscored=portfolio.n_rows_not_scored, method=method,
                           model_warnings=bundle.manifest["warnings"], drift_warning=drift.warning)


def decide(portfolio: LoadedPortfolio, bundle: ModelBundle, scenario: DecisionScenario, *,
           view: pd.DataFrame | None = None, drift: DriftReport | None = None) -> Decision:
    """Score (unless ``view`` is given), plan, check drift (unless given) and gather the findings.

    The app passes the view and drift report it keeps per session, so moving a threshold never re-scores.
    """
    view = score(portfolio, bundle, scenario.method) if view is None else view
    drift = check(portfolio, view, bundle, scenario.method) if drift is None else drift
    return Decision(portfolio, scenario, view, plan(view, scenario), drift,
                    find(portfolio, bundle, scenario.method, drift))


def sweep(decision: Decision, grid: list[Thresholds]) -> pd.DataFrame:
    """The decision's portfolio totals at every pair of thresholds of ``grid`` (``money.sweep_thresholds``)."""
    view = decision.view
    return sweep_thresholds(view[RISK_COLUMN].to_numpy(dtype=float),
                            view["Outstanding_Loan_Amount"].to_numpy(dtype=float), decision.scenario.assumptions, grid)


def compare(champion: Decision, challenger: Decision) -> Comparison:
    """Champion against challenger on the same portfolio (``slrs.compare.compare_plans``)."""
    return compare_plans(champion.view, champion.plan, challenger.view, challenger.plan)


# --- outputs --------------------------------------------------------------------------------------------------

def output_table(portfolio: LoadedPortfolio, view: pd.DataFrame, plan_: pd.DataFrame) -> pd.DataFrame:
    """The scored file: input columns unchanged, rows in order, ``OUTPUT_COLUMNS`` appended (old ones replaced).

    Recovery_Strategy is the plan's (thresholds, then capacities); cost, expected recovered and net recovery are
    the plan's, in currency. ``slrs score`` writes exactly this table and the app downloads it.
    """
    kept = portfolio.raw.drop(columns=[c for c in OUTPUT_COLUMNS if c in portfolio.raw.columns])
    planned = view.assign(**{column: plan_[column] for column in (STRATEGY_COLUMN, *PLAN_AMOUNT_COLUMNS)})
    return pd.concat([kept, planned[list(OUTPUT_COLUMNS)].set_axis(kept.index)], axis=1)


def pack(champion: Decision, challenger: Decision, bundle: ModelBundle, created: datetime | None = None) -> str:
    """The committee pack (one HTML document) of the champion's decision against the challenger's."""
    return build_committee_pack(PackInputs(
        portfolio=champion.portfolio, bundle=bundle, champion=champion.scenario, challenger=challenger.scenario,
        view=champion.view, plan=champion.plan, challenger_view=challenger.view, challenger_plan=challenger.plan,
        drift=champion.drift, findings=champion.findings), created)


# --- streaming, for files larger than memory ------------------------------------------------------------------

@dataclass
class Tally:
    """What a streamed run keeps of each chunk, to give the same totals, drift and findings as ``decide``.

    ``stream_outputs`` fills it; ``finish`` reads it when the last chunk is written.
    """

    rows: int = 0
    rows_with_issues: int = 0
    unscored: int = 0
    inputs: list[pd.DataFrame] = field(default_factory=list)
    plans: list[pd.DataFrame] = field(default_factory=list)

    def add(self, portfolio: LoadedPortfolio, view: pd.DataFrame, plan_: pd.DataFrame) -> None:
        validation = portfolio.validation
        self.rows += portfolio.n_rows
        self.rows_with_issues += portfolio.n_rows_with_issues
        self.unscored += portfolio.n_rows_not_scored
        self.inputs.append(validation.clean.loc[validation.scorable, list(MODEL_FEATURES)].assign(
            **{RISK_COLUMN: view.loc[validation.scorable, RISK_COLUMN]}))
        self.plans.append(plan_[list(TALLY_PLAN_COLUMNS)])

    def finish(self, bundle: ModelBundle, method: Method) -> tuple[dict[str, float], DriftReport, tuple[Finding, ...]]:
        """The plan's totals (``money.plan_totals``), the drift report and the findings of every row seen."""
        plans = pd.concat(self.plans) if self.plans else pd.DataFrame(columns=list(TALLY_PLAN_COLUMNS))
        inputs = pd.concat(self.inputs) if self.inputs else pd.DataFrame(columns=[*MODEL_FEATURES, RISK_COLUMN])
        drift = check_drift(inputs[list(MODEL_FEATURES)], np.ones(len(inputs), dtype=bool),
                            inputs[RISK_COLUMN].to_numpy(dtype=float), method, bundle.manifest.get("drift_reference"))
        findings = gather_findings(n_rows=self.rows, n_rows_with_issues=self.rows_with_issues,
                                   n_unscored=self.unscored, method=method,
                                   model_warnings=bundle.manifest["warnings"], drift_warning=drift.warning)
        return plan_totals(plans), drift, findings


def stream_outputs(chunks: Iterable[pd.DataFrame], bundle: ModelBundle, scenario: DecisionScenario, source: str,
                   tally: Tally) -> Iterator[pd.DataFrame]:
    """``output_table`` of each chunk of a file's text rows, in order, and the rows' totals in ``tally``.

    Each chunk is validated (IDs are checked across chunks), scored and planned by the functions ``decide`` uses.
    A capacity is portfolio-wide (the most valuable accounts of the whole file keep the scarce action), so with
    one the whole file is scored first and planned at once, in memory; without, each chunk streams.
    """
    parts = _scored_chunks(chunks, bundle, scenario.method, source)
    if all(scenario.assumptions.terms(action).capacity is None for action in ACTIONS):
        for portfolio, view in parts:
            yield _planned_output(portfolio, view, plan(view, scenario), tally)
        return
    collected = list(parts)
    whole = LoadedPortfolio(source, pd.concat([portfolio.raw for portfolio, _ in collected]),
                            merge_validations([portfolio.validation for portfolio, _ in collected]), digest="")
    view = pd.concat([view for _, view in collected])
    yield _planned_output(whole, view, plan(view, scenario), tally)


def _scored_chunks(chunks: Iterable[pd.DataFrame], bundle: ModelBundle, method: Method,
                   source: str) -> Iterator[tuple[LoadedPortfolio, pd.DataFrame]]:
    tracker, first_row = IdTracker(), 1
    for chunk in chunks:
        chunk.index = pd.RangeIndex(first_row - 1, first_row - 1 + len(chunk))
        validation = validate_portfolio(chunk, first_row=first_row, tracker=tracker, source=source)
        portfolio = LoadedPortfolio(source, chunk, validation, digest="")
        yield portfolio, score(portfolio, bundle, method)
        first_row += len(chunk)


def _planned_output(portfolio: LoadedPortfolio, view: pd.DataFrame, plan_: pd.DataFrame,
                    tally: Tally) -> pd.DataFrame:
    tally.add(portfolio, view, plan_)
    return output_table(portfolio, view, plan_)
