"""The outputs' guard against spreadsheet formulas, and its undoing when SLRS reads its own files back.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(OWASP, "CSV Injection"). Outputs write such text with a leading apostrophe (``neutralise_formula_text``, and
``slrs.io`` on whole Arrow tables); reading drops exactly that apostrophe (``restore_formula_text``).
Standard library only: the command line's early reading (``slrs.csv_reading``) uses it before the heavy imports.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_LIKE = r"^'*[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# The apostrophe the guard puts before formula-like text.
NEUTRALISED_FORMULA = re.compile("^'(?='*[=+\\-@\t\r])")


def neutralise_formula_text(text: str) -> str:
    """Formula-like text gets a leading apostrophe, so no spreadsheet runs it (plain numbers stay as they are)."""
    if re.match(FORMULA_LIKE, text) and not re.match(PLAIN_NUMBER, text):
        return "'" + text
    return text


def restore_formula_text(text: str) -> str:
    """Undo ``neutralise_formula_text``: one leading apostrophe before formula-like text is dropped."""
    return NEUTRALISED_FORMULA.sub("", text, count=1)
