"""Model: the evidence a credit committee asks for. First how the scores did on this portfolio's own outcomes and the
validation gates; then the model card, every figure measured on held-out training data."""

from __future__ import annotations

import streamlit as st

from slrs import global_explain, model_card, ui
from slrs.exceptions import ConfigError, SLRSError
from slrs.formatting import format_count, format_ratio
from slrs.gates import GATE_LABELS, ValidationGates, gates_summary
from slrs.plots import (
    plot_calibration,
    plot_gains,
    plot_importances,
    plot_matrix,
    plot_partial_dependence,
    plot_roc_curves,
)
from slrs.risk import CV_FOLDS
from slrs.strategy import SHORT_STRATEGY
from slrs.summary import gates_tone, verdict_tone

ui.require_app_frame(__file__)

st.title("The model")
bundle, method, thresholds = ui.get_bundle(), ui.active_method(), ui.active_thresholds()
decision, manifest = ui.active_decision(), bundle.manifest
for warning in model_card.model_warnings(manifest):
    st.error(warning)

st.header("On this portfolio: its own known outcomes")
analysis = decision.analysis
st.caption(f"The active portfolio's risk scores ({ui.method_label(method)}) against its Recovery status, where "
           "it is filled in. This is the backtest on the portfolio in front of you; the figures further down are "
           "from the training data.")
ui.show_line("Verdict", analysis.sentence(), verdict_tone(analysis))
if analysis.verdict is not None:
    low, high = analysis.auc_ci
    figures = st.columns(6)
    figures[0].metric("Labelled rows", format_count(analysis.n))
    figures[1].metric("ROC AUC", format_ratio(analysis.auc), help=f"95% interval {low:.3f} to {high:.3f} (DeLong)")
    figures[2].metric("Gini", format_ratio(analysis.gini), help="2 x AUC - 1: 0 is chance, 1 is perfect.")
    figures[3].metric("KS", format_ratio(analysis.ks), help="The largest gap, over every score cut-off, between the "
                      "shares of not fully recovered and of fully recovered loans scoring above it.")
    figures[4].metric("Brier score", format_ratio(analysis.brier), help="Mean squared gap between score and outcome.")
    figures[5].metric("Calibration error", format_ratio(analysis.calibration_error),
                      help="Mean gap between the mean score and the observed rate, by risk band, weighted by accounts.")
    st.subheader("Gains by score decile")
    ui.show_table(analysis.gains, key="model_gains")
    st.caption("Accounts sorted by risk score, highest first, in ten groups of equal size. Rate: the group's share "
               "of loans not fully recovered. Caught so far: the share of all not fully recovered loans found in "
               "this group and the riskier ones. Lift: the group's rate over the portfolio's. KS: the gap between "
               "the shares of not fully recovered and fully recovered loans caught so far.")
    st.plotly_chart(plot_gains(analysis.gains), key="model_gains_chart")
    st.subheader("Calibration by risk band")
    ui.show_table(analysis.calibration, key="model_calibration_bands")

st.subheader("Validation gates")
ui.show_line("Gates", gates_summary(decision.gates) + ".", gates_tone(decision.gates, analysis))
ui.show_table(model_card.gates_table(decision.gates), key="model_gates")
with st.expander("Change the limits (they are part of the scenario: saved, shared and used by the pack)"):
    gates = decision.scenario.gates
    with st.form("model_gates_form", border=False):
        values = {name: st.number_input(GATE_LABELS[name], value=getattr(gates, name),
                                        step=1 if name == "min_labelled_rows" else 0.01,
                                        format="%d" if name == "min_labelled_rows" else "%.2f",
                                        key=f"{ui.GATE_WIDGET_PREFIX}{name}")
                  for name in GATE_LABELS}
        if st.form_submit_button("Use these limits"):
            try:
                ui.set_gates(ValidationGates(**{**values, "min_labelled_rows": int(values["min_labelled_rows"])}))
                st.rerun()
            except ConfigError as error:
                st.error(str(error))

st.header("On the training data (held out)")
models = model_card.compared_models(manifest, method)
active = models[0]
st.write(f"**In use now:** {ui.method_label(method)}. Every number in this part was measured on held-out data: each "
         f"of the {len(bundle.holdout):,} training rows was scored by models fitted on the other rows "
         f"({CV_FOLDS}-fold cross-validation, the same folds for every model), never by a model that had seen it.")

st.subheader("How well each model tells loans apart")
ui.show_table(model_card.metrics_table(models), key="model_metrics")
st.caption("ROC AUC: the chance a loan that was not fully recovered scores higher than one that was (0.5 is "
           "a coin toss, 1 is perfect). Brier score and log loss: how far the risk scores are from what "
           "happened (lower is better). Accuracy: right calls at a 0.5 cut-off, against always guessing the "
           "most common outcome (majority baseline).")
if sentence := model_card.neural_network_sentence(manifest):
    st.info(sentence)
st.info(model_card.study_flag_sentence(manifest))
left, right = st.columns(2)
left.plotly_chart(plot_roc_curves(model_card.roc_curve_tables(bundle.holdout, models)), key="model_roc")
left.caption("ROC curves: the higher and further left, the better; the dotted line is chance.")
right.plotly_chart(plot_calibration(model_card.calibration_tables(bundle.holdout, models)), key="model_calibration")
right.caption("Calibration: held-out borrowers grouped by predicted risk (10 bins); on the dotted line, a "
              "predicted 30% risk means 30% were in fact not fully recovered.")

st.subheader(f"What happened to the borrowers each action would have gone to ({active.label})")
confusion = model_card.outcome_strategy_confusion(bundle.holdout, active.column, thresholds)
st.plotly_chart(plot_matrix(confusion, f"Held-out borrowers at thresholds {thresholds.low:.2f} / "
                                       f"{thresholds.high:.2f}"), key="model_confusion")
shares = model_card.row_shares(confusion).rename(columns=SHORT_STRATEGY)
ui.show_table(shares.rename_axis("Outcome").reset_index(), key="model_confusion_shares",
              kinds=dict.fromkeys(shares.columns, "share"))
st.caption("Rows: the real outcome. Columns: the action the held-out score recommends at the active "
           "thresholds (change them on the Strategy page). The table gives each outcome's split across actions.")

if bundle.scorecard is not None:
    with st.expander("The benchmark scorecard, characteristic by characteristic", expanded=method == "scorecard"):
        st.caption("Each characteristic is cut into bins; a borrower gets the points of their bin. Points add up, "
                   "with the intercept, to the log-odds of not being fully recovered: positive points raise the "
                   f"risk. Intercept: {bundle.scorecard.intercept:+.3f}. WoE (weight of evidence): below 0, the "
                   "bin holds more not fully recovered loans than the portfolio as a whole.")
        ui.show_table(bundle.scorecard.points_table(), key="model_scorecard_points", height=420)

st.subheader("What drives the scores overall")
try:
    view = global_explain.global_view(bundle.global_explanations, method)
except SLRSError as error:  # a bundle made before the global view existed
    st.error(str(error))
else:
    keys = ("model_global_importance", "model_global_importance_other")
    for column, (title, table), key in zip(st.columns(2), view.importances, keys, strict=True):
        column.plotly_chart(plot_importances(table, title, "Drop in held-out ROC AUC"), key=key)
    st.caption(f"Permutation importance: how much the held-out AUC drops when this input is scrambled (shuffled "
               f"among the held-out borrowers, {view.n_repeats} times per fold; bars: mean over the {CV_FOLDS} "
               "folds, whiskers: spread across folds). Exactly 0: the method never uses the input; below 0: "
               "scrambling it ranks loans better, so the method leans on it in a way that does not predict recovery.")
    st.plotly_chart(plot_partial_dependence(view.curves), key="model_partial_dependence")
    st.caption(f"Partial dependence: average risk score as this input changes, others as in the data "
               f"({view.sample_rows:,} training borrowers, each given the value on the axis). Solid: the method in "
               "use; dotted: the other method. It shows what the model does with an input, not what causes recovery.")

st.subheader("What the outcome model looks at")
try:
    importances = model_card.impurity_importances(bundle.outcome_model)
except SLRSError as error:  # a model with other inputs than this version of SLRS expects
    st.error(str(error))
else:
    if importances is None:
        st.info("The kept model (HistGradientBoosting) computes no built-in importances; see 'What drives the "
                "scores overall' above for importances measured on held-out data.")
    else:
        st.plotly_chart(plot_importances(importances), key="model_importances")
        st.caption("Impurity-based importances, from training data: how much each input splits the outcome "
                   "inside the forest (bars: spread across trees). They show what the model leans on, not causes.")

st.subheader("What the model never uses, and why")
ui.show_table(model_card.never_used_table(manifest["never_used"]), key="model_never_used")

st.subheader("Training data and segments")
ui.show_table(model_card.training_data_table(manifest), key="model_training_data")
ui.show_table(model_card.outcome_rates_table(manifest), key="model_outcome_rates")
st.metric("Segment separation (silhouette)", f"{manifest['segments']['silhouette']:.3f}",
          help="From -1 to 1; near 0 means the segments overlap a lot.")
ui.show_table(model_card.segments_table(manifest), key="model_segments")

st.subheader("Artifacts and library versions")
ui.show_table(model_card.artifact_table(manifest), key="model_artifacts")
st.caption("Each file's SHA-256 is checked at start-up; the app refuses altered files or other library "
           "versions. Rebuild everything with: python -m slrs train")
