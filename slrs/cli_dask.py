"""``--engine dask`` for ``score``, ``sweep`` and ``report``: the same commands, their work on a dask.distributed
cluster (``slrs.distributed``). Imported only when asked for, like the other lazy command modules."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from slrs.bundle import ModelBundle
from slrs.digest import sha256_file
from slrs.distributed import (
    connect,
    gather_book,
    parts_folder_for,
    score_book,
    write_book_output,
)
from slrs.exceptions import SLRSError
from slrs.io import names_a_folder, publish_folder
from slrs.pipeline import Tally
from slrs.portfolio import LoadedPortfolio
from slrs.scenario import DecisionScenario


def score(args: argparse.Namespace, paths: list[Path], bundle: ModelBundle, scenario: DecisionScenario,
          output: Path | None) -> Tally:
    """Score a book on the cluster into ``output`` (a folder of Parquet parts, or one Parquet or CSV file)."""
    if output is None:
        raise SLRSError("--engine dask writes its output with -o: a folder (a name without a suffix) of Parquet "
                        "parts, or one .parquet or .csv file")
    try:
        with parts_folder_for(output) as folder:
            with connect(args.scheduler) as client:
                tally, parts = score_book(client, paths, bundle, scenario, folder, f"'{args.input.name}'")
            if names_a_folder(output):
                publish_folder(folder, output)
            else:
                write_book_output(parts, output)
    except OSError as error:
        raise SLRSError(f"cannot write {output} ({error.strerror or error}); nothing was written") from None
    return tally


def gather(args: argparse.Namespace, paths: list[Path], bundle: ModelBundle,
           method: str) -> tuple[LoadedPortfolio, pd.DataFrame]:
    """A book scored on the cluster and gathered here whole (``sweep`` and ``report`` need every row)."""
    digest = sha256_file(paths[0]) if len(paths) == 1 else ""
    with connect(args.scheduler) as client:
        return gather_book(client, paths, bundle, method, f"'{args.input.name}'", digest)
