"""Champion vs challenger: the active scenario against an alternative, on the same borrowers.

No st.fragment here: "Make the challenger the champion" changes the sidebar (drawn by app.py before the page),
which only a full rerun redraws; the rest of the run is cheap (each method's scored view is kept per session).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from slrs import store, ui
from slrs.compare import ACCOUNT_MEASURES, MEASURE_LABELS, MONEY, segment_change
from slrs.exceptions import ConfigError, SLRSError
from slrs.formatting import amount_pattern, format_count, format_kpi
from slrs.money import (
    BANDS,
    DEFAULT_ASSUMPTIONS,
    TABLE_COLUMNS,
    assumptions_from_table,
    assumptions_table,
)
from slrs.plots import plot_segment_change, plot_transitions
from slrs.portfolio import escape_markdown
from slrs.scenario import DecisionScenario
from slrs.strategy import METHODS, Thresholds

ui.require_app_frame(__file__)

SAME, DEFAULTS, EDIT = "Same as the champion", "The defaults", "Edit"
EDITOR_COLUMNS = {
    "Cost_per_account": st.column_config.NumberColumn("Cost per account", min_value=0.0, format="%,.0f"),
    **{column: st.column_config.NumberColumn(band.split(" (")[0], help=f"Recovered share, risk band {band}",
                                             min_value=0.0, max_value=1.0, step=0.01)
       for column, band in zip(TABLE_COLUMNS[2:6], BANDS, strict=True)},
    "Capacity": st.column_config.NumberColumn("Capacity", min_value=0, step=1)}
METRIC_LABELS = {"Action_Cost": "Cost of the actions", "Expected_Recovered": "Expected recovery",
                 "Expected_Net_Recovery": "Expected net recovery"}


def promote() -> None:
    """Button callback (runs before the app, so the sidebar shows the new champion)."""
    side = ui.challenger_scenario()
    ui.set_method(side.method)
    ui.apply_thresholds(side.thresholds)  # also moves the Strategy page's sliders
    if side.assumptions != ui.active_assumptions():  # a new value gives the Money page's editor a fresh start
        ui.set_assumptions(side.assumptions)
    ui.log_event(store.APPLIED_SCENARIO, f"challenger made champion: {ui.scenario_subject(side)}")


st.title("Champion vs challenger")
st.write("The **champion** is the scenario in use now: the risk method chosen in the sidebar, the thresholds of "
         "the Strategy page and the cost and recovery assumptions of the Money page. The **challenger** is an "
         "alternative you set up here. Both are applied to the same borrowers, so every difference below comes "
         "from the scenario alone. A change is always the challenger's figure minus the champion's.")
champion, currency = replace(ui.active_scenario(), borrower=None), ui.active_currency()
stored = ui.challenger_scenario()
st.caption(f"Champion: {ui.method_label(champion.method)}; thresholds {champion.thresholds.low:.2f} / "
           f"{champion.thresholds.high:.2f}; "
           f"{'the default' if champion.assumptions == DEFAULT_ASSUMPTIONS else 'edited'} assumptions.")

st.subheader("The challenger")
st.session_state.setdefault("compare_method", stored.method)
st.session_state.setdefault("compare_low", stored.thresholds.low)
st.session_state.setdefault("compare_high", stored.thresholds.high)
st.session_state.setdefault("compare_source", SAME if ui.challenger_follows_champion()
                            else DEFAULTS if stored.assumptions == DEFAULT_ASSUMPTIONS else EDIT)
method = st.radio("Risk method", METHODS, format_func=ui.method_label, key="compare_method", horizontal=True)
left, right = st.columns(2)
low = left.slider("Low threshold: settlement from here", 0.0, 1.0, step=0.01, key="compare_low")
high = right.slider("High threshold: legal action above here", 0.0, 1.0, step=0.01, key="compare_high")
thresholds = Thresholds(low, high) if low < high else stored.thresholds
if low >= high:
    st.error(f"The low threshold must be below the high threshold (you chose low {low:.2f}, high {high:.2f}). "
             f"The challenger keeps its last valid thresholds, {thresholds.low:.2f} / {thresholds.high:.2f}.")
source = st.radio("Cost and recovery assumptions", (SAME, DEFAULTS, EDIT), key="compare_source", horizontal=True)
assumptions = {SAME: champion.assumptions, DEFAULTS: DEFAULT_ASSUMPTIONS}.get(source, stored.assumptions)
if source == EDIT:
    st.caption("Cost per account in currency. Low to Very high: the part of the outstanding amount (0 to 1) "
               "expected to be recovered from borrowers whose risk score is below 0.25, 0.25 to 0.50, 0.50 to 0.75, "
               "0.75 and above. Capacity: the most accounts that can get the action (empty: no limit).")
    edited = st.data_editor(assumptions_table(stored.assumptions), key="compare_assumptions", hide_index=True,
                            disabled=["Action"], width="stretch", column_config={
                                **EDITOR_COLUMNS, "Cost_per_account": st.column_config.NumberColumn(
                                    "Cost per account", min_value=0.0, format=amount_pattern(currency))})
    try:
        assumptions = assumptions_from_table(edited)
    except ConfigError as error:
        st.error(f"These assumptions cannot be used: {error}. The challenger keeps its last valid assumptions.")
challenger = DecisionScenario(method, thresholds, assumptions, currency=champion.currency, gates=champion.gates)
ui.set_challenger(challenger, follow_champion_assumptions=source == SAME)
st.button("Make the challenger the champion", key="compare_promote", on_click=promote,
          disabled=challenger == champion, help="Uses the challenger's method, thresholds and assumptions on "
          "every page (the sidebar, the Strategy and Money pages).")
if problem := ui.audit_problem():
    st.warning(escape_markdown(problem))
if challenger == champion:
    st.info("The challenger is the same as the champion, so nothing changes below. Choose another method, other "
            "thresholds or other assumptions above to see what they would change.")
for finding in ui.challenger_findings():  # the frame's banner already shows the champion's
    st.info(finding.line())

try:
    comparison = ui.active_comparison()
except SLRSError as error:
    st.error(str(error))
    st.stop()

st.subheader("What changes")
totals = comparison.totals.set_index("Measure")
st.caption("The challenger's figures, each with its change from the champion.")
columns = st.columns(len(MONEY) + 1)
columns[0].metric("Borrowers who change action", format_count(comparison.moved))
for column, measure in zip(columns[1:], MONEY):
    change = totals.loc[measure, "Change"]
    column.metric(METRIC_LABELS[measure], format_kpi(totals.loc[measure, "Challenger"], currency),
                  help=MEASURE_LABELS[measure], delta=f"{'+' if change >= 0 else ''}{format_kpi(change, currency)} vs "
                  "the champion", delta_color=(
                      "off" if round(change) == 0 else "inverse" if measure == "Action_Cost" else "normal"))
named = comparison.totals.assign(Measure=comparison.totals["Measure"].map(MEASURE_LABELS))
sides = ("Champion", "Challenger", "Change")
ui.show_table(named[comparison.totals["Measure"].isin(ACCOUNT_MEASURES)], key="compare_accounts",
              kinds=dict.fromkeys(sides, "count"))
ui.show_table(named[comparison.totals["Measure"].isin(MONEY)], key="compare_totals",
              kinds=dict.fromkeys(sides, "amount"))

st.subheader("Who moves between actions")
st.plotly_chart(plot_transitions(comparison.transitions), key="compare_transitions")
st.caption("Rows: the champion's action; columns: the challenger's (totals in brackets). The outlined diagonal "
           "holds the borrowers whose action stays the same; every other cell counts borrowers who move.")

st.subheader("By segment")
st.plotly_chart(plot_segment_change(comparison.by_segment), key="compare_segment_change")
measure = st.segmented_control("Show", MONEY, default=MONEY[-1], format_func=METRIC_LABELS.get,
                               key="compare_segment_measure") or MONEY[-1]
ui.show_table(segment_change(comparison.by_segment, measure), key="compare_by_segment",
              kinds={**dict.fromkeys(sides, "amount"), "Moved": "count"})
