"""Command line: ``python -m slrs generate | train | score | sweep | report | evaluate | explain | monitor``.

A thin face over the library: parse arguments, call ``slrs``, report. Every ``SLRSError`` becomes a plain
message on stderr and exit code 2; nothing else is caught, so a bug still shows its traceback.

This module parses, and for ``score`` starts the input's hash and first reading, which run beside the imports.
Each command's code is imported when it runs (``COMMANDS``), so ``--help``, a typo or a refused argument answer in
a fraction of a second, and no command loads libraries another one needs (training's solvers, SHAP, Dask).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from slrs.csv_reading import start_first_pass
from slrs.digest import start_sha256
from slrs.exceptions import SLRSError
from slrs.limits import STREAM_CHUNK_ROWS
from slrs.money import SWEEP_STEP
from slrs.schema import PLAN_AMOUNT_COLUMNS
from slrs.startup import pause_collection
from slrs.strategy import DEFAULT_THRESHOLDS, METHODS

EXIT_USAGE = 2
EXIT_GATE_FAILED = 3  # `evaluate`: a validation gate did not pass, so a batch job can stop here
EXIT_INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C
MODELS_HELP = "a folder of trained models (default: the project's own models/); needs --trust-models"
TRUST_HELP = ("load models from a folder other than models/: its files are Python pickles, and loading one runs "
              "whatever code it holds, so pass this only for a folder you made with python -m slrs train")
DB_HELP = "the store's database URL (default: SLRS_DB_URL, else var/slrs.db)"
SCENARIO_HELP = "JSON or YAML scenario file (method, thresholds, assumptions); see the README"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code 2 and message, without the usage dump
        self.exit(EXIT_USAGE, f"slrs: {message} (see: {self.prog} --help)\n")


ENGINE_HELP = ("where the work runs: local (this process, the default) or dask (a dask.distributed cluster: "
               "--scheduler's, else a local one of two workers)")
INPUT_HELP = "a portfolio file (CSV, .xlsx, .parquet), a folder of them or a quoted pattern such as 'loans/*.parquet'"


def add_engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--engine", choices=("local", "dask"), default="local", help=ENGINE_HELP)
    command.add_argument("--scheduler", metavar="ADDRESS",
                         help="with --engine dask: a running scheduler, e.g. tcp://10.0.0.5:8786 (default: a local "
                              "cluster)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m slrs", description="Smart Loan Recovery System")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    generate = commands.add_parser("generate", help="write a synthetic portfolio in the reference format")
    generate.add_argument("--rows", type=int, default=5000)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--months", type=int, help="write a monthly history of one book instead: one file per "
                                                     "month (YYYY-MM.csv) into the folder -o")
    generate.add_argument("--downturn-month", type=int,
                          help="with --months: the month (from 1) a downturn starts, 0 for none (default: the "
                               "history's own, see the README)")
    generate.add_argument("-o", "--output", type=Path, required=True)
    train = commands.add_parser("train", help="cross-validate both risk methods and save the artifacts")
    train.add_argument("--data", type=Path, help="the training data (default: the bundled data/portfolio.csv)")
    train.add_argument("--out", type=Path, help="where the models go (default: the project's own models/)")
    train.add_argument("--k", type=int, help="number of segments (default 4)")
    train.add_argument("--fast", action="store_true",
                       help="small models (10 trees) to try things out in seconds; the committed artifacts use the "
                            "full settings")
    score = commands.add_parser("score", help="score a portfolio file (CSV or .xlsx)")
    score.add_argument("input", type=Path, help=INPUT_HELP)
    score.add_argument("-o", "--output", type=Path,
                       help="CSV, .xlsx or .parquet file (default: CSV on stdout); with --engine dask also a folder "
                            "(a name without a suffix) of Parquet parts")
    score.add_argument("--low", type=float, help=f"default {DEFAULT_THRESHOLDS.low:g}")
    score.add_argument("--high", type=float, help=f"default {DEFAULT_THRESHOLDS.high:g}")
    score.add_argument("--method", choices=METHODS, help="default outcome")
    score.add_argument("--scenario", type=Path, metavar="FILE",
                       help=f"{SCENARIO_HELP}; its plan gives {', '.join(PLAN_AMOUNT_COLUMNS)}")
    score.add_argument("--models", type=Path, help=MODELS_HELP)
    score.add_argument("--trust-models", action="store_true", help=TRUST_HELP)
    add_engine_options(score)
    score.add_argument("--chunk-rows", type=int, default=STREAM_CHUNK_ROWS, help=argparse.SUPPRESS)
    sweep = commands.add_parser("sweep", help="expected net recovery at every pair of thresholds, and the best pair")
    sweep.add_argument("input", type=Path, help=INPUT_HELP)
    sweep.add_argument("--scenario", type=Path, metavar="FILE", help=SCENARIO_HELP)
    sweep.add_argument("-o", "--output", type=Path, help="CSV or .parquet file for the grid (default: CSV on stdout)")
    sweep.add_argument("--step", type=float, default=SWEEP_STEP, help=f"grid step (default {SWEEP_STEP:g})")
    sweep.add_argument("--models", type=Path, help=MODELS_HELP)
    sweep.add_argument("--trust-models", action="store_true", help=TRUST_HELP)
    add_engine_options(sweep)
    report = commands.add_parser("report", help="the committee pack: one self-contained HTML file")
    report.add_argument("input", type=Path, help=INPUT_HELP)
    report.add_argument("--scenario", type=Path, metavar="FILE", help=SCENARIO_HELP)
    report.add_argument("--challenger", type=Path, metavar="FILE",
                        help="a scenario file to compare with (default: the same method at the study's thresholds "
                             "and the default assumptions)")
    report.add_argument("-o", "--output", type=Path, required=True, help="the HTML file to write")
    report.add_argument("--db", metavar="URL", help=f"{DB_HELP}; the audit log records the pack")
    report.add_argument("--models", type=Path, help=MODELS_HELP)
    report.add_argument("--trust-models", action="store_true", help=TRUST_HELP)
    add_engine_options(report)
    evaluate = commands.add_parser(
        "evaluate", help="outcome analysis of a portfolio with known outcomes, and the validation gates "
                         f"(exit {EXIT_GATE_FAILED} when a gate does not pass)")
    evaluate.add_argument("input", type=Path)
    evaluate.add_argument("--method", choices=METHODS, help="default outcome")
    evaluate.add_argument("--scenario", type=Path, metavar="FILE", help=f"{SCENARIO_HELP}; its gates are used")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--models", type=Path, help=MODELS_HELP)
    evaluate.add_argument("--trust-models", action="store_true", help=TRUST_HELP)
    monitor = commands.add_parser("monitor", help="monthly snapshots of a book in the store: add one, or report "
                                                  "trends, drift, backtests by vintage and alerts")
    monitor_commands = monitor.add_subparsers(dest="monitor_command", required=True, parser_class=_Parser)
    add = monitor_commands.add_parser("add", help="score a portfolio file and store it as the snapshot of a date")
    add.add_argument("input", type=Path)
    add.add_argument("--as-of", required=True, dest="as_of", metavar="YYYY-MM-DD", help="the date the file shows")
    add.add_argument("--db", metavar="URL", help=DB_HELP)
    add.add_argument("--method", choices=METHODS, help="default outcome")
    add.add_argument("--scenario", type=Path, metavar="FILE", help=SCENARIO_HELP)
    add.add_argument("--keep-file", action="store_true", help="store the file itself too (default: only what "
                                                               "monitoring needs)")
    add.add_argument("--models", type=Path, help=MODELS_HELP)
    add.add_argument("--trust-models", action="store_true", help=TRUST_HELP)
    monitor_report = monitor_commands.add_parser("report", help="trends, drift, backtest by vintage and alerts")
    monitor_report.add_argument("--db", metavar="URL", help=DB_HELP)
    monitor_report.add_argument("--json", action="store_true", help="print one JSON object (keys: see the README)")
    explain = commands.add_parser("explain", help="why one borrower's risk score is what it is (reason codes)")
    explain.add_argument("input", type=Path)
    explain.add_argument("--id", required=True, dest="borrower_id", help="the borrower's Borrower_ID")
    explain.add_argument("--method", choices=METHODS, default="outcome")
    explain.add_argument("--low", type=float, default=DEFAULT_THRESHOLDS.low)
    explain.add_argument("--high", type=float, default=DEFAULT_THRESHOLDS.high)
    explain.add_argument("--json", action="store_true", help="print the same as JSON")
    explain.add_argument("--models", type=Path, help=MODELS_HELP)
    explain.add_argument("--trust-models", action="store_true", help=TRUST_HELP)
    return parser


# Each command's module and function, imported when it runs.
COMMANDS = {"generate": ("slrs.cli_commands", "run_generate"), "score": ("slrs.cli_commands", "run_score"),
            "sweep": ("slrs.cli_commands", "run_sweep"), "report": ("slrs.cli_report", "run"),
            "evaluate": ("slrs.cli_commands", "run_evaluate"), "train": ("slrs.cli_train", "run"),
            "explain": ("slrs.cli_explain", "run"), "monitor": ("slrs.cli_monitor", "run")}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.command == "train" else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    interrupted = threading.Event()
    previous = signal.signal(signal.SIGINT, partial(_interrupt, interrupted))
    try:
        # `score` tells the models' own training data by its sha256. Hashing a large file frees the GIL, so started
        # here it runs beside the import of the scoring code (about a second on one core) instead of the scoring.
        args.input_sha256 = start_sha256(args.input) if args.command == "score" and args.input.is_file() else None
        # Likewise Arrow's parsing of a CSV input, for this process's own engine (Dask's workers read their parts).
        local_score = args.command == "score" and args.engine == "local"
        args.input_first_pass = start_first_pass(args.input) if local_score else None
        module, function = COMMANDS[args.command]
        with pause_collection():
            run = getattr(importlib.import_module(module), function)
        code = run(args)
    except SLRSError as error:
        # Ctrl-C inside a library's own reading (pandas' parser) can surface as a data error: say what happened.
        print("slrs: interrupted; no output file was written" if interrupted.is_set() else f"slrs: {error}",
              file=sys.stderr)
        return EXIT_INTERRUPTED if interrupted.is_set() else EXIT_USAGE
    except KeyboardInterrupt:
        print("slrs: interrupted; no output file was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, previous)
    return code or 0


def _interrupt(interrupted: threading.Event, signum: int, frame: object) -> None:
    """Ctrl-C: note it, then stop the run as Python does by default."""
    interrupted.set()
    raise KeyboardInterrupt
