"""The command ``monitor`` (parsed by ``slrs.cli``): ``monitor add FILE --as-of DATE`` stores a snapshot,
``monitor report`` prints the trends, drift, backtest by vintage and alerts (``slrs.monitoring``)."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from slrs import monitoring, store
from slrs.cli_commands import decision_scenario, load_models, operating_user, read_file_bytes
from slrs.drift import SCORE_INPUT
from slrs.money import BANDS
from slrs.strategy import STRATEGIES
from slrs.tables import text_table

# The columns of the printed trends (the JSON has every one).
TREND_COLUMNS = ("As_of", "Rows", "Outstanding", "Expected_Net_Recovery", *STRATEGIES, BANDS[-1], "PSI_score",
                 "Drift_status")


def run(args: argparse.Namespace) -> None:
    engine = store.open_store(store.database_url(args.db))
    try:
        if args.monitor_command == "add":
            _add(args, engine)
        else:
            _report(args, engine)
    finally:
        engine.dispose()


def _add(args: argparse.Namespace, engine) -> None:
    as_of = monitoring.parse_as_of(args.as_of)
    scenario, bundle = decision_scenario(args), load_models(args)
    result = monitoring.add_snapshot(engine, read_file_bytes(args.input), args.input.name, as_of, bundle, scenario,
                                     operating_user(), keep_file=args.keep_file)
    print(result.message, file=sys.stderr)


def _report(args: argparse.Namespace, engine) -> None:
    report = monitoring.build_report(engine)
    if args.json:
        print(json.dumps(monitoring.report_to_dict(report), indent=2))
        return
    if report.is_empty:
        print("The store has no snapshots yet; add one with: python -m slrs monitor add FILE --as-of YYYY-MM-DD")
        return
    _print_table("Snapshots", report.snapshots[list(TREND_COLUMNS)])
    inputs = report.drift[(report.drift["Input"] != SCORE_INPUT) & report.drift["Status"].isin(
        ["Some shift", "Major shift"])]
    _print_table("Inputs that drifted (0.10: some shift, 0.25: major shift)", inputs.drop(columns="Measure"))
    _print_table("Backtest by vintage (scores as they were, against the outcomes that arrived since)",
                 report.backtest)
    _print_table("Alerts (validation gates that fail)", report.alerts)


def _print_table(title: str, table: pd.DataFrame) -> None:
    print(f"\n{title}")
    kinds = {**{action: "count" for action in STRATEGIES}, **{band: "share" for band in BANDS}}
    print(text_table(table, kinds=kinds).to_string(index=False) if len(table) else "(none)")
