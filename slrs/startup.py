"""How a process starts: its imports, with Python's garbage collector paused.

Standard library only, so ``app.py`` and the command line can use it before they import anything heavy.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
