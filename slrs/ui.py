"""The one module of ``slrs`` that knows Streamlit: cache wrappers, session-state keys and URL state.

Pages call these helpers and the pure functions of ``slrs``; they hold no business logic themselves.
Per-user state lives in ``st.session_state`` under the ``*_KEY`` constants; shared, read-only things
(the model bundle, the bundled sample) are cached across sessions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.typing import UploadedFile

from slrs.bundle import ModelBundle
from slrs.exceptions import ConfigError, DataValidationError
from slrs.explain import ReasonExplainer
from slrs.io import DEFAULT_MODEL_DIR, load_bundle
from slrs.portfolio import LoadedPortfolio, ProgressCallback, build_view, load_portfolio
from slrs.risk import METHOD_LABELS, METHODS, Method
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds
from slrs.segmentation import SILHOUETTE_SAMPLE, project_features, resegment, silhouette_by_k
from slrs.whatif import Baseline, Scenario, is_scenario_parameter, open_scenario, scenario_to_query

SAMPLE_PATH = DEFAULT_MODEL_DIR.parent / "data" / "portfolio.csv"
SAMPLE_NAME = "Bundled sample portfolio"

PORTFOLIO_KEY = "slrs_portfolio"
VIEWS_KEY = "slrs_views"
METHOD_KEY = "slrs_method"
METHOD_WIDGET_KEY = "sidebar_method"
LOW_KEY = "slrs_threshold_low"
HIGH_KEY = "slrs_threshold_high"
URL_LOADED_KEY = "slrs_url_loaded"
UPLOAD_KEY = "portfolio_upload"
# The upload loaded last and, if it could not be used, its problems: a rerun must not load it again.
UPLOAD_MARKER_KEY = "slrs_upload_marker"
UPLOAD_PROBLEMS_KEY = "slrs_upload_problems"

# Query-string parameter names: a shared link reproduces the scenario.
URL_LOW, URL_HIGH, URL_METHOD = "low", "high", "method"


def require_app_frame() -> None:
    """Make sure a page runs inside app.py's router and sidebar; call first on every page.

    Streamlit still knows its legacy "pages/ folder" mode: on a fresh server, a first visit to a page's own
    address (a shared link) would run that page file alone, without app.py's sidebar and session set-up.
    Switching the mode off and rerunning sends the same page through app.py's ``st.navigation`` instead.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner="Loading the trained models...")
def get_bundle(directory: Path = DEFAULT_MODEL_DIR) -> ModelBundle:
    """The committed model bundle, loaded once per process and shared read-only by every session."""
    return load_bundle(directory)


@st.cache_resource(show_spinner=False)
def get_explainer() -> ReasonExplainer:
    """The SHAP explainers of ``get_bundle()``'s forests, built once per process (read-only)."""
    return ReasonExplainer(get_bundle())  # called exactly as the pages call it: the same cached bundle


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


def load_upload(uploaded: UploadedFile, on_progress: ProgressCallback | None = None) -> bool:
    """Load the uploader's file unless it is the one loaded last; True when it became the active portfolio.

    A file that cannot be used leaves the previous portfolio active; its problems stay available from
    ``upload_problems`` for as long as that file sits in the uploader.
    """
    marker = _upload_marker(uploaded)
    if st.session_state.get(UPLOAD_MARKER_KEY) == marker:
        return False
    st.session_state[UPLOAD_MARKER_KEY], st.session_state[UPLOAD_PROBLEMS_KEY] = marker, []
    try:
        replace_portfolio(uploaded.getvalue(), uploaded.name, on_progress)
    except DataValidationError as error:
        st.session_state[UPLOAD_PROBLEMS_KEY] = list(error.problems)
        return False
    return True


def upload_problems(uploaded: UploadedFile) -> list[str]:
    """Why the file in the uploader could not be used (empty when it was loaded or is not loaded yet)."""
    if st.session_state.get(UPLOAD_MARKER_KEY) != _upload_marker(uploaded):
        return []
    return st.session_state.get(UPLOAD_PROBLEMS_KEY, [])


def _upload_marker(uploaded: UploadedFile) -> tuple[str, int, str]:
    # Streamlit gives each upload its own id: a file uploaded again, or another one with the same name and
    # size, counts as new, and no hash of up to maxUploadSize bytes is computed on every rerun.
    return uploaded.name, uploaded.size, uploaded.file_id


def use_sample() -> None:
    st.session_state[PORTFOLIO_KEY] = get_sample_portfolio()
    st.session_state[VIEWS_KEY] = {}


def active_method() -> Method:
    return st.session_state.get(METHOD_KEY, "outcome")


def method_label(method: Method) -> str:
    return METHOD_LABELS[method]


def store_method_choice() -> None:
    """Keep the sidebar's choice under a non-widget key (widget state is dropped on runs that skip the
    widget) and in the URL."""
    st.session_state[METHOD_KEY] = st.session_state[METHOD_WIDGET_KEY]
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


# --- Segments page: deterministic work on a portfolio's features, cached by its digest --------------------

SEGMENT_K_CHOICES = range(2, 9)


@st.cache_data(show_spinner="Comparing numbers of segments (k = 2 to 8)...", max_entries=8)
def get_silhouettes(digest: str, _rows: pd.DataFrame) -> pd.DataFrame:
    """Silhouette score per k in ``SEGMENT_K_CHOICES`` on at most 5,000 sampled rows of the portfolio ``digest``."""
    return silhouette_by_k(_rows, SEGMENT_K_CHOICES, max_rows=SILHOUETTE_SAMPLE)


@st.cache_data(show_spinner="Re-segmenting the portfolio...", max_entries=32)
def get_resegmented(digest: str, k: int, _rows: pd.DataFrame) -> pd.DataFrame:
    """Segments of the portfolio ``digest`` under a fresh k-segment model (the committed model is untouched)."""
    return resegment(_rows, k)


@st.cache_data(show_spinner=False, max_entries=8)
def get_projection(digest: str, _rows: pd.DataFrame) -> tuple[pd.DataFrame, list[float]]:
    """2-D projection of the segment features of the portfolio ``digest``."""
    return project_features(_rows)


# --- Borrower what-if page: the scenario survives page switches and lives in the URL -----------------------

WHATIF_KEY = "slrs_whatif"


def whatif_scenario(view: pd.DataFrame, profile: dict) -> tuple[Baseline, Scenario, list[str]]:
    """This session's what-if scenario (the first time: the URL's), its baseline, and what was dropped."""
    stored = st.session_state.get(WHATIF_KEY)
    query = scenario_to_query(stored) if stored is not None else st.query_params.to_dict()
    baseline, scenario, warnings = open_scenario(view, profile, query)
    set_whatif_scenario(scenario)
    return baseline, scenario, warnings


def set_whatif_scenario(scenario: Scenario) -> None:
    """Keep ``scenario`` for this session and write it to the URL (other URL parameters stay)."""
    st.session_state[WHATIF_KEY] = scenario
    query = scenario_to_query(scenario)
    for name in [name for name in st.query_params if is_scenario_parameter(name) and name not in query]:
        del st.query_params[name]
    for name, value in query.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
