"""Benchmark: `python -m slrs score` end to end against the study's own steps on the same file.

Run: .venv/bin/python benchmarks/bench_score.py [--rows 100000 1000000]

For each size it generates a portfolio with the project's generator, then times
1. `python -m slrs score FILE -o OUT` in a subprocess (reading, validation, segments, risk, strategy,
   writing), with its peak memory (max RSS of the child, from the OS);
2. the study's steps in this process: pandas read, StandardScaler, K-Means (k=4), a 100-tree Random Forest
   fitted on the segment flag and predicting every row, thresholds.
It prints wall time, rows per second and peak memory. Targets (2 cores): 1M rows under 20 s and 2 GB,
and at least twice as fast as the study's steps.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slrs.schema import SEGMENT_FEATURES  # noqa: E402
from slrs.synth import generate_portfolio  # noqa: E402


def time_slrs_score(path: Path, output: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `slrs score` run in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "slrs", "score", str(path), "-o", str(output)], cwd=ROOT, check=True,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb


def time_study_steps(path: Path) -> float:
    """The study's pipeline as published: read, scale, K-Means, RF on the flag, thresholds."""
    start = time.perf_counter()
    frame = pd.read_csv(path)
    scaled = StandardScaler().fit_transform(frame[list(SEGMENT_FEATURES)])
    segments = KMeans(n_clusters=4, n_init=10, random_state=42).fit_predict(scaled)
    flag = np.isin(segments, [0, 3]).astype(int)
    forest = RandomForestClassifier(n_estimators=100, random_state=42, n_jobs=-1).fit(scaled, flag)
    risk = forest.predict_proba(scaled)[:, 1]
    np.select([risk > 0.75, risk >= 0.5], ["legal", "settlement"], default="reminders")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip-study", action="store_true", help="time only slrs score")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = Path(folder) / f"portfolio_{rows}.csv"
            generate_portfolio(rows, seed=1).to_csv(path, index=False)
            seconds, peak_mb = time_slrs_score(path, Path(folder) / "scored.csv")
            print(f"slrs score   {rows:>9,} rows: {seconds:6.1f} s  {rows / seconds:>9,.0f} rows/s  "
                  f"peak memory {peak_mb:,.0f} MB", flush=True)
            if not args.skip_study:
                study = time_study_steps(path)
                print(f"study steps  {rows:>9,} rows: {study:6.1f} s  {rows / study:>9,.0f} rows/s  "
                      f"(slrs is {study / seconds:.1f}x faster)", flush=True)


if __name__ == "__main__":
    main()
