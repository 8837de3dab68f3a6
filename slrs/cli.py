"""Command line: ``python -m slrs generate | train | score``.

A thin face over the library: parse arguments, call ``slrs``, report. Every ``SLRSError`` becomes a plain
message on stderr and exit code 2; nothing else is caught, so a bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from slrs.bundle import ModelBundle, train_bundle, training_rows
from slrs.exceptions import SLRSError
from slrs.io import (
    DEFAULT_MODEL_DIR,
    iter_portfolio_file,
    load_bundle,
    read_portfolio_bytes,
    save_bundle,
    sha256_file,
    to_excel_bytes,
    write_csv_chunk,
)
from slrs.risk import METHODS
from slrs.scoring import score_portfolio
from slrs.segmentation import DEFAULT_K, SegmentConfig
from slrs.strategy import DEFAULT_THRESHOLDS, NOT_SCORED, STRATEGIES, Thresholds
from slrs.synth import generate_portfolio
from slrs.validation import IdTracker, validate_portfolio

logger = logging.getLogger("slrs")
EXIT_USAGE = 2
DEFAULT_CHUNK_ROWS = 200_000
DEFAULT_TRAINING_DATA = DEFAULT_MODEL_DIR.parent / "data" / "portfolio.csv"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code 2 and message, without the usage dump
        self.exit(EXIT_USAGE, f"slrs: {message} (see: python -m slrs {self.prog.split()[-1]} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m slrs", description="Smart Loan Recovery System")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    generate = commands.add_parser("generate", help="write a synthetic portfolio in the reference format")
    generate.add_argument("--rows", type=int, default=5000)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("-o", "--output", type=Path, required=True)
    train = commands.add_parser("train", help="cross-validate both risk methods and save the artifacts")
    train.add_argument("--data", type=Path, default=DEFAULT_TRAINING_DATA)
    train.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    train.add_argument("--k", type=int, default=DEFAULT_K, help="number of segments (default 4)")
    score = commands.add_parser("score", help="score a portfolio file (CSV or .xlsx)")
    score.add_argument("input", type=Path)
    score.add_argument("-o", "--output", type=Path, help="CSV or .xlsx file (default: CSV on stdout)")
    score.add_argument("--low", type=float, default=DEFAULT_THRESHOLDS.low)
    score.add_argument("--high", type=float, default=DEFAULT_THRESHOLDS.high)
    score.add_argument("--method", choices=METHODS, default="outcome")
    score.add_argument("--models", type=Path, default=DEFAULT_MODEL_DIR, help=argparse.SUPPRESS)
    score.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help=argparse.SUPPRESS)
    return parser


def run_generate(args: argparse.Namespace) -> None:
    frame = generate_portfolio(args.rows, args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.output, index=False, lineterminator="\n")
    print(f"wrote {len(frame):,} rows to {args.output}", file=sys.stderr)


def run_train(args: argparse.Namespace) -> None:
    SegmentConfig(args.k)
    frame = read_portfolio_bytes(_read_bytes(args.data), args.data.name)
    validation = validate_portfolio(frame, source=f"'{args.data.name}'")
    rows = training_rows(validation.clean, validation.scorable)
    skipped = len(frame) - int(rows.sum())
    if skipped:
        print(f"note: {skipped:,} rows without a usable label or inputs are left out of training "
              "(see their Data_Issues when scored)", file=sys.stderr)
    bundle = train_bundle(validation.clean[rows], data_sha256=sha256_file(args.data),
                          data_name=args.data.name, k=args.k)
    path = save_bundle(bundle, args.out)
    _report_training(bundle.manifest, path)


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise SLRSError(f"no file at {path}; expected an existing CSV or .xlsx portfolio")
    return path.read_bytes()


def _report_training(manifest: dict, path: Path) -> None:
    metrics = manifest["metrics"]
    lines = [f"trained on {manifest['training_data']['rows']:,} rows; manifest: {path}",
             f"held-out ({manifest['outcome_model']} kept; {len(metrics['candidates'])} candidates compared):"]
    for name, values in [*metrics["candidates"].items(), ("study method", metrics["study"])]:
        lines.append(f"  {name:24s} ROC AUC {values['roc_auc']:.3f}  Brier {values['brier']:.3f}  "
                     f"log loss {values['log_loss']:.3f}  accuracy {values['accuracy']:.3f} "
                     f"(majority baseline {values['majority_accuracy']:.3f})")
    lines.append(f"  study's own claim: its forest predicts its own high-risk flag with accuracy "
                 f"{metrics['study_flag_accuracy']:.3f} (circular: the flag is made from its segments)")
    lines.append(f"segments: {' | '.join(manifest['segments']['names'])}; "
                 f"silhouette {manifest['segments']['silhouette']:.3f}")
    lines += [f"WARNING: {warning}" for warning in manifest["warnings"]]
    print("\n".join(lines), file=sys.stderr)


def run_score(args: argparse.Namespace) -> None:
    thresholds = Thresholds(args.low, args.high)
    if args.chunk_rows < 1:
        raise SLRSError(f"--chunk-rows={args.chunk_rows} should be >= 1")
    bundle = load_bundle(args.models)
    summary: Counter = Counter()
    scored = (_summarise(table, summary) for table in _score_chunks(args, bundle, thresholds))
    if args.output is not None and args.output.suffix.lower() == ".xlsx":
        args.output.write_bytes(to_excel_bytes(pd.concat(scored)))  # Excel cannot be written in chunks
    elif args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("wb") as stream:
            _write_chunks(scored, stream)
    else:
        _write_chunks(scored, sys.stdout.buffer)
    _report_scoring(summary, args)


def _score_chunks(args: argparse.Namespace, bundle: ModelBundle, thresholds: Thresholds) -> Iterator[pd.DataFrame]:
    tracker, first_row = IdTracker(), 1
    for chunk in iter_portfolio_file(args.input, args.chunk_rows):
        chunk.index = pd.RangeIndex(first_row - 1, first_row - 1 + len(chunk))
        yield score_portfolio(chunk, bundle, args.method, thresholds, first_row=first_row, tracker=tracker,
                              source=f"'{args.input.name}'").table
        first_row += len(chunk)


def _summarise(table: pd.DataFrame, summary: Counter) -> pd.DataFrame:
    summary.update(table["Recovery_Strategy"].tolist())
    summary["rows"] += len(table)
    summary["rows with data issues"] += int((table["Data_Issues"] != "").sum())
    summary["expected recovery"] += float(table["Expected_Recovery"].sum())
    return table


def _write_chunks(tables: Iterator[pd.DataFrame], stream: BinaryIO) -> None:
    for position, table in enumerate(tables):
        write_csv_chunk(table, stream, first=position == 0)
    stream.flush()


def _report_scoring(summary: Counter, args: argparse.Namespace) -> None:
    lines = [f"scored {summary['rows']:,} rows of {args.input.name} with the {args.method} method "
             f"(low {args.low:g}, high {args.high:g}); output: {args.output or 'stdout'}"]
    lines += [f"  {strategy}: {summary[strategy]:,}" for strategy in (*STRATEGIES, NOT_SCORED)]
    lines.append(f"  expected recovery: {summary['expected recovery']:,.0f}")
    lines.append(f"  rows with data issues: {summary['rows with data issues']:,} (see the Data_Issues column)")
    print("\n".join(lines), file=sys.stderr)


COMMANDS = {"generate": run_generate, "train": run_train, "score": run_score}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.command == "train" else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    try:
        COMMANDS[args.command](args)
    except SLRSError as error:
        print(f"slrs: {error}", file=sys.stderr)
        return EXIT_USAGE
    return 0

