"""The one module of ``slrs`` that knows Streamlit: cache wrappers, session-state keys and URL state.

Pages call these helpers and the pure functions of ``slrs``; they hold no business logic themselves.
Per-user state lives in ``st.session_state`` under the ``*_KEY`` constants; shared, read-only things
(the model bundle, the bundled sample) are cached across sessions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from slrs.bundle import ModelBundle
from slrs.exceptions import ConfigError
from slrs.io import DEFAULT_MODEL_DIR, load_bundle
from slrs.portfolio import LoadedPortfolio, ProgressCallback, build_view, load_portfolio
from slrs.risk import METHOD_LABELS, METHODS, Method
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds

SAMPLE_PATH = DEFAULT_MODEL_DIR.parent / "data" / "portfolio.csv"
SAMPLE_NAME = "Bundled sample portfolio"

PORTFOLIO_KEY = "slrs_portfolio"
VIEWS_KEY = "slrs_views"
METHOD_KEY = "slrs_method"
LOW_KEY = "slrs_threshold_low"
HIGH_KEY = "slrs_threshold_high"
URL_LOADED_KEY = "slrs_url_loaded"
UPLOAD_KEY = "portfolio_upload"

# Query-string parameter names: a shared link reproduces the scenario.
URL_LOW, URL_HIGH, URL_METHOD = "low", "high", "method"


@st.cache_resource(show_spinner="Loading the trained models...")
def get_bundle(directory: Path = DEFAULT_MODEL_DIR) -> ModelBundle:
    """The committed model bundle, loaded once per process and shared read-only by every session."""
    return load_bundle(directory)


@st.cache_resource(show_spinner="Loading the sample portfolio...")
def get_sample_portfolio() -> LoadedPortfolio:
    """The bundled sample, validated once per process (read-only)."""
    return load_portfolio(SAMPLE_PATH.read_bytes(), SAMPLE_PATH.name, is_sample=True)


def init_session() -> None:
    """First run of a session: start on the sample and take thresholds and method from the URL."""
    if URL_LOADED_KEY in st.session_state:
        return
    st.session_state[URL_LOADED_KEY] = True
    st.session_state.setdefault(PORTFOLIO_KEY, get_sample_portfolio())
    st.session_state.setdefault(VIEWS_KEY, {})
    method = st.query_params.get(URL_METHOD, "outcome")
    st.session_state[METHOD_KEY] = method if method in METHODS else "outcome"
    try:
        thresholds = Thresholds(float(st.query_params.get(URL_LOW, DEFAULT_THRESHOLDS.low)),
                                float(st.query_params.get(URL_HIGH, DEFAULT_THRESHOLDS.high)))
    except (ValueError, ConfigError):
        thresholds = DEFAULT_THRESHOLDS  # a hand-edited link must not break the app
    st.session_state[LOW_KEY], st.session_state[HIGH_KEY] = thresholds.low, thresholds.high


def active_portfolio() -> LoadedPortfolio:
    return st.session_state[PORTFOLIO_KEY]


def replace_portfolio(data: bytes, name: str, on_progress: ProgressCallback | None = None) -> LoadedPortfolio:
    """Load an upload for this session only; on any DataValidationError the previous portfolio stays."""
    portfolio = load_portfolio(data, name, on_progress=on_progress)
    st.session_state[PORTFOLIO_KEY] = portfolio
    st.session_state[VIEWS_KEY] = {}
    return portfolio


def use_sample() -> None:
    st.session_state[PORTFOLIO_KEY] = get_sample_portfolio()
    st.session_state[VIEWS_KEY] = {}


def active_method() -> Method:
    return st.session_state.get(METHOD_KEY, "outcome")


def method_label(method: Method) -> str:
    return METHOD_LABELS[method]


def sync_method_to_url() -> None:
    st.query_params[URL_METHOD] = active_method()


def active_view() -> pd.DataFrame:
    """The active portfolio scored by the active method, computed once per session (treat as read-only)."""
    portfolio, method = active_portfolio(), active_method()
    views = st.session_state.setdefault(VIEWS_KEY, {})
    key = (portfolio.digest, method)
    if key not in views:
        with st.spinner("Scoring the portfolio..."):
            views[key] = build_view(portfolio, get_bundle(), method)
    return views[key]


def active_thresholds() -> Thresholds:
    return Thresholds(st.session_state[LOW_KEY], st.session_state[HIGH_KEY])


def set_thresholds(thresholds: Thresholds) -> None:
    """Store valid thresholds for this session and in the URL."""
    st.session_state[LOW_KEY], st.session_state[HIGH_KEY] = thresholds.low, thresholds.high
    st.query_params[URL_LOW], st.query_params[URL_HIGH] = f"{thresholds.low:g}", f"{thresholds.high:g}"
