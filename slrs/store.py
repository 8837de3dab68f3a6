"""The store: what SLRS remembers between sessions, in a real database through SQLAlchemy.

It holds four things (``METADATA`` spells the tables; Alembic migrations in ``slrs/migrations`` create them):

- **snapshots** of a portfolio as of a date: the file's name and sha256, the method, the scenario, the model
  artifacts' hashes, and per borrower the segment, risk score, risk band, action, outstanding amount and
  expected net recovery; with them the drift check's table (what drift over time needs), the sums per action and
  risk band (the trends) and, only when asked, the file itself;
- **outcomes** as they arrive: the Recovery_Status of a loan, by Borrower_ID and Loan_ID, first seen in a later
  snapshot (a loan's outcome is recorded once);
- **saved scenarios**: name, version (1, 2, ... per name), author, time and the scenario's JSON;
- an **audit log**: who applied which scenario, who produced which pack, who added which snapshot, from which
  data and artifact hashes.

Where: ``SLRS_DB_URL`` (environment), else the app's secrets, else an SQLite file in the git-ignored ``var/``
folder. Any SQLAlchemy URL works; SQLite and PostgreSQL (``postgresql+psycopg://...``) are tested.
Every write is one transaction: a failure leaves the store as it was.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from slrs.exceptions import ConfigError, StoreError

DB_URL_VARIABLE = "SLRS_DB_URL"
DEFAULT_DB_PATH = Path(__file__).resolve().parent.parent / "var" / "slrs.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
INSERT_BATCH_ROWS = 50_000  # rows per executemany: bounded memory for a book of millions
SQLITE_BUSY_SECONDS = 30  # how long a writer waits for another session's write to finish
MIGRATION_ATTEMPTS = 2  # PostgreSQL: a second process creating the same tables fails once, then finds them
WRITE_OPTION = "slrs_writes"  # execution option of a connection that will write (SQLite: BEGIN IMMEDIATE)
CONNECT_TIMEOUT_SECONDS = 10  # a database server that does not answer is said in words, not waited on for minutes

METADATA = sa.MetaData()
_MIGRATING = threading.Lock()

SNAPSHOTS = sa.Table(
    "snapshots", METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("as_of", sa.Date, nullable=False, unique=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("method", sa.String(20), nullable=False),
    sa.Column("scenario", sa.Text, nullable=False),  # the scenario's JSON (thresholds, assumptions, gates)
    sa.Column("artifact_hashes", sa.Text, nullable=False),  # JSON: model file name -> sha256
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("rows_scored", sa.Integer, nullable=False),
    sa.Column("rows_with_issues", sa.Integer, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("added_by", sa.String(200), nullable=False),
)
SNAPSHOT_ROWS = sa.Table(
    "snapshot_rows", METADATA,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True),  # the row's number in its file, from 1
    sa.Column("borrower_id", sa.Text, nullable=False),
    sa.Column("loan_id", sa.Text, nullable=False),  # "" when the file has none
    sa.Column("segment", sa.Integer),
    sa.Column("risk_score", sa.Float),  # missing where the row could not be scored
    sa.Column("risk_band", sa.String(100), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("outstanding", sa.Float),
    sa.Column("expected_net", sa.Float),
)
SNAPSHOT_DRIFT = sa.Table(
    "snapshot_drift", METADATA,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("input", sa.String(80), primary_key=True),
    sa.Column("measure", sa.String(20), nullable=False),
    sa.Column("psi", sa.Float),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("out_of_range_share", sa.Float),
    sa.Column("unseen_share", sa.Float),
    sa.Column("missing_share", sa.Float),
    sa.Column("rows", sa.Integer, nullable=False),
)
# Per snapshot, action and risk band: the trends, summed once when the snapshot is added (revision 0002), so a
# report reads a few rows per snapshot instead of grouping every borrower of every snapshot again.
SNAPSHOT_MIX = sa.Table(
    "snapshot_mix", METADATA,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("action", sa.String(100), primary_key=True),
    sa.Column("risk_band", sa.String(100), primary_key=True),
    sa.Column("accounts", sa.Integer, nullable=False),
    sa.Column("outstanding", sa.Float),
    sa.Column("expected_net", sa.Float),
)
SNAPSHOT_FILES = sa.Table(
    "snapshot_files", METADATA,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
OUTCOMES = sa.Table(
    "outcomes", METADATA,
    sa.Column("borrower_id", sa.Text, primary_key=True),
    sa.Column("loan_id", sa.Text, primary_key=True),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),  # the snapshot that first reported it
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
)
SCENARIOS = sa.Table(
    "scenarios", METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.UniqueConstraint("name", "version", name="uq_scenarios_name_version"),
)
AUDIT_LOG = sa.Table(
    "audit_log", METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),  # the scenario, pack or snapshot, in words
    sa.Column("data_sha256", sa.String(64), nullable=False),  # "" for the bundled sample
    sa.Column("artifact_hashes", sa.Text, nullable=False),
)

# Audit events
APPLIED_SCENARIO, PRODUCED_PACK, ADDED_SNAPSHOT = "applied scenario", "produced pack", "added snapshot"
MAX_NAME_CHARS = 100
MAX_USER_CHARS = 200  # the user name columns' length (PostgreSQL refuses a longer one)


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity
class SnapshotRecord:
    """One snapshot as the store keeps it (built by ``slrs.monitoring.snapshot_record``).

    ``header`` holds the ``SNAPSHOTS`` columns but id; ``rows``, ``drift`` and ``outcomes`` the columns of
    ``SNAPSHOT_ROWS``, ``SNAPSHOT_DRIFT`` and ``OUTCOMES`` but snapshot_id (outcomes: but as_of too).
    """

    header: Mapping[str, object]
    rows: pd.DataFrame
    drift: pd.DataFrame
    outcomes: pd.DataFrame
    file_content: bytes | None = None

    @property
    def mix(self) -> pd.DataFrame:
        """The ``SNAPSHOT_MIX`` rows of this snapshot (but snapshot_id), summed from its rows."""
        return summarise_mix(self.rows)


def summarise_mix(rows: pd.DataFrame) -> pd.DataFrame:
    """Accounts, outstanding and expected net recovery per action and risk band (sums skip missing amounts)."""
    return (rows.groupby(["action", "risk_band"], observed=True)
            .agg(accounts=("row", "size"), outstanding=("outstanding", "sum"), expected_net=("expected_net", "sum"))
            .reset_index())


@dataclass(frozen=True)
class SavedScenario:
    name: str
    version: int
    author: str
    saved_at: datetime
    content: str  # the scenario's JSON (``slrs.scenario.scenario_to_json``)


# --- where, and opening -----------------------------------------------------------------------------------------

def database_url(explicit: str | None = None, secrets: Mapping[str, object] | None = None) -> str:
    """The store's URL: ``explicit`` (``--db``), else ``SLRS_DB_URL``, else ``secrets["SLRS_DB_URL"]``, else the
    default SQLite file."""
    for candidate in (explicit, os.environ.get(DB_URL_VARIABLE), (secrets or {}).get(DB_URL_VARIABLE)):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return f"sqlite:///{DEFAULT_DB_PATH}"


def open_store(url: str) -> Engine:
    """An engine on the store at ``url``, migrated to the newest schema.

    Raises ``ConfigError`` for a URL that is not one (it is not quoted: a URL may hold a password) or names a
    driver that is not installed, ``StoreError`` for a store that cannot be reached or migrated.
    """
    try:
        parsed = sa.engine.make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError("the database URL given is not a database URL; expected e.g. sqlite:///path/slrs.db or "
                          "postgresql+psycopg://user@host:5432/slrs") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database == str(DEFAULT_DB_PATH):
        DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(parsed, **_engine_options(parsed))
    except (NoSuchModuleError, ImportError) as error:
        raise ConfigError(f"the database URL {safe_url(url)!r} names a driver that is not installed ({error}); "
                          "expected sqlite:/// or postgresql+psycopg://") from None
    if parsed.get_backend_name() == "sqlite":
        _begin_sqlite_transactions_ourselves(engine)
    for attempt in range(MIGRATION_ATTEMPTS):
        try:
            with _MIGRATING, _writing(engine) as connection:  # Alembic's context is global: one thread at a time
                migrate(connection)
            return engine
        except CommandError as error:  # e.g. a store migrated by a newer SLRS, to a revision this one lacks
            engine.dispose()
            raise StoreError(f"the store at {safe_url(url)} has a schema this version of SLRS does not know "
                             f"({_first_line(error)}); use the SLRS that made it, or a newer one") from None
        except SQLAlchemyError as error:
            # PostgreSQL: of two processes creating a new store's tables at once, the second fails when the first
            # commits, and finds nothing left to do on its second attempt (SQLite's second one waits instead).
            if attempt == MIGRATION_ATTEMPTS - 1:
                engine.dispose()
                raise StoreError(f"the store at {safe_url(url)} cannot be opened: {_first_line(error)}") from None
    return engine


def _begin_sqlite_transactions_ourselves(engine: Engine) -> None:
    """SQLite transactions that hold table changes too, and a writer that takes the write lock at once.

    Python's sqlite3 driver begins a transaction only before a row change, so each CREATE TABLE of a migration
    would be committed on its own: a failed migration would leave half a schema, and another process would see it.
    Here SQLAlchemy begins every transaction itself; a write (``_writing``) with BEGIN IMMEDIATE, so a second
    process opening a new store waits for the first one's migration and then finds nothing left to do.
    """
    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _engine_options(url: sa.engine.URL) -> dict:
    if url.get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}}
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}}


def migrate(connection: sa.Connection, revision: str = "head") -> None:
    """Bring the store's tables to an Alembic revision (``slrs/migrations``; the newest by default), in
    ``connection``'s transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def safe_url(url: str) -> str:
    """The URL without its password, for messages ("a database URL" when it is not one)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "a database URL"


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]


@contextmanager
def _read(engine: Engine) -> Iterator[sa.Connection]:
    """A connection for reading; a database error becomes ``StoreError``."""
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as error:
        raise StoreError(f"the store cannot be read: {_first_line(error)}") from None


@contextmanager
def _writing(engine: Engine) -> Iterator[sa.Connection]:
    """A transaction that will write: committed on leaving, rolled back on an error."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def _written(engine: Engine) -> Iterator[sa.Connection]:
    """One transaction; a database error becomes ``StoreError`` and nothing of the transaction is written."""
    try:
        with _writing(engine) as connection:
            yield connection
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as error:  # the driver's own: PostgreSQL's COPY
        raise StoreError(f"the store refused the change, so nothing was written: {_first_line(error)}") from None


def now() -> datetime:
    return datetime.now(UTC)


# --- snapshots and outcomes -------------------------------------------------------------------------------------

def snapshot_with_hash(engine: Engine, sha256: str) -> date | None:
    """The as-of date of the snapshot made from the file with this sha256, if any."""
    with _read(engine) as connection:
        return connection.execute(sa.select(SNAPSHOTS.c.as_of).where(SNAPSHOTS.c.file_sha256 == sha256)).scalar()


def newest_snapshot(engine: Engine) -> tuple[int, date] | tuple[None, None]:
    """The id and as-of date of the newest snapshot; (None, None) in an empty store."""
    with _read(engine) as connection:
        row = connection.execute(sa.select(SNAPSHOTS.c.id, SNAPSHOTS.c.as_of)
                                 .order_by(SNAPSHOTS.c.as_of.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def snapshot_file_name(engine: Engine, as_of: date) -> str | None:
    """The file of the snapshot as of ``as_of``, if there is one."""
    with _read(engine) as connection:
        return connection.execute(sa.select(SNAPSHOTS.c.file_name).where(SNAPSHOTS.c.as_of == as_of)).scalar()


def insert_snapshot(engine: Engine, record: SnapshotRecord) -> tuple[int, int]:
    """Write a snapshot, its rows, drift, newly arrived outcomes and its audit line in one transaction.

    Returns the snapshot's id and the number of outcomes recorded (loans whose outcome the store already had
    keep their first one).
    """
    with _written(engine) as connection:
        snapshot_id = connection.execute(sa.insert(SNAPSHOTS).values(**record.header)).inserted_primary_key[0]
        _insert_frame(connection, SNAPSHOT_ROWS, record.rows.assign(snapshot_id=snapshot_id))
        _insert_frame(connection, SNAPSHOT_DRIFT, record.drift.assign(snapshot_id=snapshot_id))
        _insert_frame(connection, SNAPSHOT_MIX, record.mix.assign(snapshot_id=snapshot_id))
        if record.file_content is not None:
            connection.execute(sa.insert(SNAPSHOT_FILES).values(snapshot_id=snapshot_id, content=record.file_content))
        new_outcomes = _new_outcomes(connection, record.outcomes)
        _insert_frame(connection, OUTCOMES, new_outcomes.assign(snapshot_id=snapshot_id,
                                                                as_of=record.header["as_of"]))
        header = record.header
        log_event(engine, str(header["added_by"]), ADDED_SNAPSHOT, f"{header['file_name']} as of {header['as_of']}",
                  str(header["file_sha256"]), json.loads(str(header["artifact_hashes"])), connection)
    return snapshot_id, len(new_outcomes)


def _new_outcomes(connection: sa.Connection, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The outcomes whose loan has none in the store yet."""
    if outcomes.empty:
        return outcomes
    known = pd.read_sql(sa.select(OUTCOMES.c.borrower_id, OUTCOMES.c.loan_id), connection)
    keys = pd.MultiIndex.from_frame(outcomes[["borrower_id", "loan_id"]])
    return outcomes[~keys.isin(pd.MultiIndex.from_frame(known))] if len(known) else outcomes


def _insert_frame(connection: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Insert a frame's rows (columns named as the table's) in batches; missing values become NULL.

    Through the driver, one tuple per row: SQLAlchemy's per-row parameter handling (and pandas' ``to_dict``) cost
    twenty seconds on a million rows. PostgreSQL takes the rows with ``COPY`` (about 9 s a million here, where
    ``executemany`` takes 20), SQLite with ``executemany`` (about 4 s).
    """
    columns = [column.name for column in table.columns if column.name in frame]
    preparer = connection.dialect.identifier_preparer
    target = f"{preparer.format_table(table)} ({', '.join(preparer.quote(column) for column in columns)})"
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for start in range(0, len(frame), INSERT_BATCH_ROWS):
        part = frame.iloc[start:start + INSERT_BATCH_ROWS]
        rows = list(zip(*(_python_values(part[column]) for column in columns), strict=True))
        if connection.dialect.name == "postgresql":
            with connection.connection.dbapi_connection.cursor() as cursor, \
                    cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({', '.join([marker] * len(columns))})", rows)


def _python_values(column: pd.Series) -> list:
    """A column as plain Python values (what every driver takes), missing values as None."""
    missing = np.flatnonzero(column.isna().to_numpy())
    plain = column.dtype.kind in "biuf"  # a NumPy column: tolist gives Python numbers in one call
    values = column.to_numpy().tolist() if plain else column.to_numpy(dtype=object).tolist()
    for position in missing:
        values[position] = None
    return values


def read_snapshots(engine: Engine) -> pd.DataFrame:
    """Every snapshot's header, oldest first."""
    with _read(engine) as connection:
        return pd.read_sql(sa.select(SNAPSHOTS).order_by(SNAPSHOTS.c.as_of), connection)


def read_trends(engine: Engine) -> pd.DataFrame:
    """Per snapshot, action and risk band: accounts, outstanding and expected net recovery (sums)."""
    with _read(engine) as connection:
        return pd.read_sql(sa.select(SNAPSHOT_MIX), connection)


def read_drift(engine: Engine) -> pd.DataFrame:
    with _read(engine) as connection:
        return pd.read_sql(sa.select(SNAPSHOT_DRIFT), connection)


def read_matured_scores(engine: Engine) -> pd.DataFrame:
    """Each snapshot's scored rows with a Borrower_ID whose loan's outcome arrived in a later snapshot:
    snapshot_id, borrower_id, loan_id, risk_score, status."""
    later = sa.and_(OUTCOMES.c.borrower_id == SNAPSHOT_ROWS.c.borrower_id,
                    OUTCOMES.c.loan_id == SNAPSHOT_ROWS.c.loan_id)
    query = (sa.select(SNAPSHOT_ROWS.c.snapshot_id, SNAPSHOT_ROWS.c.borrower_id, SNAPSHOT_ROWS.c.loan_id,
                       SNAPSHOT_ROWS.c.risk_score, OUTCOMES.c.status)
             .join(OUTCOMES, later)
             .join(SNAPSHOTS, SNAPSHOTS.c.id == SNAPSHOT_ROWS.c.snapshot_id)
             .where(OUTCOMES.c.as_of > SNAPSHOTS.c.as_of, SNAPSHOT_ROWS.c.risk_score.is_not(None),
                    SNAPSHOT_ROWS.c.borrower_id != "")
             .order_by(SNAPSHOT_ROWS.c.snapshot_id, SNAPSHOT_ROWS.c.row))
    with _read(engine) as connection:
        return pd.read_sql(query, connection)


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows in every table: what a test compares before and after a change that must change nothing."""
    with _read(engine) as connection:
        return {table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in METADATA.sorted_tables}


# --- saved scenarios ------------------------------------------------------------------------------------------------

def save_scenario(engine: Engine, name: str, content: str, author: str) -> SavedScenario:
    """Save ``content`` (a scenario's JSON) as the next version of ``name``."""
    name = check_scenario_name(name)
    json.loads(content)  # a scenario is stored as the JSON the app and CLI read back
    with _written(engine) as connection:
        latest = connection.execute(sa.select(sa.func.max(SCENARIOS.c.version))
                                    .where(SCENARIOS.c.name == name)).scalar()
        saved = SavedScenario(name, (latest or 0) + 1, author[:MAX_USER_CHARS], now(), content)
        connection.execute(sa.insert(SCENARIOS).values(name=saved.name, version=saved.version, author=saved.author,
                                                       saved_at=saved.saved_at, content=saved.content))
    return saved


def check_scenario_name(name: object) -> str:
    """A scenario name: 1 to ``MAX_NAME_CHARS`` printable characters (spaces at the ends dropped)."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME_CHARS or not text.isprintable():
        raise ConfigError(f"a scenario name should be 1 to {MAX_NAME_CHARS} printable characters; got "
                          f"{len(text)} characters")
    return text


def list_scenarios(engine: Engine) -> pd.DataFrame:
    """Every saved scenario version: name, version, author, saved_at; newest first."""
    query = (sa.select(SCENARIOS.c.name, SCENARIOS.c.version, SCENARIOS.c.author, SCENARIOS.c.saved_at)
             .order_by(SCENARIOS.c.saved_at.desc(), SCENARIOS.c.id.desc()))
    with _read(engine) as connection:
        return pd.read_sql(query, connection)


def load_scenario(engine: Engine, name: str, version: int) -> SavedScenario:
    with _read(engine) as connection:
        row = connection.execute(sa.select(SCENARIOS).where(SCENARIOS.c.name == name,
                                                            SCENARIOS.c.version == version)).mappings().first()
    if row is None:
        raise ConfigError(f"no saved scenario {name!r} version {version}; see the list of saved scenarios")
    return SavedScenario(row["name"], row["version"], row["author"], _aware(row["saved_at"]), row["content"])


def scenario_file_name(name: str, version: int) -> str:
    """The name a saved scenario is read under (as a JSON scenario file, with the same limits: a shared store's
    content is checked like any file)."""
    return f"{name} version {version}.json"


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive times: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- audit log ------------------------------------------------------------------------------------------------------

def log_event(engine: Engine, user: str, event: str, subject: str, data_sha256: str,
              artifact_hashes: Mapping[str, str], connection: sa.Connection | None = None) -> None:
    """Append one line to the audit log (in ``connection``'s transaction when given)."""
    values = {"at": now(), "user_name": user[:MAX_USER_CHARS], "event": event, "subject": subject[:300],
              "data_sha256": data_sha256, "artifact_hashes": json.dumps(dict(artifact_hashes), sort_keys=True)}
    if connection is not None:
        connection.execute(sa.insert(AUDIT_LOG).values(**values))
        return
    with _written(engine) as own:
        own.execute(sa.insert(AUDIT_LOG).values(**values))


def read_audit(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """The newest ``limit`` audit lines, newest first."""
    query = sa.select(AUDIT_LOG).order_by(AUDIT_LOG.c.id.desc()).limit(limit)
    with _read(engine) as connection:
        return pd.read_sql(query, connection)
