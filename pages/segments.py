"""Segments: who the borrower groups are, how well they separate, and what another number of segments gives."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.exceptions import SLRSError
from slrs.formatting import format_share
from slrs.plots import plot_segment_scatter, plot_silhouette, sample_for_plot
from slrs.schema import SEGMENT_FEATURES
from slrs.segmentation import (
    PROJECTION_AXES,
    SILHOUETTE_SAMPLE,
    profile_means,
    profile_table,
    segment_points,
    segmented_rows,
)
from slrs.tables import label

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
profiles = profile_table(rows, segments)
ui.show_table(profiles.drop(columns=["Share", *SEGMENT_FEATURES]).rename(columns={"Size": "Borrowers"}),
              key="segments_profiles")
st.caption("Mean of each segment feature, in its own unit, per segment:")
means = profile_means(profiles)
ui.show_table(means.assign(Feature=means["Feature"].map(label)), key="segments_means",
              kinds=dict.fromkeys(means.columns[1:], "number"))

points = sample_for_plot(segment_points(rows, segments, projection))
if len(points) < len(rows):
    st.caption(f"Charts show a random sample of {len(points):,} of {len(rows):,} borrowers.")
left, right = st.columns(2)
with left:
    st.subheader("All ten features at once")
    st.plotly_chart(plot_segment_scatter(points, *PROJECTION_AXES), key="segments_projection")
    st.caption(f"A flat map of the ten scaled features (principal components): the horizontal axis keeps "
               f"{format_share(variance[0])} of the spread between borrowers, the vertical "
               f"{format_share(variance[1])}.")
with right:
    st.subheader("Two features of your choice")
    x_column, y_column = st.columns(2)
    x = x_column.selectbox("Horizontal axis", SEGMENT_FEATURES, index=SEGMENT_FEATURES.index("Monthly_Income"),
                           key="segments_x", format_func=label)
    y = y_column.selectbox("Vertical axis", SEGMENT_FEATURES, index=SEGMENT_FEATURES.index("Days_Past_Due"),
                           key="segments_y", format_func=label)
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
