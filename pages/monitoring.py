"""Monitoring: the snapshots in the store month by month: trends, drift, the backtest by vintage, alerts, audit."""

from __future__ import annotations

import streamlit as st

from slrs import store, ui
from slrs.exceptions import SLRSError
from slrs.money import BANDS
from slrs.plots import (
    plot_backtest,
    plot_drift_over_time,
    plot_monitor_actions,
    plot_monitor_money,
    plot_monitor_risk_mix,
)
from slrs.portfolio import escape_markdown
from slrs.strategy import STRATEGIES

ui.require_app_frame(__file__)

st.title("Monitoring")
st.write("Is the model still right, and what did the team decide? Each snapshot is the book as of a date, scored "
         "and planned when it was added. The backtest looks back: for each earlier snapshot (a *vintage*), how "
         "well its scores, as they were then, ranked the outcomes that have arrived since.")
try:
    report, audit = ui.monitor_report(), store.read_audit(ui.get_store())
except SLRSError as error:
    st.error(f"The store cannot be read: {escape_markdown(str(error))}")
    st.stop()
st.caption(f"Store: {escape_markdown(store.safe_url(ui.store_url()))}")

with st.expander("Add the portfolio in use as a snapshot", expanded=report.is_empty):
    st.write(f"Stores **{escape_markdown(ui.active_portfolio().name)}**, scored and planned under the scenario in "
             "use, as the book on the date below (upload it on the Portfolio page first). The outcomes it reports "
             "(rows with a recovery status) are recorded for the loans whose outcome was not known yet. For many "
             "files at once: python -m slrs monitor add FILE --as-of YYYY-MM-DD.")
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    left.date_input("As of", key=ui.SNAPSHOT_DATE_KEY, format="YYYY-MM-DD")
    right.button("Add the snapshot", key="monitoring_add", on_click=ui.add_active_snapshot, icon=":material/add:")
    if result := ui.snapshot_result():
        tone, message = result
        {"success": st.success, "info": st.info, "error": st.error}[tone](escape_markdown(message))

if report.is_empty:
    st.info("The store has no snapshots yet: add the portfolio in use above, or each month's book from the "
            "command line (see the README).")
else:
    st.subheader("Alerts")
    st.caption("A validation gate of the snapshot's own scenario that fails: on its backtest (ROC AUC, KS, "
               "calibration error; see below) or on its drift (the risk score's stability index).")
    for row in report.alerts.itertuples(index=False):
        st.error(f"{row.As_of}: {row.Gate} {row.Limit}, measured {row.Measured}.")
    if report.alerts.empty:
        st.success("No validation gate fails on any snapshot.")

    st.subheader("Trends")
    left, middle, right = st.columns(3)
    left.plotly_chart(plot_monitor_actions(report.snapshots), key="monitoring_actions")
    middle.plotly_chart(plot_monitor_risk_mix(report.snapshots), key="monitoring_risk_mix")
    right.plotly_chart(plot_monitor_money(report.snapshots), key="monitoring_money")
    shown = ["As_of", "Rows", "Outstanding", "Expected_Net_Recovery", *STRATEGIES, *BANDS, "PSI_score",
             "Drift_status"]
    ui.show_table(report.snapshots[shown], key="monitoring_snapshots",
                  kinds={**{action: "count" for action in STRATEGIES}, **{band: "share" for band in BANDS}})

    st.subheader("Drift over time")
    st.caption("The stability index of the risk score and of every input against the training data: green below "
               "0.10 (stable), amber from 0.10 (some shift), red from 0.25 (major shift).")
    st.plotly_chart(plot_drift_over_time(report.drift), key="monitoring_drift")

    st.subheader("Backtest by vintage")
    if report.backtest.empty:
        st.info("No outcome has arrived yet for an earlier snapshot: the backtest starts once one has.")
    else:
        st.plotly_chart(plot_backtest(report.backtest), key="monitoring_backtest")
        ui.show_table(report.backtest, key="monitoring_backtest_table")
        st.caption("Outcomes arrived: the share of the vintage's scored loans whose outcome is known now. A young "
                   "vintage has few; its figures firm up as its loans finish.")

st.subheader("Audit trail")
if audit.empty:
    st.info("Nothing recorded yet: applied scenarios, committee packs and added snapshots appear here.")
else:
    ui.show_table(audit[["at", "user_name", "event", "subject", "data_sha256"]], key="monitoring_audit")
