"""AppTest: the Monitoring page (trends, drift, backtest by vintage, alerts, audit trail) on the test's own store."""

from __future__ import annotations

import os
from datetime import date

from conftest import open_page

from slrs import monitoring, store, ui
from slrs.io import load_bundle
from slrs.scenario import DecisionScenario
from slrs.synth import generate_history

PAGE = "pages/monitoring.py"


def _fill_store(months: int = 5, downturn: int = 4) -> None:
    """The test's own store (``SLRS_DB_URL``, set per test) with a generated history, one snapshot a month."""
    engine = store.open_store(os.environ[store.DB_URL_VARIABLE])
    bundle = load_bundle()
    for number, (month, frame) in enumerate(generate_history(400, months, seed=1, downturn_month=downturn).items()):
        monitoring.add_snapshot(engine, frame.to_csv(index=False).encode(), f"{month}.csv",
                                date(2026, number + 1, 28), bundle, DecisionScenario(), "ana")
    engine.dispose()


def test_an_empty_store_says_how_to_add_snapshots(app) -> None:
    open_page(app, PAGE)
    assert not app.exception and not app.error
    assert any("no snapshots yet" in info.value for info in app.info)
    assert any("Nothing recorded yet" in info.value for info in app.info)


def test_the_page_shows_trends_drift_backtest_alerts_and_the_audit_trail(app, store_url, monkeypatch) -> None:
    monkeypatch.setenv(store.DB_URL_VARIABLE, store_url)  # SQLite, then PostgreSQL
    _fill_store()
    open_page(app, PAGE)
    assert not app.exception
    snapshots, backtest, audit = (frame.value for frame in app.dataframe)
    assert len(snapshots) == 5 and snapshots["Drift light"].tolist()[:3] == ["Stable"] * 3
    assert snapshots["Drift light"].tolist()[3:] == ["Major shift"] * 2  # the downturn's lights
    assert [str(day) for day in backtest["As of"]] == ["2026-01-28", "2026-02-28", "2026-03-28", "2026-04-28"]
    assert audit["What"].tolist() == [store.ADDED_SNAPSHOT] * 5 and set(audit["Who"]) == {"ana"}
    assert len(app.get("plotly_chart")) == 5
    alerts = [error.value for error in app.error]
    assert alerts and all(alert.startswith(("2026-04-28", "2026-05-28", "2026-03-28")) for alert in alerts)


def test_a_store_that_cannot_be_opened_is_said_in_words(app, monkeypatch) -> None:
    monkeypatch.setenv(store.DB_URL_VARIABLE, "no such database")
    open_page(app, PAGE)
    assert not app.exception
    assert "The store cannot be read" in app.error[0].value and "is not a database URL" in app.error[0].value


def test_the_portfolio_in_use_is_added_as_a_snapshot_once(app) -> None:
    open_page(app, PAGE)
    app.button(key="monitoring_add").click().run()  # the bundled sample: the models' training data, not a book
    assert "bundled sample portfolio is the models" in app.error[0].value.replace("\\", "")
    book = generate_history(300, 1, seed=2)["2026-01"].to_csv(index=False).encode()
    app.switch_page("pages/portfolio.py").run()
    app.file_uploader(key=ui.UPLOAD_KEY).set_value(("branch.csv", book, "text/csv")).run()
    app.switch_page(PAGE).run()
    app.date_input(key=ui.SNAPSHOT_DATE_KEY).set_value(date(2026, 3, 31))
    app.button(key="monitoring_add").click().run()
    assert not app.exception
    assert "stored branch.csv as the snapshot of 2026-03-31: 300 rows" in app.success[0].value.replace("\\", "")
    snapshots = app.dataframe[0].value
    assert [str(day) for day in snapshots["As of"]] == ["2026-03-31"]
    app.date_input(key=ui.SNAPSHOT_DATE_KEY).set_value(date(2026, 4, 30))
    app.button(key="monitoring_add").click().run()
    assert any("already stored" in info.value for info in app.info)  # the same data: nothing changed
    audit = store.read_audit(store.open_store(os.environ[store.DB_URL_VARIABLE]))
    assert audit[["user_name", "event"]].values.tolist() == [["local", store.ADDED_SNAPSHOT]]
