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

import importlib
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import numpy as np
import pandas as pd

from slrs.bundle import ModelBundle
from slrs.compare import Comparison, compare_plans
from slrs.drift import DriftCounts, DriftReport, check_drift, count_drift, report_drift
from slrs.exceptions import ConfigError
from slrs.findings import Finding, gather_findings
from slrs.gates import GateResult, check_gates
from slrs.id_tracker import IdTracker
from slrs.money import (
    PLAN_COLUMNS,
    plan_totals,
    plan_view,
    sweep_thresholds,
    threshold_grid,
)
from slrs.outcome_analysis import (
    HELD_OUT_BASIS,
    OutcomeAnalysis,
    analyse_outcomes,
    analyse_view,
    labelled_scores,
)
from slrs.portfolio import (
    LoadedPortfolio,
    ProgressCallback,
    build_view,
    compact_view,
    load_portfolio,
    merge_validations,
    validate_chunks,
)
from slrs.risk import HOLDOUT_COLUMNS
from slrs.scenario import DecisionScenario
from slrs.schema import (
    LEGACY_OUTPUT_COLUMNS,
    OUTPUT_COLUMNS,
    PLAN_AMOUNT_COLUMNS,
    RISK_COLUMN,
    STRATEGY_COLUMN,
)
from slrs.strategy import Method, Thresholds
from slrs.text import convert_to_text

# The pack's module, imported when a pack is made: it brings Plotly (0.13 s), which scoring a file never needs.
PACK_MODULE = "slrs.report"


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
    analysis : OutcomeAnalysis
        The scores against the portfolio's known outcomes (``slrs.outcome_analysis``).
    gates : tuple of GateResult
        The scenario's validation gates on this evidence (``slrs.gates``).
    findings : tuple of Finding
        Most severe first.
    """

    portfolio: LoadedPortfolio
    scenario: DecisionScenario
    view: pd.DataFrame
    plan: pd.DataFrame
    drift: DriftReport
    analysis: OutcomeAnalysis
    gates: tuple[GateResult, ...]
    findings: tuple[Finding, ...]


# --- load, score, plan, analyse -------------------------------------------------------------------------------

def load(data: bytes, name: str, *, is_sample: bool = False,
         on_progress: ProgressCallback | None = None) -> LoadedPortfolio:
    """Read and validate a whole portfolio file (CSV or .xlsx bytes); raises ``DataValidationError`` if unusable."""
    return load_portfolio(data, name, is_sample=is_sample, on_progress=on_progress)


def score(portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method) -> pd.DataFrame:
    """The portfolio's view under ``method``: row, identifier, typed inputs, segment, risk score, issues; compact
    (``portfolio.compact_view``), since a scored portfolio is kept (by a session, in a decision)."""
    return compact_view(build_view(portfolio, bundle, method))


def plan(view: pd.DataFrame, scenario: DecisionScenario | Thresholds,
         actions: np.ndarray | None = None) -> pd.DataFrame:
    """The scenario's plan of a view (thresholds, then capacities); a bare ``Thresholds`` keeps the default
    assumptions. ``actions``: the rows' actions when capacities were ranked over a larger book
    (``slrs.distributed``). Not cached anywhere: it takes milliseconds on 100,000 rows."""
    if isinstance(scenario, Thresholds):
        scenario = DecisionScenario(thresholds=scenario)
    return plan_view(view, scenario.thresholds, scenario.assumptions, actions)


def check(portfolio: LoadedPortfolio, view: pd.DataFrame, bundle: ModelBundle, method: Method) -> DriftReport:
    """The drift check of a scored portfolio against the training data (``slrs.drift.check_drift``)."""
    validation = portfolio.validation
    return check_drift(validation.clean, validation.scorable, view[RISK_COLUMN].to_numpy(dtype=float), method,
                       bundle.manifest.get("drift_reference"))


def analyse(portfolio: LoadedPortfolio, view: pd.DataFrame, bundle: ModelBundle, method: Method) -> OutcomeAnalysis:
    """The outcome analysis of a scored view against its known outcomes (``slrs.outcome_analysis``); on the
    models' own training data, of their held-out cross-validation scores instead."""
    if is_training_data(portfolio.digest, bundle):
        return held_out_analysis(bundle, method)
    return analyse_view(view)


def is_training_data(digest: str, bundle: ModelBundle) -> bool:
    """Whether a file (by its sha256) is the one the models were trained on."""
    return bool(digest) and digest == bundle.manifest["training_data"]["sha256"]


def held_out_analysis(bundle: ModelBundle, method: Method) -> OutcomeAnalysis:
    """The outcome analysis of the training data's held-out scores under ``method``."""
    holdout = bundle.holdout
    return analyse_outcomes(holdout["not_fully_recovered"].to_numpy(dtype=int),
                            holdout[HOLDOUT_COLUMNS[method]].to_numpy(dtype=float), basis=HELD_OUT_BASIS)


def find(portfolio: LoadedPortfolio, bundle: ModelBundle, method: Method, drift: DriftReport,
         analysis: OutcomeAnalysis, gates: tuple[GateResult, ...]) -> tuple[Finding, ...]:
    """The findings of a scored portfolio (see ``slrs.findings.gather_findings``)."""
    return _findings(bundle, method, drift, analysis, gates, portfolio.n_rows, portfolio.n_rows_with_issues,
                     portfolio.n_rows_not_scored)


def _findings(bundle: ModelBundle, method: Method, drift: DriftReport, analysis: OutcomeAnalysis,
              gates: tuple[GateResult, ...], rows: int, rows_with_issues: int, unscored: int) -> tuple[Finding, ...]:
    return gather_findings(n_rows=rows, n_rows_with_issues=rows_with_issues, n_unscored=unscored, method=method,
                           model_warnings=bundle.manifest["warnings"], drift=drift, analysis=analysis, gates=gates)


def decide(portfolio: LoadedPortfolio, bundle: ModelBundle, scenario: DecisionScenario, *,
           view: pd.DataFrame | None = None, drift: DriftReport | None = None,
           analysis: OutcomeAnalysis | None = None) -> Decision:
    """Score (unless ``view`` is given), plan, check drift (unless given), analyse the known outcomes against the
    gates and gather the findings.

    The app passes the view, drift report and outcome analysis it keeps, so moving a threshold never
    re-scores.
    """
    view = score(portfolio, bundle, scenario.method) if view is None else view
    drift = check(portfolio, view, bundle, scenario.method) if drift is None else drift
    analysis = analyse(portfolio, view, bundle, scenario.method) if analysis is None else analysis
    gates = check_gates(analysis, drift, scenario.gates)
    return Decision(portfolio, scenario, view, plan(view, scenario), drift, analysis, gates,
                    find(portfolio, bundle, scenario.method, drift, analysis, gates))


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
    kept = portfolio.raw.drop(columns=[c for c in (*OUTPUT_COLUMNS, *LEGACY_OUTPUT_COLUMNS)
                                       if c in portfolio.raw.columns])
    planned = view.assign(**{column: plan_[column] for column in (STRATEGY_COLUMN, *PLAN_AMOUNT_COLUMNS)})
    added = planned[list(OUTPUT_COLUMNS)]
    # Categories in a kept (compact) view, Python strings in a streamed chunk's: text in the table either way.
    added = added.assign(**{column: convert_to_text(added[column]) for column in added
                            if isinstance(added[column].dtype, pd.CategoricalDtype) or added[column].dtype == object})
    return pd.concat([kept, added.set_axis(kept.index)], axis=1)


def challenger_findings(champion: Decision, challenger: Decision) -> tuple[Finding, ...]:
    """What the challenger's decision adds to the champion's findings (e.g. the study method), said as such."""
    return tuple(Finding(finding.severity, f"The challenger: {finding.text}") for finding in challenger.findings
                 if finding not in champion.findings)


def pack(champion: Decision, challenger: Decision, bundle: ModelBundle, created: datetime | None = None) -> str:
    """The committee pack (one HTML document) of the champion's decision against the challenger's."""
    report = importlib.import_module(PACK_MODULE)
    return report.build_committee_pack(report.PackInputs(
        portfolio=champion.portfolio, bundle=bundle, champion=champion.scenario, challenger=challenger.scenario,
        view=champion.view, plan=champion.plan, drift=champion.drift, analysis=champion.analysis, gates=champion.gates,
        findings=champion.findings + challenger_findings(champion, challenger),
        sweep=sweep(champion, threshold_grid()), comparison=compare(champion, challenger)), created)


# --- streaming: memory bounded without a capacity -----------------------------------------------------------

@dataclass
class Tally:
    """What a streamed run keeps of each chunk, to give the same totals, drift and findings as ``decide`` in
    memory that does not grow with the file but by the outcome analysis's one byte and one number per labelled row
    (an exact AUC needs every score: 180 MB at the 20-million-row limit).

    The totals are exact sums, and the drift check's counts (``drift.DriftCounts``) add up chunk by chunk, so every
    scored row of any file is compared. A tally counts drift under the method and the models' drift reference it
    is made with (``Tally.of``; without a reference nothing is counted, and the report says the models hold none).
    ``stream_outputs`` fills it; ``finish`` reads it once every row is in it.
    """

    method: Method
    drift_reference: Mapping | None
    rows: int = 0
    rows_with_issues: int = 0
    unscored: int = 0
    totals: dict[str, float] = field(default_factory=dict)
    drift: DriftCounts | None = None
    events: list[np.ndarray] = field(default_factory=list)  # every labelled scored row: 1 = not fully recovered
    event_scores: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def of(cls, bundle: ModelBundle, method: Method) -> Tally:
        """An empty tally of rows scored by ``bundle``'s models under ``method``."""
        return cls(method, bundle.manifest.get("drift_reference"))

    def add(self, portfolio: LoadedPortfolio, view: pd.DataFrame, plan_: pd.DataFrame) -> None:
        validation = portfolio.validation
        self.rows += portfolio.n_rows
        self.rows_with_issues += portfolio.n_rows_with_issues
        self.unscored += portfolio.n_rows_not_scored
        for name, value in plan_totals(plan_).items():
            self.totals[name] = self.totals.get(name, 0) + value
        events, scores = labelled_scores(view)
        self.events.append(events)
        self.event_scores.append(scores)
        if self.drift_reference is not None:
            counts = count_drift(validation.clean, validation.scorable, view[RISK_COLUMN].to_numpy(dtype=float),
                                 self.method, self.drift_reference)
            self.drift = counts if self.drift is None else self.drift.add(counts)

    def finish(self, bundle: ModelBundle, scenario: DecisionScenario, digest: str = "") -> tuple[
            dict[str, float], DriftReport, tuple[Finding, ...]]:
        """The plan's totals (as ``money.plan_totals``), the drift report and the findings of every row seen;
        ``digest`` (the file's sha256) tells the models' training data, analysed by its held-out scores."""
        method = scenario.method
        if (method, bundle.manifest.get("drift_reference")) != (self.method, self.drift_reference):
            raise ConfigError(f"this tally counted drift for the '{self.method}' method and its models; it cannot be "
                              f"finished for '{method}' or with other models (make it with Tally.of)")
        analysis = held_out_analysis(bundle, method) if is_training_data(digest, bundle) else analyse_outcomes(
            np.concatenate([np.empty(0, dtype=np.int8), *self.events]),
            np.concatenate([np.empty(0), *self.event_scores]))
        drift = report_drift(self.drift, method, self.drift_reference)
        gates = check_gates(analysis, drift, scenario.gates)
        findings = _findings(bundle, method, drift, analysis, gates, self.rows, self.rows_with_issues, self.unscored)
        return self.totals or plan_totals(pd.DataFrame(columns=list(PLAN_COLUMNS))), drift, findings


def stream_outputs(chunks: Iterable[pd.DataFrame], bundle: ModelBundle, scenario: DecisionScenario, source: str,
                   tally: Tally, when_tallied: Callable[[], object] = lambda: None
                   ) -> Generator[pd.DataFrame, None, None]:
    """``output_table`` of each chunk of a file's text rows, in order, and the rows' totals in ``tally``.

    Each chunk is validated (IDs are checked across chunks), scored and planned by the functions ``decide`` uses.
    A capacity is portfolio-wide (the most valuable accounts of the whole file keep the scarce action), so with
    one the whole file is scored first and planned at once, in memory; without, each chunk streams. Validating,
    scoring and planning are stages of their own, each a chunk ahead of the next, while the caller writes; and
    ``when_tallied`` is called once every row is in ``tally``, while the caller may still be writing the last
    chunks (so ``Tally.finish`` can start then).
    """
    return _computed_ahead(_stream_outputs(chunks, bundle, scenario, source, tally, when_tallied))


def _stream_outputs(chunks: Iterable[pd.DataFrame], bundle: ModelBundle, scenario: DecisionScenario, source: str,
                    tally: Tally, when_tallied: Callable[[], object]) -> Iterator[pd.DataFrame]:
    # Scoring the next chunk (the trees: the busiest stage) overlaps planning and tallying this one.
    parts = _computed_ahead(scored_chunks(chunks, bundle, scenario.method, source))
    if not scenario.assumptions.has_capacities:
        for portfolio, view in parts:
            yield planned_output(portfolio, view, scenario, tally)
        when_tallied()
        return
    portfolio, view = join_scored(list(parts), source)
    output = planned_output(portfolio, view, scenario, tally)
    when_tallied()
    yield output


def scored_chunks(chunks: Iterable[pd.DataFrame], bundle: ModelBundle, method: Method, source: str, *,
                  first_row: int = 1,
                  tracker: IdTracker | None = None) -> Iterator[tuple[LoadedPortfolio, pd.DataFrame]]:
    """Each chunk validated (``portfolio.validate_chunks``: ``first_row`` and ``tracker`` place the chunks in a
    larger book) and scored. Views as ``score`` gives them, but not compact: a chunk is written and dropped, or
    joined (``join_scored`` compacts the whole)."""
    # Reading and checking the next chunk overlaps scoring this one (a stage of its own, like the writing).
    for chunk, validation in _computed_ahead(validate_chunks(chunks, source, first_row=first_row, tracker=tracker)):
        portfolio = LoadedPortfolio(source, chunk, validation, digest="")
        yield portfolio, build_view(portfolio, bundle, method)


def join_scored(parts: list[tuple[LoadedPortfolio, pd.DataFrame]], source: str,
                digest: str = "") -> tuple[LoadedPortfolio, pd.DataFrame]:
    """Consecutive scored chunks as one portfolio and its view (compact, as ``score`` gives it)."""
    return (LoadedPortfolio(source, pd.concat([portfolio.raw for portfolio, _ in parts]),
                            merge_validations([portfolio.validation for portfolio, _ in parts]), digest),
            compact_view(pd.concat([view for _, view in parts])))


def planned_output(portfolio: LoadedPortfolio, view: pd.DataFrame, scenario: DecisionScenario, tally: Tally,
                   actions: np.ndarray | None = None) -> pd.DataFrame:
    """``output_table`` of a scored chunk planned under ``scenario`` (with ``actions`` if given, see ``plan``); its
    totals go into ``tally``."""
    plan_ = plan(view, scenario, actions)
    tally.add(portfolio, view, plan_)
    return output_table(portfolio, view, plan_)


def merge_tallies(first: Tally, *others: Tally) -> Tally:
    """One tally of consecutive parts of a book (made alike), as if one run had seen them all."""
    merged = Tally(first.method, first.drift_reference)
    for part in (first, *others):
        merged.rows += part.rows
        merged.rows_with_issues += part.rows_with_issues
        merged.unscored += part.unscored
        for name, value in part.totals.items():
            merged.totals[name] = merged.totals.get(name, 0) + value
        merged.events += part.events
        merged.event_scores += part.event_scores
        if part.drift is not None:
            merged.drift = part.drift if merged.drift is None else merged.drift.add(part.drift)
    return merged


_DONE = object()
T = TypeVar("T")


def _computed_ahead(items: Generator[T, None, None]) -> Generator[T, None, None]:
    """The items of ``items``, computed in a background thread one item ahead of the caller.

    Writing a chunk (Arrow's writers) and scoring the next (scikit-learn's trees) release the GIL, so the two
    overlap on two cores. An error in either stops both: the producer's is raised here, in order, and a caller
    that stops early closes ``items`` (and so any producer behind it).
    """
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                _hand_over(ready, item, stop)
                if stop.is_set():
                    return
            _hand_over(ready, _DONE, stop)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, who raises it
            _hand_over(ready, error, stop)
        finally:
            items.close()

    producer = threading.Thread(target=produce, name="slrs-stream", daemon=True)
    producer.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()


def _hand_over(ready: queue.Queue, item: object, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            ready.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
