"""SLRS app: the router and frame. Page config, the sidebar, then the page the user chose."""

from __future__ import annotations

from slrs.startup import pause_collection

# A process's first run imports the models' libraries here (about 1.2 s of the first page); later runs import nothing.
with pause_collection():
    import streamlit as st
    from PIL import Image

    from slrs import ui
    from slrs.exceptions import SLRSError
    from slrs.findings import Finding
    from slrs.strategy import METHODS

# A plain local icon: a material or emoji icon makes the browser fetch the tab icon from Google's servers, and
# nothing about a bank's session should leave the machine the app runs on.
ICON = Image.new("RGB", (32, 32), "#1565c0")
st.set_page_config(page_title="SLRS - Smart Loan Recovery System", page_icon=ICON, layout="wide")

OVERVIEW_TITLE = "Overview"
PAGES = [
    st.Page("pages/overview.py", title=OVERVIEW_TITLE, icon=":material/home:", default=True),
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
    st.Page("pages/saved_scenarios.py", title="Saved scenarios", icon=":material/bookmarks:"),
    st.Page("pages/monitoring.py", title="Monitoring", icon=":material/insights:"),
]


def render_sidebar() -> None:
    portfolio = ui.active_portfolio()
    with st.sidebar:
        st.subheader("Active portfolio")
        st.text(ui.SAMPLE_NAME if portfolio.is_sample else portfolio.name)
        st.caption(f"{portfolio.n_rows:,} rows · {portfolio.n_rows_with_issues:,} with data issues")
        st.session_state[ui.METHOD_WIDGET_KEY] = ui.active_method()  # the scenario decides; the radio shows it
        st.radio("Risk method", METHODS, key=ui.METHOD_WIDGET_KEY, format_func=ui.method_label,
                 on_change=ui.store_method_choice)
        thresholds = ui.active_thresholds()
        st.caption(f"Thresholds: legal above {thresholds.high:.2f}, settlement from {thresholds.low:.2f}, "
                   "reminders below. Change them on the Strategy page.")
        st.caption(ui.assumptions_caption())


def render_findings(findings: tuple[Finding, ...]) -> None:
    """One banner on every page: what to know before trusting the numbers (the pipeline's findings)."""
    if not findings:
        return
    text = "\n\n".join(finding.line() for finding in findings)  # SLRS's own words: no user text in them
    banner = {"critical": st.error, "warning": st.warning, "info": st.info}[findings[0].severity]
    banner(text, icon=":material/warning:" if findings[0].severity != "info" else ":material/info:")


ui.mark_app_frame(False)
# Hidden: the sidebar's own links below show the page titles from the first paint (the config hides Streamlit's
# navigation, which before app.py has run would list the pages/ folder's file names).
navigation = st.navigation(PAGES, position="hidden")
with st.sidebar:
    for page in PAGES:
        st.page_link(page)
    st.divider()
ui.return_freed_memory_to_the_system()
ui.freeze_loaded_objects()
try:
    ui.init_session()
    ui.keep_scenario_in_url()  # the query string is cleared on every page change
    render_sidebar()
    if navigation.title != OVERVIEW_TITLE:  # the Overview's summary shows the findings itself
        render_findings(ui.active_findings())
except SLRSError as error:  # e.g. missing or altered model artifacts: say what to do, no traceback
    st.error(str(error))
    st.stop()

ui.mark_app_frame(True)
navigation.run()
