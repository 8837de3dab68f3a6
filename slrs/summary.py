"""The summary that opens the Overview page and the committee pack: one short block, before any detail.

In order: the portfolio, the verdict of its own known outcomes and the validation gates, the findings, and the
recommended plan with its expected net recovery. Each line has a tone (good, bad, neutral) so that every face
can colour it the same way, and says its status in words too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from slrs.bundle import ModelBundle
from slrs.findings import GATES_PREFIX, NO_SIGNAL_ADVICE, Finding
from slrs.formatting import format_count, format_kpi
from slrs.gates import GateResult, all_passed, gates_summary
from slrs.money import plan_totals
from slrs.outcome_analysis import OutcomeAnalysis
from slrs.portfolio import portfolio_kpis
from slrs.scenario import DecisionScenario
from slrs.strategy import METHOD_LABELS

Tone = Literal["good", "bad", "caution", "neutral"]
TONE_OF_SEVERITY: dict[str, Tone] = {"critical": "bad", "warning": "caution", "info": "neutral"}


@dataclass(frozen=True)
class SummaryLine:
    """One line of the summary: what it is about, its words and its tone."""

    topic: str
    text: str
    tone: Tone


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity
class SummaryInputs:
    """What the summary is made of: a decision's parts (``slrs.pipeline.Decision``) and the models."""

    portfolio_name: str
    scenario: DecisionScenario
    view: pd.DataFrame
    plan: pd.DataFrame
    analysis: OutcomeAnalysis
    gates: tuple[GateResult, ...]
    findings: tuple[Finding, ...]
    bundle: ModelBundle


def verdict_tone(analysis: OutcomeAnalysis) -> Tone:
    """Green for a signal, red for no better than chance, blue for no verdict."""
    return {"signal": "good", "no signal": "bad"}.get(analysis.verdict, "neutral")


def gates_tone(gates: tuple[GateResult, ...], analysis: OutcomeAnalysis) -> Tone:
    """Green when every gate passes; red when one does not on a labelled portfolio; blue without outcomes."""
    return "good" if all_passed(gates) else "bad" if analysis.has_labels else "neutral"


def summarise(inputs: SummaryInputs) -> list[SummaryLine]:
    """The summary of a decision (see the module docstring)."""
    currency, analysis = inputs.scenario.currency, inputs.analysis
    kpis, totals = portfolio_kpis(inputs.view, inputs.plan), plan_totals(inputs.plan)
    lines = [SummaryLine("Portfolio", f"{inputs.portfolio_name}: {format_count(kpis['borrowers'])} borrowers, "
                                      f"{format_kpi(kpis['outstanding'], currency)} outstanding; risk scores from the "
                                      f"{METHOD_LABELS[inputs.scenario.method]}.", "neutral"),
             _evidence_line(inputs)]
    lines.append(SummaryLine("Validation gates", gates_summary(inputs.gates) + ".", gates_tone(inputs.gates, analysis)))
    # The verdict and the gates have their own lines above.
    others = [finding for finding in inputs.findings
              if not finding.text.startswith((analysis.sentence(), GATES_PREFIX))]
    lines += [SummaryLine("Before you rely on these numbers", finding.line(), TONE_OF_SEVERITY[finding.severity])
              for finding in others]
    if not others:
        lines.append(SummaryLine("Before you rely on these numbers", "Nothing else found that should stop you: no "
                                 "drift, every row scored, no model warning.", "good"))
    lines.append(SummaryLine(
        "Recommended plan",
        f"{format_count(totals['reminders_accounts'])} automated reminders, "
        f"{format_count(totals['settlement_accounts'])} settlement offers, "
        f"{format_count(totals['legal_accounts'])} legal actions; expected net recovery "
        f"{format_kpi(totals['Expected_Net_Recovery'], currency)} (expected recovery "
        f"{format_kpi(totals['Expected_Recovered'], currency)} minus the cost of the actions "
        f"{format_kpi(totals['Action_Cost'], currency)}).", "neutral"))
    return lines


def _evidence_line(inputs: SummaryInputs) -> SummaryLine:
    analysis = inputs.analysis
    if analysis.verdict is not None:
        advice = f" {NO_SIGNAL_ADVICE}" if analysis.verdict == "no signal" else ""
        return SummaryLine("Verdict on this portfolio", analysis.sentence() + advice, verdict_tone(analysis))
    training = inputs.bundle.manifest["metrics"][inputs.scenario.method]["roc_auc"]
    reason = analysis.sentence() if analysis.has_labels else "No known outcomes in this portfolio, so no verdict on it."
    return SummaryLine("Verdict on this portfolio", f"{reason} On its training data (held out) the method reaches ROC "
                                                    f"AUC {training:.3f}.", "neutral")
