"""Plotly figures. Pure: tables in, figures out; no Streamlit here.

Large portfolios are sampled for scatter plots (``sample_for_plot``) and the caller says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from slrs.compare import TOTAL as TRANSITION_TOTAL
from slrs.drift import (
    MAJOR_SHIFT,
    MAJOR_SHIFT_FROM,
    SOME_SHIFT,
    SOME_SHIFT_FROM,
    STABLE,
    TOO_FEW_ROWS,
)
from slrs.fairness import (
    ATTRIBUTE_LABELS,
    DEFAULT_LIMITS,
    LESS_OFTEN,
    MORE_OFTEN,
    TOO_FEW,
    FairnessLimits,
)
from slrs.money import BANDS, SUMMARY_TOTAL
from slrs.schema import internal_names
from slrs.strategy import (
    LEGAL,
    NOT_SCORED,
    REMINDERS,
    SETTLEMENT,
    SHORT_STRATEGY,
    STRATEGIES,
    Thresholds,
)
from slrs.tables import label as column_words

# Every schema column name a chart could show (axis and legend titles, hover labels, facet titles, category
# ticks) is shown by its readable label instead (``slrs.tables.label``).
_READABLE = {name: column_words(name) for name in internal_names()}
_INTERNAL_NAME = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _READABLE), key=len, reverse=True)) + r")\b")
P = ParamSpec("P")


def _swap(value: object) -> object:
    return _INTERNAL_NAME.sub(lambda match: _READABLE[match.group(1)], value) if isinstance(value, str) else value


def readable(plot: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """Decorate a ``plot_*`` function so its figure shows readable labels, never internal column names."""
    @wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        figure = plot(*args, **kwargs)
        figure.for_each_xaxis(lambda axis: axis.update(title_text=_swap(axis.title.text)))
        figure.for_each_yaxis(lambda axis: axis.update(title_text=_swap(axis.title.text)))
        figure.for_each_annotation(lambda note: note.update(text=_swap(note.text)))
        figure.update_layout(legend_title_text=_swap(figure.layout.legend.title.text))
        for trace in figure.data:
            updates = {key: _swap(getattr(trace, key, None)) for key in ("name", "hovertemplate")
                       if isinstance(getattr(trace, key, None), str)}
            for key in ("x", "y"):
                values = getattr(trace, key, None)
                if values is not None and len(values) and isinstance(values[0], str):
                    updates[key] = [_swap(value) for value in values]
            trace.update(**updates)
        return figure
    return wrapper


MAX_PLOT_POINTS = 5_000
STRATEGY_COLORS = {REMINDERS: "#2e7d32", SETTLEMENT: "#f9a825", LEGAL: "#c62828", NOT_SCORED: "#9e9e9e"}
OUTCOME_COLORS = {"Fully Recovered": "#2e7d32", "Partially Recovered": "#f9a825", "Written Off": "#c62828"}
METHOD_COLORS = ("#1565c0", "#757575")


def sample_for_plot(frame: pd.DataFrame, limit: int = MAX_PLOT_POINTS, seed: int = 0) -> pd.DataFrame:
    """At most ``limit`` rows, drawn at random (reproducibly) when the frame is larger."""
    return frame if len(frame) <= limit else frame.sample(limit, random_state=seed)


@readable
def plot_strategy_mix(summary: pd.DataFrame, value: str = "Borrowers") -> go.Figure:
    """Bar chart of ``value`` (a column of ``money.plan_summary``) per strategy; the Total row is left out."""
    summary = summary[summary["Strategy"] != SUMMARY_TOTAL]
    figure = px.bar(summary, x="Strategy", y=value, color="Strategy", color_discrete_map=STRATEGY_COLORS,
                    text_auto=".3s", category_orders={"Strategy": [*STRATEGIES, NOT_SCORED]})
    figure.update_layout(showlegend=False, xaxis_title=None, yaxis_title=column_words(value))
    return figure


@readable
def plot_risk_histogram(risk_scores: pd.Series, thresholds: Thresholds,
                        reference: Thresholds | None = None) -> go.Figure:
    """Histogram of risk scores with the thresholds drawn as vertical lines."""
    figure = px.histogram(risk_scores.dropna(), nbins=50, range_x=[0, 1])
    figure.update_layout(showlegend=False, xaxis_title="Risk score (probability of not recovering in full)",
                         yaxis_title="Borrowers", bargap=0.02)
    for value, name in ((thresholds.low, "low"), (thresholds.high, "high")):
        figure.add_vline(x=value, line_color="black", line_width=2, annotation_text=f"{name} {value:.2f}")
    if reference is not None:
        for value in (reference.low, reference.high):
            figure.add_vline(x=value, line_color="grey", line_dash="dot")
    return figure


@readable
def plot_distribution(values: pd.Series, title: str) -> go.Figure:
    figure = px.histogram(values.dropna(), nbins=40, title=title)
    figure.update_layout(showlegend=False, xaxis_title=title, yaxis_title="Borrowers")
    return figure


@readable
def plot_income_vs_loan(frame: pd.DataFrame, color: str | None) -> go.Figure:
    """Monthly income against loan amount, coloured by ``color`` (Recovery_Status or Recovery_Strategy) if given."""
    figure = px.scatter(frame, x="Monthly_Income", y="Loan_Amount", color=color, opacity=0.6,
                        color_discrete_map={**OUTCOME_COLORS, **STRATEGY_COLORS}, hover_data=["Borrower_ID"])
    figure.update_layout(xaxis_title="Monthly income", yaxis_title="Loan amount")
    return figure


@readable
def plot_rate_by(table: pd.DataFrame, x: str, title: str) -> go.Figure:
    """Bar chart of a precomputed rate table with columns ``x``, ``Rate`` and ``Borrowers``."""
    figure = px.bar(table, x=x, y="Rate", text_auto=".1%", hover_data=["Borrowers"], title=title)
    figure.update_layout(yaxis_tickformat=".0%", yaxis_range=[0, 1], yaxis_title="Share fully recovered")
    return figure


@readable
def plot_by_group(table: pd.DataFrame, x: str, value: str, title: str) -> go.Figure:
    """Bars of a group table (``x``, ``value``, ``Borrowers``), ``x`` read as categories in table order.

    ``value`` is ``Rate`` (share fully recovered) or ``Mean_Risk_Score``; both run from 0 to 1.
    """
    if value == "Rate":
        figure = plot_rate_by(table, x, title)
    else:
        figure = px.bar(table, x=x, y=value, text_auto=".3f", hover_data=["Borrowers"], title=title,
                        labels={value: column_words(value)})
        figure.update_layout(yaxis_range=[0, 1], yaxis_title="Mean risk score (chance of not recovering in full)")
    # Labels such as "0" ... "10+" would otherwise make a numeric axis that drops "10+".
    figure.update_xaxes(type="category", title=column_words(x))
    return figure


@readable
def plot_correlation_heatmap(correlation: pd.DataFrame) -> go.Figure:
    figure = px.imshow(correlation, text_auto=".2f", color_continuous_scale="RdBu_r", zmin=-1, zmax=1,
                       aspect="auto")
    figure.update_layout(height=600)
    return figure


@readable
def plot_segment_scatter(frame: pd.DataFrame, x: str, y: str) -> go.Figure:
    """Borrowers on two columns (features or projection axes), coloured by segment name."""
    figure = px.scatter(frame, x=x, y=y, color="Segment_Name", opacity=0.6, hover_data=["Borrower_ID"])
    figure.update_layout(legend_title="Segment")
    return figure


@readable
def plot_silhouette(table: pd.DataFrame, current_k: int) -> go.Figure:
    figure = px.line(table, x="k", y="silhouette", markers=True)
    figure.add_vline(x=current_k, line_dash="dot", annotation_text=f"k={current_k}")
    figure.update_layout(yaxis_title="Silhouette score (higher = better separated)", xaxis_title="k")
    return figure


def _curves_with_diagonal(curves: dict[str, pd.DataFrame], x: str, y: str, mode: str, diagonal: str,
                          titles: tuple[str, str]) -> go.Figure:
    figure = go.Figure()
    for label, curve in curves.items():
        figure.add_trace(go.Scatter(x=curve[x], y=curve[y], mode=mode, name=label))
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=diagonal, line={"dash": "dot"}))
    figure.update_layout(xaxis_title=titles[0], yaxis_title=titles[1])
    return figure


@readable
def plot_roc_curves(curves: dict[str, pd.DataFrame]) -> go.Figure:
    """ROC curves; ``curves`` maps a label to a frame with columns ``fpr`` and ``tpr``."""
    return _curves_with_diagonal(curves, "fpr", "tpr", "lines", "chance",
                                 ("False positive rate", "True positive rate"))


@readable
def plot_calibration(curves: dict[str, pd.DataFrame]) -> go.Figure:
    """Reliability diagram; each frame has ``predicted`` and ``observed`` columns."""
    return _curves_with_diagonal(curves, "predicted", "observed", "lines+markers", "perfect",
                                 ("Predicted risk", "Observed share not fully recovered"))


@readable
def plot_importances(importances: pd.DataFrame, title: str | None = None,
                     x_title: str = "Importance") -> go.Figure:
    """Horizontal bars of ``Importance`` per ``Feature`` (largest on top), error bars from ``Std`` if given."""
    ordered = importances.sort_values("Importance")
    figure = px.bar(ordered, x="Importance", y="Feature", orientation="h", error_x=ordered.get("Std"), title=title)
    figure.update_layout(height=max(300, 28 * len(ordered)), yaxis_title=None, xaxis_title=x_title)
    return figure


@readable
def plot_partial_dependence(curves: pd.DataFrame, columns: int = 3) -> go.Figure:
    """One panel per ``Feature``: ``Risk_Score`` against ``Value``, a line per ``Method``.

    ``curves`` is long form (Method, Feature, Value, Risk_Score); the first method is drawn solid, the others
    dotted. Numbers give a numeric axis, categories a category axis; every panel runs from 0 to 1.
    """
    features, methods = list(dict.fromkeys(curves["Feature"])), list(dict.fromkeys(curves["Method"]))
    rows = -(-len(features) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=features, vertical_spacing=0.3 / rows)
    for position, feature in enumerate(features):
        for rank, method in enumerate(methods):
            curve = curves[(curves["Feature"] == feature) & (curves["Method"] == method)]
            figure.add_trace(go.Scatter(
                x=curve["Value"], y=curve["Risk_Score"], mode="lines+markers", name=method, legendgroup=method,
                showlegend=position == 0, line={"color": METHOD_COLORS[rank % len(METHOD_COLORS)],
                                                "dash": "solid" if rank == 0 else "dot"}),
                row=position // columns + 1, col=position % columns + 1)
    figure.update_yaxes(range=[0, 1])
    figure.update_layout(height=260 * rows, legend={"orientation": "h", "y": -0.08})
    return figure


@readable
def plot_matrix(matrix: pd.DataFrame, title: str) -> go.Figure:
    """Heatmap of a count matrix (e.g. segment x strategy) with the counts written in the cells."""
    figure = px.imshow(matrix, text_auto=True, color_continuous_scale="Blues", aspect="auto", title=title)
    figure.update_xaxes(ticktext=[SHORT_STRATEGY.get(c, c) for c in matrix.columns],
                        tickvals=list(matrix.columns))
    return figure


@readable
def plot_comparison(before: np.ndarray, after: np.ndarray, labels: list[str]) -> go.Figure:
    figure = go.Figure([go.Bar(name="Baseline", x=labels, y=before), go.Bar(name="Edited", x=labels, y=after)])
    figure.update_layout(barmode="group")
    return figure


@readable
def plot_reason_waterfall(steps: pd.DataFrame, axis_title: str = "Risk score (probability, 0 to 1)") -> go.Figure:
    """Waterfall from the base value through each contribution to the displayed risk score, top to bottom.

    ``steps`` has columns Step, Amount (probability) and Measure ("absolute" for the base value, "relative"
    for an input or the calibration term, "total" for the score), as ``explain.waterfall_table`` gives.
    Contributions that raise the risk are red, those that lower it green.
    """
    text = [f"{amount:+.3f}" if measure == "relative" else f"{amount:.3f}"
            for amount, measure in zip(steps["Amount"], steps["Measure"])]
    figure = go.Figure(go.Waterfall(
        orientation="h", y=steps["Step"], x=steps["Amount"], measure=steps["Measure"], text=text,
        textposition="outside", connector={"line": {"color": "#9e9e9e", "width": 1}},
        increasing={"marker": {"color": STRATEGY_COLORS[LEGAL]}},
        decreasing={"marker": {"color": STRATEGY_COLORS[REMINDERS]}}, totals={"marker": {"color": "#1565c0"}}))
    figure.update_layout(height=max(320, 26 * len(steps)), showlegend=False, xaxis_title=axis_title,
                         yaxis={"autorange": "reversed", "title": None}, margin={"l": 10})
    return figure


@readable
def plot_action_rates(rates: pd.DataFrame, attribute: str, limits: FairnessLimits = DEFAULT_LIMITS) -> go.Figure:
    """Grouped bars of each group's Ratio (its rate of an action / the overall rate) for one ``attribute``.

    ``rates`` is ``slrs.fairness.action_rates`` output. One bar colour per strategy; a solid line at 1 (the
    overall rate) and dashed lines at the limits. Flagged bars are hatched, outlined and labelled "!"; bars of
    groups too small to judge are faded.
    """
    table = rates[rates["Attribute"] == attribute]
    figure = go.Figure()
    for strategy in STRATEGIES:
        rows = table[table["Strategy"] == strategy]
        flagged = rows["Flag"].isin([MORE_OFTEN, LESS_OFTEN]).to_numpy()
        figure.add_trace(go.Bar(
            name=SHORT_STRATEGY[strategy], x=rows["Group"], y=rows["Ratio"],
            text=["" if np.isnan(ratio) else f"{ratio:.2f}x" + (" !" if flag else "")
                  for ratio, flag in zip(rows["Ratio"], flagged)], textposition="outside", cliponaxis=False,
            marker={"color": STRATEGY_COLORS[strategy], "opacity": np.where(rows["Flag"] == TOO_FEW, 0.35, 1.0),
                    "pattern": {"shape": np.where(flagged, "/", "")},
                    "line": {"color": "black", "width": np.where(flagged, 2, 0)}},
            customdata=rows[["Rate", "Overall_Rate", "Borrowers", "Flag"]].to_numpy(dtype=object),
            hovertemplate=(f"%{{x}}, {SHORT_STRATEGY[strategy]}<br>%{{customdata[0]:.1%}} of the group vs "
                           "%{customdata[1]:.1%} overall (%{y:.2f}x)<br>%{customdata[2]:,} scored borrowers"
                           "<br>%{customdata[3]}<extra></extra>")))
    figure.add_hline(y=1, line_color="grey", annotation_text="overall rate")
    for value in (limits.low_ratio, limits.high_ratio):
        figure.add_hline(y=value, line_color="black", line_dash="dash", annotation_text=f"limit {value:g}x")
    highest = table["Ratio"].max()  # NaN when no group has a ratio
    top = max(limits.high_ratio * 1.2, 0.0 if pd.isna(highest) else float(highest) * 1.15)
    figure.update_layout(barmode="group", yaxis_range=[0, top], legend_title="Action",
                         yaxis_title="Group's rate / overall rate", xaxis_title=ATTRIBUTE_LABELS.get(attribute))
    figure.update_xaxes(type="category")
    return figure


@readable
def plot_transitions(transitions: pd.DataFrame) -> go.Figure:
    """Heatmap of borrowers per champion action (rows) and challenger action (columns), counts written in.

    ``transitions`` is ``slrs.compare.Comparison.transitions``: its Total row and column become the axis labels'
    counts. The diagonal (borrowers whose action stays the same) is outlined.
    """
    counts = transitions.drop(index=TRANSITION_TOTAL, columns=TRANSITION_TOTAL)
    rows = [f"{SHORT_STRATEGY.get(s, s)} ({transitions.loc[s, TRANSITION_TOTAL]:,})" for s in counts.index]
    columns = [f"{SHORT_STRATEGY.get(s, s)} ({transitions.loc[TRANSITION_TOTAL, s]:,})" for s in counts.columns]
    figure = go.Figure(go.Heatmap(
        z=counts.to_numpy(), x=columns, y=rows, text=counts.to_numpy(), texttemplate="%{text:,}",
        colorscale="Blues", showscale=False,
        hovertemplate="Champion: %{y}<br>Challenger: %{x}<br>%{z:,} borrowers<extra></extra>"))
    for position in range(len(counts)):  # categories sit at 0, 1, ... on both axes
        figure.add_shape(type="rect", x0=position - 0.5, x1=position + 0.5, y0=position - 0.5, y1=position + 0.5,
                         line={"color": "black", "width": 2})
    figure.update_layout(xaxis_title="Challenger's action (borrowers)", yaxis_title="Champion's action (borrowers)",
                         yaxis={"autorange": "reversed"}, xaxis={"side": "top"}, height=380)
    return figure


@readable
def plot_segment_change(by_segment: pd.DataFrame, measure: str = "Expected_Net_Recovery") -> go.Figure:
    """Bars of the change (challenger - champion, currency) in ``measure`` per segment; gains green, losses red.

    ``by_segment`` is ``slrs.compare.Comparison.by_segment``; the row of unscored borrowers is left out.
    """
    table = by_segment[by_segment["Borrower_Segment"].notna()]
    change = table[f"{measure}_Change"].to_numpy(dtype=float)
    figure = go.Figure(go.Bar(
        x=table["Borrower_Segment"].astype(str) + " " + table["Segment_Name"].astype(str), y=change,
        marker_color=np.where(change >= 0, STRATEGY_COLORS[REMINDERS], STRATEGY_COLORS[LEGAL]),
        text=[f"{value:+,.0f}" for value in change], textposition="outside",
        customdata=table[["Moved", "Borrowers"]].to_numpy(),
        hovertemplate="%{x}<br>change %{y:+,.0f}<br>%{customdata[0]:,} of %{customdata[1]:,} borrowers change "
                      "action<extra></extra>"))
    figure.add_hline(y=0, line_color="grey")
    figure.update_layout(xaxis_title="Segment", xaxis_type="category",
                         yaxis_title=column_words(measure) + ": challenger - champion")
    return figure


DRIFT_COLORS = {STABLE: "#2e7d32", SOME_SHIFT: "#f9a825", MAJOR_SHIFT: "#c62828", TOO_FEW_ROWS: "#9e9e9e"}


@readable
def plot_psi(table: pd.DataFrame) -> go.Figure:
    """Horizontal bars of the PSI per input, coloured by status, with the 0.10 and 0.25 limits as dashed lines.

    ``table`` is ``slrs.drift.DriftReport.table``; its first row is drawn on top. Rows without a PSI (no values)
    get no bar.
    """
    figure = px.bar(table, x="PSI", y="Input", color="Status", orientation="h", color_discrete_map=DRIFT_COLORS,
                    category_orders={"Input": list(table["Input"]), "Status": list(DRIFT_COLORS)},
                    hover_data={"Rows": ":,"})
    for value, name in ((SOME_SHIFT_FROM, "some shift"), (MAJOR_SHIFT_FROM, "major shift")):
        figure.add_vline(x=value, line_color="black", line_dash="dash", annotation_text=f"{name} {value:.2f}")
    top = max(MAJOR_SHIFT_FROM * 1.3, float(np.nanmax(table["PSI"], initial=0)) * 1.1)
    figure.update_layout(xaxis_range=[0, top], yaxis_title=None, legend_title="Status",
                         xaxis_title="Population stability index (0 = same spread as the training data)",
                         height=max(320, 26 * len(table)))
    return figure


# The current thresholds and the best grid point look the same on the sweep heatmap and the frontier.
CURRENT_MARKER = {"symbol": "circle-open", "size": 18, "color": "black", "line": {"width": 3}}
BEST_MARKER = {"symbol": "star", "size": 18, "color": "#fdd835", "line": {"color": "black", "width": 1.5}}
NET_RECOVERY_TITLE = "Expected net recovery (recovered minus cost)"


@readable
def plot_sweep_heatmap(sweep: pd.DataFrame, current: Thresholds, best: Thresholds) -> go.Figure:
    """Heatmap of expected net recovery (currency) over the (low, high) grid of ``money.sweep_thresholds``.

    Pairs with low >= high are not on the grid and stay empty. The ``current`` thresholds (an open circle, drawn
    where they are, even between grid points) and the ``best`` grid point (a star) each have a legend entry.
    """
    grid = sweep.pivot(index="High", columns="Low", values="Expected_Net_Recovery")
    figure = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=grid.columns, y=grid.index, colorscale="Viridis", hoverongaps=False,
        colorbar={"title": {"text": "Net recovery"}},
        hovertemplate="low %{x:.2f}, high %{y:.2f}<br>net recovery %{z:,.0f}<extra></extra>"))
    for thresholds, name, marker in ((current, "Your thresholds", CURRENT_MARKER),
                                     (best, "Best on the grid", BEST_MARKER)):
        figure.add_trace(go.Scatter(x=[thresholds.low], y=[thresholds.high], mode="markers", marker=marker,
                                    name=f"{name} ({thresholds.low:.2f} / {thresholds.high:.2f})",
                                    hovertemplate=f"{name}<br>low %{{x:.2f}}, high %{{y:.2f}}<extra></extra>"))
    figure.update_layout(xaxis_title="Low threshold (settlement from here)",
                         yaxis_title="High threshold (legal action above here)",
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"}, height=520)
    return figure


@readable
def plot_frontier(sweep: pd.DataFrame, frontier: pd.DataFrame, current: dict[str, float]) -> go.Figure:
    """Expected net recovery (currency) against the number of legal cases, for every grid point of ``sweep``.

    All grid points are faint dots; ``frontier`` (``money.efficient_frontier``) is the line; ``current`` (the
    current plan's ``money.plan_totals``: ``legal_accounts`` and ``Expected_Net_Recovery``) is an open circle.
    """
    point_hover = ("low %{customdata[0]:.2f}, high %{customdata[1]:.2f}<br>%{x:,} legal cases<br>"
                   "net recovery %{y:,.0f}<extra></extra>")
    figure = go.Figure()
    figure.add_trace(go.Scatter(
        x=sweep["Legal_Accounts"], y=sweep["Expected_Net_Recovery"], mode="markers", name="A pair of thresholds",
        marker={"color": "#9e9e9e", "opacity": 0.35, "size": 7}, customdata=sweep[["Low", "High"]].to_numpy(),
        hovertemplate=point_hover))
    figure.add_trace(go.Scatter(
        x=frontier["Legal_Accounts"], y=frontier["Expected_Net_Recovery"], mode="lines+markers",
        name="Efficient frontier", line={"color": "#1565c0", "width": 3},
        customdata=frontier[["Low", "High"]].to_numpy(), hovertemplate=point_hover))
    figure.add_trace(go.Scatter(
        x=[current["legal_accounts"]], y=[current["Expected_Net_Recovery"]], mode="markers", name="Your thresholds",
        marker=CURRENT_MARKER, hovertemplate="Your thresholds<br>%{x:,} legal cases<br>net recovery %{y:,.0f}"
                                             "<extra></extra>"))
    figure.update_layout(xaxis_title="Legal cases (accounts sent to legal action)", yaxis_title=NET_RECOVERY_TITLE,
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    return figure


@readable
def plot_gains(gains: pd.DataFrame) -> go.Figure:
    """Cumulative gains: the share of not-fully-recovered loans caught by the riskiest accounts, against chance."""
    x = np.r_[0, gains["Cumulative_Accounts_Share"].to_numpy()] * 100
    y = np.r_[0, gains["Cumulative_Not_Full_Share"].to_numpy()] * 100
    figure = go.Figure([go.Scatter(x=x, y=y, mode="lines+markers", name="The scores",
                                   hovertemplate="%{x:.1f}% of accounts catch %{y:.1f}%<extra></extra>"),
                        go.Scatter(x=[0, 100], y=[0, 100], mode="lines", name="Chance", line={"dash": "dot"})])
    figure.update_layout(xaxis_title="Accounts, riskiest scores first (%)",
                         yaxis_title="Not fully recovered loans caught (%)", height=380, legend_title_text="")
    return figure


# --- monitoring: one point per snapshot (``slrs.monitoring.MonitorReport``) ------------------------------------

@readable
def plot_monitor_actions(snapshots: pd.DataFrame) -> go.Figure:
    """Stacked bars: accounts per recommended action in each snapshot."""
    long = snapshots.melt(id_vars="As_of", value_vars=list(STRATEGIES), var_name="Action", value_name="Accounts")
    figure = px.bar(long, x="As_of", y="Accounts", color="Action", color_discrete_map=STRATEGY_COLORS,
                    category_orders={"Action": list(STRATEGIES)})
    figure.update_layout(xaxis_title="Snapshot (as of)", yaxis_title="Accounts", legend_title=None,
                         legend={"orientation": "h", "y": -0.25})
    return figure


BAND_COLORS = ("#2e7d32", "#9ccc65", "#f9a825", "#c62828")  # low to very high risk


@readable
def plot_monitor_risk_mix(snapshots: pd.DataFrame) -> go.Figure:
    """Stacked bars: the share of scored borrowers in each risk band in each snapshot."""
    long = snapshots.melt(id_vars="As_of", value_vars=list(BANDS), var_name="Risk band", value_name="Share")
    figure = px.bar(long, x="As_of", y="Share", color="Risk band", category_orders={"Risk band": list(BANDS)},
                    color_discrete_sequence=BAND_COLORS)
    figure.update_layout(xaxis_title="Snapshot (as of)", yaxis_title="Share of scored borrowers",
                         yaxis_tickformat=".0%", legend_title=None, legend={"orientation": "h", "y": -0.25})
    return figure


@readable
def plot_monitor_money(snapshots: pd.DataFrame) -> go.Figure:
    """Lines: outstanding and expected net recovery of the plan in each snapshot (currency)."""
    long = snapshots.melt(id_vars="As_of", value_vars=["Outstanding", "Expected_Net_Recovery"], var_name="Measure",
                          value_name="Amount")
    figure = px.line(long, x="As_of", y="Amount", color="Measure", markers=True)
    figure.update_layout(xaxis_title="Snapshot (as of)", yaxis_title="Amount", legend_title=None,
                         yaxis_rangemode="tozero", legend={"orientation": "h", "y": -0.25})
    return figure


@readable
def plot_drift_over_time(drift: pd.DataFrame) -> go.Figure:
    """Heatmap of the stability index of the score and every input (rows) in each snapshot (columns), coloured by
    the light each snapshot stored (0.10 / 0.25; grey: too few rows to tell), the index written in each cell."""
    inputs = list(dict.fromkeys(drift["Input"]))
    table = drift.pivot(index="Input", columns="As_of", values="PSI").reindex(inputs)
    lights = list(DRIFT_COLORS)  # stable, some shift, major shift, too few rows: the light each snapshot stored
    light = drift.pivot(index="Input", columns="As_of", values="Status").reindex(inputs).map(
        lambda status: lights.index(status) if status in lights else np.nan)
    figure = go.Figure(go.Heatmap(
        z=light.to_numpy(dtype=float), x=[str(day) for day in table.columns], y=inputs,
        text=np.round(table.to_numpy(dtype=float), 2), texttemplate="%{text}", zmin=0, zmax=len(lights) - 1,
        showscale=False, colorscale=[[place / (len(lights) - 1), DRIFT_COLORS[status]]
                                     for place, status in enumerate(lights)],
        customdata=drift.pivot(index="Input", columns="As_of", values="Status").reindex(inputs).to_numpy(),
        hovertemplate="%{y}, %{x}: stability index %{text} (%{customdata})<extra></extra>"))
    figure.update_layout(xaxis_title="Snapshot (as of)", yaxis_autorange="reversed", height=max(320, 28 * len(table)))
    return figure


@readable
def plot_backtest(backtest: pd.DataFrame) -> go.Figure:
    """Lines: ROC AUC and KS of each vintage's scores against the outcomes that arrived since."""
    long = backtest.melt(id_vars="As_of", value_vars=["ROC_AUC", "KS"], var_name="Measure", value_name="Value")
    long["Measure"] = long["Measure"].map(column_words)
    figure = px.line(long, x="As_of", y="Value", color="Measure", markers=True)
    figure.add_hline(y=0.5, line_dash="dot", line_color="grey", annotation_text="ROC AUC of a coin toss")
    figure.update_layout(xaxis_title="Vintage (snapshot as of)", yaxis_title="Value", yaxis_range=[0, 1],
                         legend_title=None)
    return figure
