"""The one module of ``slrs`` that knows Streamlit: cache wrappers, session-state keys and URL state.

Pages call these helpers and the pure functions of ``slrs``; they hold no business logic themselves.
Per-user state lives in ``st.session_state`` under the ``*_KEY`` constants; shared, read-only things
(the model bundle, the bundled sample) are cached across sessions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.typing import UploadedFile

from slrs.bundle import ModelBundle
from slrs.compare import Comparison, PlanSide, compare_plans, plan_side
from slrs.drift import DriftReport, check_drift
from slrs.exceptions import ConfigError, DataValidationError
from slrs.explain import ReasonExplainer
from slrs.io import DEFAULT_MODEL_DIR, load_bundle
from slrs.money import (ACTIONS, DEFAULT_ASSUMPTIONS, Assumptions, assumptions_from_dict, assumptions_to_dict, plan_view,
                        sweep_thresholds, threshold_grid)
from slrs.portfolio import LoadedPortfolio, ProgressCallback, build_view, load_portfolio
from slrs.report import PackInputs, build_committee_pack
from slrs.risk import METHOD_LABELS, METHODS, Method
from slrs.scenario import (DecisionScenario, assumptions_to_query, is_assumption_parameter, number_text,
                           read_scenario_bytes, scenario_from_query)
from slrs.scenario import scenario_to_query as decision_scenario_query
from slrs.segmentation import SILHOUETTE_SAMPLE, project_features, resegment, silhouette_by_k
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds
from slrs.whatif import Baseline, Scenario, is_scenario_parameter, open_scenario, scenario_to_query

SAMPLE_PATH = DEFAULT_MODEL_DIR.parent / "data" / "portfolio.csv"
SAMPLE_NAME = "Bundled sample portfolio"

PORTFOLIO_KEY = "slrs_portfolio"
VIEWS_KEY = "slrs_views"
METHOD_KEY = "slrs_method"
METHOD_WIDGET_KEY = "sidebar_method"
LOW_KEY = "slrs_threshold_low"
HIGH_KEY = "slrs_threshold_high"
ASSUMPTIONS_KEY = "slrs_assumptions"
URL_LOADED_KEY = "slrs_url_loaded"
# What a hand-edited link held that could not be used (shown on the Scenario page).
URL_WARNINGS_KEY = "slrs_url_warnings"
UPLOAD_KEY = "portfolio_upload"
# The upload loaded last and, if it could not be used, its problems: a rerun must not load it again.
UPLOAD_MARKER_KEY = "slrs_upload_marker"
UPLOAD_PROBLEMS_KEY = "slrs_upload_problems"
# Drift reports of this session, by (portfolio digest, method).
DRIFT_KEY = "slrs_drift"

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
    """First run of a session: start on the sample and take method, thresholds and assumptions from the URL."""
    if URL_LOADED_KEY in st.session_state:
        return
    st.session_state[URL_LOADED_KEY] = True
    st.session_state.setdefault(PORTFOLIO_KEY, get_sample_portfolio())
    st.session_state.setdefault(VIEWS_KEY, {})
    # A hand-edited link must not break the app: a bad value is dropped (its default stays) with a warning.
    scenario, warnings = scenario_from_query(st.query_params.to_dict())
    st.session_state[METHOD_KEY] = scenario.method
    st.session_state[LOW_KEY], st.session_state[HIGH_KEY] = scenario.thresholds.low, scenario.thresholds.high
    st.session_state[ASSUMPTIONS_KEY] = scenario.assumptions
    st.session_state[URL_WARNINGS_KEY] = warnings
    if scenario.borrower is not None:  # kept for the what-if page, which checks it against the portfolio
        st.session_state[WHATIF_KEY] = scenario.borrower


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


def set_method(method: Method) -> None:
    """Make ``method`` the active one: session, sidebar radio and URL.

    Call it from a widget callback: the sidebar radio is drawn before the page, so its key can only be set
    before the run starts.
    """
    if method not in METHODS:
        raise ConfigError(f"method {method!r} should be one of {list(METHODS)}")
    st.session_state[METHOD_KEY] = st.session_state[METHOD_WIDGET_KEY] = method
    st.query_params[URL_METHOD] = method


def active_view() -> pd.DataFrame:
    """The active portfolio scored by the active method, computed once per session (treat as read-only)."""
    return view_for(active_method())


def view_for(method: Method) -> pd.DataFrame:
    """The active portfolio scored by ``method``, computed once per session and method (treat as read-only)."""
    portfolio = active_portfolio()
    views = st.session_state.setdefault(VIEWS_KEY, {})
    key = (portfolio.digest, method)
    if key not in views:
        with st.spinner("Scoring the portfolio..."):
            views[key] = build_view(portfolio, get_bundle(), method)
    return views[key]


def active_drift() -> DriftReport:
    """The active portfolio against the training data under the active method, computed once per session.

    Artifacts made before the drift check existed hold no training reference: the report then says so.
    """
    portfolio, method = active_portfolio(), active_method()
    reports = st.session_state.setdefault(DRIFT_KEY, {})
    key = (portfolio.digest, method)
    if key not in reports:
        validation = portfolio.validation
        reports[key] = check_drift(validation.clean, validation.scorable, active_view()["Risk_Score"], method,
                                   get_bundle().manifest.get("drift_reference"))
    return reports[key]


def active_assumptions() -> Assumptions:
    """This session's cost and recovery assumptions (the defaults until the user edits them)."""
    return st.session_state.get(ASSUMPTIONS_KEY, DEFAULT_ASSUMPTIONS)


def assumptions_caption() -> str:
    """One line for the sidebar: whose cost and recovery assumptions are in use, and any capacity limits."""
    assumptions = active_assumptions()
    limits = [f"{action} at most {assumptions.terms(action).capacity:,}" for action in ACTIONS
              if assumptions.terms(action).capacity is not None]
    whose = "the defaults" if assumptions == DEFAULT_ASSUMPTIONS else "your own"
    return (f"Costs and recovery: {whose}" + (f"; capacity: {', '.join(limits)}" if limits else "")
            + ". Change them on the Money & thresholds page.")


def set_assumptions(assumptions: Assumptions, *, from_editor: bool = False) -> None:
    """Use ``assumptions`` for this session and in the URL (only those that differ from the defaults).

    Unless they come from the Money page's editor itself, that editor starts afresh over them (see
    ``assumptions_editor_key``): call this from a widget callback or on another page, before the editor is drawn.
    """
    st.session_state[ASSUMPTIONS_KEY] = assumptions
    _write_query(assumptions_to_query(assumptions), is_assumption_parameter)
    if not from_editor:
        st.session_state[ASSUMPTIONS_EDITOR_VERSION_KEY] = st.session_state.get(ASSUMPTIONS_EDITOR_VERSION_KEY, 0) + 1


def active_plan() -> pd.DataFrame:
    """The plan of ``active_view()`` under the active thresholds and assumptions (see ``slrs.money.plan_actions``).

    Not cached: it takes milliseconds even on 100,000 rows, and it must follow every threshold move.
    """
    return plan_at(active_thresholds())


def plan_at(thresholds: Thresholds) -> pd.DataFrame:
    """The plan of ``active_view()`` under ``thresholds`` and the active assumptions; same index as the view."""
    return plan_view(active_view(), thresholds, active_assumptions())


def active_strategies() -> pd.Series:
    """The recommended strategy of each row of ``active_view()``: thresholds, then capacities."""
    return active_plan()["Recovery_Strategy"]


def active_thresholds() -> Thresholds:
    return Thresholds(st.session_state[LOW_KEY], st.session_state[HIGH_KEY])


def set_thresholds(thresholds: Thresholds) -> None:
    """Store valid thresholds for this session and in the URL."""
    st.session_state[LOW_KEY], st.session_state[HIGH_KEY] = thresholds.low, thresholds.high
    st.query_params[URL_LOW], st.query_params[URL_HIGH] = number_text(thresholds.low), number_text(thresholds.high)


# The Strategy page's threshold sliders: another page that sets the thresholds moves them too.
STRATEGY_LOW_SLIDER, STRATEGY_HIGH_SLIDER = "strategy_low", "strategy_high"


def apply_thresholds(thresholds: Thresholds) -> None:
    """``set_thresholds`` from a widget callback, also moving the Strategy page's sliders if they hold a value.

    A slider key absent from the session is left absent: the Strategy page then starts it at the thresholds.
    """
    set_thresholds(thresholds)
    for key, value in ((STRATEGY_LOW_SLIDER, thresholds.low), (STRATEGY_HIGH_SLIDER, thresholds.high)):
        if key in st.session_state:
            st.session_state[key] = value


# --- Money page: the assumptions editor and the threshold sweep ----------------------------------------------

ASSUMPTIONS_EDITOR_KEY = "money_assumptions"
ASSUMPTIONS_EDITOR_VERSION_KEY = "slrs_assumptions_editor_version"


def assumptions_editor_key() -> str:
    """Key of the Money page's assumptions editor: ``money_assumptions``, then a new one after each outside change.

    The browser side of ``st.data_editor`` keeps its cell edits and sends them again with every rerun, so
    removing the editor's session state does not clear them (they come back on the next click); only a new key
    gives a fresh editor over newly set assumptions (a reset, a loaded scenario).
    """
    version = st.session_state.get(ASSUMPTIONS_EDITOR_VERSION_KEY, 0)
    return ASSUMPTIONS_EDITOR_KEY if version == 0 else f"{ASSUMPTIONS_EDITOR_KEY}_{version}"


@st.cache_data(show_spinner="Computing the net recovery of every pair of thresholds...", max_entries=16)
def get_sweep(digest: str, method: Method, assumptions_key: str, _risk: np.ndarray,
              _outstanding: np.ndarray) -> pd.DataFrame:
    """``money.sweep_thresholds`` over ``threshold_grid()`` for the portfolio ``digest`` scored by ``method``.

    ``assumptions_key`` is the JSON text of the assumptions (``assumptions_to_dict``, sorted keys); they are
    read back from it, so the cache key fully determines the result.
    """
    assumptions = assumptions_from_dict(json.loads(assumptions_key))
    return sweep_thresholds(_risk, _outstanding, assumptions, threshold_grid())


def active_sweep() -> pd.DataFrame:
    """The sweep of ``active_view()`` under the active assumptions (Low, High, money totals, accounts per action)."""
    view = active_view()
    key = json.dumps(assumptions_to_dict(active_assumptions()), sort_keys=True)
    return get_sweep(active_portfolio().digest, active_method(), key, view["Risk_Score"].to_numpy(dtype=float),
                     view["Outstanding_Loan_Amount"].to_numpy(dtype=float))


# --- Champion vs challenger: the champion is the active scenario, the challenger an alternative to it ------

CHALLENGER_KEY = "slrs_challenger"
# True while the challenger takes the champion's assumptions, whatever they become.
CHALLENGER_FOLLOWS_KEY = "slrs_challenger_follows_assumptions"


def challenger_side() -> PlanSide:
    """This session's challenger (at first: the champion's method with the study's default thresholds and
    the default assumptions)."""
    side = st.session_state.get(CHALLENGER_KEY) or PlanSide(active_method(), DEFAULT_THRESHOLDS, DEFAULT_ASSUMPTIONS)
    return replace(side, assumptions=active_assumptions()) if challenger_follows_champion() else side


def challenger_follows_champion() -> bool:
    """True when the challenger uses the champion's assumptions, even after they change."""
    return st.session_state.get(CHALLENGER_FOLLOWS_KEY, False)


def set_challenger_side(side: PlanSide, follow_champion_assumptions: bool = False) -> None:
    """Keep ``side`` as this session's challenger; with ``follow_champion_assumptions`` its assumptions are
    always the champion's (``challenger_side`` reads them afresh)."""
    st.session_state[CHALLENGER_KEY] = side
    st.session_state[CHALLENGER_FOLLOWS_KEY] = follow_champion_assumptions


def active_comparison() -> Comparison:
    """The active scenario (champion) against ``challenger_side()`` on the active portfolio."""
    side = challenger_side()
    challenger_view = view_for(side.method)
    return compare_plans(active_view(), active_plan(), challenger_view, plan_side(challenger_view, side))


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
    _write_query(scenario_to_query(scenario), is_scenario_parameter)


def _write_query(query: dict[str, str], owns: Callable[[str], bool]) -> None:
    """Put ``query`` in the URL and remove the parameters ``owns`` claims that it lacks; all others stay."""
    for name in [name for name in st.query_params if owns(name) and name not in query]:
        del st.query_params[name]
    for name, value in query.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


# --- Scenario page: the whole scenario to and from a file, restored in one go --------------------------------

# The what-if page's widgets: a restored borrower must refill them instead of keeping the old values.
WHATIF_SEARCH_KEY, WHATIF_INPUT_PREFIX = "what_if_borrower", "what_if_input_"
SCENARIO_UPLOAD_KEY = "scenario_upload"
# The scenario file loaded last: (its upload marker, "" when it was restored, else why it could not be).
SCENARIO_RESULT_KEY = "slrs_scenario_result"


def current_scenario() -> DecisionScenario:
    """This session's scenario: method, thresholds, assumptions and the what-if borrower with their edits."""
    return DecisionScenario(active_method(), active_thresholds(), active_assumptions(),
                            st.session_state.get(WHATIF_KEY))


def keep_scenario_in_url() -> None:
    """Write this session's scenario into the URL; app.py calls it on every run, before the page.

    Streamlit clears the query string whenever the user moves to another page, so without this a copied link
    would hold the scenario only on the page where it last changed. Other URL parameters stay.
    """
    _write_query(decision_scenario_query(current_scenario()),
                 lambda name: name in (URL_METHOD, URL_LOW, URL_HIGH) or is_assumption_parameter(name)
                 or is_scenario_parameter(name))


def restore_scenario(scenario: DecisionScenario) -> None:
    """Make ``scenario`` this session's everywhere: sidebar, Strategy sliders, Money editor, what-if page, URL.

    Call it from a widget callback: the sidebar radio is drawn before the page, so its key can only be set
    before the run starts.
    """
    set_method(scenario.method)
    apply_thresholds(scenario.thresholds)
    set_assumptions(scenario.assumptions)
    for key in [key for key in st.session_state if key == WHATIF_SEARCH_KEY or key.startswith(WHATIF_INPUT_PREFIX)]:
        del st.session_state[key]
    if scenario.borrower is not None:
        set_whatif_scenario(scenario.borrower)
    else:  # no borrower chosen: the what-if page starts again on a typical one
        st.session_state.pop(WHATIF_KEY, None)
        _write_query({}, is_scenario_parameter)


def load_scenario_upload() -> None:
    """Callback of the Scenario page's uploader: restore the scenario in the uploaded file (once per upload).

    A file that cannot be used changes nothing; ``scenario_upload_result`` then says why.
    """
    uploaded = st.session_state.get(SCENARIO_UPLOAD_KEY)
    if uploaded is None:
        return
    try:
        scenario = read_scenario_bytes(uploaded.getvalue(), uploaded.name)
    except ConfigError as error:
        st.session_state[SCENARIO_RESULT_KEY] = (_upload_marker(uploaded), str(error))
        return
    restore_scenario(scenario)
    st.session_state[SCENARIO_RESULT_KEY] = (_upload_marker(uploaded), "")


def scenario_upload_result(uploaded: UploadedFile) -> str | None:
    """For the file in the Scenario page's uploader: None if it was not read, "" if restored, else its problems."""
    marker, problems = st.session_state.get(SCENARIO_RESULT_KEY, (None, None))
    return problems if marker == _upload_marker(uploaded) else None


def url_warnings() -> list[str]:
    """What the link this session opened with held that could not be used (each value was dropped)."""
    return st.session_state.get(URL_WARNINGS_KEY, [])


def committee_pack() -> Callable[[], bytes]:
    """The committee pack (UTF-8 HTML) of the active portfolio and scenario against ``challenger_side()``, made
    on demand: pass it to ``st.download_button`` so the file is built only when the user asks for it.

    The session is read now, while the page runs: Streamlit calls the returned function on another thread,
    where this session's state is out of reach. It reuses the views this session has already scored, so the
    pack shows exactly the app's numbers.
    """
    scenario, challenger = current_scenario(), challenger_side()
    views = {method: view_for(method) for method in (scenario.method, challenger.method)}
    inputs = PackInputs(active_portfolio(), get_bundle(), scenario, challenger, views)
    return lambda: build_committee_pack(inputs).encode("utf-8")
