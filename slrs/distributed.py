"""Past one machine: the pipeline's own functions on partitions of a portfolio, on a ``dask.distributed`` cluster.

A *book* is one or more portfolio files (a file, a folder or a glob) read in order as one portfolio. It is cut
into partitions (a CSV or workbook file each; a Parquet file by groups of its row groups) and every partition
goes through the same steps as a chunk of a single-machine run, on whichever worker the scheduler picks:

1. **census**: each partition's row count and the first row of each Borrower_ID in it. The IDs are shuffled by
   hash into buckets, so no machine holds them all, and each bucket names the IDs found in more than one
   partition with the row that comes first in the book.
2. **score**: each partition is validated from its first row in the book (so row numbers and "first seen in
   row N" are the book's own), scored, planned and written as one Parquet part, in order.
3. **capacities**, only when the scenario has one: a capacity is book-wide (the most valuable accounts of the
   whole book keep the scarce action), so the client gathers two numbers per row (risk score and outstanding
   amount), ranks them with ``slrs.money``'s own function and hands each partition its actions.

The result equals the single-machine run row for row: every row's score is computed in one thread in one order
(``slrs.scoring``), validation is told the book's row numbers and repeated IDs, and capacities are ranked over the
whole book by the same function. The totals, drift and findings come from the partitions' ``Tally``s, merged.

Workers need ``slrs`` importable (the same version as the client); the models are sent to them from the client.
Outputs are written by the workers, so a cluster on other machines needs the output folder on storage they share.
"""

from __future__ import annotations

import logging
import operator
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dask.distributed import Client, Future, KilledWorker, LocalCluster

from slrs.bundle import ModelBundle
from slrs.csv_reading import unique_headers
from slrs.exceptions import DataValidationError, SLRSError
from slrs.id_tracker import IdTracker
from slrs.io import (
    PARQUET_SUFFIXES,
    check_same_header,
    file_header,
    iter_portfolio_file,
    write_atomically,
    write_frames,
)
from slrs.limits import STREAM_CHUNK_ROWS
from slrs.money import capacity_actions
from slrs.pipeline import Tally, join_scored, merge_tallies, planned_output, scored_chunks
from slrs.portfolio import LoadedPortfolio
from slrs.scenario import DecisionScenario
from slrs.schema import ID_COLUMN, REQUIRED_COLUMNS, RISK_COLUMN
from slrs.validation import borrower_id_text, borrower_ids, map_headers

PARTITION_ROWS = 1_000_000  # rows per partition of a Parquet file (whole row groups)
ID_BUCKETS = 8
LOCAL_WORKERS = 2
PART_NAME = "part-{:05d}.parquet"


@dataclass(frozen=True)
class Partition:
    """One piece of a book: a whole file, or some row groups of a Parquet file."""

    path: Path
    row_groups: tuple[int, ...] | None = None

    def frames(self, chunk_rows: int = STREAM_CHUNK_ROWS,
               columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        return iter_portfolio_file(self.path, chunk_rows, row_groups=self.row_groups, columns=columns)


def partition_book(paths: Sequence[Path], rows_per_partition: int = PARTITION_ROWS) -> list[Partition]:
    """The partitions of a book, in its row order."""
    partitions = []
    for path in paths:
        if path.suffix.lower() not in PARQUET_SUFFIXES:
            partitions.append(Partition(path))
            continue
        groups, rows = [], 0
        try:
            metadata = pq.ParquetFile(path).metadata
        except (pa.ArrowException, OSError):  # not Parquet, or damaged: the reader on a worker says which, in words
            partitions.append(Partition(path))
            continue
        for group in range(metadata.num_row_groups):
            groups.append(group)
            rows += metadata.row_group(group).num_rows
            if rows >= rows_per_partition:
                partitions.append(Partition(path, tuple(groups)))
                groups, rows = [], 0
        if groups and not rows and partitions and partitions[-1].path == path:  # empty groups left: with the last
            partitions[-1] = Partition(path, partitions[-1].row_groups + tuple(groups))
        elif groups or not partitions or partitions[-1].path != path:
            partitions.append(Partition(path, tuple(groups) or None))
    return partitions


@contextmanager
def connect(scheduler: str | None) -> Iterator[Client]:
    """A client of the cluster at ``scheduler`` (``tcp://host:8786``), or of a local cluster of ``LOCAL_WORKERS``
    single-threaded worker processes on 127.0.0.1, closed on leaving."""
    logging.getLogger("distributed").setLevel(logging.WARNING)  # its start-up chatter is not the user's news
    if scheduler:
        if not re.fullmatch(r"(tcp|tls)://[^/\s]+:\d+", scheduler):
            raise SLRSError(f"--scheduler {scheduler} is not a scheduler's address; expected the one a running "
                            "`dask scheduler` prints, e.g. tcp://10.0.0.5:8786 (not its dashboard's http:// page)")
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise SLRSError(f"cannot reach the Dask scheduler at {scheduler} ({error}); expected the address a "
                            "running `dask scheduler` prints, e.g. tcp://10.0.0.5:8786") from None
        with client, _cluster_failures_in_words():
            yield client
        return
    with LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:  # this machine only
        with _cluster_failures_in_words():
            yield client


@contextmanager
def _cluster_failures_in_words() -> Iterator[None]:
    """Work the cluster dropped (a worker or the scheduler that cannot import slrs, a lost connection) as an
    ``SLRSError`` that says what to check; a worker's own ``SLRSError`` passes through as it is."""
    try:
        yield
    except (CancelledError, KilledWorker, OSError, TimeoutError) as error:
        raise SLRSError(f"the Dask cluster did not finish the work ({type(error).__name__}: {error}); check that "
                        "the scheduler and every worker run this version of slrs (started from the project folder "
                        "with PYTHONPATH set to it, see the README), can read the input and write beside the "
                        "output, have the memory for a partition, and stay connected") from None


# --- census: row counts and the IDs repeated across partitions -------------------------------------------------

def _census(partition: Partition) -> tuple[int, list[pd.Series], list[str]]:
    """Rows of a partition, the first position of each Borrower_ID in it (split into ``ID_BUCKETS`` by hash), and
    its file's header."""
    id_column = find_id_column_alone(partition)
    if id_column is None:
        frames, header = partition.frames(), []
    else:
        frames, header = partition.frames(columns=[id_column.name]), id_column.header
    rows, firsts = 0, []
    for frame in frames:
        header = header or file_header(frame)
        if id_column is None:
            ids = borrower_ids(frame, f"'{partition.path.name}'")
        else:
            ids = borrower_id_text(frame[id_column.name])
        if ids is not None:
            ids = ids[ids != ""]
            firsts.append(pd.Series(ids.index.to_numpy() + rows, index=ids.to_numpy()))
        rows += len(frame)
    first = pd.concat(firsts) if firsts else pd.Series(dtype=np.int64)
    first = first[~first.index.duplicated()]
    bucket = pd.util.hash_array(first.index.to_numpy(dtype=object)) % ID_BUCKETS
    return rows, [first[bucket == b] for b in range(ID_BUCKETS)], header


class IdColumn(NamedTuple):
    """A Parquet file's Borrower_ID column, named as in the file and as its frames name it, and the file's header."""

    name: str
    header: list[str]


def find_id_column_alone(partition: Partition) -> IdColumn | None:
    """A Parquet partition's Borrower_ID column, when the census can read it alone (about a twentieth of reading
    every column) and learn all it would from every column: the file's header has every required column, no name
    twice, and the ID column's name is its header (not one the reader strips or guards).

    None otherwise (other files, a header the reader changes or refuses): the census then reads every column and
    refuses a bad file in the single-process run's words. Values of the other columns are checked when the
    partition is scored (a value too long, damaged pages), with the same words, after the census.
    """
    if partition.path.suffix.lower() not in PARQUET_SUFFIXES:
        return None
    try:
        names = [str(name) for name in pq.read_schema(partition.path).names]
        header = unique_headers(names, partition.path.name)
        column_map = map_headers(header)
    except (pa.ArrowException, OSError, DataValidationError):
        return None
    id_header = column_map.get(ID_COLUMN)
    if (id_header is None or len(set(names)) < len(names) or names[header.index(id_header)] != id_header
            or any(name not in column_map for name in REQUIRED_COLUMNS)):
        return None
    return IdColumn(id_header, file_header(pd.DataFrame(columns=header)))


def _repeats_in_bucket(offsets: list[int], pieces: list[pd.Series]) -> dict[str, int]:
    """IDs of one bucket found in more than one partition, with their first row number in the book (1-based)."""
    rows = pd.concat([piece + offset + 1 for piece, offset in zip(pieces, offsets, strict=True)])
    repeated = rows.index.duplicated(keep=False)
    return rows[repeated].groupby(level=0).min().to_dict()


def book_census(client: Client, partitions: list[Partition]) -> tuple[list[int], dict[str, int]]:
    """Each partition's first row offset in the book, and the IDs that repeat across partitions."""
    census = client.map(_census, partitions, pure=False)
    counts, headers = zip(*client.gather([client.submit(operator.itemgetter(0, 2), c) for c in census]), strict=True)
    for partition, header in zip(partitions, headers, strict=True):
        check_same_header(header, headers[0], partition.path.name)  # as the single-process run refuses it
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
    buckets = [client.submit(_repeats_in_bucket, offsets,
                             [client.submit(_bucket, c, b) for c in census]) for b in range(ID_BUCKETS)]
    repeats: dict[str, int] = {}
    for found in client.gather(buckets):
        repeats.update(found)
    return offsets, repeats


def _bucket(census: tuple[int, list[pd.Series], list[str]], number: int) -> pd.Series:
    """One bucket of a partition's IDs (a task of its own, so only that bucket travels to its reducer)."""
    return census[1][number]


# --- scoring ----------------------------------------------------------------------------------------------------

def _scored(partition: Partition, offset: int, repeats: dict[str, int], bundle: ModelBundle,
            method: str, source: str) -> Iterator[tuple[LoadedPortfolio, pd.DataFrame]]:
    return scored_chunks(partition.frames(), bundle, method, source, first_row=offset + 1,
                         tracker=IdTracker.of(repeats))


def _score_and_write(partition: Partition, offset: int, repeats: dict[str, int], bundle: ModelBundle,
                     scenario: DecisionScenario, source: str, part: Path) -> Tally:
    """A partition scored, planned and written as one Parquet part (no capacity: each row plans alone)."""
    tally = Tally.of(bundle, scenario.method)
    tables = (planned_output(portfolio, view, scenario, tally)
              for portfolio, view in _scored(partition, offset, repeats, bundle, scenario.method, source))
    with closing(tables):  # a failed write stops the readers behind it at once
        write_atomically(part, lambda stream: write_frames(tables, stream, ".parquet"))
    return tally


def _score_and_keep(partition: Partition, offset: int, repeats: dict[str, int], bundle: ModelBundle,
                    method: str, source: str) -> tuple[LoadedPortfolio, pd.DataFrame]:
    """A partition scored and held on its worker (as one portfolio and its view) until the book is planned."""
    return join_scored(list(_scored(partition, offset, repeats, bundle, method, source)), source)


def _plan_inputs(kept: tuple[LoadedPortfolio, pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """What the book-wide capacity ranking needs of a partition: risk scores and outstanding amounts."""
    view = kept[1]
    return view[RISK_COLUMN].to_numpy(dtype=float), view["Outstanding_Loan_Amount"].to_numpy(dtype=float)


def _plan_and_write(kept: tuple[LoadedPortfolio, pd.DataFrame], actions: np.ndarray, bundle: ModelBundle,
                    scenario: DecisionScenario, part: Path) -> Tally:
    portfolio, view = kept
    tally = Tally.of(bundle, scenario.method)
    table = planned_output(portfolio, view, scenario, tally, actions=actions)
    write_atomically(part, lambda stream: write_frames([table], stream, ".parquet"))
    return tally


def score_book(client: Client, paths: Sequence[Path], bundle: ModelBundle, scenario: DecisionScenario,
               parts_folder: Path, source: str) -> tuple[Tally, list[Path]]:
    """Score a book on the cluster into Parquet parts in ``parts_folder`` (in row order); the merged tally."""
    partitions, offsets, repeats, models = _prepare(client, paths, bundle)
    parts = [parts_folder / PART_NAME.format(number) for number in range(len(partitions))]
    count, empty = len(partitions), Tally.of(bundle, scenario.method)
    if not scenario.assumptions.has_capacities:
        return _merged(client.map(_score_and_write, partitions, offsets, [repeats] * count, [models] * count,
                                  [scenario] * count, [source] * count, parts, pure=False), empty), parts
    kept = _kept(client, partitions, offsets, repeats, models, scenario.method, source)
    inputs = client.gather(client.map(_plan_inputs, kept))
    risk, outstanding = (np.concatenate([part[column] for part in inputs]) for column in (0, 1))
    actions = np.split(capacity_actions(risk, outstanding, scenario.thresholds, scenario.assumptions),
                       np.cumsum([len(part[0]) for part in inputs])[:-1])
    return _merged(client.map(_plan_and_write, kept, actions, [models] * count, [scenario] * count, parts,
                              pure=False), empty), parts


def gather_book(client: Client, paths: Sequence[Path], bundle: ModelBundle, method: str,
                source: str, digest: str) -> tuple[LoadedPortfolio, pd.DataFrame]:
    """A book scored on the cluster and gathered whole on the client, for the commands that need every row at
    once (``sweep``, ``report``): the portfolio and its view, as ``pipeline.load`` and ``pipeline.score`` give."""
    partitions, offsets, repeats, models = _prepare(client, paths, bundle)
    return join_scored(client.gather(_kept(client, partitions, offsets, repeats, models, method, source)), source,
                       digest)


def _prepare(client: Client, paths: Sequence[Path],
             bundle: ModelBundle) -> tuple[list[Partition], list[int], dict[str, int], Future]:
    """The book's partitions, their offsets, the IDs repeated across them, and the models sent to every worker."""
    partitions = partition_book(paths)
    offsets, repeats = book_census(client, partitions)
    [models] = client.scatter([bundle], broadcast=True)
    return partitions, offsets, repeats, models


def _kept(client: Client, partitions: list[Partition], offsets: list[int], repeats: dict[str, int], models: Future,
          method: str, source: str) -> list[Future]:
    count = len(partitions)
    return client.map(_score_and_keep, partitions, offsets, [repeats] * count, [models] * count, [method] * count,
                      [source] * count, pure=False)


def _merged(tallies: list[Future], empty: Tally) -> Tally:
    """The partitions' tallies merged in order into ``empty`` as they arrive."""
    merged = empty
    for tally in tallies:
        merged = merge_tallies(merged, tally.result())
    return merged


# --- the parts as the output the user asked for --------------------------------------------------------------

def write_book_output(parts: list[Path], output: Path) -> None:
    """The parts as ``output``: a folder of Parquet parts (no suffix), or one Parquet or CSV file, written in
    order one part at a time and atomically."""
    suffix = output.suffix.lower()
    write_atomically(output, lambda stream: write_frames(
        (pq.read_table(part).to_pandas() for part in parts), stream, suffix))


@contextmanager
def parts_folder_for(output: Path) -> Iterator[Path]:
    """A temporary folder beside ``output`` for the workers' parts; removed on leaving unless it became the
    output folder."""
    folder = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial"))
    folder.chmod(0o755)  # mkdtemp's 0700 would follow a published folder of parts
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)

