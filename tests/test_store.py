"""The store on SQLite and on PostgreSQL: migrations, saved scenarios, the audit log, all-or-nothing writes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from slrs import store
from slrs.exceptions import ConfigError, StoreError
from slrs.scenario import DecisionScenario, scenario_from_dict, scenario_to_json
from slrs.strategy import Thresholds

ROOT = Path(__file__).resolve().parent.parent


def test_a_migrated_store_matches_the_tables_the_code_uses(store_url: str) -> None:
    engine = store.open_store(store_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), store.METADATA)
    engine.dispose()
    assert differences == []


def test_opening_a_store_twice_keeps_what_it_holds(store_url: str) -> None:
    engine = store.open_store(store_url)
    store.save_scenario(engine, "Base", scenario_to_json(DecisionScenario()), "ana")
    engine.dispose()
    again = store.open_store(store_url)  # the migrations find the newest revision and do nothing
    assert store.list_scenarios(again)["name"].tolist() == ["Base"]
    again.dispose()


def test_a_saved_scenario_loads_back_exactly_and_each_save_is_a_new_version(store_url: str) -> None:
    engine = store.open_store(store_url)
    first = scenario_to_json(DecisionScenario("study", Thresholds(0.3, 0.6)))
    second = scenario_to_json(DecisionScenario("outcome", Thresholds(0.45, 0.8)))
    store.save_scenario(engine, "Q3 plan", first, "ana")
    saved = store.save_scenario(engine, "Q3 plan", second, "ben")
    assert saved.version == 2
    loaded = store.load_scenario(engine, "Q3 plan", 1)
    assert loaded.content == first and loaded.author == "ana"
    assert scenario_from_dict(json.loads(store.load_scenario(engine, "Q3 plan", 2).content)) == \
        DecisionScenario("outcome", Thresholds(0.45, 0.8))
    listed = store.list_scenarios(engine)
    assert listed[["name", "version", "author"]].values.tolist() == [["Q3 plan", 2, "ben"], ["Q3 plan", 1, "ana"]]
    with pytest.raises(ConfigError, match="no saved scenario 'Q3 plan' version 3"):
        store.load_scenario(engine, "Q3 plan", 3)
    engine.dispose()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\tname"])
def test_a_scenario_name_must_be_short_printable_text(name: str, tmp_path) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 'slrs.db'}")
    with pytest.raises(ConfigError, match="scenario name should be 1 to 100 printable characters"):
        store.save_scenario(engine, name, "{}", "ana")
    assert store.count_rows(engine)["scenarios"] == 0


def test_audit_lines_are_read_back_newest_first(store_url: str) -> None:
    engine = store.open_store(store_url)
    store.log_event(engine, "ana", store.APPLIED_SCENARIO, "Q3 plan v1", "ab" * 32, {"model.joblib": "cd" * 32})
    store.log_event(engine, "ben", store.PRODUCED_PACK, "committee pack", "", {})
    audit = store.read_audit(engine)
    assert audit[["user_name", "event", "subject"]].values.tolist() == [
        ["ben", store.PRODUCED_PACK, "committee pack"], ["ana", store.APPLIED_SCENARIO, "Q3 plan v1"]]
    assert json.loads(audit["artifact_hashes"].iloc[1]) == {"model.joblib": "cd" * 32}
    engine.dispose()


def _record(as_of: date, sha: str, borrowers: list[str]) -> store.SnapshotRecord:
    header = {"as_of": as_of, "file_name": "book.csv", "file_sha256": sha, "method": "outcome", "scenario": "{}",
              "artifact_hashes": "{}", "rows": len(borrowers), "rows_scored": len(borrowers), "rows_with_issues": 0,
              "added_at": store.now(), "added_by": "ana"}
    rows = pd.DataFrame({"row": range(1, len(borrowers) + 1), "borrower_id": borrowers, "loan_id": "",
                         "segment": 1, "risk_score": 0.5, "risk_band": "High", "action": "Settlement",
                         "outstanding": 100.0, "expected_net": 50.0})
    drift = pd.DataFrame({"input": ["Risk score"], "measure": ["PSI (score)"], "psi": [0.01], "status": ["Stable"],
                          "out_of_range_share": [0.0], "unseen_share": [None], "missing_share": [0.0], "rows": [2]})
    outcomes = pd.DataFrame({"borrower_id": borrowers[:1], "loan_id": "", "status": ["Written Off"]})
    return store.SnapshotRecord(header, rows, drift, outcomes)


def test_a_refused_snapshot_writes_nothing_at_all(store_url: str) -> None:
    engine = store.open_store(store_url)
    store.insert_snapshot(engine, _record(date(2026, 1, 31), "a" * 64, ["B1", "B2"]))
    before = store.count_rows(engine)
    # The header, rows, drift and sums go in, then the outcomes fail (one loan twice): all of it is rolled back.
    broken = _record(date(2026, 2, 28), "b" * 64, ["B3", "B4"])
    broken.outcomes.loc[1] = ["B3", "", "Written Off"]
    with pytest.raises(StoreError, match="nothing was written"):
        store.insert_snapshot(engine, broken)
    assert store.count_rows(engine) == before
    engine.dispose()


def test_an_outcome_is_recorded_once_per_loan(store_url: str) -> None:
    engine = store.open_store(store_url)
    assert store.insert_snapshot(engine, _record(date(2026, 1, 31), "a" * 64, ["B1", "B2"]))[1] == 1
    assert store.insert_snapshot(engine, _record(date(2026, 2, 28), "b" * 64, ["B1", "B3"]))[1] == 0
    with engine.connect() as connection:
        first = connection.execute(sa.select(store.OUTCOMES.c.as_of)).scalars().all()
    assert first == [date(2026, 1, 31)]
    engine.dispose()


def test_the_url_comes_from_the_flag_then_the_environment_then_the_secrets(monkeypatch) -> None:
    monkeypatch.delenv(store.DB_URL_VARIABLE, raising=False)
    assert store.database_url() == f"sqlite:///{store.DEFAULT_DB_PATH}"
    assert store.database_url(secrets={store.DB_URL_VARIABLE: "sqlite:///s.db"}) == "sqlite:///s.db"
    monkeypatch.setenv(store.DB_URL_VARIABLE, "sqlite:///e.db")
    assert store.database_url(secrets={store.DB_URL_VARIABLE: "sqlite:///s.db"}) == "sqlite:///e.db"
    assert store.database_url("sqlite:///f.db") == "sqlite:///f.db"


@pytest.mark.parametrize(("url", "error", "message"), [
    ("not a url", ConfigError, "is not a database URL"),
    ("oracle+nodriver://x@h/db", ConfigError, "names a driver that is not installed"),
    ("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", StoreError, "cannot be opened"),
    ("postgresql+psycopg://nobody:secret@127.0.0.1:54x2/none", ConfigError, "is not a database URL"),
])
def test_a_store_that_cannot_be_opened_is_said_in_words_without_its_password(url: str, error: type,
                                                                            message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        store.open_store(url)
    assert "secret" not in str(raised.value)


def test_identifiers_as_long_as_a_cell_may_be_are_stored_whole(store_url: str) -> None:
    engine = store.open_store(store_url)
    long_id = "B" * 10_000  # the longest cell a portfolio file may hold (slrs.limits)
    store.insert_snapshot(engine, _record(date(2026, 1, 31), "a" * 64, [long_id, "B2"]))
    with engine.connect() as connection:
        stored = connection.execute(sa.select(store.OUTCOMES.c.borrower_id)).scalar_one()
    assert stored == long_id
    engine.dispose()


def test_a_store_made_by_the_first_revision_is_upgraded_in_place_with_its_sums(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    record = _record(date(2026, 1, 31), "a" * 64, ["B1", "B2", "B3"])
    rows = record.rows.assign(action=["Settlement", "Settlement", "Legal"], expected_net=[50.0, None, 20.0])
    with engine.begin() as connection:  # a store as the first revision left it, holding one snapshot
        store.migrate(connection, "0001")
        snapshot_id = connection.execute(sa.insert(store.SNAPSHOTS).values(**record.header)).inserted_primary_key[0]
        stored = rows.assign(snapshot_id=snapshot_id).astype(object)
        connection.execute(sa.insert(store.SNAPSHOT_ROWS), stored.where(stored.notna(), None).to_dict("records"))
    engine.dispose()
    upgraded = store.open_store(store_url)
    trends = store.read_trends(upgraded).sort_values("action").reset_index(drop=True)
    expected = store.summarise_mix(rows).assign(snapshot_id=snapshot_id).sort_values("action").reset_index(drop=True)
    pd.testing.assert_frame_equal(trends[expected.columns], expected, check_dtype=False)
    upgraded.dispose()


OPEN_AND_CLOSE = "import sys; from slrs import store; store.open_store(sys.argv[1]).dispose(); print('opened')"


def test_processes_opening_a_new_store_at_once_all_open_it(store_url: str) -> None:
    # Each runs the migrations of a store that does not exist yet; none may fail or see half a schema.
    processes = [subprocess.Popen([sys.executable, "-c", OPEN_AND_CLOSE, store_url], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    results = [process.communicate(timeout=120) for process in processes]
    assert [out.strip() for out, _ in results] == ["opened"] * 3, [error[-500:] for _, error in results]
    engine = store.open_store(store_url)
    assert store.count_rows(engine)["snapshots"] == 0
    engine.dispose()


def test_a_migration_that_fails_leaves_no_table_behind(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'slrs.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # in the way of the migration's third table
        connection.exec_driver_sql("CREATE TABLE snapshot_drift (anything TEXT)")
    with pytest.raises(StoreError, match="cannot be opened: table snapshot_drift already exists"):
        store.open_store(url)
    # The two tables made before the failure, and Alembic's version table, were rolled back with it.
    assert sa.inspect(engine).get_table_names() == ["snapshot_drift"]
    engine.dispose()


def test_a_store_migrated_by_a_newer_version_is_refused_in_words(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'slrs.db'}"
    store.open_store(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # as a later SLRS, with a revision this one does not have, would leave it
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StoreError, match="has a schema this version of SLRS does not know"):
        store.open_store(url)
