"""SLRS app: the router and frame. Page config, the sidebar, then the page the user chose."""

from __future__ import annotations

import streamlit as st
from PIL import Image

from slrs import ui
from slrs.exceptions import SLRSError
from slrs.risk import METHODS

# A plain local icon: a material or emoji icon makes the browser fetch the tab icon from Google's servers, and
# nothing about a bank's session should leave the machine the app runs on.
ICON = Image.new("RGB", (32, 32), "#1565c0")
st.set_page_config(page_title="SLRS - Smart Loan Recovery System", page_icon=ICON, layout="wide")

STUDY_NOTICE = ("Scores come from the study's method, shown for comparison only: it predicts the study's own "
                "segments, not whether a loan will be recovered. Switch to the outcome model in the sidebar.")
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/portfolio.py", title="Portfolio", icon=":material/upload_file:"),
    st.Page("pages/explore.py", title="Explore", icon=":material/bar_chart:"),
    st.Page("pages/segments.py", title="Segments", icon=":material/category:"),
    st.Page("pages/what_if.py", title="Borrower what-if", icon=":material/person_search:"),
    st.Page("pages/strategy.py", title="Strategy", icon=":material/tune:"),
    st.Page("pages/money.py", title="Money & thresholds", icon=":material/payments:"),
    st.Page("pages/compare.py", title="Champion vs challenger", icon=":material/compare_arrows:"),
    st.Page("pages/fairness.py", title="Fairness of actions", icon=":material/balance:"),
    st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
    st.Page("pages/scenario.py", title="Scenario & report", icon=":material/share:"),
]


def render_sidebar() -> None:
    portfolio = ui.active_portfolio()
    with st.sidebar:
        st.subheader("Active portfolio")
        st.text(ui.SAMPLE_NAME if portfolio.is_sample else portfolio.name)
        st.caption(f"{portfolio.n_rows:,} rows · {portfolio.n_rows_with_issues:,} with data issues")
        st.radio("Risk method", METHODS, index=METHODS.index(ui.active_method()), key=ui.METHOD_WIDGET_KEY,
                 format_func=ui.method_label, on_change=ui.store_method_choice)
        thresholds = ui.active_thresholds()
        st.caption(f"Thresholds: legal above {thresholds.high:.2f}, settlement from {thresholds.low:.2f}, "
                   "reminders below. Change them on the Strategy page.")
        st.caption(ui.assumptions_caption())
        warnings = ui.get_bundle().manifest["warnings"]
        if warnings:
            st.error(warnings[0])


try:
    ui.init_session()
    ui.keep_scenario_in_url()  # the query string is cleared on every page change
    render_sidebar()
    drift = ui.active_drift()
except SLRSError as error:  # e.g. missing or altered model artifacts: say what to do, no traceback
    st.error(str(error))
    st.stop()
if drift.warning:  # on every page: the portfolio is too unlike the training data to trust the numbers
    st.warning(f"{drift.warning} See Portfolio > Data drift.", icon=":material/warning:")

if ui.active_method() == "study":  # on every page, like the drift banner
    st.info(STUDY_NOTICE, icon=":material/info:")

st.navigation(PAGES).run()
