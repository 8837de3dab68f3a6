"""Overview: the summary first (portfolio, verdict, gates, findings, plan), then the headline figures and the plan."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.formatting import format_count, format_kpi, format_ratio
from slrs.money import plan_summary
from slrs.plots import plot_strategy_mix
from slrs.portfolio import portfolio_kpis, segment_summary

ui.require_app_frame(__file__)

MEASURES = {"Borrowers": "Borrowers", "Outstanding": "Outstanding", "Expected_Recovered": "Expected recovery",
            "Expected_Net_Recovery": "Expected net recovery"}

st.title("Portfolio overview")
decision, currency = ui.active_decision(), ui.active_currency()
with st.container(border=True):
    st.subheader("Summary")
    for line in ui.active_summary():
        ui.show_line(line.topic, line.text, line.tone)

view, plan = decision.view, decision.plan
kpis = portfolio_kpis(view, plan)
columns = st.columns(4)
columns[0].metric("Borrowers", format_count(kpis["borrowers"]))
columns[1].metric("Total outstanding", format_kpi(kpis["outstanding"], currency))
columns[2].metric("Expected recovery", format_kpi(kpis["expected_recovered"], currency),
                  help="What the recommended actions are expected to bring back: each scored borrower's outstanding "
                       "amount times the share their action recovers in their risk band (Money & thresholds page).")
columns[3].metric("Expected net recovery", format_kpi(kpis["expected_net_recovery"], currency),
                  help=f"Expected recovery minus the cost of the actions ({format_kpi(kpis['action_cost'], currency)}).")
st.caption(f"Amounts in {currency.code}." if currency.code else
           "Amounts have no currency set: choose one on the Scenario & report page.")

st.subheader("Recommended plan")
summary = plan_summary(plan)
measure = st.segmented_control("Show", list(MEASURES), default="Borrowers", format_func=MEASURES.get,
                               key="overview_measure")
st.plotly_chart(plot_strategy_mix(summary, measure or "Borrowers"), key="overview_mix")
ui.show_table(summary)

st.subheader("By segment")
ui.show_table(segment_summary(view, plan))

st.subheader("How well the scores tell loans apart")
manifest, method = ui.get_bundle().manifest, ui.active_method()
training, analysis = manifest["metrics"][method], decision.analysis
left, right = st.columns(2)
left.metric("On the training data (held out)", format_ratio(training["roc_auc"]),
            help="ROC AUC of 5-fold cross-validation on the data the models were trained on; 0.5 is chance.")
right.metric("On this portfolio (its known outcomes)", format_ratio(analysis.auc) if analysis.auc is not None else "n/a",
             help="ROC AUC of the scores against this portfolio's own Recovery status; 0.5 is chance.")
right.caption(analysis.sentence())
data = manifest["training_data"]
st.caption(f"Trained {manifest['created']} on {data['rows']:,} rows of {data['name']}. The Model page shows the "
           "outcome analysis, the validation gates and the model card.")
