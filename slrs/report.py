"""The committee pack: one self-contained HTML file with the portfolio, the scenario and the evidence behind it.

It opens offline: Plotly's JavaScript is written into the file once and every chart uses it, there is no remote
script, style sheet or font. Every number comes from the same functions the app uses, on the same scores, so
the pack and the app agree. User text (file names, identifiers) is escaped, never rendered as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from slrs import compare, fairness, model_card, money, plots
from slrs.bundle import ModelBundle
from slrs.drift import DriftReport
from slrs.findings import Finding
from slrs.formatting import (
    NO_CURRENCY,
    Currency,
    format_amount,
    format_count,
    format_kpi,
    format_ratio,
)
from slrs.gates import GateResult, gates_summary
from slrs.outcome_analysis import OutcomeAnalysis
from slrs.portfolio import LoadedPortfolio, portfolio_kpis
from slrs.scenario import DecisionScenario
from slrs.schema import input_label
from slrs.strategy import DEFAULT_THRESHOLDS, METHOD_LABELS
from slrs.summary import SummaryInputs, summarise
from slrs.tables import FigureKind, text_table

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #212121; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #1565c0; padding-bottom: 0.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.85rem; max-width: 100%; }
.table { overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.45rem; text-align: right; }
th { background: #f5f5f5; } td:first-child, th:first-child { text-align: left; }
.kpis { display: flex; flex-wrap: wrap; gap: 1rem; } .kpi { border: 1px solid #ddd; border-radius: 6px;
       padding: 0.5rem 0.9rem; min-width: 11rem; } .kpi b { display: block; font-size: 1.3rem; }
.warning { background: #fff3e0; border-left: 4px solid #ef6c00; padding: 0.5rem 0.8rem; margin: 0.6rem 0; }
.line { padding: 0.45rem 0.8rem; margin: 0.4rem 0; border-left: 4px solid; }
.good { background: #e8f5e9; border-color: #2e7d32; } .bad { background: #ffebee; border-color: #c62828; }
.caution { background: #fff3e0; border-color: #ef6c00; } .neutral { background: #e3f2fd; border-color: #1565c0; }
.note { color: #616161; font-size: 0.9rem; }
"""


FINDINGS_TITLE = "Summary: before you read on"
# Column names of the plan summary in a committee's words.
PLAN_WORDS = {"Action_Cost": "Cost of the actions", "Expected_Recovered": "Expected recovery",
              "Expected_Net_Recovery": "Expected net recovery", "Capacity_Fallbacks": "Moved by a capacity"}


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity
class PackInputs:
    """What a pack is made from, all from ``slrs.pipeline`` so the pack shows the app's numbers: the portfolio, the
    models, the two scenarios, the champion's view, plan, drift check and threshold sweep, the comparison with the
    challenger, and the findings of both."""

    portfolio: LoadedPortfolio
    bundle: ModelBundle
    champion: DecisionScenario
    challenger: DecisionScenario
    view: pd.DataFrame
    plan: pd.DataFrame
    drift: DriftReport
    analysis: OutcomeAnalysis
    gates: tuple[GateResult, ...]
    findings: tuple[Finding, ...]
    sweep: pd.DataFrame
    comparison: compare.Comparison


def build_committee_pack(inputs: PackInputs, created: datetime | None = None) -> str:
    """The committee pack as one HTML document (text): the summary first, then every section."""
    champion, view, plan = inputs.champion, inputs.view, inputs.plan
    currency = champion.currency
    figures = _FigureWriter()
    sections = [
        _first_section(inputs),
        _summary_section(inputs.portfolio, view, plan, champion, figures),
        _evidence_section(inputs, figures),
        _scenario_section(inputs.sweep, plan, champion, figures),
        _comparison_section(inputs, figures),
        _model_section(inputs.bundle, champion),
        _drift_section(inputs.drift, figures),
        _fairness_section(view, plan, figures, currency),
        _provenance_section(inputs.portfolio, inputs.bundle),
    ]
    created = created or datetime.now(UTC)
    title = f"SLRS committee pack: {_portfolio_name(inputs.portfolio)}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_text(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_text(title)}</h1><p class=\"note\">Made by the Smart Loan Recovery System on "
            f"{created:%Y-%m-%d %H:%M} UTC. Every chart is interactive and works offline.</p>"
            + "".join(sections) + "</body></html>\n")


# --- sections ------------------------------------------------------------------------------------------------

def _first_section(inputs: PackInputs) -> str:
    """The summary block (``slrs.summary``): portfolio, verdict, gates, findings, plan; before any figure."""
    lines = summarise(SummaryInputs(_portfolio_name(inputs.portfolio), inputs.champion, inputs.view, inputs.plan,
                                    inputs.analysis, inputs.gates, inputs.findings, inputs.bundle))
    return _section(FINDINGS_TITLE, *(f"<div class=\"line {line.tone}\"><b>{_text(line.topic)}:</b> "
                                      f"{_text(line.text)}</div>" for line in lines))


def _evidence_section(inputs: PackInputs, figures: _FigureWriter) -> str:
    """The outcome analysis of this portfolio and the validation gates."""
    analysis, currency = inputs.analysis, inputs.champion.currency
    parts = [_paragraph(analysis.sentence())]
    if analysis.verdict is not None:
        low, high = analysis.auc_ci
        parts += [_kpis({"Labelled rows": format_count(analysis.n), "ROC AUC": format_ratio(analysis.auc),
                         "95% interval": f"{low:.3f} to {high:.3f}", "Gini": format_ratio(analysis.gini),
                         "KS": format_ratio(analysis.ks), "Brier score": format_ratio(analysis.brier),
                         "Calibration error": format_ratio(analysis.calibration_error)}),
                  "<h3>Gains by score decile</h3>", _table(analysis.gains, currency),
                  figures.write(plots.plot_gains(analysis.gains)),
                  _note("Accounts sorted by risk score, highest first, in ten groups of equal size. Lift: the "
                        "group's not fully recovered rate over the portfolio's. KS: the gap between the shares of "
                        "not fully recovered and fully recovered loans caught so far."),
                  "<h3>Calibration by risk band</h3>", _table(analysis.calibration, currency)]
    parts += [f"<h3>Validation gates: {_text(gates_summary(inputs.gates))}</h3>",
              _table(model_card.gates_table(inputs.gates), currency),
              _note("The limits are part of the scenario. A gate that cannot be measured is not a pass.")]
    return _section("2. Evidence on this portfolio: its own known outcomes", *parts)


def _summary_section(portfolio: LoadedPortfolio, view: pd.DataFrame, plan: pd.DataFrame,
                     scenario: DecisionScenario, figures: _FigureWriter) -> str:
    kpis, totals, currency = portfolio_kpis(view, plan), money.plan_totals(plan), scenario.currency
    cards = _kpis({
        "Borrowers": format_count(kpis["borrowers"]), "Outstanding": format_kpi(kpis["outstanding"], currency),
        "Expected recovery": format_kpi(totals["Expected_Recovered"], currency),
        "Expected net recovery": format_kpi(totals["Expected_Net_Recovery"], currency),
        "Cost of the actions": format_kpi(totals["Action_Cost"], currency),
        "Legal cases": format_count(totals["legal_accounts"]),
        "Rows with data issues": format_count(kpis["rows_with_issues"]),
        "Rows not scored": format_count(kpis["unscored"])})
    return _section("1. The portfolio and the plan", cards, _table(money.plan_summary(plan), currency),
                    figures.write(plots.plot_risk_histogram(view["Risk_Score"], scenario.thresholds,
                                                            reference=DEFAULT_THRESHOLDS)),
                    _note("Risk score: the model's probability that the loan is not fully recovered. Black lines: "
                          "the scenario's thresholds; dotted lines: the study's 0.50 / 0.75."))


def _scenario_section(sweep: pd.DataFrame, plan: pd.DataFrame, scenario: DecisionScenario,
                      figures: _FigureWriter) -> str:
    best = money.best_thresholds(sweep)
    current = money.plan_totals(plan)["Expected_Net_Recovery"]
    best_net = float(sweep.loc[(sweep["Low"] == best.low) & (sweep["High"] == best.high),
                               "Expected_Net_Recovery"].iloc[0])
    words = (f"Risk method: {METHOD_LABELS[scenario.method]}. Thresholds: legal action above "
             f"{scenario.thresholds.high:.2f}, settlement from {scenario.thresholds.low:.2f}, reminders below.")
    if scenario.borrower is not None:
        edits = "; ".join(f"{input_label(name).lower()} {value}" for name, value in scenario.borrower.edits.items())
        words += f" Borrower looked at on the what-if page: {scenario.borrower.borrower_id}"
        words += f", with edits: {edits}." if edits else "."
    currency = scenario.currency
    best_words = (f"Best thresholds on a grid of {len(sweep)} pairs (step {money.SWEEP_STEP:.2f}): "
                  f"{best.low:.2f} / {best.high:.2f}, expected net recovery {format_amount(best_net, currency)}, "
                  f"{format_amount(best_net - current, currency)} more than the scenario's thresholds.")
    return _section("3. The scenario and its assumptions", _paragraph(words),
                    _assumptions(scenario.assumptions, currency),
                    _note("Shares: the expected recovered share of the outstanding amount per risk band under each "
                          "action; capacity: the most accounts that can get the action (empty: no limit). These "
                          "are the bank's assumptions, not something the model learnt."),
                    _paragraph(best_words),
                    figures.write(plots.plot_sweep_heatmap(sweep, scenario.thresholds, best)),
                    figures.write(plots.plot_frontier(sweep, money.efficient_frontier(sweep), money.plan_totals(plan))))


def _comparison_section(inputs: PackInputs, figures: _FigureWriter) -> str:
    challenger = inputs.challenger
    result = inputs.comparison
    same = challenger.assumptions == inputs.champion.assumptions
    words = (f"Champion: the scenario above. Challenger: {METHOD_LABELS[challenger.method]}, thresholds "
             f"{challenger.thresholds.low:.2f} / {challenger.thresholds.high:.2f}, "
             f"{'the same assumptions' if same else 'its own assumptions (below)'}. "
             f"{result.moved:,} borrowers would get another action.")
    currency = inputs.champion.currency
    parts = [] if same else [_assumptions(challenger.assumptions, currency)]
    totals = result.totals.assign(Measure=result.totals["Measure"].map(compare.MEASURE_LABELS))
    sides = ("Champion", "Challenger", "Change")
    accounts = totals[result.totals["Measure"].isin(compare.ACCOUNT_MEASURES)]
    amounts = totals[result.totals["Measure"].isin(compare.MONEY)]
    net = compare.segment_change(result.by_segment, money.NET_COLUMN)
    return _section("4. Champion against challenger", _paragraph(words), *parts,
                    _table(accounts, currency, dict.fromkeys(sides, "count")),
                    _table(amounts, currency, dict.fromkeys(sides, "amount")),
                    figures.write(plots.plot_transitions(result.transitions)),
                    "<h3>Expected net recovery by segment</h3>",
                    _table(net, currency, {**dict.fromkeys(sides, "amount"), "Moved": "count"}))


def _model_section(bundle: ModelBundle, scenario: DecisionScenario) -> str:
    manifest = bundle.manifest
    models = model_card.compared_models(manifest, scenario.method)
    warnings = "".join(_warning(text) for text in model_card.model_warnings(manifest))
    network = model_card.neural_network_sentence(manifest)
    return _section("5. The model card (held out, on the training data)", warnings,
                    _paragraph(f"Every number was measured on held-out data: each of the {len(bundle.holdout):,} "
                               "training rows was scored by models fitted on the other rows (5-fold "
                               "cross-validation, the same folds for every model)."),
                    _table(model_card.metrics_table(models), NO_CURRENCY),
                    *([_paragraph(network)] if network else []),
                    _paragraph(model_card.study_flag_sentence(manifest)),
                    _table(model_card.training_data_table(manifest), NO_CURRENCY))


def _drift_section(report: DriftReport, figures: _FigureWriter) -> str:
    if report.notes and report.table.empty:
        return _section("6. Data drift", *(_warning(note) for note in report.notes))
    verdict = _warning(report.warning) if report.warning else _paragraph(
        "The portfolio looks like the training data: the model's numbers can be used.")
    return _section("6. Stability against the training data", verdict, _table(report.table, NO_CURRENCY),
                    figures.write(plots.plot_psi(report.table)),
                    _note("Population stability index (PSI) of the risk score and characteristic stability index "
                          "(CSI, the same formula) of each model input: below 0.10 stable, 0.10 to 0.25 some shift, "
                          "0.25 and above a major shift."))


def _fairness_section(view: pd.DataFrame, plan: pd.DataFrame, figures: _FigureWriter, currency: Currency) -> str:
    rates = fairness.action_rates(view, plan["Recovery_Strategy"])
    flags = fairness.fairness_flags(rates)
    verdict = "".join(_warning(text) for text in flags["Sentence"]) if not flags.empty else _paragraph(
        "No group gets any action at a rate outside the limits.")
    charts = [figures.write(plots.plot_action_rates(rates, attribute)) for attribute in rates["Attribute"].unique()]
    limits = fairness.DEFAULT_LIMITS
    rule = (f"Each group's rate of each action is compared with the overall rate; a ratio below "
            f"{limits.low_ratio:g}x or above {limits.high_ratio:g}x is flagged (the four-fifths rule, read both "
            f"ways). Groups with fewer than {limits.min_group} scored borrowers are too few to judge. A flag is a "
            "reason to look, not a finding of unfairness.")
    return _section("7. Fairness of actions", _paragraph(rule), verdict, *charts,
                    _table(rates.drop(columns="Attribute"), currency))


def _provenance_section(portfolio: LoadedPortfolio, bundle: ModelBundle) -> str:
    data = pd.DataFrame([("portfolio", _portfolio_name(portfolio), portfolio.digest),
                         ("training data", bundle.manifest["training_data"]["name"],
                          bundle.manifest["training_data"]["sha256"])],
                        columns=["Kind", "Name", "SHA-256 or version"])
    return _section("8. What this pack was made from", _table(pd.concat([data, model_card.artifact_table(
        bundle.manifest)], ignore_index=True), NO_CURRENCY), _note("Anyone with the same files can check them: "
                                                      "sha256sum FILE prints the same hash."))


# --- HTML pieces ---------------------------------------------------------------------------------------------

class _FigureWriter:
    """Writes Plotly figures as HTML, with Plotly's JavaScript inlined once (in the first figure)."""

    def __init__(self) -> None:
        self._library_written = False

    def write(self, figure: go.Figure) -> str:
        include = not self._library_written
        self._library_written = True
        return figure.to_html(full_html=False, include_plotlyjs=include, include_mathjax=False,
                              config={"displaylogo": False})


def _portfolio_name(portfolio: LoadedPortfolio) -> str:
    return "the bundled sample portfolio" if portfolio.is_sample else portfolio.name


def _text(value: object) -> str:
    return html.escape(str(value))


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{_text(title)}</h2>{''.join(parts)}</section>"


def _paragraph(text: str) -> str:
    return f"<p>{_text(text)}</p>"


def _note(text: str) -> str:
    return f"<p class=\"note\">{_text(text)}</p>"


def _warning(text: str) -> str:
    return f"<div class=\"warning\">{_text(text)}</div>"


def _kpis(values: Mapping[str, str]) -> str:
    cards = "".join(f"<div class=\"kpi\">{_text(name)}<b>{_text(value)}</b></div>" for name, value in values.items())
    return f"<div class=\"kpis\">{cards}</div>"


def _table(frame: pd.DataFrame, currency: Currency, kinds: Mapping[str, FigureKind] | None = None) -> str:
    """A table as the app shows it (``slrs.tables.text_table``: readable headers, the one number format, the
    currency on every amount), every cell escaped, scrolling inside the page rather than past it."""
    return "<div class=\"table\">" + text_table(frame, currency, kinds).to_html(
        index=False, escape=True, na_rep="", border=0) + "</div>"


def _assumptions(assumptions: money.Assumptions, currency: Currency) -> str:
    """The assumptions table; an empty capacity is written as "no limit"."""
    table = money.assumptions_table(assumptions)
    table["Capacity"] = [("no limit" if pd.isna(value) else f"{value:,}") for value in table["Capacity"]]
    return _table(table, currency, {"Capacity": "text"})
