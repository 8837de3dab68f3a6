"""Explore: what the active portfolio looks like, and how outcomes and risk vary across borrowers."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.exploration import (
    correlation_table,
    filter_exploration,
    full_recovery_rates,
    mean_risk_by,
    scatter_frame,
)
from slrs.plots import (
    MAX_PLOT_POINTS,
    plot_by_group,
    plot_correlation_heatmap,
    plot_distribution,
    plot_income_vs_loan,
    sample_for_plot,
)
from slrs.portfolio import has_labels
from slrs.schema import COLUMN_BY_NAME
from slrs.strategy import NOT_SCORED, STRATEGIES

ui.require_app_frame(__file__)

st.title("Explore the portfolio")
view = ui.active_view()
strategies = ui.active_plan()["Recovery_Strategy"]

segment_names = ui.get_bundle().segment_names
columns = st.columns(3)
segments = columns[0].multiselect("Segment", sorted(view["Borrower_Segment"].dropna().unique()),
                                  format_func=lambda s: f"{s} · {segment_names[int(s)]}", key="explore_segments")
chosen = columns[1].multiselect("Strategy", [*STRATEGIES, NOT_SCORED], key="explore_strategies")
loan_types = columns[2].multiselect("Loan type", COLUMN_BY_NAME["Loan_Type"].allowed, key="explore_loan_types")
mask = filter_exploration(view, strategies, segments=segments, chosen_strategies=chosen, loan_types=loan_types)
shown, shown_strategies = view[mask], strategies[mask]
st.caption(f"{len(shown):,} of {len(view):,} borrowers match the filters. Empty filters show everyone.")
if shown.empty:
    st.warning("No borrower matches these filters; remove one to see the charts.")
    st.stop()

st.subheader("Amounts")
columns = st.columns(3)
for column, (name, title) in zip(columns, [("Loan_Amount", "Loan amount"), ("Monthly_Income", "Monthly income"),
                                          ("Outstanding_Loan_Amount", "Outstanding amount")]):
    column.plotly_chart(plot_distribution(shown[name], title), key=f"explore_{name}")

st.subheader("Income against loan amount")
points, colour = scatter_frame(shown, shown_strategies)
if len(points) > MAX_PLOT_POINTS:
    st.caption(f"Showing a random sample of {MAX_PLOT_POINTS:,} of {len(points):,} borrowers.")
st.plotly_chart(plot_income_vs_loan(sample_for_plot(points), colour), key="explore_scatter")

labelled = has_labels(view)
st.subheader("Full recovery by payment behaviour" if labelled else "Risk by payment behaviour")
if not labelled:
    st.info("This file has no outcomes (no Recovery status values), so recovery rates cannot be shown. "
            "The charts show the mean risk score instead: the model's chance of not recovering in full.")
columns = st.columns(2)
for column, by, title in ((columns[0], "Num_Missed_Payments", "By missed payments"),
                          (columns[1], "Payment_History", "By payment history")):
    table = full_recovery_rates(shown, by) if labelled else mean_risk_by(shown, by)
    figure = plot_by_group(table, by, "Rate" if labelled else "Mean_Risk_Score", title)
    column.plotly_chart(figure, key=f"explore_by_{by}")
if labelled:
    st.caption("Shares among borrowers whose outcome is known; hover a bar for the number of borrowers.")

st.subheader("How the model inputs move together")
st.caption("Correlation from -1 (one rises as the other falls) to 1 (they rise together); 0 means no straight-"
           "line relation. The risk score is the model's output.")
st.plotly_chart(plot_correlation_heatmap(correlation_table(shown)), key="explore_correlation")
