"""``python -m slrs``: the command line."""

import gc
import sys

from slrs.cli import main

code = main()
# The process ends here: Python's shutdown would walk every object still alive in its garbage collections (0.2 s
# after scoring a million rows) only to free memory the system takes back anyway. Frozen objects are left out.
gc.freeze()
sys.exit(code)
