"""AppTest: what slrs.ui does for the whole app (the garbage collector, shared results, lazy tables)."""

from __future__ import annotations

import gc

import streamlit as st
from conftest import APP_PATH, APP_TIMEOUT, open_page
from streamlit.testing.v1 import AppTest

from slrs import pipeline, ui
from slrs.synth import generate_portfolio


def _metric(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def test_the_collector_pauses_only_while_the_app_imports(app) -> None:
    app.run()
    assert not app.exception and gc.isenabled()


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


def test_only_the_scored_table_goes_to_the_browser_lazily(app, monkeypatch) -> None:
    # AppTest always sends tables whole, so the choice is read from the call; the browser test scrolls one.
    lazy_by_key = {}
    original = st.dataframe

    def record(data, *args, key=None, lazy=None, **kwargs):
        lazy_by_key[key] = lazy
        return original(data, *args, key=key, lazy=lazy, **kwargs)

    monkeypatch.setattr(st, "dataframe", record)
    open_page(app, "pages/portfolio.py")
    assert not app.exception
    assert lazy_by_key.pop("portfolio_scored") is True  # its page has a search box and downloads of every row
    assert lazy_by_key.pop("portfolio_drift") is False  # coloured status words: sent whole
    assert not any(lazy_by_key.values())  # the issues table keeps the grid's own search and CSV download


def test_a_session_decides_each_scenario_once_and_again_for_a_new_portfolio(app, monkeypatch) -> None:
    decided = []  # the rows of each portfolio decided
    original = pipeline.decide
    monkeypatch.setattr(pipeline, "decide",
                        lambda portfolio, *args, **kwargs: decided.append(portfolio.n_rows) or original(
                            portfolio, *args, **kwargs))
    open_page(app, "pages/portfolio.py")  # the frame asks for the findings, the page for the plan
    assert len(decided) == 1
    app.run()
    assert len(decided) == 1  # the next run reuses the decision
    data = generate_portfolio(300, seed=4).to_csv(index=False).encode()
    app.file_uploader(key=ui.UPLOAD_KEY).set_value(("book.csv", data, "text/csv")).run()
    assert not app.exception and decided[1:] == [300]  # the upload is decided afresh, once
