"""Shared fixtures: small portfolios made by the project's own generator (never ../shared, never the network)."""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from slrs.synth import generate_portfolio

REFERENCE_ROWS = 30
REFERENCE_SEED = 11


def _reference_text() -> pd.DataFrame:
    """The generator's portfolio as the text a reader returns, with one value pandas would reformat."""
    text = generate_portfolio(REFERENCE_ROWS, seed=REFERENCE_SEED).astype(str)
    text.loc[0, "Outstanding_Loan_Amount"] = "1727997.257896650"  # trailing zero: must survive as written
    return text


@pytest.fixture
def portfolio_text() -> pd.DataFrame:
    """A 30-row reference-like portfolio, every value as text (a fresh copy per test)."""
    return _reference_text()


@pytest.fixture(scope="session")
def reference_csv_bytes() -> bytes:
    """``portfolio_text`` in the reference file's exact format: UTF-8, comma, CRLF, no newline at the end."""
    data = _reference_text().to_csv(index=False, lineterminator="\r\n").encode("utf-8")
    return data.removesuffix(b"\r\n")


@pytest.fixture(autouse=True)
def own_store(monkeypatch, tmp_path):
    """Every test's store (the app's audit lines, saved scenarios) is its own SQLite file, never var/slrs.db."""
    monkeypatch.setenv("SLRS_DB_URL", f"sqlite:///{tmp_path / 'own-store.db'}")


# --- app tests ---------------------------------------------------------------------------------------------

APP_PATH = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "app.py")
APP_TIMEOUT = 60


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (router + sidebar); caches cleared so each test starts clean.

    Use ``app.switch_page("pages/strategy.py").run()`` to open a page.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP_PATH, default_timeout=APP_TIMEOUT)


def open_page(app, page: str):
    """Run the app once (router and sidebar), then open ``page`` ("pages/<name>.py") as a user would."""
    app.run()
    return app.switch_page(page).run()


@pytest.fixture(scope="session")
def bundle():
    """The committed model bundle (read-only; tests never retrain it in place)."""
    from slrs.io import load_bundle

    return load_bundle()


@pytest.fixture(scope="session")
def profile(bundle) -> dict:
    """The committed bundle's training profile: ranges and typical values of every model input."""
    return bundle.manifest["profile"]


UNITS = {"k": 1e3, "m": 1e6, "bn": 1e9, "tn": 1e12}


def parse_figure(text: str) -> float:
    """A figure as the app writes it ("€ 1.41 bn", "3,385", "-2.50 m") back to a number (to its precision)."""
    words = text.replace(",", "").split()
    unit = UNITS.get(words[-1], 1.0) if words[-1] in UNITS else 1.0
    number = next(word for word in reversed(words) if word.lstrip("-+").replace(".", "", 1).isdigit())
    sign = -1 if text.lstrip().startswith("-") and not number.startswith("-") else 1
    return sign * float(number) * unit


# --- the store: SQLite always, PostgreSQL when a server is given ---------------------------------------------------

POSTGRES_URL_VARIABLE = "SLRS_TEST_POSTGRES_URL"  # a server's URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5433/postgres


def postgres_database(server_url: str):
    """A new, empty database on the test server; yields its URL and drops it afterwards."""
    name = f"slrs_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_server_url() -> str:
    """The test server's URL; skips the test without one, but fails it under CI (where .ci/run starts one)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "")
    problem = f"no PostgreSQL server for the store's tests ({POSTGRES_URL_VARIABLE} is not set)"
    if url:
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
            return url
        except sa.exc.SQLAlchemyError as error:
            problem = f"the PostgreSQL server at {POSTGRES_URL_VARIABLE} cannot be reached: {error}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(problem)
    pytest.skip(problem)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The URL of a new, empty store: an SQLite file, then a database on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'slrs.db'}"
        return
    yield from postgres_database(postgres_server_url())
