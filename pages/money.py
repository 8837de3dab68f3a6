"""Money & thresholds: the bank's cost and recovery assumptions, the plan's net recovery and the best thresholds."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.exceptions import ConfigError
from slrs.formatting import amount_pattern, format_amount, format_count, format_kpi
from slrs.money import (
    BANDS,
    DEFAULT_ASSUMPTIONS,
    TABLE_COLUMNS,
    assumptions_from_table,
    assumptions_table,
    best_thresholds,
    efficient_frontier,
    plan_summary,
    plan_totals,
)
from slrs.plots import plot_frontier, plot_sweep_heatmap
from slrs.portfolio import escape_markdown

ui.require_app_frame(__file__)

# Below one currency unit a gain is rounding: the sweep and the plan add the same amounts in another order.
MIN_GAIN = 1.0
EDITOR_COLUMNS = {
    "Action": st.column_config.TextColumn("Action", disabled=True),
    "Cost_per_account": st.column_config.NumberColumn(
        "Cost per account", min_value=0.0, step=1.0, format="%,.0f",
        help="What the action costs for one account, in currency (staff time, letters, fees)."),
    **{column: st.column_config.NumberColumn(
        band.split(" (")[0], min_value=0.0, max_value=1.0, step=0.01, format="%.2f",
        help=f"Share of the outstanding amount (0 to 1) the bank expects to recover from a borrower with a risk score "
             f"{band.split(' (')[1].rstrip(')')} who gets this action. 0.80 means 80%.")
       for column, band in zip(TABLE_COLUMNS[2:6], BANDS, strict=True)},
    "Capacity": st.column_config.NumberColumn(
        "Capacity", min_value=0, step=1, format="%d",
        help="The most accounts that can get this action (a number of accounts); empty means no limit. The "
             "accounts worth the most under the action keep it, the others get the next milder action. Reminders "
             "cannot be limited: every account can fall back to them, so leave their capacity empty."),
}
st.title("Money & thresholds")
st.write("What the recommended actions cost, what the bank expects them to bring back, and which thresholds "
         "bring back the most after costs. The model only says how risky each borrower is. What an action costs "
         "and how much it recovers from borrowers of each risk level are the bank's own assumptions, not "
         "something learnt from the data: check them in the table below and change them to your experience.")
active, thresholds, currency = ui.active_assumptions(), ui.active_thresholds(), ui.active_currency()

st.subheader("Your assumptions")
st.caption("One row per action. The four risk columns hold the share of the outstanding amount (0 to 1) the bank "
           "expects to recover from a borrower of that risk who gets the action: low risk is a score below 0.25, "
           "moderate 0.25 to 0.50, high 0.50 to 0.75, very high 0.75 and above. The capacity is the most accounts "
           "that can get the action (empty: no limit). Net recovery is the amount recovered minus the cost.")
edited = st.data_editor(assumptions_table(active), key=ui.assumptions_editor_key(), hide_index=True,
                        column_config={**EDITOR_COLUMNS, "Cost_per_account": st.column_config.NumberColumn(
                            "Cost per account", min_value=0.0, step=1.0, format=amount_pattern(currency),
                            help="What the action costs for one account (staff time, letters, fees).")},
                        placeholder="", width="stretch")
try:
    edited_assumptions = assumptions_from_table(edited)
except ConfigError as error:
    problem = escape_markdown(str(error))
    st.error(f"{problem[:1].upper()}{problem[1:]}. The last valid assumptions stay in use until the table is "
             "corrected.")
else:
    if edited_assumptions != active:
        ui.set_assumptions(edited_assumptions, from_editor=True)
        st.rerun()  # the sidebar, drawn before this page, shows the assumptions in use
st.button("Reset to the defaults", key="money_reset", on_click=ui.set_assumptions, args=(DEFAULT_ASSUMPTIONS,))

plan = ui.active_plan()
totals = plan_totals(plan)
st.subheader(f"The plan at your thresholds ({thresholds.low:.2f} / {thresholds.high:.2f})")
money, counts = st.columns(3), st.columns(3)
money[0].metric("Expected recovery under the plan", format_kpi(totals["Expected_Recovered"], currency))
money[1].metric("Total cost of the actions", format_kpi(totals["Action_Cost"], currency))
money[2].metric("Expected net recovery", format_kpi(totals["Expected_Net_Recovery"], currency),
                help="Expected recovered under the plan minus the cost of the actions.")
counts[0].metric("Legal cases", format_count(totals["legal_accounts"]))
counts[1].metric("Accounts moved by a capacity", format_count(totals["capacity_fallbacks"]),
                 help="Accounts the thresholds gave a scarce action that went to the next milder action instead, "
                      "because the action's capacity was full.")
ui.show_table(plan_summary(plan), key="money_summary")

st.subheader("Best thresholds")
sweep = ui.active_sweep()
best = best_thresholds(sweep)
gain = float(sweep["Expected_Net_Recovery"].max()) - totals["Expected_Net_Recovery"]
better = best != thresholds and gain >= MIN_GAIN
st.plotly_chart(plot_sweep_heatmap(sweep, thresholds, best), key="money_heatmap")
st.caption("Each cell is one pair of thresholds, low from 0.05 to 0.95 in steps of 0.05 and high above it; its "
           "colour is the expected net recovery of the whole portfolio. The risk scores stay as they are: only "
           "who gets which action changes.")
if best == thresholds:
    st.success(f"Your thresholds, {best.low:.2f} / {best.high:.2f}, are the best pair on the grid.")
elif better:
    st.write(f"The best pair on the grid is low **{best.low:.2f}** / high **{best.high:.2f}**: it is expected to "
             f"bring back **{escape_markdown(format_amount(gain, currency))}** more after costs than your thresholds.")
else:
    st.write(f"Your thresholds bring back at least as much after costs as the best pair on the grid "
             f"({best.low:.2f} / {best.high:.2f}).")
st.button(f"Apply the best thresholds ({best.low:.2f} / {best.high:.2f})", key="money_apply_best",
          on_click=ui.apply_thresholds, args=(best,), disabled=not better)

st.subheader("Efficient frontier: net recovery against legal cases")
st.plotly_chart(plot_frontier(sweep, efficient_frontier(sweep), totals), key="money_frontier")
st.caption("Each grey dot is a pair of thresholds; the blue line joins those that no other pair beats, that is, "
           "none brings back more after costs with as few legal cases or fewer. A dot below the line leaves money "
           "on the table for its number of legal cases; moving right along the line buys more net recovery with "
           "more legal cases.")
