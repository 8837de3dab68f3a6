"""File hashes: one function, computed in the foreground or from a background thread, with the same result."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from slrs.digest import sha256_file, start_sha256


def test_sha256_file_equals_hashlib_on_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    data = b"x" * (3 << 20) + b"tail"  # several of the reader's blocks
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_start_sha256_gives_the_same_hash_or_the_files_error(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert start_sha256(path).result(timeout=30) == sha256_file(path)
    with pytest.raises(FileNotFoundError):
        start_sha256(tmp_path / "missing.csv").result(timeout=30)
