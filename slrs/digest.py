"""The sha256 of a file: how SLRS tells a file it has seen (the models' training data, a stored snapshot).

Standard library only, so the command line can start hashing an input before it imports the scoring code.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from pathlib import Path

from slrs.background import start_in_background


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks so large portfolios do not fill memory (hashlib frees the GIL)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def start_sha256(path: Path) -> Future[str]:
    """``sha256_file(path)`` computed from now on in a background thread; its error, if any, is the future's."""
    return start_in_background("slrs-sha256", lambda: sha256_file(path))
