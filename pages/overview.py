"""Overview: portfolio KPIs, the recommended plan and the model's status."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.money import plan_summary
from slrs.plots import plot_strategy_mix
from slrs.portfolio import portfolio_kpis, segment_summary

ui.require_app_frame(__file__)

AMOUNT = st.column_config.NumberColumn(format="%,.0f")
SUMMARY_COLUMNS = {
    "Outstanding": AMOUNT, "Action_Cost": st.column_config.NumberColumn("Cost of the actions", format="%,.0f"),
    "Expected_Recovered": st.column_config.NumberColumn("Expected recovery", format="%,.0f"),
    "Expected_Net_Recovery": st.column_config.NumberColumn("Expected net recovery", format="%,.0f"),
    "Share_of_Borrowers": st.column_config.NumberColumn("Share of borrowers", format="percent"),
    "Capacity_Fallbacks": st.column_config.NumberColumn("Moved by a capacity", format="%,d"),
    "Mean_Risk_Score": st.column_config.NumberColumn("Mean risk score", format="%.2f")}
MEASURES = {"Borrowers": "Borrowers", "Outstanding": "Outstanding", "Expected_Recovered": "Expected recovery",
            "Expected_Net_Recovery": "Expected net recovery"}

st.title("Portfolio overview")
decision, method = ui.active_decision(), ui.active_method()
view, plan = decision.view, decision.plan
kpis = portfolio_kpis(view, plan)

columns = st.columns(4)
columns[0].metric("Borrowers", f"{kpis['borrowers']:,}")
columns[1].metric("Total outstanding", f"{kpis['outstanding']:,.0f}")
columns[2].metric("Expected recovery", f"{kpis['expected_recovered']:,.0f}",
                  help="What the recommended actions are expected to bring back: each scored borrower's outstanding "
                       "amount times the share their action recovers in their risk band (Money & thresholds page).")
columns[3].metric("Expected net recovery", f"{kpis['expected_net_recovery']:,.0f}",
                  help=f"Expected recovery minus the cost of the actions ({kpis['action_cost']:,.0f}).")

st.subheader("Recommended plan")
summary = plan_summary(plan)
measure = st.segmented_control("Show", list(MEASURES), default="Borrowers", format_func=MEASURES.get,
                               key="overview_measure")
st.plotly_chart(plot_strategy_mix(summary, measure or "Borrowers"), key="overview_mix")
st.dataframe(summary, hide_index=True, column_config=SUMMARY_COLUMNS)

st.subheader("By segment")
st.dataframe(segment_summary(view, plan), hide_index=True, column_config=SUMMARY_COLUMNS)

st.subheader("Model status")
manifest = ui.get_bundle().manifest
metrics = manifest["metrics"][method]
st.write(f"**Method:** {ui.method_label(method)}")
st.write(f"**Held-out ROC AUC:** {metrics['roc_auc']:.3f} (5-fold cross-validation; 0.5 is chance) · "
         f"**Brier score:** {metrics['brier']:.3f} · **accuracy** {metrics['accuracy']:.1%} against "
         f"{metrics['majority_accuracy']:.1%} for always guessing the majority outcome")
data = manifest["training_data"]
st.caption(f"Trained {manifest['created']} on {data['rows']:,} rows of {data['name']} "
           f"(sha256 {data['sha256'][:12]}…). Details on the Model page.")
