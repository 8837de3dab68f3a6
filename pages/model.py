"""Model: a model card in plain words. How both risk methods did on held-out data, and what the model is made of."""

from __future__ import annotations

import streamlit as st

from slrs import global_explain, model_card, ui
from slrs.evaluation import CV_FOLDS
from slrs.exceptions import SLRSError
from slrs.plots import plot_calibration, plot_importances, plot_matrix, plot_partial_dependence, plot_roc_curves

ui.require_app_frame(__file__)

SCORE = st.column_config.NumberColumn(format="%.3f")
SHARE = st.column_config.NumberColumn(format="percent")

st.title("The model")
bundle, method, thresholds = ui.get_bundle(), ui.active_method(), ui.active_thresholds()
manifest = bundle.manifest
for warning in model_card.model_warnings(manifest):
    st.error(warning)
models = model_card.compared_models(manifest, method)
active = models[0]
st.write(f"**In use now:** {ui.method_label(method)}. Every number below was measured on held-out data: each of "
         f"the {len(bundle.holdout):,} training rows was scored by models fitted on the other rows "
         f"({CV_FOLDS}-fold cross-validation), never by a model that had seen it.")

st.subheader("How well each method tells loans apart")
st.dataframe(model_card.metrics_table(models), hide_index=True, column_config={
    "ROC_AUC": st.column_config.NumberColumn("ROC AUC", format="%.3f"), "Brier": SCORE,
    "Log_Loss": st.column_config.NumberColumn("Log loss", format="%.3f"), "Accuracy": SHARE,
    "Majority_Baseline": st.column_config.NumberColumn("Majority baseline", format="percent"),
    "Accuracy_Gain": st.column_config.NumberColumn("Gain over baseline", format="percent")})
st.caption("ROC AUC: the chance a loan that was not fully recovered scores higher than one that was (0.5 is "
           "a coin toss, 1 is perfect). Brier score and log loss: how far the risk scores are from what "
           "happened (lower is better). Accuracy: right calls at a 0.5 cut-off, against always guessing the "
           "most common outcome (majority baseline).")
st.info(model_card.study_flag_sentence(manifest))
left, right = st.columns(2)
left.plotly_chart(plot_roc_curves(model_card.roc_curve_tables(bundle.holdout, models)), key="model_roc")
left.caption("ROC curves: the higher and further left, the better; the dotted line is chance.")
right.plotly_chart(plot_calibration(model_card.calibration_tables(bundle.holdout, models)), key="model_calibration")
right.caption("Calibration: held-out borrowers grouped by predicted risk (10 bins); on the dotted line, a "
              "predicted 30 % risk means 30 % were in fact not fully recovered.")

st.subheader(f"What happened to the borrowers each action would have gone to ({active.label})")
confusion = model_card.outcome_strategy_confusion(bundle.holdout, active.column, thresholds)
st.plotly_chart(plot_matrix(confusion, f"Held-out borrowers at thresholds {thresholds.low:.2f} / "
                                       f"{thresholds.high:.2f}"), key="model_confusion")
st.dataframe(model_card.row_shares(confusion), column_config={name: SHARE for name in confusion.columns})
st.caption("Rows: the real outcome. Columns: the action the held-out score recommends at the active "
           "thresholds (change them on the Strategy page). The table gives each outcome's split across actions.")

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
st.dataframe(model_card.never_used_table(manifest["never_used"]), hide_index=True)

st.subheader("Training data and segments")
left, right = st.columns(2)
left.dataframe(model_card.training_data_table(manifest), hide_index=True)
left.dataframe(model_card.outcome_rates_table(manifest), hide_index=True, column_config={"Share": SHARE})
right.metric("Segment separation (silhouette)", f"{manifest['segments']['silhouette']:.3f}",
             help="From -1 to 1; near 0 means the segments overlap a lot.")
right.dataframe(model_card.segments_table(manifest), hide_index=True)

st.subheader("Artifacts and library versions")
st.dataframe(model_card.artifact_table(manifest), hide_index=True)
st.caption("Each file's SHA-256 is checked at start-up; the app refuses altered files or other library "
           "versions. Rebuild everything with: python -m slrs train")
