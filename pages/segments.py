"""Segments: who the borrower groups are, how well they separate, and what another number of segments gives."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.exceptions import SLRSError
from slrs.plots import plot_segment_scatter, plot_silhouette, sample_for_plot
from slrs.schema import SEGMENT_FEATURES
from slrs.segmentation import (
    PROJECTION_AXES,
    SILHOUETTE_SAMPLE,
    profile_table,
    segment_points,
    segmented_rows,
)

ui.require_app_frame(__file__)

st.title("Borrower segments")
st.caption("Borrowers are grouped by K-Means on ten numeric features (income, loan, collateral, payments...). "
           "Segment 0 has the fewest missed payments and days past due; the highest number has the most.")
view, portfolio = ui.active_view(), ui.active_portfolio()
committed_k = int(ui.get_bundle().manifest["segments"]["k"])
rows = segmented_rows(view, ui.active_plan())

k = st.select_slider("Number of segments (k)", options=sorted({*ui.SEGMENT_K_CHOICES, committed_k}),
                     value=committed_k, key="segments_k",
                     help=f"Try another number of segments here. The committed model keeps k={committed_k}.")
try:
    segments = rows if k == committed_k else ui.get_resegmented(portfolio.digest, k, rows)
    projection, variance = ui.get_projection(portfolio.digest, rows)
except SLRSError as error:
    st.error(str(error))
    st.stop()
if k == committed_k:
    st.caption(f"These are the committed model's {committed_k} segments, used on every page.")
else:
    st.info(f"Exploring k={k}: these {k} segments were fitted on this portfolio for this page only. The committed "
            f"model and every other page still use k={committed_k} (the model's manifest, segments.k); "
            "retrain with `python -m slrs train --k N` to change that.")

st.subheader("Segment profiles")
st.dataframe(profile_table(rows, segments), hide_index=True, key="segments_profiles", column_config={
    "Borrower_Segment": st.column_config.NumberColumn("Segment"),
    "Segment_Name": st.column_config.TextColumn("Name"),
    "Size": st.column_config.NumberColumn("Borrowers", format="%,d"),
    "Share": st.column_config.NumberColumn("Share of borrowers", format="percent"),
    "Mean_Risk_Score": st.column_config.NumberColumn("Mean risk score", format="%.2f"),
    "Expected_Recovered": st.column_config.NumberColumn("Expected recovery", format="%,.0f"),
    "Expected_Recovery_Rate": st.column_config.NumberColumn("Expected recovery rate", format="percent"),
    **{name: st.column_config.NumberColumn(f"Mean {name.replace('_', ' ').lower()}", format="%,.1f")
       for name in SEGMENT_FEATURES},
})

points = sample_for_plot(segment_points(rows, segments, projection))
if len(points) < len(rows):
    st.caption(f"Charts show a random sample of {len(points):,} of {len(rows):,} borrowers.")
left, right = st.columns(2)
with left:
    st.subheader("All ten features at once")
    st.plotly_chart(plot_segment_scatter(points, *PROJECTION_AXES), key="segments_projection")
    st.caption(f"A flat map of the ten scaled features (principal components): the horizontal axis keeps "
               f"{variance[0]:.0%} of the spread between borrowers, the vertical {variance[1]:.0%}.")
with right:
    st.subheader("Two features of your choice")
    x_column, y_column = st.columns(2)
    x = x_column.selectbox("Horizontal axis", SEGMENT_FEATURES, index=SEGMENT_FEATURES.index("Monthly_Income"),
                           key="segments_x", format_func=lambda name: name.replace("_", " "))
    y = y_column.selectbox("Vertical axis", SEGMENT_FEATURES, index=SEGMENT_FEATURES.index("Days_Past_Due"),
                           key="segments_y", format_func=lambda name: name.replace("_", " "))
    st.plotly_chart(plot_segment_scatter(points, x, y), key="segments_features")

st.subheader("How many segments?")
try:
    silhouettes = ui.get_silhouettes(portfolio.digest, rows)
except SLRSError as error:  # fewer borrowers than segments
    st.error(str(error))
    st.stop()
st.plotly_chart(plot_silhouette(silhouettes, k), key="segments_silhouette")
st.caption("The silhouette score (from -1 to 1) says how clearly borrowers sit in their own segment rather than "
           "a neighbouring one; higher is better, and a small k often wins. It is computed on at most "
           f"{SILHOUETTE_SAMPLE:,} randomly drawn borrowers.")
