"""``python -m slrs``: the command line."""

import sys

from slrs.cli import main

sys.exit(main())
