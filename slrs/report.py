"""The committee pack: one self-contained HTML file with the portfolio, the scenario and the evidence behind it.

It opens offline: Plotly's JavaScript is written into the file once and every chart uses it, there is no remote
script, style sheet or font. Every number comes from the same functions the app uses, on the same scores, so
the pack and the app agree. User text (file names, identifiers) is escaped, never rendered as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from slrs import compare, fairness, model_card, money, plots
from slrs.bundle import ModelBundle
from slrs.drift import DriftReport
from slrs.findings import Finding
from slrs.portfolio import LoadedPortfolio, portfolio_kpis
from slrs.risk import METHOD_LABELS
from slrs.scenario import DecisionScenario
from slrs.strategy import DEFAULT_THRESHOLDS

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #212121; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #1565c0; padding-bottom: 0.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.55rem; text-align: right; }
th { background: #f5f5f5; } td:first-child, th:first-child { text-align: left; }
.kpis { display: flex; flex-wrap: wrap; gap: 1rem; } .kpi { border: 1px solid #ddd; border-radius: 6px;
       padding: 0.5rem 0.9rem; min-width: 11rem; } .kpi b { display: block; font-size: 1.3rem; }
.warning { background: #fff3e0; border-left: 4px solid #ef6c00; padding: 0.5rem 0.8rem; margin: 0.6rem 0; }
.note { color: #616161; font-size: 0.9rem; }
"""


FINDINGS_TITLE = "Before you read on"
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
    findings: tuple[Finding, ...]
    sweep: pd.DataFrame
    comparison: compare.Comparison


def build_committee_pack(inputs: PackInputs, created: datetime | None = None) -> str:
    """The committee pack as one HTML document (text): the findings first, then every section."""
    champion, view, plan = inputs.champion, inputs.view, inputs.plan
    figures = _FigureWriter()
    sections = [
        _findings_section(inputs.findings),
        _summary_section(inputs.portfolio, view, plan, champion, figures),
        _scenario_section(inputs.sweep, plan, champion, figures),
        _comparison_section(inputs, figures),
        _model_section(inputs.bundle, champion),
        _drift_section(inputs.drift, figures),
        _fairness_section(view, plan, figures),
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

def _findings_section(findings: Sequence[Finding]) -> str:
    """What to know before trusting the numbers, before any figure; says so when there is nothing."""
    if not findings:
        return _section(FINDINGS_TITLE, _paragraph("Nothing found that should stop you trusting these numbers: the "
                                                   "drift check found no shift, every row was scored, and the "
                                                   "outcome model is in use."))
    return _section(FINDINGS_TITLE, *(_warning(finding.line()) if finding.severity != "info" else
                                            _paragraph(finding.line()) for finding in findings))


def _summary_section(portfolio: LoadedPortfolio, view: pd.DataFrame, plan: pd.DataFrame,
                     scenario: DecisionScenario, figures: _FigureWriter) -> str:
    kpis, totals = portfolio_kpis(view, plan), money.plan_totals(plan)
    cards = _kpis({
        "Borrowers": f"{kpis['borrowers']:,}", "Outstanding": format_amount(kpis["outstanding"]),
        "Expected recovery": format_amount(totals["Expected_Recovered"]),
        "Expected net recovery": format_amount(totals["Expected_Net_Recovery"]),
        "Cost of the actions": format_amount(totals["Action_Cost"]),
        "Legal cases": f"{totals['legal_accounts']:,}", "Rows with data issues": f"{kpis['rows_with_issues']:,}",
        "Rows not scored": f"{kpis['unscored']:,}"})
    summary = money.plan_summary(plan).rename(columns=PLAN_WORDS)
    return _section("1. The portfolio", cards, _table(summary, formats={"Borrowers": ",d"}),
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
        words += f" Borrower looked at on the what-if page: {scenario.borrower.borrower_id}"
        words += f" with edits {dict(scenario.borrower.edits)}." if scenario.borrower.edits else "."
    best_words = (f"Best thresholds on a grid of {len(sweep)} pairs (step {money.SWEEP_STEP:.2f}): "
                  f"{best.low:.2f} / {best.high:.2f}, expected net recovery {format_amount(best_net)}, "
                  f"{format_amount(best_net - current)} more than the scenario's thresholds.")
    return _section("2. The scenario and its assumptions", _paragraph(words),
                    _assumptions(scenario.assumptions),
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
    parts = [] if same else [_assumptions(challenger.assumptions)]
    totals = result.totals.assign(Measure=result.totals["Measure"].map(compare.MEASURE_LABELS))
    return _section("3. Champion against challenger", _paragraph(words), *parts, _table(totals),
                    figures.write(plots.plot_transitions(result.transitions)), _table(result.by_segment))


def _model_section(bundle: ModelBundle, scenario: DecisionScenario) -> str:
    manifest = bundle.manifest
    models = model_card.compared_models(manifest, scenario.method)
    warnings = "".join(_warning(text) for text in model_card.model_warnings(manifest))
    return _section("4. The model card (held-out results)", warnings,
                    _paragraph(f"Every number was measured on held-out data: each of the {len(bundle.holdout):,} "
                               "training rows was scored by models fitted on the other rows (5-fold "
                               "cross-validation)."),
                    _table(model_card.metrics_table(models), digits=3),
                    _paragraph(model_card.study_flag_sentence(manifest)),
                    _table(model_card.training_data_table(manifest)))


def _drift_section(report: DriftReport, figures: _FigureWriter) -> str:
    if report.notes and report.table.empty:
        return _section("5. Data drift", *(_warning(note) for note in report.notes))
    verdict = _warning(report.warning) if report.warning else _paragraph(
        "The portfolio looks like the training data: the model's numbers can be used.")
    return _section("5. Data drift against the training data", verdict, _table(report.table, digits=3),
                    figures.write(plots.plot_psi(report.table)),
                    _note("Population stability index (PSI): below 0.10 stable, 0.10 to 0.25 some shift, "
                          "0.25 and above a major shift."))


def _fairness_section(view: pd.DataFrame, plan: pd.DataFrame, figures: _FigureWriter) -> str:
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
    return _section("6. Fairness of actions", _paragraph(rule), verdict, *charts,
                    _table(rates, formats={"Rate": ".1%", "Overall_Rate": ".1%", "Ratio": ".2f"}))


def _provenance_section(portfolio: LoadedPortfolio, bundle: ModelBundle) -> str:
    data = pd.DataFrame([("portfolio", _portfolio_name(portfolio), portfolio.digest),
                         ("training data", bundle.manifest["training_data"]["name"],
                          bundle.manifest["training_data"]["sha256"])],
                        columns=["Kind", "Name", "SHA-256 or version"])
    return _section("7. What this pack was made from", _table(pd.concat([data, model_card.artifact_table(
        bundle.manifest)], ignore_index=True)), _note("Anyone with the same files can check them: "
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


def format_amount(value: float) -> str:
    """Currency amounts as the app shows them: thousands separators, no decimals."""
    return f"{value:,.0f}"


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


def _table(frame: pd.DataFrame, digits: int = 0, formats: Mapping[str, str] | None = None) -> str:
    """A table with numbers to ``digits`` decimals and thousands separators; every cell escaped.

    ``formats`` gives a column its own format spec (e.g. ``".1%"``); empty cells stay empty.
    """
    shown = frame.copy()
    for column, spec in (formats or {}).items():
        shown[column] = [("" if pd.isna(value) else format(value, spec)) for value in shown[column]]
    shown = shown.rename(columns=lambda name: str(name).replace("_", " "))
    return shown.to_html(index=False, escape=True, float_format=lambda value: f"{value:,.{digits}f}", na_rep="",
                         border=0)


def _assumptions(assumptions: money.Assumptions) -> str:
    """The assumptions table with shares as percentages and an empty capacity written as "no limit"."""
    table = money.assumptions_table(assumptions)
    table["Capacity"] = [("no limit" if pd.isna(value) else f"{value:,}") for value in table["Capacity"]]
    return _table(table, formats={"Cost_per_account": ",.2f", **{column: ".0%" for column in money.TABLE_COLUMNS[2:6]}})
