"""AppTest: the Portfolio page (upload, validation report, scored table, downloads).

Note: in this Streamlit version AppTest runs only the page script on every run after the first, because the
project has a ``pages/`` folder next to ``app.py`` (AppTest resets ``PagesManager.uses_pages_directory``
before each run). The sidebar is therefore not rendered after ``switch_page`` and the tests check the active
portfolio through the page and session state instead.
"""

from __future__ import annotations

import pandas as pd
from conftest import open_page

from slrs import ui
from slrs.synth import generate_portfolio

PAGE = "pages/portfolio.py"
SMALL_CSV = generate_portfolio(50, seed=3).to_csv(index=False).encode()



def _upload(app, name: str, data: bytes):
    return app.file_uploader(key=ui.UPLOAD_KEY).set_value((name, data, "text/csv")).run()


def _scored(app) -> pd.DataFrame:
    return next(frame.value for frame in app.dataframe if "Recovery_Strategy" in frame.value.columns)


def _issues(app) -> pd.DataFrame:
    return next(frame.value for frame in app.dataframe if list(frame.value.columns) == ["Row", "Column", "Value",
                                                                                          "Problem"])


def _texts(app) -> list[str]:
    return [element.value for element in [*app.text, *app.markdown, *app.caption]]


def test_portfolio_page_scores_the_bundled_sample(app) -> None:
    open_page(app, PAGE)
    assert not app.exception
    table = _scored(app)
    assert len(table) == 5_000
    assert list(table.columns[:5]) == ["Row", "Borrower_ID", "Segment_Name", "Risk_Score", "Recovery_Strategy"]
    assert "5,000 rows read · 0 rows with issues · 0 rows not scored" in _texts(app)
    assert any("No problems found" in success.value for success in app.success)
    assert [button.label for button in app.get("download_button")] == [
        "Empty template (CSV)", "Empty template (Excel)", "Download scored portfolio (CSV)",
        "Download scored portfolio (Excel)", "Download reason codes (CSV)"]


def test_search_narrows_the_scored_table(app) -> None:
    open_page(app, PAGE)
    app.text_input(key="portfolio_search").set_value("brw_12").run()
    ids = _scored(app)["Borrower_ID"]
    assert len(ids) == 111  # BRW_12, BRW_120-129 and BRW_1200-1299
    assert ids.str.startswith("BRW_12").all()
    assert "111 of 5,000 rows match the filters." in _texts(app)


def test_upload_replaces_the_portfolio_once_and_the_sample_can_come_back(app) -> None:
    open_page(app, PAGE)
    _upload(app, "small.csv", SMALL_CSV)
    assert not app.exception
    loaded = app.session_state[ui.PORTFOLIO_KEY]
    assert (loaded.name, loaded.n_rows) == ("small.csv", 50)
    assert "Active portfolio: small.csv" in _texts(app)
    assert len(_scored(app)) == 50
    app.button(key="portfolio_use_sample").click().run()
    # The file is still in the uploader, but it was loaded already: the sample stays.
    assert app.session_state[ui.PORTFOLIO_KEY].is_sample
    assert len(_scored(app)) == 5_000


def test_broken_upload_shows_the_missing_columns_and_keeps_the_previous_portfolio(app) -> None:
    open_page(app, PAGE)
    _upload(app, "small.csv", SMALL_CSV)
    _upload(app, "broken.csv", b"foo,bar\n1,2\n")
    assert not app.exception
    [error] = app.error
    assert "broken\\.csv cannot be used, so the previous portfolio stays active" in error.value
    assert "missing required columns" in error.value and "Num\\_Missed\\_Payments" in error.value
    assert app.session_state[ui.PORTFOLIO_KEY].name == "small.csv"
    assert len(_scored(app)) == 50


def test_a_bad_row_is_listed_and_can_be_filtered(app) -> None:
    text = generate_portfolio(20, seed=3).astype(str)
    text.loc[6, "Age"] = "forty"
    text.loc[9, "Loan_Type"] = "Boat"
    open_page(app, PAGE)
    _upload(app, "two_bad_rows.csv", text.to_csv(index=False).encode())
    assert "20 rows read · 2 rows with issues · 0 rows not scored" in _texts(app)
    assert _issues(app)[["Row", "Column", "Value"]].values.tolist() == [[7, "Age", "forty"], [10, "Loan_Type", "Boat"]]
    app.multiselect(key="portfolio_issue_kinds").set_value(["is not a number"]).run()
    assert _issues(app)["Row"].tolist() == [7]
    assert "1 of 2 problems. Row 1 is the first row under the header." in _texts(app)
