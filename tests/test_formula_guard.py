"""The formula guard: formula-like text gets one apostrophe, plain numbers none, and reading drops exactly it."""

from __future__ import annotations

import pytest

from slrs.formula_guard import neutralise_formula_text, restore_formula_text


@pytest.mark.parametrize(("text", "written"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1+1", "'+1+1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("'=x", "''=x"),
    ("-5", "-5"), ("+1.5e3", "+1.5e3"), ("plain", "plain"), ("", ""),
])
def test_formula_like_text_is_guarded_and_read_back_unchanged(text: str, written: str) -> None:
    assert neutralise_formula_text(text) == written
    assert restore_formula_text(written) == text
