"""The memory of Borrower_IDs seen so far: exact first rows, whatever the hashes do."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slrs import id_tracker
from slrs.id_tracker import IdTracker, hash_texts


def _hash(text: str) -> int:
    """A short value's hash written out byte by byte: the sum of (byte + 1) x the position's key, modulo 2**64."""
    keys = id_tracker._keys().positions
    return sum((byte + 1) * int(keys[position]) for position, byte in enumerate(text.encode("utf-8"))) % 2 ** 64


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_hashes_sum_each_bytes_key_whatever_the_lengths(kind) -> None:
    values = ["", "a", "BRW_12", "é", "Ünïcödé ID", "BRW_12 ", "x" * 256, "BRW_1", "\x00", "\x00\x00"]
    array = pa.array(["skipped", *values], kind).slice(1)  # a slice: its offset must be honoured
    hashes = hash_texts(array).tolist()
    assert hashes == [_hash(value) for value in values]
    assert len(set(hashes)) == len(values)  # different texts (even of NUL bytes), different hashes
    assert hash_texts(pa.array([], kind)).tolist() == []
    assert hash_texts(pa.chunked_array([array.slice(0, 3), array.slice(3)])).tolist() == hashes


def test_long_values_get_a_keyed_digest_that_tells_any_two_apart() -> None:
    """Past SHORT_BYTES a value is hashed whole (BLAKE2b): bytes swapped far apart or a late difference count."""
    head = "é" * id_tracker.SHORT_BYTES  # two bytes a letter: twice the short values' reach
    values = [head + "ab", head + "ba", "b" + head + "a", "a" + head + "b", head + "ab"]
    hashes = hash_texts(pa.array(values)).tolist()
    assert hashes[0] == hashes[4] and len(set(hashes)) == 4
    assert hashes[0] == hash_texts(pa.array(["BRW_1", head + "ab"])).tolist()[1]  # the same in any batch


def _walk_chunks(chunks: list[list[str]]) -> tuple[IdTracker, list[list[int]]]:
    """Each chunk's distinct IDs through one tracker, as validation does: the first rows it gives back."""
    tracker, row, answers = IdTracker(), 1, []
    for chunk in chunks:
        distinct = list(dict.fromkeys(chunk))
        rows = np.array([row + chunk.index(value) for value in distinct])
        answers.append(tracker.find_and_remember(pa.array(distinct, pa.large_string()), rows).tolist())
        row += len(chunk)
    return tracker, answers


def _plain_first_rows(chunks: list[list[str]]) -> list[list[int]]:
    first: dict[str, int] = {}
    row, answers = 1, []
    for chunk in chunks:
        for offset, value in enumerate(chunk):
            first.setdefault(value, row + offset)
        answers.append([first[value] for value in dict.fromkeys(chunk)])
        row += len(chunk)
    return answers


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.lists(st.sampled_from(["A", "B", "C", "é", "AB", "BA", "A " * 3]), min_size=1, max_size=6),
                       min_size=1, max_size=12))
def test_first_rows_are_those_a_plain_dict_gives(chunks: list[list[str]]) -> None:
    assert _walk_chunks(chunks)[1] == _plain_first_rows(chunks)


def test_different_ids_that_share_a_hash_are_told_apart(monkeypatch) -> None:
    """Every ID hashed alike: each lookup must compare texts through the whole run of equal hashes."""
    monkeypatch.setattr(id_tracker, "hash_texts", lambda texts: np.zeros(len(texts), dtype=np.uint64))
    chunks = [["A", "B"], ["C", "B"], ["D", "A", "C"], ["E"], ["E", "D"]]
    tracker, answers = _walk_chunks(chunks)
    assert answers == _plain_first_rows(chunks) == [[1, 2], [3, 2], [5, 1, 3], [8], [8, 5]]
    assert tracker.first_rows(pa.array(["E", "Z", "A"])).tolist() == [8, -1, 1]


def test_a_tracker_made_of_known_first_rows_finds_them() -> None:
    tracker = IdTracker.of({"BRW_7": 7, "BRW_70": 70})
    assert tracker.first_rows(pa.array(["BRW_70", "BRW_8", "BRW_7"])).tolist() == [70, -1, 7]
    assert IdTracker.of({}).first_rows(pa.array(["BRW_7"])).tolist() == [-1]


def test_levels_merge_so_a_long_file_keeps_few() -> None:
    tracker = IdTracker()
    for chunk in range(64):
        ids = pa.array([f"ID_{chunk}_{n}" for n in range(10)])
        tracker.find_and_remember(ids, np.arange(10) + chunk * 10 + 1)
    assert len(tracker._levels) <= 7  # about log2(64) + 1
    assert tracker.first_rows(pa.array(["ID_0_0", "ID_63_9", "ID_64_0"])).tolist() == [1, 640, -1]


def test_a_tracker_is_not_carried_to_another_process_where_its_keys_mean_nothing() -> None:
    with pytest.raises(TypeError, match="keyed for its own process"):
        pickle.dumps(IdTracker.of({"BRW_1": 1}))
