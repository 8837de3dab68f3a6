"""Benchmark: `python -m slrs score` end to end against the study's own steps, on the same file in the same run.

Run: .venv/bin/python benchmarks/bench_score.py [--rows 1000000] [--repeats 2]

For each size it generates one portfolio with the project's generator, then times, each in a fresh process
(so each pays its own imports and its peak memory is its own):

1. **SLRS**: `python -m slrs score FILE -o OUT` (read, validate, segment, risk, strategy and money, write);
2. **the study's steps**, as its method needs them: fit StandardScaler, K-Means (k=4) and a 100-tree Random
   Forest (the study's settings) on the *bundled* training data, then read the big file with pandas, scale it,
   predict segments and the forest's risk, apply the 0.50 / 0.75 thresholds and write it with pandas. Fitting on
   the big file would be slower still, but the study's method does not need it, so it is not counted.

SLRS's own modules are compiled to bytecode first (``compileall``), as pip does for an installed package and as
Python does at a package's first run, unless it may not write the files (``PYTHONDONTWRITEBYTECODE``): without
them, every run of a checkout compiles SLRS's sixty modules again (about 0.1 s). The study's libraries are
installed, so theirs already are.

It prints wall time, rows per second, peak memory (max RSS of the child process) and CPU time of each, and the
ratio. The issue's targets (2 cores): 1M rows under 10 s and 2 GB, and at least 2.5x faster than the study's steps.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slrs.synth import generate_portfolio  # noqa: E402

# The study's steps, as one script run in its own process: fit on the bundled data, then score the big file.
STUDY_SCRIPT = """
import sys
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler

features = {features!r}
training = pd.read_csv({training!r})
scaler = StandardScaler().fit(training[features])
kmeans = KMeans(n_clusters=4, n_init=10, random_state=42).fit(scaler.transform(training[features]))
flag = np.isin(kmeans.labels_, [2, 3]).astype(int)
forest = RandomForestClassifier(n_estimators=100, random_state=42, n_jobs=-1)
forest.fit(scaler.transform(training[features]), flag)

frame = pd.read_csv(sys.argv[1])
scaled = scaler.transform(frame[features])
frame["Borrower_Segment"] = kmeans.predict(scaled)
frame["Risk_Score"] = forest.predict_proba(scaled)[:, 1]
frame["Recovery_Strategy"] = np.select([frame["Risk_Score"] > 0.75, frame["Risk_Score"] >= 0.5],
                                       ["Immediate legal notices & aggressive recovery",
                                        "Settlement offers & flexible repayment plans"],
                                       default="Automated reminders & routine monitoring")
frame.to_csv(sys.argv[2], index=False)
"""


class Run(NamedTuple):
    """One command's wall seconds, peak RSS (MB) and CPU seconds (user, system) in its own process."""

    seconds: float
    peak_mb: float
    user_s: float
    system_s: float


def run_timed(command: list[str]) -> Run:
    """Time one command in a fresh process (``os.wait4``: that child's own peak memory and CPU time)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{command[1:3]} failed (status {status})")
    return Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime, usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeats", type=int, default=1, help="runs of each (the best is kept)")
    args = parser.parse_args()
    from slrs.schema import SEGMENT_FEATURES

    compileall.compile_dir(ROOT / "slrs", quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "study.py"
        script.write_text(STUDY_SCRIPT.format(features=list(SEGMENT_FEATURES),
                                              training=str(ROOT / "data" / "portfolio.csv")))
        for rows in args.rows:
            path = Path(folder) / f"portfolio_{rows}.csv"
            generate_portfolio(rows, seed=1).to_csv(path, index=False)
            size_mb = path.stat().st_size / 1e6
            slrs = min(run_timed([sys.executable, "-m", "slrs", "score", str(path), "-o",
                                  str(Path(folder) / "scored.csv")]) for _ in range(args.repeats))
            study = min(run_timed([sys.executable, str(script), str(path), str(Path(folder) / "study.csv")])
                        for _ in range(args.repeats))
            print(f"{rows:,} rows ({size_mb:,.0f} MB CSV), best of {args.repeats}:")
            for name, run in (("slrs score   ", slrs), ("study's steps", study)):
                print(f"  {name} {run.seconds:6.1f} s  {rows / run.seconds:>10,.0f} rows/s  peak {run.peak_mb:,.0f} MB"
                      f"  CPU {run.user_s:.1f} s user + {run.system_s:.1f} s system")
            print("  (the study's steps: fitted on the bundled data, then read, predict and write this file)")
            print(f"  slrs is {study.seconds / slrs.seconds:.2f}x the study's speed", flush=True)


if __name__ == "__main__":
    main()
