"""Strategy: move the two risk thresholds and see the recommended actions change, live.

No st.fragment here: the sidebar (drawn by app.py) shows the active thresholds and only a full rerun keeps it in
step, while the rest of the app run is cheap (the scored view and the bundle are cached); the threshold work is
all on this page.
"""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.formatting import format_count, format_kpi
from slrs.money import plan_summary
from slrs.plots import plot_matrix, plot_risk_histogram
from slrs.portfolio import (
    COMPARED_MEASURES,
    compare_summaries,
    comparison_for,
    segment_strategy_matrix,
)
from slrs.strategy import DEFAULT_THRESHOLDS, SHORT_STRATEGY, STRATEGIES, Thresholds

ui.require_app_frame(__file__)

LOW_SLIDER, HIGH_SLIDER = ui.STRATEGY_LOW_SLIDER, ui.STRATEGY_HIGH_SLIDER
DEFAULTS = f"{DEFAULT_THRESHOLDS.low:.2f} / {DEFAULT_THRESHOLDS.high:.2f}"
MEASURE_WORDS = {"Borrowers": "Borrowers", "Outstanding": "Outstanding", "Expected_Recovered": "Expected recovery",
                 "Expected_Net_Recovery": "Expected net recovery"}


def apply_sliders() -> None:
    """Slider callback (runs before the app, so the sidebar shows the new values): keep only valid pairs."""
    low, high = st.session_state[LOW_SLIDER], st.session_state[HIGH_SLIDER]
    if low < high:
        ui.set_thresholds(Thresholds(low, high))


def reset_thresholds() -> None:
    ui.set_thresholds(DEFAULT_THRESHOLDS)
    st.session_state[LOW_SLIDER], st.session_state[HIGH_SLIDER] = DEFAULT_THRESHOLDS.low, DEFAULT_THRESHOLDS.high


st.title("Recovery strategy")
st.write("Each borrower's risk score (the chance the loan is not fully recovered) is compared with two "
         "thresholds: above the high one, legal action; from the low one up to the high one, a settlement "
         "offer; below the low one, automated reminders. Moving them never re-scores anyone.")
view, active = ui.active_view(), ui.active_thresholds()

st.session_state.setdefault(LOW_SLIDER, active.low)
st.session_state.setdefault(HIGH_SLIDER, active.high)
left, right = st.columns(2)
low = left.slider("Low threshold: settlement from here", 0.0, 1.0, step=0.01, key=LOW_SLIDER, on_change=apply_sliders)
high = right.slider("High threshold: legal action above here", 0.0, 1.0, step=0.01, key=HIGH_SLIDER,
                    on_change=apply_sliders)
st.button(f"Reset to the study's defaults ({DEFAULTS})", key="strategy_reset", on_click=reset_thresholds)
if low >= high:
    st.error(f"The low threshold must be below the high threshold (you chose low {low:.2f}, high {high:.2f}). "
             f"The last valid thresholds, {active.low:.2f} / {active.high:.2f}, stay in use.")
thresholds, currency = ui.active_thresholds(), ui.active_currency()

plan = ui.active_plan()  # thresholds, then the capacities of the Money & thresholds page
strategies = plan["Recovery_Strategy"]
summary = plan_summary(plan)
comparison = compare_summaries(plan_summary(ui.plan_at(DEFAULT_THRESHOLDS)), summary).set_index("Strategy")
st.subheader(f"Recommended actions at {thresholds.low:.2f} / {thresholds.high:.2f}")
actions = summary[summary["Strategy"].isin(STRATEGIES)]
for column, row in zip(st.columns(len(actions)), actions.itertuples()):
    change = int(comparison.loc[row.Strategy, "Borrowers_Change"])
    column.metric(f"{SHORT_STRATEGY[row.Strategy]}: borrowers", format_count(row.Borrowers),
                  delta=f"{change:+,} vs defaults" if change else None, delta_color="off", help=row.Strategy)
    column.metric("Outstanding", format_kpi(row.Outstanding, currency))
    column.metric("Expected recovery", format_kpi(row.Expected_Recovered, currency),
                  help="What this action is expected to bring back from these borrowers, by the bank's assumptions "
                       "on the Money & thresholds page.")
    column.metric("Expected net recovery", format_kpi(row.Expected_Net_Recovery, currency),
                  help="Expected recovery minus what the action costs.")
ui.show_table(summary, key="strategy_summary")
st.caption("Thresholds change who gets which action, never the scores. Expected recovery and net recovery follow "
           "the action each borrower gets, by the bank's assumptions of what each action costs and recovers (Money "
           "& thresholds page, which also finds the best thresholds).")

st.subheader("Where the thresholds cut the risk scores")
st.plotly_chart(plot_risk_histogram(view["Risk_Score"], thresholds, reference=DEFAULT_THRESHOLDS),
                key="strategy_histogram")
st.caption(f"Black lines: your thresholds. Dotted grey lines: the study's defaults ({DEFAULTS}).")

st.subheader("Segments and actions")
st.plotly_chart(plot_matrix(segment_strategy_matrix(view, strategies), "Borrowers per segment and action"),
                key="strategy_matrix")

st.subheader(f"Your thresholds against the study's defaults ({DEFAULTS})")
measure = st.segmented_control("Compare", COMPARED_MEASURES, default=COMPARED_MEASURES[0],
                               format_func=MEASURE_WORDS.get, key="strategy_compare_measure") or COMPARED_MEASURES[0]
kind = "count" if measure == "Borrowers" else "amount"
ui.show_table(comparison_for(comparison, measure), key="strategy_comparison",
              kinds={"Defaults": kind, "Yours": kind, "Change": kind})
