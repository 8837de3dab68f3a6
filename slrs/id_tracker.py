"""The Borrower_IDs of a file seen so far, and the row where each first appeared, without a Python object per ID.

Validation reads a large file in chunks, and a row repeats an ID when any earlier chunk holds it. A dict of a
million Python strings cost about 0.6 s of a million-row run, all of it holding the GIL that the scoring threads
need. Here each ID is remembered by a keyed 64-bit hash of its UTF-8 bytes in sorted numpy arrays, and its text in
Arrow arrays. The sorted arrays form levels that merge as they fill (as in a log-structured merge tree), so
remembering n IDs costs O(n log n) array work and a lookup is a binary search per level. A hash found again is
confirmed by comparing the texts, so two different IDs that share a hash are never taken for one another.

The keys are drawn at random for each process: a tracker holds hashes that mean nothing in another process, so it
cannot be pickled (a book's parts on a Dask cluster each build their own from the IDs, ``IdTracker.of``).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Values up to this many bytes (nearly every ID) are hashed together in numpy, one byte position at a time, so the
# loop is bounded whatever the file holds; longer ones, one by one with BLAKE2b.
SHORT_BYTES = 256


@dataclass(frozen=True)
class _HashKeys:
    """One random 64-bit key per byte position of a short value (odd, so no key wipes out a byte's difference),
    and a key for BLAKE2b. A short value's hash is the sum of (byte + 1) x its position's key, modulo 2**64 (a
    multilinear hash): two different values share a hash only by chance, at most 2**-55 for a pair, so no file can
    be made to collide on purpose to slow the lookups down. Long values get BLAKE2b's keyed 64-bit digest."""

    positions: np.ndarray
    blake2b: bytes


@functools.cache
def _keys() -> _HashKeys:
    """This process's keys, drawn on first use."""
    return _HashKeys(np.frombuffer(os.urandom(8 * SHORT_BYTES), dtype=np.uint64) | np.uint64(1), os.urandom(16))


def hash_texts(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The keyed 64-bit hash (uint64) of each value's UTF-8 bytes (values are not null). The work is the column's
    bytes: short values are hashed together, a byte position at a time, not by a Python call each."""
    keys = _keys()
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    texts = texts.cast(pa.large_string())
    _, offset_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.empty(0, dtype=np.uint8)
    lengths = np.diff(offsets)
    hashes = np.zeros(len(texts), dtype=np.uint64)
    for row in np.flatnonzero(lengths > SHORT_BYTES):
        digest = hashlib.blake2b(data[offsets[row]:offsets[row + 1]], digest_size=8, key=keys.blake2b).digest()
        hashes[row] = np.frombuffer(digest, dtype=np.uint64)[0]
    short = np.flatnonzero(lengths <= SHORT_BYTES)
    # Longest first, so the values that still have a byte at a position are always the first ones.
    short = short[np.argsort(-lengths[short], kind="stable")]
    starts, shortest_last, sums = offsets[short], -lengths[short], np.zeros(len(short), dtype=np.uint64)
    for position in range(int(-shortest_last[0]) if len(short) else 0):
        going = int(np.searchsorted(shortest_last, -position, side="left"))  # values longer than position
        going_sums = sums[:going]  # a view: the sums land in sums
        going_sums += (data[starts[:going] + position].astype(np.uint64) + np.uint64(1)) * keys.positions[position]
    hashes[short] = sums  # each sum wrapped modulo 2**64, as the hash intends
    return hashes


@dataclass(frozen=True)
class _Level:
    """IDs remembered together: hashes sorted, each with its first row and its place in ``texts``."""

    hashes: np.ndarray
    rows: np.ndarray
    positions: np.ndarray
    texts: pa.Array  # one contiguous array: a take from it copies only what it takes


@dataclass
class IdTracker:
    """Remembers Borrower_IDs across the chunks of one file so duplicates are found in streaming mode."""

    _levels: list[_Level] = field(default_factory=list, init=False)

    @classmethod
    def of(cls, first_rows: Mapping[str, int]) -> IdTracker:
        """A tracker that already knows these IDs and their first rows (e.g. repeats across a book's parts)."""
        tracker = cls()
        ids = pa.array(list(first_rows), type=pa.large_string())
        tracker._add(ids, hash_texts(ids), np.fromiter(first_rows.values(), dtype=np.int64, count=len(first_rows)))
        return tracker

    def __reduce__(self) -> tuple:
        raise TypeError("an IdTracker's hashes are keyed for its own process; build one there with IdTracker.of")

    def first_rows(self, ids: pa.Array) -> np.ndarray:
        """The first row of each of ``ids`` (distinct, not null) seen before, -1 for those never seen."""
        return self._find(ids, hash_texts(ids))

    def find_and_remember(self, ids: pa.Array, rows: np.ndarray) -> np.ndarray:
        """For distinct, non-null ``ids`` first seen in this chunk at ``rows``: their first row in the file (an
        earlier chunk's where one held them); the new ones are remembered."""
        hashes = hash_texts(ids)
        earlier = self._find(ids, hashes)
        new = earlier < 0
        self._add(ids.filter(pa.array(new)), hashes[new], np.asarray(rows, dtype=np.int64)[new])
        return np.where(new, rows, earlier)

    def _find(self, ids: pa.Array, hashes: np.ndarray) -> np.ndarray:
        found = np.full(len(ids), -1, dtype=np.int64)
        if not self._levels or not len(ids):
            return found
        by_hash = np.argsort(hashes)  # numpy's binary search is several times faster for keys in order
        sorted_hashes = hashes[by_hash]
        for level in self._levels:
            entries = np.searchsorted(level.hashes, sorted_hashes)
            # Each ID against the remembered ones with its hash, in turn (one but where different IDs share a hash).
            candidates = np.flatnonzero(level.hashes[np.minimum(entries, len(level.hashes) - 1)] == sorted_hashes)
            while len(candidates):
                queries, at = by_hash[candidates], entries[candidates]
                same = pc.equal(level.texts.take(pa.array(level.positions[at])),
                                ids.take(pa.array(queries))).to_numpy(zero_copy_only=False)
                found[queries[same]] = level.rows[at[same]]
                entries[candidates] += 1
                candidates = candidates[~same]
                candidates = candidates[entries[candidates] < len(level.hashes)]
                candidates = candidates[level.hashes[entries[candidates]] == sorted_hashes[candidates]]
        return found

    def _add(self, ids: pa.Array, hashes: np.ndarray, rows: np.ndarray) -> None:
        if not len(ids):
            return
        order = np.argsort(hashes, kind="stable")
        self._levels.append(_Level(hashes[order], rows[order], order, ids.cast(pa.large_string())))
        # Merge while the newest level is at least half the size of the one before: O(log n) levels.
        while len(self._levels) > 1 and len(self._levels[-2].hashes) <= 2 * len(self._levels[-1].hashes):
            older, newer = self._levels.pop(-2), self._levels.pop()
            hashes = np.concatenate([older.hashes, newer.hashes])
            order = np.argsort(hashes, kind="stable")  # two sorted runs: a merge
            positions = np.concatenate([older.positions, newer.positions + len(older.texts)])
            self._levels.append(_Level(hashes[order], np.concatenate([older.rows, newer.rows])[order],
                                       positions[order], pa.concat_arrays([older.texts, newer.texts])))
