"""Work started in a background thread, its result or its error handed over in a ``concurrent.futures.Future``.

Standard library only, so the command line can start work on its input before it imports the scoring code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

Result = TypeVar("Result")


def start_in_background(name: str, work: Callable[[], Result]) -> Future[Result]:
    """Run ``work`` in a daemon thread called ``name`` (an unused result never holds up the exit)."""
    outcome: Future[Result] = Future()

    def run() -> None:
        try:
            outcome.set_result(work())
        except BaseException as error:  # noqa: BLE001 - handed to whoever asks for the result
            outcome.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return outcome
