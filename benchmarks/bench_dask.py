"""Benchmark: `slrs score --engine dask` on a local cluster of two workers against one process, same book, same run.

Run: .venv/bin/python benchmarks/bench_dask.py [--rows 1000000 5000000] [--file-rows 500000]

For each size it generates a book with the project's generator: a folder of Parquet files of ``--file-rows`` rows
each (IDs unique across the book), then times, each in a fresh process (imports, and for Dask the cluster's
start, included):

1. **one process**: `python -m slrs score BOOK -o single.parquet` (the local engine, streaming the files in order);
2. **Dask**: `python -m slrs score BOOK -o parts --engine dask` (a LocalCluster of two single-threaded worker
   processes on this machine; output a folder of Parquet parts).

It prints wall time, rows per second, core-seconds per million rows (wall time x the cores used, the cost a
cluster bills) and the ratio, then reads both outputs and checks they are equal row for row (every column, exact).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slrs.synth import generate_portfolio  # noqa: E402

CORES = 2


def write_book(folder: Path, rows: int, file_rows: int) -> None:
    folder.mkdir()
    for number, start in enumerate(range(0, rows, file_rows)):
        frame = generate_portfolio(min(file_rows, rows - start), seed=100 + number)
        frame["Borrower_ID"] = [f"BRW_{start + i + 1}" for i in range(len(frame))]
        frame.to_parquet(folder / f"loans-{number:03d}.parquet", index=False, row_group_size=250_000)


def run_timed(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:4])} failed:\n{result.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--file-rows", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for rows in args.rows:
            book = Path(scratch) / f"book_{rows}"
            write_book(book, rows, args.file_rows)
            single_out, dask_out = Path(scratch) / f"single_{rows}.parquet", Path(scratch) / f"parts_{rows}"
            single = run_timed([sys.executable, "-m", "slrs", "score", str(book), "-o", str(single_out)])
            dask = run_timed([sys.executable, "-m", "slrs", "score", str(book), "-o", str(dask_out),
                              "--engine", "dask"])
            expected = pd.read_parquet(single_out)
            result = pd.concat([pd.read_parquet(part) for part in sorted(dask_out.iterdir())], ignore_index=True)
            pd.testing.assert_frame_equal(result, expected, check_exact=True)
            files = len(list(book.iterdir()))
            print(f"{rows:,} rows ({files} Parquet files of up to {args.file_rows:,} rows):")
            for name, seconds in (("one process", single), ("dask, 2 workers", dask)):
                print(f"  {name:<16} {seconds:6.1f} s  {rows / seconds:>10,.0f} rows/s  "
                      f"{seconds * CORES / (rows / 1e6):5.1f} core-s per million rows")
            print(f"  dask is {single / dask:.2f}x one process; outputs equal row for row ({len(result):,} rows, "
                  f"{result.shape[1]} columns)", flush=True)
            for path in [*dask_out.iterdir(), single_out]:
                os.remove(path)


if __name__ == "__main__":
    main()
