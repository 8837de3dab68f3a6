"""How a process starts: the imports' pause of Python's garbage collector (paused inside, as it was after, even
after an error) and one OpenBLAS thread for the command line."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slrs.startup import ONE_THREAD_LIBRARIES, limit_library_threads, pause_collection

ROOT = Path(__file__).resolve().parent.parent
# Runs the command line's entry point (``python -m slrs``) on a command that fails at once, then reports the
# thread pools numpy and scipy's OpenBLAS libraries run.
POOLS_AFTER_THE_ENTRY_POINT = """
import runpy, sys
from threadpoolctl import threadpool_info
sys.argv = ["slrs", "score", "no-such-file.csv"]
try:
    runpy.run_module("slrs", run_name="__main__")
except SystemExit:
    pass
import os
print(os.environ.get("OPENBLAS_NUM_THREADS"),
      sorted({pool["num_threads"] for pool in threadpool_info() if pool["internal_api"] == "openblas"}))
"""


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


def test_openblas_gets_one_thread_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "unset after the test")  # so undoing the test restores the original
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    limit_library_threads()
    assert [os.environ[variable] for variable in ONE_THREAD_LIBRARIES] == ["1"]
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    limit_library_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def _openblas_threads(environment: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", POOLS_AFTER_THE_ENTRY_POINT], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_the_command_line_runs_openblas_on_one_thread_before_numpy_loads() -> None:
    environment = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    assert _openblas_threads(environment) == "1 [1]"  # one per core without it (on more than one core)
