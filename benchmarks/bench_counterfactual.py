"""Benchmark: the counterfactual search for one borrower (`counterfactual.find_counterfactuals`).

Run: .venv/bin/python benchmarks/bench_counterfactual.py [--borrowers 20] [--rows 2000]

It loads the committed models, scores a generated portfolio, picks high-risk borrowers (legal tier under the
default thresholds, spread over the risk ranking) and times one whole search per borrower and method: batch
scoring of the candidates plus the re-scoring of each option returned. It also times the worst case, a
search that finds nothing and so tries every set of up to three inputs (thresholds 0 and 0.01). It prints
the median and the slowest search. Target: median under 1 s (2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slrs import pipeline  # noqa: E402
from slrs.counterfactual import find_counterfactuals  # noqa: E402
from slrs.io import load_bundle  # noqa: E402
from slrs.risk import METHODS  # noqa: E402
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds  # noqa: E402
from slrs.synth import generate_portfolio  # noqa: E402
from slrs.whatif import baseline_inputs  # noqa: E402

# Under these cut-offs an outcome-model borrower can hardly leave the legal tier: the search tries everything.
STRICT = Thresholds(0.0, 0.01)


def high_risk_inputs(view, profile: dict, count: int) -> list[dict]:
    """Model inputs of ``count`` legal-tier borrowers spread evenly over the risk ranking."""
    legal = view[view["Risk_Score"] > DEFAULT_THRESHOLDS.high].sort_values("Risk_Score", ascending=False)
    step = max(1, len(legal) // count)
    borrowers = legal["Borrower_ID"].iloc[::step].head(count)
    return [baseline_inputs(view, borrower, profile).inputs for borrower in borrowers]


def time_searches(bundle, inputs: list[dict], method: str, thresholds: Thresholds) -> tuple[list[float], int]:
    """Seconds per search, and how many searches found at least one option."""
    seconds, found = [], 0
    for borrower in inputs:
        start = time.perf_counter()
        result = find_counterfactuals(bundle, borrower, method, thresholds, bundle.manifest["profile"])
        seconds.append(time.perf_counter() - start)
        found += bool(result.options)
    return seconds, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--borrowers", type=int, default=20)
    parser.add_argument("--rows", type=int, default=2000, help="size of the generated portfolio to pick from")
    args = parser.parse_args()
    bundle = load_bundle()
    data = generate_portfolio(args.rows, seed=7).to_csv(index=False).encode()
    portfolio = pipeline.load(data, "bench.csv")
    for method in METHODS:
        inputs = high_risk_inputs(pipeline.score(portfolio, bundle, method), bundle.manifest["profile"],
                                  args.borrowers)
        find_counterfactuals(bundle, inputs[0], method, DEFAULT_THRESHOLDS, bundle.manifest["profile"])  # warm-up
        for label, thresholds in (("default thresholds", DEFAULT_THRESHOLDS), ("thresholds 0/0.01", STRICT)):
            seconds, found = time_searches(bundle, inputs, method, thresholds)
            print(f"{method:8} {label:19} {len(inputs)} borrowers ({found} with options): median "
                  f"{statistics.median(seconds) * 1000:6.0f} ms, slowest {max(seconds) * 1000:6.0f} ms", flush=True)


if __name__ == "__main__":
    main()
