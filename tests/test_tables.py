"""Tables for people: readable headers from the schema, one format per kind of figure."""

from __future__ import annotations

import pandas as pd

from slrs.formatting import currency_for
from slrs.schema import internal_names
from slrs.tables import display_table, label, text_table


def test_every_internal_column_name_has_a_readable_label() -> None:
    for name in internal_names():
        assert label(name) != name and "_" not in label(name)


def test_display_table_labels_headers_and_formats_each_kind() -> None:
    table = pd.DataFrame({"Borrower_ID": ["B1"], "Risk_Score": [0.4996], "Share_of_Borrowers": [0.677],
                          "Expected_Net_Recovery": [1234.5], "Borrowers": [3385]})
    shown = display_table(table, currency_for("EUR"))
    assert list(shown.frame.columns) == ["Borrower ID", "Risk score", "Share of borrowers",
                                         "Expected net recovery", "Borrowers"]
    assert shown.frame["Risk score"].iloc[0] == 0.499 and shown.frame["Share of borrowers"].iloc[0] == 67.7
    assert shown.patterns["Expected net recovery"] == "€ %,.0f" and shown.patterns["Share of borrowers"] == "%.1f%%"


def test_text_table_writes_every_figure_in_the_one_format() -> None:
    table = pd.DataFrame({"Risk_Score": [0.4996], "Outstanding": [1_234_567.0], "Rate": [0.1352]})
    assert text_table(table, currency_for("GBP")).iloc[0].tolist() == ["0.499", "£ 1,234,567", "13.5%"]
