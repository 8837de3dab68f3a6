"""The ``explain`` command: one borrower's score, strategy, reason codes, sentences and counterfactual options.

Apart from the other commands so that they never import the reason-code library (see ``slrs.cli.COMMANDS``).
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from slrs.bundle import ModelBundle
from slrs.cli_commands import COUNTERFACTUALS_KEY, decide_file, load_models, print_findings
from slrs.counterfactual import find_counterfactuals
from slrs.exceptions import SLRSError
from slrs.explain import explain_scores, reason_rows, reason_sentences
from slrs.limits import quote
from slrs.portfolio import LoadedPortfolio
from slrs.scenario import DecisionScenario
from slrs.schema import ID_COLUMN, MODEL_FEATURES, RISK_COLUMN, STRATEGY_COLUMN
from slrs.strategy import Thresholds
from slrs.values import format_value
from slrs.whatif import baseline_inputs, find_borrower


def run(args: argparse.Namespace) -> None:
    scenario = DecisionScenario(args.method, Thresholds(args.low, args.high))
    bundle = load_models(args)
    decision = decide_file(args, scenario, bundle)
    position = _find_scorable_borrower(decision.portfolio, args.borrower_id.strip(), args.input.name)
    row = decision.portfolio.validation.clean.iloc[[position]]
    report = explain_report(bundle, row, decision.view.iloc[position], decision.plan.iloc[position], scenario)
    report.update({"file": args.input.name, "row": position + 1})
    inputs = baseline_inputs(row, report["borrower_id"], bundle.manifest["profile"]).inputs
    report[COUNTERFACTUALS_KEY] = find_counterfactuals(bundle, inputs, args.method, scenario.thresholds,
                                                       bundle.manifest["profile"]).to_dict()
    print(json.dumps(report, indent=2) if args.json else format_explanation(report))
    print_findings(decision.findings)


def _find_scorable_borrower(portfolio: LoadedPortfolio, borrower_id: str, name: str) -> int:
    """The position (from 0) of the first borrower with this ID, who must have been scored."""
    validation = portfolio.validation
    if ID_COLUMN not in validation.clean:
        raise SLRSError(f"'{name}' has no {ID_COLUMN} column; expected one to find borrower {quote(borrower_id)}")
    position = find_borrower(validation.clean, borrower_id)
    if position is None:
        raise SLRSError(f"no borrower with {ID_COLUMN} {quote(borrower_id)} in '{name}'; expected an ID exactly as "
                        "in the file (case-sensitive)")
    if not validation.scorable.iloc[position]:
        raise SLRSError(f"borrower {quote(borrower_id)} (row {position + 1}) cannot be scored: "
                        f"{validation.row_issues.iloc[position]}")
    return position


def explain_report(bundle: ModelBundle, row: pd.DataFrame, scored: pd.Series, planned: pd.Series,
                   scenario: DecisionScenario) -> dict:
    """Score and strategy (from the pipeline's view and plan of the borrower), reason codes and sentences of one
    typed row, as JSON-safe types."""
    method, thresholds = scenario.method, scenario.thresholds
    codes = explain_scores(bundle, row[list(MODEL_FEATURES)], method)
    contributions = reason_rows(codes).rename(columns=str.lower).to_dict("records")
    return {
        "borrower_id": str(row[ID_COLUMN].iloc[0]), "method": method,
        "thresholds": {"low": thresholds.low, "high": thresholds.high},
        "risk_score": float(scored[RISK_COLUMN]), "strategy": str(planned[STRATEGY_COLUMN]),
        "reason_codes": {"space": codes.space, "base_value": codes.base_value, "contributions": contributions,
                         "calibration": float(codes.calibration.iloc[0]), "sum": float(codes.total().iloc[0])},
        "sentences": reason_sentences(codes.contributions.iloc[0], codes.values.iloc[0]),
    }


def format_explanation(report: dict) -> str:
    """The report of ``explain_report`` as plain text: score, strategy, every contribution, the sum, sentences."""
    codes, thresholds = report["reason_codes"], report["thresholds"]
    lines = [(f"Borrower {report['borrower_id']} (row {report['row']} of {report['file']}), "
              f"{report['method']} method"),
             (f"Risk score {report['risk_score']:.3f}: {report['strategy']} "
              f"(thresholds low {thresholds['low']:g}, high {thresholds['high']:g})"),
             "", "Reason codes, largest first:", f"  {'Input':28s} {'Value':>26s} {'Contribution':>13s}"]
    lines += [f"  {item['label']:28s} {format_value(item['input'], item['value']):>26s} {item['contribution']:+13.4f}"
              for item in codes["contributions"]]
    # round(...) + 0.0 keeps a sum of -1e-17 from showing as -0.0000
    lines += [f"  {'Base value':55s} {codes['base_value']:13.4f}",
              f"  {'Calibration':55s} {codes['calibration']:+13.4f}",
              f"  {'Sum (= risk score)':55s} {round(codes['sum'], 12) + 0.0:13.4f}", f"  {codes['space']}",
              "", "In words:"]
    lines += [f"  - {sentence}" for sentence in report["sentences"]]
    if COUNTERFACTUALS_KEY in report:
        search = report[COUNTERFACTUALS_KEY]
        lines += ["", "What would move this borrower to a milder strategy:", f"  {search['message']}"]
        lines += [f"  {number}. {option['text']} -> risk {option['risk_score']:.3f}: {option['tier']}"
                  for number, option in enumerate(search["options"], start=1)]
    return "\n".join(lines)
