"""The commands ``generate``, ``score``, ``sweep`` and ``evaluate`` (parsed by ``slrs.cli``), and the
helpers the other command modules share: the models, the input, the output, the findings."""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from slrs import pipeline
from slrs.bundle import ModelBundle
from slrs.cli import EXIT_GATE_FAILED, TRUST_HELP
from slrs.digest import start_sha256
from slrs.drift import DriftReport
from slrs.exceptions import SLRSError
from slrs.findings import Finding
from slrs.formatting import format_amount, format_ratio
from slrs.gates import all_passed, gates_summary
from slrs.io import (
    DEFAULT_MODEL_DIR,
    find_book_files,
    iter_book,
    load_bundle,
    names_a_folder,
    read_scenario_file,
    write_atomically,
    write_folder,
    write_frames,
)
from slrs.limits import STREAM_CHUNK_ROWS
from slrs.money import (
    STRATEGY_OF,
    best_thresholds,
    plan_totals,
    threshold_grid,
)
from slrs.parquet import PARQUET_SUFFIXES
from slrs.scenario import DecisionScenario
from slrs.strategy import DEFAULT_THRESHOLDS, METHOD_LABELS, NOT_SCORED, Thresholds
from slrs.synth import DOWNTURN_MONTH, generate_history, generate_portfolio
from slrs.tables import text_table

DEFAULT_TRAINING_DATA = DEFAULT_MODEL_DIR.parent / "data" / "portfolio.csv"
# Where `explain` puts the counterfactual search: status, message and options (slrs.counterfactual).
COUNTERFACTUALS_KEY = "counterfactuals"
# Engines other than this process: their module, imported only when asked for (Dask takes ~0.5 s to import).
ENGINES = {"dask": "slrs.cli_dask"}


def run_generate(args: argparse.Namespace) -> None:
    if args.months is not None:
        _generate_history(args)
        return
    output = output_path(args)
    frame = generate_portfolio(args.rows, args.seed)
    if output.suffix.lower() in PARQUET_SUFFIXES:
        write_output(output, lambda stream: write_frames([frame], stream, output.suffix.lower()))
    else:
        write_output(output, lambda stream: stream.write(frame.to_csv(index=False, lineterminator="\n").encode()))
    print(f"wrote {len(frame):,} rows to {output}", file=sys.stderr)


def _generate_history(args: argparse.Namespace) -> None:
    """``generate --months M -o DIR``: one CSV per month in a new folder, which appears only when complete."""
    output = args.output
    _refuse_a_used_folder(output, "the monthly files go")
    downturn = DOWNTURN_MONTH if args.downturn_month is None else args.downturn_month or None
    snapshots = generate_history(args.rows, args.months, args.seed, downturn)
    write_folder(output, {f"{month}.csv": frame.to_csv(index=False, lineterminator="\n").encode()
                          for month, frame in snapshots.items()})
    rows = sum(len(frame) for frame in snapshots.values())
    print(f"wrote {len(snapshots)} monthly snapshots ({rows:,} rows) to {output}", file=sys.stderr)


def output_path(args: argparse.Namespace) -> Path | None:
    """``-o``, checked before any work: not a folder, not the input file however it is spelled, in a folder that
    exists or can be made. None: standard output."""
    output, source = args.output, getattr(args, "input", None)
    if output is None:
        return None
    if getattr(args, "engine", "local") == "dask" and names_a_folder(output):  # a folder of Parquet parts
        _refuse_a_used_folder(output, "a Dask run writes its parts")
    elif output.is_dir():
        raise SLRSError(f"-o {output} is a folder; expected a file name, e.g. {output / 'scored.csv'}")
    if source is not None and output.exists() and source.exists() and output.samefile(source):
        raise SLRSError(f"-o {output} is the input file; choose another name so the portfolio is not overwritten")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SLRSError(f"cannot make the folder {output.parent} for -o ({error.strerror}); expected a "
                        "writable place") from None
    return output


def _refuse_a_used_folder(output: Path, what_goes_there: str) -> None:
    """An output folder must be new or empty: a finished folder replaces it whole."""
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise SLRSError(f"-o {output} exists and is not an empty folder; {what_goes_there} into a new folder: "
                        "choose a new name")


def write_output(output: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``output`` atomically (see ``slrs.io.write_atomically``); a file-system problem is a plain SLRSError."""
    try:
        write_atomically(output, write)
    except OSError as error:
        raise SLRSError(f"cannot write {output} ({error.strerror or error}); nothing was written") from None


def load_models(args: argparse.Namespace) -> ModelBundle:
    """The bundle in ``--models``: the project's own folder, or another one only with ``--trust-models``."""
    directory = args.models or DEFAULT_MODEL_DIR
    if directory.resolve() != DEFAULT_MODEL_DIR.resolve() and not args.trust_models:
        why = TRUST_HELP.split(": ", 1)[1]
        raise SLRSError(f"--models {args.models} is not the project's own models/ folder; {why}. Add --trust-models "
                        "to use it")
    return load_bundle(directory)


def read_file_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise SLRSError(f"no file at {path}; expected an existing CSV or .xlsx portfolio")
    return path.read_bytes()


def run_score(args: argparse.Namespace) -> None:
    scenario, output = decision_scenario(args), output_path(args)
    if args.chunk_rows < 1:
        raise SLRSError(f"--chunk-rows={args.chunk_rows} should be >= 1")
    bundle, paths = load_models(args), find_book_files(args.input)
    early = getattr(args, "input_sha256", None)  # started by slrs.cli for a file; a one-file folder starts here
    hashing = early if early is not None or len(paths) != 1 else start_sha256(paths[0])
    if args.engine == "dask":
        tally = _dask_commands().score(args, paths, bundle, scenario, output)
        totals, _, findings = tally.finish(bundle, scenario, book_digest(hashing, paths[0]))
    else:
        tally, (totals, _, findings) = _score_here(args, paths, bundle, scenario, output, hashing)
    _report_scoring(tally, totals, args, scenario)
    print_findings(findings)


def _score_here(args: argparse.Namespace, paths: list[Path], bundle: ModelBundle, scenario: DecisionScenario,
                output: Path | None, hashing: Future | None) -> tuple[pipeline.Tally, tuple[
                    dict[str, float], DriftReport, tuple[Finding, ...]]]:
    """The local engine: the book streamed through the pipeline into ``output`` (stdout if None); its tally and
    ``Tally.finish``, which is worked out while the last chunks are written (it needs only the tally)."""
    tally = pipeline.Tally.of(bundle, scenario.method)

    def finish() -> tuple[dict[str, float], DriftReport, tuple[Finding, ...]]:
        return tally.finish(bundle, scenario, book_digest(hashing, paths[0]))

    with ThreadPoolExecutor(1) as background:
        finished: list[Future] = []
        # Handed over, not kept in ``args``: its result holds the whole input as Arrow text until the reading ends.
        book = iter_book(paths, args.chunk_rows, vars(args).pop("input_first_pass", None))
        # The outcome analysis starts once every row is tallied, beside the last writes (so a failed last write
        # waits for it before it is reported: about a quarter of a second for a million rows).
        tables = pipeline.stream_outputs(book, bundle, scenario, f"'{args.input.name}'", tally,
                                         when_tallied=lambda: finished.append(background.submit(finish)))
        with closing(tables):  # a failed write stops the readers and scorers behind it at once
            if output is not None:
                write_output(output, lambda stream: write_frames(tables, stream, output.suffix.lower()))
            else:
                _write_to_stdout(lambda stream: write_frames(tables, stream, ".csv"))
        return tally, finished[0].result()


def book_digest(hashing: Future | None, path: Path) -> str:
    """The sha256 that ``hashing`` computes for a one-file book (which tells the models' own training data), or
    "" for a book of several files (``hashing`` None)."""
    if hashing is None:
        return ""
    try:
        return hashing.result()
    except OSError as error:
        raise SLRSError(f"cannot read {path} to compute its sha256 ({error.strerror or error})") from None


def decision_scenario(args: argparse.Namespace) -> DecisionScenario:
    """The ``--scenario`` file, or the ``--method``/``--low``/``--high`` flags; never both (which would win?)."""
    flags = {name: getattr(args, name, None) for name in ("method", "low", "high")}
    given = [f"--{name}" for name, value in flags.items() if value is not None]
    if getattr(args, "scenario", None) is None:
        low, high = (getattr(DEFAULT_THRESHOLDS, name) if flags[name] is None else flags[name]
                     for name in ("low", "high"))
        return DecisionScenario(flags["method"] or "outcome", Thresholds(low, high))
    if given:
        raise SLRSError(f"--scenario {args.scenario.name} already sets the method and thresholds; leave out "
                        f"{', '.join(given)} or change them in the file")
    return read_scenario_file(args.scenario)


def decide_file(args: argparse.Namespace, scenario: DecisionScenario,
                 bundle: ModelBundle) -> pipeline.Decision:
    """The whole input through the pipeline: one file as the app does with an upload; the files of a book (a
    folder or a pattern) chunk by chunk, or on a Dask cluster with ``--engine dask``."""
    if getattr(args, "engine", "local") == "dask":
        portfolio, view = _dask_commands().gather(args, find_book_files(args.input), bundle, scenario.method)
        return pipeline.decide(portfolio, bundle, scenario, view=view)
    paths = find_book_files(args.input)
    if len(paths) == 1:
        return pipeline.decide(pipeline.load(read_file_bytes(paths[0]), paths[0].name), bundle, scenario)
    source = f"'{args.input.name}'"
    portfolio, view = pipeline.join_scored(list(pipeline.scored_chunks(
        iter_book(paths, STREAM_CHUNK_ROWS), bundle, scenario.method, source)), source)
    return pipeline.decide(portfolio, bundle, scenario, view=view)


def _dask_commands() -> ModuleType:
    """``slrs.cli_dask``, imported only for ``--engine dask``."""
    return importlib.import_module(ENGINES["dask"])


def print_findings(findings: Sequence[Finding]) -> None:
    """The pipeline's findings on stderr, after the command's own summary: what to know before trusting it."""
    if findings:
        print("\n".join(["before you rely on these numbers:", *(f"  - {finding.line()}" for finding in findings)]),
              file=sys.stderr)


def _write_to_stdout(write: Callable[[BinaryIO], object]) -> None:
    try:
        write(sys.stdout.buffer)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whoever read the output stopped early; Python must not complain again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SLRSError("the output pipe was closed before the output was complete") from None


def _report_scoring(tally: pipeline.Tally, totals: dict[str, float], args: argparse.Namespace,
                    scenario: DecisionScenario) -> None:
    thresholds, source = scenario.thresholds, f", scenario {args.scenario.name}" if args.scenario else ""
    lines = [(f"scored {tally.rows:,} rows of {args.input.name} with the {scenario.method} method "
              f"(low {thresholds.low:g}, high {thresholds.high:g}{source}); output: {args.output or 'stdout'}")]
    lines += [f"  {strategy}: {totals[f'{action}_accounts']:,}" for action, strategy in STRATEGY_OF.items()]
    lines += [f"  {NOT_SCORED}: {tally.unscored:,}",
              f"  cost of the actions: {format_amount(totals['Action_Cost'], scenario.currency)}",
              f"  expected recovery: {format_amount(totals['Expected_Recovered'], scenario.currency)}",
              f"  expected net recovery (recovery minus cost): "
              f"{format_amount(totals['Expected_Net_Recovery'], scenario.currency)}",
              f"  rows with data issues: {tally.rows_with_issues:,} (see the Data_Issues column)"]
    print("\n".join(lines), file=sys.stderr)


def operating_user() -> str:
    """Who runs the command, for the audit log: the operating system's user name, else "local"."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "local"


def run_sweep(args: argparse.Namespace) -> None:
    scenario, grid, output = decision_scenario(args), threshold_grid(args.step), output_path(args)
    decision = decide_file(args, scenario, load_models(args))
    # Scores do not change with thresholds: the file is scored once and only the plan is redone per grid point.
    sweep = pipeline.sweep(decision, grid)
    if output is None:
        _write_to_stdout(lambda stream: write_frames([sweep], stream, ".csv"))
    else:
        write_output(output, lambda stream: write_frames([sweep], stream, output.suffix.lower()))
    best = best_thresholds(sweep)
    best_net = float(sweep.loc[(sweep["Low"] == best.low) & (sweep["High"] == best.high),
                               "Expected_Net_Recovery"].iloc[0])
    chosen, current_net = scenario.thresholds, plan_totals(decision.plan)["Expected_Net_Recovery"]
    currency = scenario.currency
    print(f"swept {len(grid)} pairs of thresholds (step {args.step:g}) over {decision.portfolio.n_rows:,} rows of "
          f"{args.input.name} with the {scenario.method} method; grid: {args.output or 'stdout'}\n"
          f"best thresholds: low {best.low:g}, high {best.high:g}; expected net recovery "
          f"{format_amount(best_net, currency)}\n"
          f"the scenario's thresholds (low {chosen.low:g}, high {chosen.high:g}): expected net recovery "
          f"{format_amount(current_net, currency)}; the best pair gains "
          f"{'+' if best_net >= current_net else ''}{format_amount(best_net - current_net, currency)}",
          file=sys.stderr)
    print_findings(decision.findings)


def run_evaluate(args: argparse.Namespace) -> int:
    """Print the outcome analysis and the gates; exit 0 when every gate passes, else ``EXIT_GATE_FAILED``."""
    scenario = decision_scenario(args)
    decision = decide_file(args, scenario, load_models(args))
    analysis, gates = decision.analysis, decision.gates
    if args.json:
        report = {"file": args.input.name, "method": scenario.method, **analysis.to_dict(),
                  "gates": [{"gate": g.gate, "limit": g.limit_value, "measured": g.measured_value,
                             "status": g.status} for g in gates], "gates_passed": all_passed(gates)}
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print(format_evaluation(args.input.name, scenario, decision))
    print_findings(decision.findings)
    return 0 if all_passed(gates) else EXIT_GATE_FAILED


def format_evaluation(name: str, scenario: DecisionScenario, decision: pipeline.Decision) -> str:
    """The outcome analysis and the gates as plain text, in the one number format."""
    analysis = decision.analysis
    lines = [f"Outcome analysis of {name} ({METHOD_LABELS[scenario.method]})", analysis.sentence()]
    if analysis.verdict is not None:
        lines += [f"  Gini {format_ratio(analysis.gini)}   KS {format_ratio(analysis.ks)}   Brier score "
                  f"{format_ratio(analysis.brier)}   calibration error {format_ratio(analysis.calibration_error)}",
                  "", "Gains by score decile (1 = highest risk scores):",
                  text_table(analysis.gains).to_string(index=False),
                  "", "Calibration by risk band:", text_table(analysis.calibration).to_string(index=False)]
    lines += ["", f"Validation gates ({gates_summary(decision.gates)}):",
              *(f"  {result.line()}" for result in decision.gates)]
    return "\n".join(lines)
