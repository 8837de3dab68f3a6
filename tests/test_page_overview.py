"""AppTest: the router, the sidebar and the Overview page."""

from __future__ import annotations

import gc

import streamlit as st
from conftest import APP_PATH, APP_TIMEOUT
from streamlit.testing.v1 import AppTest

from slrs import pipeline, ui
from slrs.synth import generate_portfolio


def _metric(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def test_app_starts_on_the_bundled_sample_with_content(app) -> None:
    app.run()
    assert not app.exception
    assert _metric(app, "Borrowers") == "5,000"
    assert "Bundled sample portfolio" in [text.value for text in app.sidebar.text]
    assert len(app.get("plotly_chart")) >= 1


def test_the_app_leaves_its_loaded_modules_out_of_garbage_collections_once(app) -> None:
    app.run()
    frozen = gc.get_freeze_count()
    assert frozen > 50_000  # the modules app.py loads; only a freeze puts objects there
    made_since = [[] for _ in range(10_000)]
    app.run()
    st.cache_resource.clear()  # as the tests' fixtures do: the cached call runs again
    ui.freeze_loaded_objects()
    # A second freeze would take the 10,000 new lists too; without one, the count only falls as frozen objects go.
    assert gc.get_freeze_count() <= frozen
    assert len(made_since) == 10_000  # alive until here


def test_sessions_on_the_bundled_sample_share_its_scores(app, monkeypatch) -> None:
    scored, checked, analysed = [], [], []
    for name, calls in (("score", scored), ("check", checked), ("analyse", analysed)):
        original = getattr(pipeline, name)
        monkeypatch.setattr(pipeline, name, lambda *args, _original=original, _calls=calls, **kwargs:
                            _calls.append(args[0]) or _original(*args, **kwargs))
    app.run()
    other_session = AppTest.from_file(APP_PATH, default_timeout=APP_TIMEOUT).run()
    assert not app.exception and not other_session.exception
    assert len(scored) == len(checked) == len(analysed) == 1  # once for both sessions
    other_session.sidebar.radio(key="sidebar_method").set_value("study").run()
    assert len(scored) == len(checked) == len(analysed) == 2  # once more, for the other method
    assert _metric(other_session, "Expected recovery") != _metric(app, "Expected recovery")


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
