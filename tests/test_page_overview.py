"""AppTest: the router, the sidebar and the Overview page."""

from __future__ import annotations

from conftest import APP_PATH, APP_TIMEOUT
from streamlit.testing.v1 import AppTest

from slrs.synth import generate_portfolio


def _metric(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def test_app_starts_on_the_bundled_sample_with_content(app) -> None:
    app.run()
    assert not app.exception
    assert _metric(app, "Borrowers") == "5,000"
    assert "Bundled sample portfolio" in [text.value for text in app.sidebar.text]
    assert len(app.get("plotly_chart")) >= 1


def test_overview_follows_the_risk_method(app) -> None:
    app.run()
    outcome_recovery = _metric(app, "Expected recovery")
    app.sidebar.radio(key="sidebar_method").set_value("study").run()
    assert not app.exception
    assert _metric(app, "Expected recovery") != outcome_recovery
    assert any("comparison only" in warning.value for warning in app.warning)
    assert app.query_params["method"] == ["study"] or app.query_params["method"] == "study"


def test_method_is_restored_from_the_url(app) -> None:
    app.query_params["method"] = "study"
    app.run()
    assert app.sidebar.radio(key="sidebar_method").value == "study"


def test_an_upload_changes_only_the_session_that_made_it(app) -> None:
    app.run()
    app.switch_page("pages/portfolio.py").run()
    upload = generate_portfolio(40, seed=5).to_csv(index=False).encode()
    app.file_uploader(key="portfolio_upload").set_value(("mine.csv", upload, "text/csv")).run()
    app.switch_page("pages/overview.py").run()
    assert _metric(app, "Borrowers") == "40"
    other_session = AppTest.from_file(APP_PATH, default_timeout=APP_TIMEOUT).run()
    assert _metric(other_session, "Borrowers") == "5,000"
