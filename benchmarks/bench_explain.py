"""Benchmark: reason codes for one borrower and for a whole portfolio (the download).

Run: .venv/bin/python benchmarks/bench_explain.py [--rows 100000] [--method outcome study]

Prints, per risk method,
1. reason codes for one borrower (``explain.explain_inputs``: SHAP values, calibration term, displayed
   score), the median of 50 runs, in ms, with the explainer built once as the app caches it;
2. the Reason_1..3 table for a generated portfolio of ``--rows`` rows (``explain.reason_codes_table``,
   every core), in s; validation of the file is not timed.
Targets (2 cores): one borrower under 50 ms, 100,000 rows under 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slrs.explain import ReasonExplainer, explain_inputs, reason_codes_table  # noqa: E402
from slrs.io import load_bundle  # noqa: E402
from slrs.risk import METHODS  # noqa: E402
from slrs.synth import generate_portfolio  # noqa: E402
from slrs.validation import validate_portfolio  # noqa: E402
from slrs.whatif import baseline_inputs  # noqa: E402

ONE_BORROWER_RUNS = 50


def time_one_borrower(explainer: ReasonExplainer, inputs: dict, method: str) -> float:
    """Median wall time (ms) of the reason codes of one borrower."""
    explain_inputs(explainer.bundle, inputs, method, explainer)  # warm-up
    times = []
    for _ in range(ONE_BORROWER_RUNS):
        start = time.perf_counter()
        explain_inputs(explainer.bundle, inputs, method, explainer)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--method", choices=METHODS, nargs="+", default=list(METHODS))
    args = parser.parse_args()
    bundle = load_bundle()
    explainer = ReasonExplainer(bundle)
    validation = validate_portfolio(generate_portfolio(args.rows, seed=1).astype(str))
    borrower = baseline_inputs(validation.clean, str(validation.clean["Borrower_ID"].iloc[0]),
                               bundle.manifest["profile"])
    print(f"{os.cpu_count()} cores; {args.rows:,} rows ({int(validation.scorable.sum()):,} scorable)", flush=True)
    for method in args.method:
        one = time_one_borrower(explainer, borrower.inputs, method)
        print(f"{method:8s} reason codes, one borrower: {one:6.1f} ms (median of {ONE_BORROWER_RUNS})", flush=True)
        start = time.perf_counter()
        table = reason_codes_table(bundle, validation.clean, method, scorable=validation.scorable,
                                   explainer=explainer)
        seconds = time.perf_counter() - start
        print(f"{method:8s} reason codes, {len(table):,} rows: {seconds:6.1f} s "
              f"({len(table) / seconds:,.0f} rows/s)", flush=True)


if __name__ == "__main__":
    main()
