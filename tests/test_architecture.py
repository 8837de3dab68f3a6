"""Boundaries the house style promises: slrs/ knows no screen but for one adapter module."""

from __future__ import annotations

import re
from pathlib import Path

SLRS = Path(__file__).resolve().parent.parent / "slrs"
UI_ADAPTER = "ui.py"


def test_slrs_modules_do_not_import_streamlit_outside_the_adapter() -> None:
    offenders = [path.name for path in SLRS.glob("*.py") if path.name != UI_ADAPTER
                 and re.search(r"^\s*(import streamlit|from streamlit)", path.read_text(), re.MULTILINE)]
    assert offenders == []


def test_slrs_library_code_does_not_print() -> None:
    faces = {"cli.py", "__main__.py"}
    offenders = [path.name for path in SLRS.glob("*.py") if path.name not in faces
                 and re.search(r"^\s*print\(", path.read_text(), re.MULTILINE)]
    assert offenders == []
