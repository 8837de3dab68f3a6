"""``python -m slrs``: the command line."""

import gc
import sys

from slrs.startup import limit_library_threads

limit_library_threads()  # before slrs.cli imports numpy

from slrs.cli import main  # noqa: E402

code = main()
# The process ends here: Python's shutdown would walk every object still alive in its garbage collections (0.2 s
# after scoring a million rows) only to free memory the system takes back anyway. Frozen objects are left out, so a
# frozen object caught in a reference cycle is not finalised: every file, connection and cluster is closed before
# this (explicitly, or by atexit and weakref.finalize hooks, which still run).
gc.freeze()
sys.exit(code)
