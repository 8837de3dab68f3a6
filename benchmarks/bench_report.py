"""Benchmark: making the committee pack for a large portfolio.

Run: .venv/bin/python benchmarks/bench_report.py [--rows 100000]

Generates ``--rows`` rows and loads them as an upload is loaded (read and validated; not timed), then prints
the wall time of ``report.build_committee_pack``
1. as the app makes it: the session has already scored the portfolio with both methods (champion: outcome
   method with a legal capacity; challenger: the study method), so the pack reuses those views;
2. from scratch, as ``python -m slrs report`` does: scoring both methods included.
Target (2 cores): report generation under 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slrs import pipeline  # noqa: E402
from slrs.io import load_bundle  # noqa: E402
from slrs.money import ActionTerms, Assumptions  # noqa: E402
from slrs.scenario import DecisionScenario  # noqa: E402
from slrs.synth import generate_portfolio  # noqa: E402

SCENARIO = DecisionScenario("outcome", assumptions=Assumptions(
    legal=ActionTerms(6000.0, (0.88, 0.80, 0.66, 0.52), capacity=1000)))
CHALLENGER = DecisionScenario("study")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    bundle = load_bundle()
    data = generate_portfolio(args.rows, seed=1).to_csv(index=False).encode()
    portfolio = pipeline.load(data, "bench.csv")
    print(f"{os.cpu_count()} cores; {args.rows:,} rows", flush=True)

    start = time.perf_counter()
    champion, challenger = pipeline.decide(portfolio, bundle, SCENARIO), pipeline.decide(portfolio, bundle, CHALLENGER)
    decided = time.perf_counter() - start
    start = time.perf_counter()
    pack = pipeline.pack(champion, challenger, bundle)
    seconds = time.perf_counter() - start
    print(f"committee pack, decisions already made (the app): {seconds:5.2f} s, {len(pack) / 1e6:.1f} MB", flush=True)
    print(f"committee pack, deciding both scenarios first (the CLI): {decided + seconds:5.2f} s", flush=True)


if __name__ == "__main__":
    main()
