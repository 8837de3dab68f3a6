"""The sha256 of a file: how SLRS tells a file it has seen (the models' training data, a stored snapshot).

Standard library only, so the command line can start hashing an input before it imports the scoring code.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks so large portfolios do not fill memory (hashlib frees the GIL)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def start_sha256(path: Path) -> Future:
    """``sha256_file(path)`` computed from now on in a background thread; its error, if any, is the future's."""
    digest: Future = Future()

    def compute() -> None:
        try:
            digest.set_result(sha256_file(path))
        except BaseException as error:  # noqa: BLE001 - handed to whoever asks for the result
            digest.set_exception(error)

    threading.Thread(target=compute, name="slrs-sha256", daemon=True).start()
    return digest
