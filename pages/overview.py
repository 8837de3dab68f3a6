"""Overview: portfolio KPIs, the strategy mix and the model's status."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.plots import plot_strategy_mix
from slrs.portfolio import portfolio_kpis, segment_summary, strategy_summary

ui.require_app_frame()

st.title("Portfolio overview")
view, thresholds, method = ui.active_view(), ui.active_thresholds(), ui.active_method()
kpis = portfolio_kpis(view)
strategies = ui.active_strategies()

columns = st.columns(4)
columns[0].metric("Borrowers", f"{kpis['borrowers']:,}")
columns[1].metric("Total outstanding", f"{kpis['outstanding']:,.0f}")
columns[2].metric("Expected recovery", f"{kpis['expected_recovery']:,.0f}",
                  help="Outstanding amount weighted by the outcome probabilities and the recovery shares "
                       "(fully 100 %, partially 50 %, written off 5 %).")
columns[3].metric("Rows with data issues", f"{kpis['rows_with_issues']:,}",
                  help=f"{kpis['unscored']:,} of them could not be scored. See the Portfolio page.")
if kpis["unscored"]:
    st.warning(f"{kpis['unscored']:,} rows could not be scored; their reasons are on the Portfolio page.")

st.subheader("Recommended strategy mix")
summary = strategy_summary(view, strategies)
measure = st.segmented_control("Show", ["Borrowers", "Outstanding", "Expected_Recovery"], default="Borrowers",
                               format_func=lambda name: name.replace("_", " "), key="overview_measure")
st.plotly_chart(plot_strategy_mix(summary, measure or "Borrowers"), key="overview_mix")
st.dataframe(summary, hide_index=True, column_config={
    "Outstanding": st.column_config.NumberColumn(format="%,.0f"),
    "Expected_Recovery": st.column_config.NumberColumn("Expected recovery", format="%,.0f"),
    "Share_of_Borrowers": st.column_config.NumberColumn("Share of borrowers", format="percent"),
})

st.subheader("By segment")
st.dataframe(segment_summary(view), hide_index=True, column_config={
    "Outstanding": st.column_config.NumberColumn(format="%,.0f"),
    "Expected_Recovery": st.column_config.NumberColumn("Expected recovery", format="%,.0f"),
    "Mean_Risk_Score": st.column_config.NumberColumn("Mean risk score", format="%.2f"),
})

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
