"""Work in a background thread: its result, or its error, handed over by the future."""

from __future__ import annotations

import threading

import pytest

from slrs.background import start_in_background


def test_the_future_holds_the_works_result_from_a_daemon_thread_of_that_name() -> None:
    seen: list[threading.Thread] = []
    outcome = start_in_background("slrs-test", lambda: seen.append(threading.current_thread()) or 42)
    assert outcome.result(timeout=30) == 42
    assert seen[0].name == "slrs-test" and seen[0].daemon and seen[0] is not threading.current_thread()


def test_the_future_holds_the_works_error() -> None:
    def fail() -> None:
        raise ValueError("no such book")

    with pytest.raises(ValueError, match="no such book"):
        start_in_background("slrs-test", fail).result(timeout=30)
