"""How a process starts: its imports, with Python's garbage collector paused, and the libraries' own threads.

Standard library only, so ``app.py`` and the command line can use it before they import anything heavy.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

# The command line runs its own threads (a scoring thread per core, beside the reading and the writing), so a
# library's pool of threads only competes with them. OpenBLAS (numpy's and scipy's) starts one thread per core as
# numpy loads, and they spin for a while waiting for work that never comes: 0.15 s of CPU in the first second of
# `slrs score`, taken from the core that parses the input. Scoring calls no large matrix product. The setting holds
# for every command and the processes it starts (Dask's local workers, which score the same way); training's
# matrices (the bundled portfolio's 5,000 rows) are small.
ONE_THREAD_LIBRARIES = ("OPENBLAS_NUM_THREADS",)


def limit_library_threads() -> None:
    """One thread for OpenBLAS, unless the user set its variable. Only works before numpy is first imported (it
    reads the variable then): the command line's entry point calls it first."""
    for variable in ONE_THREAD_LIBRARIES:
        os.environ.setdefault(variable, "1")


@contextmanager
def pause_collection() -> Iterator[None]:
    """Python's garbage collector paused inside the block, then as it was (also when the block fails).

    Imports make a few hundred thousand objects that live as long as the process, and the collector walked them
    again and again while they loaded: 0.15-0.2 s of the app's first page and of ``slrs score``'s start, when
    nothing else can run yet.
    """
    was_collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_collecting:
            gc.enable()
