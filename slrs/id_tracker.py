"""The Borrower_IDs of a file seen so far, and the row where each first appeared, without a Python object per ID.

Validation reads a large file in chunks, and a row repeats an ID when any earlier chunk holds it. A dict of a
million Python strings cost about 0.6 s of a million-row run, all of it holding the GIL that the scoring threads
need. Here each ID is remembered by a keyed 64-bit hash of its UTF-8 bytes in sorted numpy arrays, and its text in Arrow
arrays. The sorted arrays form levels that merge as they fill (as in a log-structured merge tree), so remembering
n IDs costs O(n log n) array work and a lookup is a binary search per level. A hash found again is confirmed by
comparing the texts, so two different IDs that share a hash are never taken for one another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slrs.limits import DEFAULT_LIMITS

# One random 64-bit key per byte position (odd, so no key wipes out a byte's difference), drawn when the process
# starts. A text's hash is the sum of (byte + 1) x key over its positions, modulo 2**64: a multilinear hash, under
# which two different texts share a hash only by chance (at most 2**-55 for a pair), so no file can be made to collide
# on purpose to slow the lookups down. Texts longer than any cell SLRS reads (``ReadLimits``) reuse the keys.
_KEYS = np.frombuffer(os.urandom(8 * 4 * DEFAULT_LIMITS.max_cell_chars), dtype=np.uint64) | np.uint64(1)


def hash_texts(texts: pa.Array) -> np.ndarray:
    """The 64-bit hash (uint64) of each value's UTF-8 bytes, computed one byte position at a time for all values at
    once: the work is the column's bytes, not a Python call per value. Nulls hash as empty text."""
    texts = texts.cast(pa.large_string())
    _, offset_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.empty(0, dtype=np.uint8)
    lengths = np.diff(offsets)
    # Longest first, so the values that still have a byte at a position are always the first ones.
    order = np.argsort(-lengths, kind="stable")
    starts, shortest_last = offsets[:-1][order], -lengths[order]
    hashes = np.zeros(len(texts), dtype=np.uint64)
    for position in range(int(-shortest_last[0]) if len(texts) else 0):
        going = int(np.searchsorted(shortest_last, -position, side="left"))  # values longer than position
        going_hashes = hashes[:going]  # a view: the sums land in hashes
        going_hashes += (data[starts[:going] + position].astype(np.uint64) + np.uint64(1)) \
            * _KEYS[position % len(_KEYS)]  # wraps modulo 2**64
    in_order = np.empty_like(hashes)
    in_order[order] = hashes
    return in_order


@dataclass(frozen=True)
class _Level:
    """IDs remembered together: hashes sorted, each with its first row and its position in ``IdTracker.texts``."""

    hashes: np.ndarray
    rows: np.ndarray
    positions: np.ndarray


@dataclass
class IdTracker:
    """Remembers Borrower_IDs across the chunks of one file so duplicates are found in streaming mode."""

    levels: list[_Level] = field(default_factory=list)
    texts: list[pa.Array] = field(default_factory=list)  # every remembered ID once, in the order remembered
    count: int = 0

    @classmethod
    def of(cls, first_rows: Mapping[str, int]) -> IdTracker:
        """A tracker that already knows these IDs and their first rows (e.g. repeats across a book's parts)."""
        tracker = cls()
        tracker.remember(pa.array(list(first_rows), type=pa.large_string()),
                         np.fromiter(first_rows.values(), dtype=np.int64, count=len(first_rows)))
        return tracker

    def first_rows(self, ids: pa.Array) -> np.ndarray:
        """The first row of each of ``ids`` (distinct, not null) seen before, -1 for those never seen."""
        return self._find(ids, hash_texts(ids))

    def remember(self, ids: pa.Array, rows: np.ndarray) -> None:
        """Remember ``ids`` (distinct, not null, never seen before) as first seen in ``rows``."""
        self._add(ids, hash_texts(ids), np.asarray(rows, dtype=np.int64))

    def _find(self, ids: pa.Array, hashes: np.ndarray) -> np.ndarray:
        found = np.full(len(ids), -1, dtype=np.int64)
        if not self.levels or not len(ids):
            return found
        remembered = pa.chunked_array(self.texts, type=pa.large_string())
        by_hash = np.argsort(hashes)  # numpy's binary search is several times faster for keys in order
        sorted_hashes = hashes[by_hash]
        for level in self.levels:
            entries = np.searchsorted(level.hashes, sorted_hashes)
            # Each ID against the remembered ones with its hash, in turn (one but where different IDs share a hash).
            candidates = np.flatnonzero(level.hashes[np.minimum(entries, len(level.hashes) - 1)] == sorted_hashes)
            while len(candidates):
                queries, at = by_hash[candidates], entries[candidates]
                same = pc.equal(remembered.take(pa.array(level.positions[at])),
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
        self.levels.append(_Level(hashes[order], rows[order], self.count + order))
        self.texts.append(ids.cast(pa.large_string()))
        self.count += len(ids)
        # Merge while the newest level is at least half the size of the one before: O(log n) levels.
        while len(self.levels) > 1 and len(self.levels[-2].hashes) <= 2 * len(self.levels[-1].hashes):
            older, newer = self.levels.pop(-2), self.levels.pop()
            hashes = np.concatenate([older.hashes, newer.hashes])
            order = np.argsort(hashes, kind="stable")  # two sorted runs: a merge
            self.levels.append(_Level(hashes[order], np.concatenate([older.rows, newer.rows])[order],
                                      np.concatenate([older.positions, newer.positions])[order]))

    def find_and_remember(self, ids: pa.Array, rows: np.ndarray) -> np.ndarray:
        """For distinct, non-null ``ids`` first seen in this chunk at ``rows``: their first row in the file (an
        earlier chunk's where one held them); the new ones are remembered."""
        hashes = hash_texts(ids)
        earlier = self._find(ids, hashes)
        new = earlier < 0
        self._add(ids.filter(pa.array(new)), hashes[new], np.asarray(rows, dtype=np.int64)[new])
        return np.where(new, rows, earlier)
