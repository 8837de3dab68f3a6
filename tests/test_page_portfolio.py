"""AppTest: the Portfolio page (upload, validation report, scored table, downloads).

Note: in this Streamlit version AppTest runs only the page script on every run after the first, because the
project has a ``pages/`` folder next to ``app.py`` (AppTest resets ``PagesManager.uses_pages_directory``
before each run). The sidebar is therefore not rendered after ``switch_page`` and the tests check the active
portfolio through the page and session state instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pandas as pd
from conftest import open_page

from slrs import ui
from slrs.findings import DRIFT_DETAILS
from slrs.io import load_bundle
from slrs.synth import generate_portfolio

PAGE = "pages/portfolio.py"
SMALL_CSV = generate_portfolio(50, seed=3).to_csv(index=False).encode()



def _upload(app, name: str, data: bytes):
    return app.file_uploader(key=ui.UPLOAD_KEY).set_value((name, data, "text/csv")).run()


def _scored(app) -> pd.DataFrame:
    return next(frame.value for frame in app.dataframe if "Recovery action" in frame.value.columns)


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
    assert list(table.columns[:4]) == ["Borrower ID", "Segment name", "Risk score", "Recovery action"]
    assert "5,000 rows read · 0 rows with issues · 0 rows not scored" in _texts(app)
    assert any("No problems found" in success.value for success in app.success)
    assert [button.label for button in app.get("download_button")] == [
        "Empty template (CSV)", "Empty template (Excel)", "Download scored portfolio (CSV)",
        "Download scored portfolio (Excel)", "Download scored portfolio (Parquet)", "Download reason codes (CSV)"]


def test_search_narrows_the_scored_table(app) -> None:
    open_page(app, PAGE)
    app.text_input(key="portfolio_search").set_value("brw_12").run()
    ids = _scored(app)["Borrower ID"]
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
    assert _issues(app)[["Row", "Column", "Value"]].values.tolist() == [[7, "Age", "forty"], [10, "Loan type", "Boat"]]
    app.multiselect(key="portfolio_issue_kinds").set_value(["is not a number"]).run()
    assert _issues(app)["Row"].tolist() == [7]
    assert "1 of 2 problems. Row 1 is the first row under the header." in _texts(app)


# --- data drift against the training data -----------------------------------------------------------------

def _shifted_csv(n_rows: int = 300) -> bytes:
    frame = generate_portfolio(n_rows, seed=8)
    frame["Days_Past_Due"] *= 3  # far longer delays than in the training data
    return frame.to_csv(index=False).encode()


def _drift_table(app) -> pd.DataFrame:
    return next(frame.value for frame in app.dataframe if "Stability index" in frame.value.columns)


def _drift_banners(app) -> list[str]:
    # The Overview's summary escapes its text for markdown: compare without the escapes.
    return [error.value.replace("\\", "") for error in app.error if DRIFT_DETAILS in error.value.replace("\\", "")]


def test_sample_shows_a_stable_drift_table_and_no_banner(app) -> None:
    open_page(app, PAGE)
    assert not app.exception
    table = _drift_table(app)
    assert table["Input"].iloc[0] == "Risk score" and len(table) == 15
    assert table["Stability index"].abs().max() < 1e-12
    assert (table["Status"] == "Stable").all()
    assert table["Index"].tolist() == ["PSI (score)"] + ["CSI (input)"] * 14
    assert "portfolio_drift_chart" in {chart.key for chart in app.get("plotly_chart")}
    assert _drift_banners(app) == []


def test_shifted_upload_shows_the_drift_banner_on_every_page(app) -> None:
    open_page(app, PAGE)
    _upload(app, "shifted.csv", _shifted_csv())
    assert not app.exception
    table = _drift_table(app).set_index("Input")
    assert table.loc["Days past due", "Status"] == "Major shift" and table.loc["Days past due", "Stability index"] > 1
    [banner] = _drift_banners(app)
    assert "should not be trusted" in banner and "days past due" in banner
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert any("most of all in days past due" in text for text in _drift_banners(app))
    app.switch_page(PAGE).run()
    app.button(key="portfolio_use_sample").click().run()
    assert _drift_banners(app) == []


def test_small_upload_gets_no_traffic_lights_and_no_banner(app) -> None:
    open_page(app, PAGE)
    _upload(app, "tiny.csv", _shifted_csv(40))
    assert (_drift_table(app)["Status"] == "Too few rows").all()
    assert any("fewer than 100" in info.value for info in app.info)
    assert _drift_banners(app) == []


def test_artifacts_without_a_drift_reference_still_work(app, monkeypatch) -> None:
    import streamlit as st

    bundle = load_bundle()
    manifest = {key: value for key, value in bundle.manifest.items() if key != "drift_reference"}
    monkeypatch.setattr(ui, "load_bundle", lambda directory: dataclasses.replace(bundle, manifest=manifest))
    try:
        open_page(app, PAGE)
        _upload(app, "shifted.csv", _shifted_csv())
        assert not app.exception and _drift_banners(app) == []
        assert any("no training reference in these artifacts" in info.value for info in app.info)
        assert len(_scored(app)) == 300
    finally:
        st.cache_resource.clear()  # never leave the altered bundle cached for another test


def test_the_scored_table_follows_the_plan_with_its_capacities(app) -> None:
    from slrs.money import ActionTerms, Assumptions
    from slrs.strategy import LEGAL, SHORT_STRATEGY

    open_page(app, PAGE)
    unlimited = int((_scored(app)["Recovery action"] == SHORT_STRATEGY[LEGAL]).sum())
    app.session_state[ui.SCENARIO_KEY] = replace(app.session_state[ui.SCENARIO_KEY], assumptions=Assumptions(legal=ActionTerms(6000.0, (0.88, 0.8, 0.66, 0.52), capacity=100)))
    app.run()
    assert unlimited > 100
    assert (_scored(app)["Recovery action"] == SHORT_STRATEGY[LEGAL]).sum() == 100  # the Money page's capacity, as everywhere
