"""The one module of ``slrs`` that knows Streamlit: cache wrappers, session-state keys, widget keys and URL state.

Pages call these helpers and ``slrs.pipeline``; they hold no business logic themselves. Per-user state lives in
``st.session_state`` under the ``*_KEY`` constants: above all **one scenario object** (``SCENARIO_KEY``, a
``DecisionScenario``: method, thresholds, assumptions, what-if borrower), read by ``active_scenario`` and written
by ``set_scenario`` alone (the first run's reading of the link included), which also writes it to the URL. Widget keys shared by more than one page or restored
from a scenario are defined here and nowhere else. Shared, read-only things (the model bundle, the bundled
sample) are cached across sessions.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.typing import UploadedFile

from slrs import pipeline
from slrs.bundle import ModelBundle
from slrs.compare import Comparison
from slrs.drift import DriftReport
from slrs.exceptions import ConfigError, DataValidationError, SLRSError
from slrs.findings import Finding
from slrs.formatting import Currency
from slrs.gates import GATE_FIELDS, ValidationGates
from slrs.io import DEFAULT_MODEL_DIR, load_bundle
from slrs.money import (
    ACTIONS,
    DEFAULT_ASSUMPTIONS,
    Assumptions,
    assumptions_to_dict,
    threshold_grid,
)
from slrs.outcome_analysis import OutcomeAnalysis
from slrs.portfolio import LoadedPortfolio, ProgressCallback, escape_markdown
from slrs.scenario import (
    DecisionScenario,
    is_scenario_query_parameter,
    read_scenario_bytes,
    read_scenario_text,
    scenario_from_query,
    scenario_to_json,
    scenario_to_query,
)
from slrs.segmentation import (
    SILHOUETTE_SAMPLE,
    project_features,
    resegment,
    silhouette_by_k,
)
from slrs.strategy import DEFAULT_THRESHOLDS, METHOD_LABELS, METHODS, Method, Thresholds
from slrs.summary import SummaryInputs, SummaryLine, summarise
from slrs.tables import STATUS_COLOURS, FigureKind, display_table
from slrs.whatif import Baseline, Scenario, open_scenario
from slrs.whatif import scenario_to_query as borrower_query

if TYPE_CHECKING:  # for the annotations only: the store's modules load on first use (``_store``)
    from sqlalchemy.engine import Engine

    from slrs.monitoring import MonitorReport

SAMPLE_PATH = DEFAULT_MODEL_DIR.parent / "data" / "portfolio.csv"
SAMPLE_NAME = "Bundled sample portfolio"

# --- session-state keys (per user) ----------------------------------------------------------------------------
SCENARIO_KEY = "slrs_scenario"
PORTFOLIO_KEY = "slrs_portfolio"
# The results of an upload, by (portfolio digest, method); the bundled sample's are shared (``_compute_once``).
VIEWS_KEY = "slrs_views"  # scored views
DRIFT_KEY = "slrs_drift"  # drift reports
ANALYSIS_KEY = "slrs_analysis"  # outcome analyses
DECISIONS_KEY = "slrs_decisions"  # the latest decisions, as (portfolio digest, scenario, decision)
URL_LOADED_KEY = "slrs_url_loaded"
URL_WARNINGS_KEY = "slrs_url_warnings"  # what the opening link held that could not be used
# The upload loaded last and, if it could not be used, its problems: a rerun must not load it again.
UPLOAD_MARKER_KEY = "slrs_upload_marker"
UPLOAD_PROBLEMS_KEY = "slrs_upload_problems"
CHALLENGER_KEY = "slrs_challenger"
CHALLENGER_FOLLOWS_KEY = "slrs_challenger_follows_assumptions"  # the challenger takes the champion's assumptions
ASSUMPTIONS_EDITOR_VERSION_KEY = "slrs_assumptions_editor_version"
SCENARIO_RESULT_KEY = "slrs_scenario_result"  # (upload marker, "" when restored, else why not)

KEPT_DECISIONS = 2

# --- widget keys that more than one place must know -----------------------------------------------------------
METHOD_WIDGET_KEY = "sidebar_method"
STRATEGY_LOW_SLIDER, STRATEGY_HIGH_SLIDER = "strategy_low", "strategy_high"
ASSUMPTIONS_EDITOR_KEY = "money_assumptions"
WHATIF_SEARCH_KEY, WHATIF_INPUT_PREFIX = "what_if_borrower", "what_if_input_"
UPLOAD_KEY = "portfolio_upload"
CURRENCY_WIDGET_KEY, SYMBOL_WIDGET_KEY = "scenario_currency", "scenario_symbol"
GATE_WIDGET_PREFIX = "gate_"
SCENARIO_UPLOAD_KEY = "scenario_upload"


# --- the app frame: every page runs inside app.py's router and sidebar -----------------------------------------
# Streamlit still knows its legacy "pages/ folder" mode: until some run has called st.navigation in a server
# process (and on every run under AppTest, which starts afresh each time), a page's address runs that page file
# alone, without app.py. ``require_app_frame`` sends such a run through app.py, with public Streamlit calls only.
FRAME_KEY = "slrs_in_app_frame"  # set by app.py just before it runs a page; the page takes it


def mark_app_frame(inside: bool) -> None:
    """app.py: ``False`` at the start of every run, ``True`` just before it runs the chosen page."""
    st.session_state[FRAME_KEY] = inside


def require_app_frame(page_file: str) -> None:
    """First line of every page (pass ``__file__``): a page run alone is run again through app.py.

    Calling ``st.navigation`` is what tells Streamlit that the app routes its own pages (it then leaves the legacy
    mode for the whole process); the rerun keeps the page, its address, its query string and its widget values,
    and this time app.py runs first and runs the page inside its frame.
    """
    if not st.session_state.pop(FRAME_KEY, False):
        # The page must not be the default one: a default page's address is the root, so the link's own address
        # ("/money") would match no page and Streamlit would show its "Page not found" dialog over the app.
        st.navigation([st.Page(_never_run, default=True), st.Page(page_file)], position="hidden")
        st.rerun()


def _never_run() -> None:
    """The default page of ``require_app_frame``'s navigation, which only ever reruns through app.py."""


# glibc's mallopt parameters: with fixed thresholds, the large blocks of a session's tables are mapped and unmapped
# on their own, so the memory of a closed session goes back to the system instead of staying in the process heap
# (glibc otherwise raises the mmap threshold after the first large free, and keeps later tables in its heap).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
LARGE_BLOCK_BYTES = 128 * 1024


@st.cache_resource(show_spinner=False)
def return_freed_memory_to_the_system() -> bool:
    """Once per process: set glibc's thresholds (see ``M_MMAP_THRESHOLD``); False where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    # Arrow (behind pandas' text columns) keeps freed memory in its own allocator's heaps; through the system
    # allocator, its large buffers follow the thresholds above.
    pa.set_memory_pool(pa.system_memory_pool())
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) and libc.mallopt(M_TRIM_THRESHOLD, LARGE_BLOCK_BYTES))


@st.cache_resource(show_spinner=False)
def freeze_loaded_objects() -> int:
    """Once per process: leave the objects alive now (the loaded modules: some 180,000) out of every later garbage
    collection; returns how many. Streamlit collects after every page run, and walking those objects took 0.1 s of
    each run, holding the lock that lets one thread run Python at a time, so every other session waited too.

    Cached, since counting the frozen objects walks them (14 ms); and after Streamlit's caches are cleared, the
    count keeps a second freeze from happening (what is frozen is never collected: freezing once more would keep a
    session's objects alive for good). Nothing is collected first: after the imports no garbage was found, and a
    full collection would add 0.1 s to the first page."""
    if not gc.get_freeze_count():
        gc.freeze()
    return gc.get_freeze_count()


@st.cache_resource(show_spinner="Loading the trained models...")
def get_bundle(directory: Path = DEFAULT_MODEL_DIR) -> ModelBundle:
    """The committed model bundle, loaded once per process and shared read-only by every session."""
    return load_bundle(directory)


E = TypeVar("E")
R = TypeVar("R")


@st.cache_resource(show_spinner=False)
def get_explainer(_build: Callable[[ModelBundle], E]) -> E:
    """The reason-code explainer ``_build`` makes of ``get_bundle()`` (``slrs.explain.ReasonExplainer``: SHAP's
    explainers of the forests), built once per process (read-only). The pages that show reason codes pass the
    class: this module does not import SHAP, so the pages that need none start a second faster."""
    return _build(get_bundle())  # called exactly as the pages call it: the same cached bundle


@st.cache_resource(show_spinner="Loading the sample portfolio...")
def get_sample_portfolio() -> LoadedPortfolio:
    """The bundled sample, validated once per process (read-only)."""
    return pipeline.load(SAMPLE_PATH.read_bytes(), SAMPLE_PATH.name, is_sample=True)


def init_session() -> None:
    """First run of a session: start on the sample with the scenario the URL holds (bad values dropped)."""
    if URL_LOADED_KEY in st.session_state:
        return
    st.session_state[URL_LOADED_KEY] = True
    st.session_state.setdefault(PORTFOLIO_KEY, get_sample_portfolio())
    scenario, warnings = scenario_from_query(st.query_params.to_dict())
    set_scenario(scenario)
    st.session_state[URL_WARNINGS_KEY] = warnings


# --- the scenario: one object, one reader, one writer ---------------------------------------------------------

def active_scenario() -> DecisionScenario:
    """This session's scenario: method, thresholds, assumptions and the what-if borrower with their edits."""
    return st.session_state.get(SCENARIO_KEY) or DecisionScenario()


def set_scenario(scenario: DecisionScenario) -> None:
    """Make ``scenario`` this session's and write it to the URL (the only writer of both)."""
    st.session_state[SCENARIO_KEY] = scenario
    _write_url(scenario)


def keep_scenario_in_url() -> None:
    """Write the scenario to the URL; app.py calls it on every run, since Streamlit clears the query string
    whenever the user moves to another page."""
    _write_url(active_scenario())


def _write_url(scenario: DecisionScenario) -> None:
    query = scenario_to_query(scenario)
    for name in [name for name in st.query_params if is_scenario_query_parameter(name) and name not in query]:
        del st.query_params[name]
    for name, value in query.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def active_method() -> Method:
    return active_scenario().method


def active_thresholds() -> Thresholds:
    return active_scenario().thresholds


def active_assumptions() -> Assumptions:
    return active_scenario().assumptions


def active_currency() -> Currency:
    return active_scenario().currency


def set_currency(currency: Currency) -> None:
    set_scenario(replace(active_scenario(), currency=currency))


def set_gates(gates: ValidationGates) -> None:
    set_scenario(replace(active_scenario(), gates=gates))


def show_table(table: pd.DataFrame, *, key: str | None = None, height: int | str = "auto",
               kinds: Mapping[str, FigureKind] | None = None, lazy: bool = False) -> None:
    """``table`` as people read it (``slrs.tables.display_table``): readable headers, one number format, the
    scenario's currency on every amount, as wide as the page and no wider.

    ``lazy``: the browser gets the rows in view and asks for more as the user scrolls or sorts, instead of every row
    at once (0.5 s less for a 100,000-row table; tables of up to 1,000 rows are still sent whole). Streamlit then
    turns off the table's own search and CSV download, so only a table whose page offers both may be lazy."""
    shown = display_table(table, active_currency(), kinds)
    config = {header: st.column_config.NumberColumn(format=pattern) for header, pattern in shown.patterns.items()}
    data = shown.frame
    if "Status" in data:  # status words in their colour (drift, gates); Streamlit sends styled tables whole
        data, lazy = data.style.map(lambda word: f"color: {STATUS_COLOURS.get(word, 'inherit')}; font-weight: 600",
                                    subset=["Status"]), False
    st.dataframe(data, hide_index=True, width="stretch", height=height, column_config=config, key=key, lazy=lazy)


def method_label(method: Method) -> str:
    return METHOD_LABELS[method]


def store_method_choice() -> None:
    """Callback of the sidebar's method radio."""
    set_scenario(replace(active_scenario(), method=st.session_state[METHOD_WIDGET_KEY]))


def set_method(method: Method) -> None:
    """Make ``method`` the active one, moving the sidebar radio too (call from a widget callback: the sidebar
    is drawn before the page)."""
    if method not in METHODS:
        raise ConfigError(f"method {method!r} should be one of {list(METHODS)}")
    set_scenario(replace(active_scenario(), method=method))
    st.session_state[METHOD_WIDGET_KEY] = method


def set_thresholds(thresholds: Thresholds) -> None:
    set_scenario(replace(active_scenario(), thresholds=thresholds))


def apply_thresholds(thresholds: Thresholds) -> None:
    """``set_thresholds`` from a widget callback, also moving the Strategy page's sliders if they hold a value."""
    set_thresholds(thresholds)
    for key, value in ((STRATEGY_LOW_SLIDER, thresholds.low), (STRATEGY_HIGH_SLIDER, thresholds.high)):
        if key in st.session_state:
            st.session_state[key] = value


def set_assumptions(assumptions: Assumptions, *, from_editor: bool = False) -> None:
    """Use ``assumptions``; unless they come from the Money page's editor itself, that editor starts afresh over
    them (see ``assumptions_editor_key``)."""
    set_scenario(replace(active_scenario(), assumptions=assumptions))
    if not from_editor:
        st.session_state[ASSUMPTIONS_EDITOR_VERSION_KEY] = st.session_state.get(ASSUMPTIONS_EDITOR_VERSION_KEY, 0) + 1


def set_whatif_scenario(borrower: Scenario | None) -> None:
    set_scenario(replace(active_scenario(), borrower=borrower))


def restore_scenario(scenario: DecisionScenario) -> None:
    """Make ``scenario`` this session's everywhere: sidebar, Strategy sliders, Money editor, what-if page, URL.

    Call it from a widget callback: the sidebar radio is drawn before the page.
    """
    set_method(scenario.method)
    apply_thresholds(scenario.thresholds)
    set_assumptions(scenario.assumptions)
    for key in [key for key in st.session_state if key == WHATIF_SEARCH_KEY or key.startswith(WHATIF_INPUT_PREFIX)]:
        del st.session_state[key]
    set_whatif_scenario(scenario.borrower)
    set_scenario(replace(active_scenario(), currency=scenario.currency, gates=scenario.gates))
    for key in (CURRENCY_WIDGET_KEY, SYMBOL_WIDGET_KEY, *(f"{GATE_WIDGET_PREFIX}{name}" for name in GATE_FIELDS)):
        st.session_state.pop(key, None)  # the widgets start again from the restored scenario


def assumptions_caption() -> str:
    """One line for the sidebar: whose cost and recovery assumptions are in use, and any capacity limits."""
    assumptions = active_assumptions()
    limits = [f"{action} at most {assumptions.terms(action).capacity:,}" for action in ACTIONS
              if assumptions.terms(action).capacity is not None]
    whose = "the defaults" if assumptions == DEFAULT_ASSUMPTIONS else "your own"
    return (f"Costs and recovery: {whose}" + (f"; capacity: {', '.join(limits)}" if limits else "")
            + ". Change them on the Money & thresholds page.")


def assumptions_editor_key() -> str:
    """Key of the Money page's assumptions editor: ``money_assumptions``, then a new one after each outside change.

    The browser side of ``st.data_editor`` keeps its cell edits and sends them again with every rerun, so
    removing the editor's session state does not clear them; only a new key gives a fresh editor over newly
    set assumptions (a reset, a loaded scenario).
    """
    version = st.session_state.get(ASSUMPTIONS_EDITOR_VERSION_KEY, 0)
    return ASSUMPTIONS_EDITOR_KEY if version == 0 else f"{ASSUMPTIONS_EDITOR_KEY}_{version}"


# --- the portfolio and its decision ---------------------------------------------------------------------------

def active_portfolio() -> LoadedPortfolio:
    return st.session_state[PORTFOLIO_KEY]


def _use_portfolio(portfolio: LoadedPortfolio) -> None:
    """Make ``portfolio`` this session's; what was computed for the previous one is released."""
    st.session_state[PORTFOLIO_KEY] = portfolio
    st.session_state[VIEWS_KEY], st.session_state[DRIFT_KEY], st.session_state[ANALYSIS_KEY] = {}, {}, {}
    st.session_state[DECISIONS_KEY] = []


def replace_portfolio(data: bytes, name: str, on_progress: ProgressCallback | None = None) -> LoadedPortfolio:
    """Load an upload for this session only; on any DataValidationError the previous portfolio stays."""
    portfolio = pipeline.load(data, name, on_progress=on_progress)
    _use_portfolio(portfolio)
    return portfolio


def use_sample() -> None:
    _use_portfolio(get_sample_portfolio())


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
    # Streamlit gives each upload its own id: a file uploaded again counts as new, and no hash of up to
    # maxUploadSize bytes is computed on every rerun.
    return uploaded.name, uploaded.size, uploaded.file_id


def view_for(method: Method) -> pd.DataFrame:
    """The active portfolio scored by ``method`` (treat as read-only)."""
    portfolio = active_portfolio()
    return _compute_once(VIEWS_KEY, method, lambda: pipeline.score(portfolio, get_bundle(), method))


def _drift_for(method: Method) -> DriftReport:
    portfolio = active_portfolio()
    return _compute_once(DRIFT_KEY, method,
                         lambda: pipeline.check(portfolio, view_for(method), get_bundle(), method))


def _analysis_for(method: Method) -> OutcomeAnalysis:
    portfolio = active_portfolio()
    return _compute_once(ANALYSIS_KEY, method,
                         lambda: pipeline.analyse(portfolio, view_for(method), get_bundle(), method))


def _compute_once(kind: str, method: Method, compute: Callable[[], R]) -> R:
    """``compute()`` for the active portfolio and ``method``, done once: for the bundled sample once per process
    and shared by every session (eight users opening the app at once score it once, not eight times); for an
    upload once per session, so that it goes when the session does."""
    portfolio = active_portfolio()
    if portfolio.is_sample:
        return _compute_for_sample(kind, portfolio.digest, method, compute)
    results = st.session_state.setdefault(kind, {})
    key = (portfolio.digest, method)
    if key not in results:
        with st.spinner("Scoring and checking the portfolio..."):
            results[key] = compute()
    return results[key]


# A resource, not cached data: every session gets the same read-only object (no copy on each read), and Streamlit
# runs one ``_compute`` per key while the other sessions asking for that key wait for it.
@st.cache_resource(show_spinner="Scoring and checking the portfolio...")
def _compute_for_sample(kind: str, digest: str, method: Method, _compute: Callable[[], R]) -> R:
    """The bundled sample's (by its ``digest``) ``kind`` of result under ``method``."""
    return _compute()


def decision_for(scenario: DecisionScenario) -> pipeline.Decision:
    """The active portfolio decided under ``scenario`` (treat as read-only), reusing the scores, drift check and
    outcome analysis already made for its method (none of them depends on the thresholds or the assumptions).

    The session keeps its last ``KEPT_DECISIONS`` decisions (the champion's and the challenger's): the frame asks
    for the findings and the page for the plan in the same run, and each decision plans every row again (0.04 s
    for 100,000 rows)."""
    portfolio = active_portfolio()
    kept = st.session_state.setdefault(DECISIONS_KEY, [])
    for digest, kept_scenario, decision in kept:
        if digest == portfolio.digest and kept_scenario == scenario:
            return decision
    decision = pipeline.decide(portfolio, get_bundle(), scenario, view=view_for(scenario.method),
                               drift=_drift_for(scenario.method), analysis=_analysis_for(scenario.method))
    st.session_state[DECISIONS_KEY] = [*kept, (portfolio.digest, scenario, decision)][-KEPT_DECISIONS:]
    return decision


def active_decision() -> pipeline.Decision:
    """The active portfolio under the active scenario: view, plan, drift and findings."""
    return decision_for(active_scenario())


def active_view() -> pd.DataFrame:
    return view_for(active_method())


def active_plan() -> pd.DataFrame:
    return active_decision().plan


def active_drift() -> DriftReport:
    return _drift_for(active_method())


def active_findings() -> tuple[Finding, ...]:
    return active_decision().findings


def plan_at(thresholds: Thresholds) -> pd.DataFrame:
    """The plan of ``active_view()`` under ``thresholds`` and the active assumptions; same index as the view."""
    return pipeline.plan(active_view(), replace(active_scenario(), thresholds=thresholds))


@st.cache_data(show_spinner="Computing the net recovery of every pair of thresholds...", max_entries=16)
def get_sweep(digest: str, method: Method, assumptions_json: str, _decision: pipeline.Decision) -> pd.DataFrame:
    """``pipeline.sweep`` over ``threshold_grid()``. The sweep depends on the portfolio ``digest``, the ``method``
    (its scores) and the assumptions (``assumptions_json``) only, not on the thresholds: moving them reuses it."""
    return pipeline.sweep(_decision, threshold_grid())


def active_sweep() -> pd.DataFrame:
    """The sweep of the active decision (Low, High, money totals, accounts per action)."""
    assumptions = json.dumps(assumptions_to_dict(active_assumptions()), sort_keys=True)
    return get_sweep(active_portfolio().digest, active_method(), assumptions, active_decision())


# --- champion vs challenger -----------------------------------------------------------------------------------

def challenger_scenario() -> DecisionScenario:
    """This session's challenger (at first: the champion's method at the study's thresholds and the default
    assumptions); it never carries a what-if borrower."""
    champion = active_scenario()
    stored = st.session_state.get(CHALLENGER_KEY) or DecisionScenario(champion.method, DEFAULT_THRESHOLDS)
    # The currency and the gates are the committee's, not a side's: the challenger always has the champion's.
    stored = replace(stored, currency=champion.currency, gates=champion.gates)
    return replace(stored, assumptions=champion.assumptions) if challenger_follows_champion() else stored


def challenger_follows_champion() -> bool:
    return st.session_state.get(CHALLENGER_FOLLOWS_KEY, False)


def set_challenger(scenario: DecisionScenario, follow_champion_assumptions: bool = False) -> None:
    """Keep ``scenario`` as the challenger; with ``follow_champion_assumptions`` its assumptions are always the
    champion's."""
    st.session_state[CHALLENGER_KEY] = replace(scenario, borrower=None)
    st.session_state[CHALLENGER_FOLLOWS_KEY] = follow_champion_assumptions


def active_comparison() -> Comparison:
    return pipeline.compare(active_decision(), decision_for(challenger_scenario()))


def challenger_findings() -> tuple[Finding, ...]:
    """What the challenger adds to the findings the frame already shows for the champion."""
    return pipeline.challenger_findings(active_decision(), decision_for(challenger_scenario()))


def active_summary() -> list[SummaryLine]:
    """The summary block of the active decision (``slrs.summary``), as the Overview page and the pack open."""
    decision, portfolio = active_decision(), active_portfolio()
    return summarise(SummaryInputs(SAMPLE_NAME if portfolio.is_sample else portfolio.name, decision.scenario,
                                   decision.view, decision.plan, decision.analysis, decision.gates,
                                   decision.findings, get_bundle()))


TONE_BOXES = {"good": st.success, "bad": st.error, "caution": st.warning, "neutral": st.info}


def show_line(topic: str, text: str, tone: str) -> None:
    """One status line in words and colour (green: good, red: bad, orange: caution, blue: neutral); no user markup
    is rendered."""
    TONE_BOXES[tone](f"**{topic}:** {escape_markdown(text)}")


def committee_pack() -> Callable[[], bytes]:
    """The committee pack (UTF-8 HTML) of the active decision against the challenger's, built on demand.

    The session is read now, while the page runs: Streamlit calls the returned function on another thread, where
    this session's state is out of reach.
    """
    champion, challenger, bundle = active_decision(), decision_for(challenger_scenario()), get_bundle()
    return lambda: pipeline.pack(champion, challenger, bundle).encode("utf-8")


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


# --- Borrower what-if page -----------------------------------------------------------------------------------

def whatif_scenario(view: pd.DataFrame, profile: dict) -> tuple[Baseline, Scenario, list[str]]:
    """The scenario's what-if borrower checked against the portfolio (a typical one if none or unknown), its
    baseline, and what was dropped."""
    borrower = active_scenario().borrower
    baseline, scenario, warnings = open_scenario(view, profile, borrower_query(borrower) if borrower else {})
    if scenario != borrower:
        set_whatif_scenario(scenario)
    return baseline, scenario, warnings


# --- Scenario page: the whole scenario to and from a file ----------------------------------------------------

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
    log_event(_store().APPLIED_SCENARIO, f"scenario file {uploaded.name}")


def scenario_upload_result(uploaded: UploadedFile) -> str | None:
    """For the file in the Scenario page's uploader: None if it was not read, "" if restored, else its problems."""
    marker, problems = st.session_state.get(SCENARIO_RESULT_KEY, (None, None))
    return problems if marker == _upload_marker(uploaded) else None


def url_warnings() -> list[str]:
    """What the link this session opened with held that could not be used (each value was dropped)."""
    return st.session_state.get(URL_WARNINGS_KEY, [])



# --- the store: saved scenarios, the audit log, monitoring ------------------------------------------------------

# The store's modules load when a page first keeps or reads a record, not at the app's cold start: SQLAlchemy and
# Alembic cost 0.4 s of imports that the first page does not need (a lazy import, as the command line's modules).
def _store() -> ModuleType:
    return importlib.import_module("slrs.store")


def _monitoring() -> ModuleType:
    return importlib.import_module("slrs.monitoring")


AUDIT_PROBLEM_KEY = "slrs_audit_problem"  # why the audit log could not record the last event, if it could not
SAVED_RESULT_KEY = "slrs_saved_scenario_result"  # (tone, message) of the last save or load on the page
SAVE_NAME_KEY = "saved_scenario_name"
SNAPSHOT_DATE_KEY = "monitoring_as_of"
SNAPSHOT_RESULT_KEY = "slrs_snapshot_result"  # (tone, message) of the last snapshot added on the page
LOCAL_USER = "local"
NO_SECRETS_FILE = "no-secrets-found"  # Streamlit's error id for "there is no secrets file at all"


@st.cache_resource(show_spinner="Opening the _store()...")
def _open_store(url: str) -> Engine:
    return _store().open_store(url)


def get_store() -> Engine:
    """The app's store: ``SLRS_DB_URL``, else the app's secrets, else the default SQLite file (``slrs.store``)."""
    return _open_store(store_url())


def store_url() -> str:
    """``store.database_url`` with the app's secrets, read only when the environment does not decide."""
    if os.environ.get(_store().DB_URL_VARIABLE, "").strip():
        return _store().database_url()
    try:
        secrets = {_store().DB_URL_VARIABLE: st.secrets.get(_store().DB_URL_VARIABLE)}
    except FileNotFoundError as error:  # Streamlit's StreamlitSecretNotFoundError
        if getattr(error, "error_id", None) != NO_SECRETS_FILE:  # a secrets file that does not read: say so,
            raise ConfigError(f"the app's secrets file cannot be read ({error}); correct it, or set "  # never
                              f"{_store().DB_URL_VARIABLE}") from None  # fall back to another store silently
        secrets = {}
    return _store().database_url(secrets=secrets)


def current_user() -> str:
    """Who is using the app, for the audit log: the signed-in user's name or e-mail, else "local"."""
    if st.user.get("is_logged_in"):
        return str(st.user.get("name") or st.user.get("email") or "signed-in user")[:_store().MAX_USER_CHARS]
    return LOCAL_USER


def log_event(event: str, subject: str) -> None:
    """Write one audit line with this session's user, data and models; a store that refuses it is said on the
    page (``audit_problem``), never hidden."""
    try:
        _store().log_event(get_store(), current_user(), event, subject, active_portfolio().digest,
                        get_bundle().manifest["files"])
    except SLRSError as error:
        st.session_state[AUDIT_PROBLEM_KEY] = f"The audit log could not record this ({event}): {error}"
    else:
        st.session_state.pop(AUDIT_PROBLEM_KEY, None)


def audit_problem() -> str | None:
    return st.session_state.get(AUDIT_PROBLEM_KEY)


def log_pack_download() -> None:
    """Callback of the committee pack's download button."""
    log_event(_store().PRODUCED_PACK, f"committee pack of {active_portfolio().name} "
                                   f"({scenario_subject(active_scenario())})")


def save_active_scenario() -> None:
    """Callback: save the scenario in use under the name typed (its next version); the outcome is kept for the
    page to show. The name is read here, not passed in: a name typed just before the click is not in the page
    yet."""
    try:
        saved = _store().save_scenario(get_store(), st.session_state.get(SAVE_NAME_KEY, ""),
                                    scenario_to_json(active_scenario()), current_user())
    except SLRSError as error:
        st.session_state[SAVED_RESULT_KEY] = ("error", f"Nothing was saved: {error}")
    else:
        st.session_state[SAVED_RESULT_KEY] = ("success", f"Saved as {saved.name}, version {saved.version}.")
        st.session_state[SAVE_NAME_KEY] = ""


def apply_saved_scenario(name: str, version: int) -> None:
    """Callback: make a saved scenario the one in use everywhere, and log it."""
    try:
        restore_scenario(saved_scenario(name, version))
    except SLRSError as error:
        st.session_state[SAVED_RESULT_KEY] = ("error", f"Nothing changed: {error}")
        return
    st.session_state[SAVED_RESULT_KEY] = ("success", f"{name}, version {version}, is now in use on every page.")
    log_event(_store().APPLIED_SCENARIO, f"{name} version {version}")


def scenario_subject(scenario: DecisionScenario) -> str:
    """A scenario in the few words an audit line gives it."""
    return (f"{METHOD_LABELS[scenario.method].split(' (')[0]}, thresholds {scenario.thresholds.low:.2f} / "
            f"{scenario.thresholds.high:.2f}")


def add_active_snapshot() -> None:
    """Callback of the Monitoring page: store the portfolio in use, scored and planned under the scenario in use,
    as the snapshot of the date chosen; the outcome is kept for the page to show."""
    as_of = st.session_state.get(SNAPSHOT_DATE_KEY)
    try:
        result = _monitoring().add_decision(get_store(), active_decision(), get_bundle(), as_of, current_user())
    except SLRSError as error:
        st.session_state[SNAPSHOT_RESULT_KEY] = ("error", f"Nothing was added: {error}")
    else:
        st.session_state[SNAPSHOT_RESULT_KEY] = ("success" if result.added else "info", result.message)


def monitor_report() -> MonitorReport:
    """The store's monitoring report, made again only when a snapshot was added (snapshots are never changed)."""
    newest_id, _ = _store().newest_snapshot(get_store())
    return _report_of(store_url(), newest_id)


@st.cache_data(show_spinner="Reading the snapshots...", max_entries=4)
def _report_of(url: str, newest_snapshot: int | None) -> MonitorReport:
    """``newest_snapshot`` is only the cache's key: a new snapshot makes a new report."""
    return _monitoring().build_report(_open_store(url))


def snapshot_result() -> tuple[str, str] | None:
    return st.session_state.get(SNAPSHOT_RESULT_KEY)


def saved_scenario(name: str, version: int) -> DecisionScenario:
    """A saved scenario, read as any scenario file is (``slrs.scenario.scenario_from_dict``)."""
    content = _store().load_scenario(get_store(), name, version).content
    return read_scenario_text(content, _store().scenario_file_name(name, version))


def saved_result() -> tuple[str, str] | None:
    return st.session_state.get(SAVED_RESULT_KEY)
