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


def _expected_backtest(files: list[pd.DataFrame], bundle) -> list[tuple[int, float]]:
    """(N, ROC AUC) of each vintage but the last, worked out apart from the store with pandas and scikit-learn.

    A loan is known by its Borrower_ID and Loan_ID ("" without one), only where the Borrower_ID is given and no
    other row of the same file has the same pair; its outcome arrives in the first file that reports it.
    """
    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = pd.DataFrame({"Borrower_ID": frame["Borrower_ID"].fillna("").astype(str),
                             "Loan_ID": frame["Loan_ID"].fillna("").astype(str) if "Loan_ID" in frame else ""})
        return keys[(keys["Borrower_ID"] != "") & ~keys.duplicated(keep=False)]

    first_report = {}
    for month, frame in enumerate(files):
        reported = keyed(frame).loc[frame[TARGET].notna()]
        for key, status in zip(map(tuple, reported.to_numpy()), frame.loc[reported.index, TARGET], strict=True):
            first_report.setdefault(key, (month, status))
    expected = []
    for month, frame in enumerate(files[:-1]):
        view = pipeline.score(pipeline.load(_csv(frame), "m.csv"), bundle, "outcome")
        rows = keyed(frame)
        later = [(first_report[key][1], view["Risk_Score"].iloc[position])
                 for position, key in zip(rows.index, map(tuple, rows.to_numpy()), strict=True)
                 if key in first_report and first_report[key][0] > month]
        statuses, scores = zip(*later, strict=True)
        expected.append((len(later), roc_auc_score(np.array(statuses) != FULLY_RECOVERED, scores)))
    return expected


def test_the_backtest_auc_of_each_vintage_equals_scikit_learns_on_the_same_rows(monitored, history, bundle) -> None:
    backtest = monitoring.build_report(monitored).backtest
    assert len(backtest) == MONTHS - 1  # the last month has no later outcomes yet
    expected = _expected_backtest(list(history.values()), bundle)
    assert backtest["N"].tolist() == [n for n, _ in expected]
    assert backtest["ROC_AUC"].to_numpy() == pytest.approx([auc for _, auc in expected], abs=1e-12)


def _without_loan_ids(files: list[pd.DataFrame]) -> list[pd.DataFrame]:
    return [frame.drop(columns="Loan_ID") for frame in files]


def _with_blank_and_repeated_ids(files: list[pd.DataFrame]) -> list[pd.DataFrame]:
    changed = [frame.copy() for frame in files]
    for frame in changed:
        frame.loc[frame.index[:20], "Borrower_ID"] = None  # no identifier: never matched
        frame.loc[frame.index[20:40], ["Borrower_ID", "Loan_ID"]] = frame.loc[frame.index[40:60],
                                                                              ["Borrower_ID", "Loan_ID"]].to_numpy()
    return changed


@pytest.mark.parametrize("change", [_without_loan_ids, _with_blank_and_repeated_ids])
def test_the_backtest_matches_only_loans_the_files_name_without_doubt(change, tmp_path: Path, history,
                                                                       bundle) -> None:
    files = change(list(history.values())[:4])
    engine = store.open_store(f"sqlite:///{tmp_path / 'slrs.db'}")
    for number, frame in enumerate(files):
        monitoring.add_snapshot(engine, _csv(frame), f"{number}.csv", date(2026, number + 1, 28), bundle,
                                DecisionScenario(), "ana")
    backtest = monitoring.build_report(engine).backtest
    expected = _expected_backtest(files, bundle)
    assert backtest["N"].tolist() == [n for n, _ in expected]
    assert backtest["ROC_AUC"].to_numpy() == pytest.approx([auc for _, auc in expected], abs=1e-12)
    engine.dispose()


def test_snapshots_are_added_in_date_order(monitored, bundle) -> None:
    before = store.count_rows(monitored)
    earlier = _csv(generate_history(150, 1, seed=98)["2026-01"])
    with pytest.raises(ConfigError, match="newest snapshot is as of 2026-09-28; snapshots are added in date order"):
        monitoring.add_snapshot(monitored, earlier, "late.csv", date(2026, 5, 1), bundle, DecisionScenario(), "ben")
    assert store.count_rows(monitored) == before


def test_the_bundled_sample_is_not_a_book_to_monitor(tmp_path: Path, bundle) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 'slrs.db'}")
    sample = pipeline.load(_csv(generate_history(150, 1)["2026-01"]), "sample.csv", is_sample=True)
    with pytest.raises(ConfigError, match="bundled sample portfolio is the models' training data"):
        monitoring.add_decision(engine, pipeline.decide(sample, bundle, DecisionScenario()), bundle,
                                date(2026, 1, 31), "ana")
    assert store.count_rows(engine)["snapshots"] == 0


def test_alerts_name_the_failing_gates_of_the_downturn(monitored) -> None:
    report = monitoring.build_report(monitored)
    months = list(generate_history(1, MONTHS))
    # The vintage just before the downturn: its loans ended worse than its scores said.
    before_downturn = _as_of(months[DOWNTURN - 2])
    calibration = report.alerts[report.alerts["Gate"].str.startswith("Calibration error")]
    assert calibration["As_of"].tolist() == [before_downturn]
    backtest = report.backtest.set_index("As_of")["Calibration_error"]
    assert calibration["Measured_value"].iloc[0] == backtest[before_downturn] > 0.10
    # The score's stability gate fails exactly where the score's index is above its limit (none in this history).
    scores = report.drift[report.drift["Input"] == SCORE_INPUT]
    psi_alerts = report.alerts[report.alerts["Gate"].str.startswith("Score stability")]
    assert set(psi_alerts["As_of"]) == set(scores.loc[scores["PSI"].round(3) > 0.25, "As_of"])


def test_the_json_report_has_the_documented_keys(monitored) -> None:
    data = json.loads(json.dumps(monitoring.report_to_dict(monitoring.build_report(monitored))))
    # Every key the README's table documents, and no other.
    assert set(data) == {"snapshots", "drift", "backtest", "alerts"}
    assert set(data["snapshots"][0]) == {"as_of", "file", "rows", "rows_scored", "outstanding",
                                         "expected_net_recovery", "accounts", "risk_mix", "psi_score", "drift_status"}
    assert set(data["snapshots"][0]["accounts"]) == {"reminders", "settlement", "legal"}
    assert set(data["drift"][0]) == {"as_of", "input", "measure", "psi", "status"}
    assert data["drift"][0]["input"] == SCORE_INPUT  # the risk score first
    assert set(data["backtest"][0]) == {"as_of", "rows_scored", "n", "matured_share", "not_fully_recovered_rate",
                                        "auc", "ks", "calibration_error", "verdict"}
    assert set(data["alerts"][0]) == {"as_of", "gate", "limit", "measured"}
    assert isinstance(data["alerts"][0]["limit"], float) and isinstance(data["alerts"][0]["measured"], float)
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
