"""Monitoring on a generated history: snapshots in the store, drift lights, the backtest by vintage, alerts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import postgres_database, postgres_server_url
from sklearn.metrics import roc_auc_score

from slrs import monitoring, pipeline, store
from slrs.drift import MAJOR_SHIFT, SCORE_INPUT, SOME_SHIFT, STABLE
from slrs.exceptions import ConfigError, DataValidationError
from slrs.io import load_bundle
from slrs.scenario import DecisionScenario
from slrs.schema import FULLY_RECOVERED, TARGET
from slrs.synth import generate_history

ROWS, MONTHS, DOWNTURN = 600, 9, 6


def _as_of(month: str) -> date:
    return date.fromisoformat(f"{month}-28")


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def history() -> dict[str, pd.DataFrame]:
    return generate_history(ROWS, MONTHS, seed=5, downturn_month=DOWNTURN)


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def monitored(request, tmp_path_factory, history, bundle):
    """A store holding every month of the history (on SQLite, then on PostgreSQL)."""
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{tmp_path_factory.mktemp('store') / 'slrs.db'}"])
    else:
        urls = postgres_database(postgres_server_url())
    url = next(urls)
    engine = store.open_store(url)
    for month, frame in history.items():
        result = monitoring.add_snapshot(engine, _csv(frame), f"{month}.csv", _as_of(month), bundle,
                                         DecisionScenario(), "ana")
        assert result.added
    yield engine
    engine.dispose()
    next(urls, None)  # drops the PostgreSQL database


def test_every_month_is_a_snapshot_with_its_rows_and_an_audit_line(monitored) -> None:
    report = monitoring.build_report(monitored)
    assert report.snapshots["As_of"].tolist() == [_as_of(month) for month in generate_history(1, MONTHS)]
    assert (report.snapshots["Rows"] == ROWS).all()
    audit = store.read_audit(monitored)
    assert (audit["event"] == store.ADDED_SNAPSHOT).sum() == MONTHS
    assert set(audit["user_name"]) == {"ana"}


def test_adding_the_same_file_twice_changes_nothing(monitored, history, bundle) -> None:
    before = store.count_rows(monitored)
    month = next(iter(history))
    again = monitoring.add_snapshot(monitored, _csv(history[month]), "renamed.csv", date(2027, 1, 1), bundle,
                                    DecisionScenario(), "ben")
    assert not again.added and again.as_of == _as_of(month)
    assert "already stored" in again.message
    assert store.count_rows(monitored) == before


@pytest.mark.parametrize(("content", "as_of", "error", "message"), [
    (b"Age,Income\n1,2\n", date(2027, 2, 1), DataValidationError, "missing required columns"),
    (b"", date(2027, 2, 1), DataValidationError, None),
    (None, date(2026, 1, 28), ConfigError, "already has a snapshot as of 2026-01-28"),
])
def test_a_bad_file_or_a_taken_date_changes_nothing(monitored, bundle, content, as_of, error, message) -> None:
    before = store.count_rows(monitored)
    other_book = _csv(generate_history(150, 1, seed=99)["2026-01"]) if content is None else content
    with pytest.raises(error, match=message):
        monitoring.add_snapshot(monitored, other_book, "bad.csv", as_of, bundle, DecisionScenario(), "ben")
    assert store.count_rows(monitored) == before


def test_the_downturn_months_show_drift_lights_that_earlier_months_do_not(monitored) -> None:
    trends = monitoring.build_report(monitored).snapshots
    months = list(generate_history(1, MONTHS))
    before, during = trends.iloc[:DOWNTURN - 1], trends.iloc[DOWNTURN - 1:]
    assert (before["Drift_status"] == STABLE).all(), before[["As_of", "Drift_status"]]
    assert during["Drift_status"].isin([SOME_SHIFT, MAJOR_SHIFT]).all()
    drift = monitoring.build_report(monitored).drift
    days_past_due = drift[drift["Input"] == "Days past due"].set_index("As_of")["PSI"]
    assert days_past_due[_as_of(months[DOWNTURN - 1])] >= 0.25 > days_past_due[_as_of(months[DOWNTURN - 2])]


def test_the_backtest_auc_of_each_vintage_equals_scikit_learns_on_the_same_rows(monitored, history, bundle) -> None:
    backtest = monitoring.build_report(monitored).backtest.set_index("As_of")
    months = list(history)
    assert len(backtest) == MONTHS - 1  # the last month has no later outcomes yet
    for position, month in enumerate(months[:-1]):
        # Worked out apart from the store: the month's own scores, and the outcomes later files report.
        view = pipeline.score(pipeline.load(_csv(history[month]), "m.csv"), bundle, "outcome")
        scores = pd.DataFrame({"Borrower_ID": view["Borrower_ID"].astype(str),
                               "Loan_ID": history[month]["Loan_ID"].astype(str), "score": view["Risk_Score"]})
        later = pd.concat([history[m] for m in months[position + 1:]])
        outcomes = later.loc[later[TARGET].notna(), ["Borrower_ID", "Loan_ID", TARGET]]
        matched = scores.merge(outcomes, on=["Borrower_ID", "Loan_ID"])
        expected = roc_auc_score(matched[TARGET] != FULLY_RECOVERED, matched["score"])
        assert backtest.loc[_as_of(month), "N"] == len(matched)
        assert backtest.loc[_as_of(month), "ROC_AUC"] == pytest.approx(expected, abs=1e-12)


def test_alerts_name_the_failing_gates_of_the_downturn(monitored) -> None:
    report = monitoring.build_report(monitored)
    psi_alerts = report.alerts[report.alerts["Gate"].str.startswith("Score stability")]
    assert set(psi_alerts["As_of"]) <= set(report.snapshots["As_of"].iloc[DOWNTURN - 1:])
    scores = report.drift[report.drift["Input"] == SCORE_INPUT]
    failing = scores.loc[scores["PSI"].round(3) > 0.25, "As_of"]
    assert set(psi_alerts["As_of"]) == set(failing)


def test_the_json_report_has_the_documented_keys(monitored) -> None:
    data = json.loads(json.dumps(monitoring.report_to_dict(monitoring.build_report(monitored))))
    assert {"snapshots", "drift", "backtest", "alerts"} <= set(data)
    assert {"as_of", "rows", "psi_score"} <= set(data["snapshots"][0])
    assert {"as_of", "n", "auc"} <= set(data["backtest"][0])
    assert data["snapshots"][0]["rows"] == ROWS


def test_an_empty_store_reports_nothing(tmp_path: Path) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    report = monitoring.build_report(engine)
    assert report.is_empty
    assert monitoring.report_to_dict(report) == {"snapshots": [], "drift": [], "backtest": [], "alerts": []}


@pytest.mark.parametrize("text", ["2026-02-30", "31/01/2026", "20260131", "", "2026-1-31"])
def test_an_as_of_date_must_be_written_yyyy_mm_dd(text: str) -> None:
    with pytest.raises(ConfigError, match="expected YYYY-MM-DD"):
        monitoring.parse_as_of(text)


def test_the_file_itself_is_kept_only_when_asked(tmp_path: Path, history, bundle) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 'slrs.db'}")
    months = list(history)
    monitoring.add_snapshot(engine, _csv(history[months[0]]), "a.csv", date(2026, 1, 28), bundle,
                            DecisionScenario(), "ana")
    assert store.count_rows(engine)["snapshot_files"] == 0
    monitoring.add_snapshot(engine, _csv(history[months[1]]), "b.csv", date(2026, 2, 28), bundle,
                            DecisionScenario(), "ana", keep_file=True)
    assert store.count_rows(engine)["snapshot_files"] == 1
    assert np.isclose(monitoring.build_report(engine).snapshots["Rows"], ROWS).all()
