"""The imports' pause of Python's garbage collector: paused inside, as it was after, even after an error."""

from __future__ import annotations

import gc

import pytest

from slrs.startup import pause_collection


def test_the_collector_is_paused_inside_and_runs_again_after() -> None:
    assert gc.isenabled()
    with pause_collection():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failed_import_leaves_the_collector_running() -> None:
    with pytest.raises(ImportError), pause_collection():
        raise ImportError("no module named 'missing'")
    assert gc.isenabled()


def test_a_collector_paused_before_stays_paused() -> None:
    gc.disable()
    try:
        with pause_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
