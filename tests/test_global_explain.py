"""The global view: held-out permutation importance, partial dependence and the tables the Model page shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs import global_explain
from slrs.exceptions import ConfigError, ModelArtifactError
from slrs.global_explain import (
    build_global_explanations,
    global_view,
    held_out_importances,
    importance_table,
    input_grid,
    main_inputs,
    partial_dependence,
    partial_dependence_table,
    summarise_importances,
)
from slrs.plots import plot_partial_dependence
from slrs.schema import MODEL_FEATURES
from slrs.synth import generate_portfolio
from slrs.tables import label
from slrs.validation import validate_portfolio


@pytest.fixture(scope="module")
def inputs() -> pd.DataFrame:
    return validate_portfolio(generate_portfolio(400, seed=3)).clean[list(MODEL_FEATURES)].reset_index(drop=True)


def _by_missed_payments(X: pd.DataFrame) -> np.ndarray:
    """A scorer that looks at one input only."""
    return X["Num_Missed_Payments"].to_numpy(dtype=float)


def _labels(X: pd.DataFrame) -> np.ndarray:
    return (X["Num_Missed_Payments"] > X["Num_Missed_Payments"].median()).astype(int).to_numpy()


def test_importance_is_the_auc_drop_of_the_input_used_and_exactly_zero_for_the_rest(inputs) -> None:
    drops = dict(zip(inputs.columns, held_out_importances(_by_missed_payments, inputs, _labels(inputs), seed=1)))
    assert drops.pop("Num_Missed_Payments") > 0.4  # AUC 1.0 falls to about 0.5 when scrambled
    assert set(drops.values()) == {0.0}


def test_importances_depend_only_on_the_seed(inputs) -> None:
    y = _labels(inputs)
    first = held_out_importances(_by_missed_payments, inputs, y, seed=7)
    assert np.array_equal(first, held_out_importances(_by_missed_payments, inputs, y, seed=7))
    assert not np.array_equal(first, held_out_importances(_by_missed_payments, inputs, y, seed=8))


def test_each_shuffle_reorders_one_input_and_leaves_the_others(inputs, monkeypatch) -> None:
    seen: list[pd.DataFrame] = []

    def recording(X: pd.DataFrame) -> np.ndarray:
        seen.append(X)
        return _by_missed_payments(X)

    sample = inputs.head(50)
    monkeypatch.setattr(global_explain, "MAX_STACKED_ROWS", 5 * 2 * len(sample))  # five inputs per call
    held_out_importances(recording, sample, _labels(sample), seed=0, n_repeats=2)
    assert [len(frame) for frame in seen] == [500, 500, 400, len(sample)]  # 14 inputs x 2 shuffles, then as is
    copies = [frame.iloc[start:start + 50].reset_index(drop=True)
              for frame in seen[:-1] for start in range(0, len(frame), 50)]
    for position, column in enumerate(MODEL_FEATURES):
        others = [name for name in MODEL_FEATURES if name != column]
        for copy in copies[2 * position:2 * position + 2]:
            pd.testing.assert_frame_equal(copy[others], sample[others].reset_index(drop=True), check_dtype=False)
            assert sorted(copy[column].astype(str)) == sorted(sample[column].astype(str))
            assert not copy[column].astype(str).equals(sample[column].reset_index(drop=True).astype(str))


@pytest.mark.parametrize(("labels", "repeats", "message"), [
    ([1] * 10, 5, r"values \[1\] for 10 rows"),
    ([0, 1] * 4, 5, "8 rows of 10"),
    ([0, 1] * 5, 0, "n_repeats=0 should be >= 1"),
])
def test_importances_refuse_unusable_labels_or_repeats(inputs, labels, repeats, message) -> None:
    with pytest.raises(ConfigError, match=message):
        held_out_importances(_by_missed_payments, inputs.head(10), np.array(labels), seed=0, n_repeats=repeats)


def test_summarise_importances_gives_mean_and_spread_over_folds() -> None:
    summary = summarise_importances({"m": [np.array([0.1, 0.0]), np.array([0.3, 0.0])]}, ["a", "b"])["m"]
    assert summary["features"] == ["a", "b"] and summary["folds"] == [[0.1, 0.0], [0.3, 0.0]]
    assert summary["mean"] == pytest.approx([0.2, 0.0]) and summary["std"] == pytest.approx([0.1, 0.0])


def _summary(**means: float) -> dict:
    return {"features": list(means), "mean": list(means.values()), "std": [0.0] * len(means)}


@pytest.mark.parametrize(("n_outcome", "n_study", "expected"), [
    (2, 2, ["b", "a", "e"]),
    (1, 1, ["b", "e"]),
    (3, 1, ["b", "a", "c", "e"]),
    (2, 0, ["b", "a"]),
])
def test_main_inputs_are_the_outcome_top_plus_what_the_study_adds(n_outcome, n_study, expected) -> None:
    importances = {"forest": _summary(a=0.2, b=0.3, c=0.1, d=0.0, e=-0.1),
                   "study": _summary(a=0.0, b=0.02, c=-0.2, d=0.0, e=0.05)}
    assert main_inputs(importances, "forest", n_outcome, n_study) == expected


def test_input_grid_spans_p01_to_p99_in_whole_numbers_for_counts(inputs) -> None:
    grid = input_grid(inputs["Num_Missed_Payments"])
    low, high = inputs["Num_Missed_Payments"].quantile([0.01, 0.99])
    assert grid == sorted(set(grid)) and all(value == round(value) for value in grid)
    assert grid[0] == round(low) and grid[-1] == round(high) and len(grid) <= global_explain.PD_GRID_POINTS


def test_input_grid_spans_p01_to_p99_evenly_for_amounts(inputs) -> None:
    grid = input_grid(inputs["Monthly_Income"], n_points=5)
    low, high = inputs["Monthly_Income"].quantile([0.01, 0.99])
    assert grid == pytest.approx(np.linspace(low, high, 5).tolist())


def test_input_grid_lists_categories_present_in_schema_order() -> None:
    assert input_grid(pd.Series(["Missed", "On-Time", None, "Missed"], name="Payment_History")) == ["On-Time", "Missed"]


def test_partial_dependence_averages_the_score_with_the_input_set_to_each_value(inputs) -> None:
    def score(X: pd.DataFrame) -> np.ndarray:
        return X["Age"].to_numpy(dtype=float) / 100 + (X["Loan_Type"] == "Home").to_numpy() * 0.1

    home_share = (inputs["Loan_Type"] == "Home").mean()
    assert partial_dependence(score, inputs, "Age", [20.0, 60.0]) == pytest.approx(
        [0.2 + 0.1 * home_share, 0.6 + 0.1 * home_share])
    by_type = partial_dependence(score, inputs, "Loan_Type", ["Home", "Auto"])
    assert by_type == pytest.approx([inputs["Age"].mean() / 100 + 0.1, inputs["Age"].mean() / 100])


def _importances(features: list[str]) -> dict:
    """Random importances, except that missed payments come first for the kept outcome candidate."""
    rng = np.random.default_rng(0)
    importances = summarise_importances(
        {name: [rng.random(len(features)) for _ in range(3)] for name in ("random_forest", "hist_gradient_boosting",
                                                                          "study")}, features)
    importances["random_forest"]["mean"][features.index("Num_Missed_Payments")] = 2.0
    return importances


@pytest.fixture(scope="module")
def explanations(inputs) -> dict:
    scorers = {"outcome": lambda X: X["Num_Missed_Payments"].to_numpy(dtype=float) / 10,
               "study": lambda X: X["Days_Past_Due"].to_numpy(dtype=float) / 1000}
    return build_global_explanations(inputs, scorers, _importances(list(MODEL_FEATURES)), "random_forest")


def test_the_global_explanations_hold_both_methods_curves_for_the_main_inputs(inputs, explanations) -> None:
    section = explanations["partial_dependence"]
    importances = explanations["permutation_importance"]["models"]
    assert section["inputs"] == main_inputs(importances, "random_forest")
    assert section["sample_rows"] == len(inputs) and set(section["curves"]) == {"outcome", "study"}
    assert section["inputs"][0] == "Num_Missed_Payments"
    outcome, study = (section["curves"][method]["Num_Missed_Payments"] for method in ("outcome", "study"))
    assert outcome["values"] == study["values"] == input_grid(inputs["Num_Missed_Payments"])
    assert outcome["risk"] == pytest.approx(np.asarray(outcome["values"]) / 10)  # the scorer is missed / 10
    assert study["risk"] == pytest.approx([inputs["Days_Past_Due"].mean() / 1000] * len(study["values"]))
    assert explanations["method_models"] == {"outcome": "random_forest", "scorecard": "scorecard", "study": "study"}


@pytest.mark.parametrize(("method", "model"), [("outcome", "random_forest"), ("study", "study")])
def test_importance_table_reads_the_methods_model_largest_first(explanations, method, model) -> None:
    table = importance_table(explanations, method)
    summary = explanations["permutation_importance"]["models"][model]
    assert list(table.columns) == ["Feature", "Meaning", "Importance", "Std"]
    assert table["Importance"].tolist() == sorted(summary["mean"], reverse=True)
    first = summary["features"][int(np.argmax(summary["mean"]))]
    assert table["Feature"].iloc[0] == first and table["Std"].iloc[0] == summary["std"][int(np.argmax(summary["mean"]))]


@pytest.mark.parametrize(("method", "titles", "first"), [
    ("outcome", ["Outcome model (in use)", "Study method (for comparison)"], "Outcome model"),
    ("study", ["Study method (in use)", "Outcome model (for comparison)"], "Study method"),
])
def test_global_view_puts_the_method_in_use_first(explanations, method, titles, first) -> None:
    view = global_view(explanations, method)
    assert [title for title, _ in view.importances] == titles
    assert view.curves["Method"].iloc[0] == first and view.curves["Method"].nunique() == 2
    assert view.sample_rows == explanations["partial_dependence"]["sample_rows"] and view.n_repeats == 5
    pd.testing.assert_frame_equal(view.importances[0][1], importance_table(explanations, method))


@pytest.mark.parametrize("broken", [{}, {"permutation_importance": {}}])
def test_a_bundle_without_global_explanations_names_the_fix(broken) -> None:
    with pytest.raises(ModelArtifactError, match="python -m slrs train"):
        global_view(broken, "outcome")


def test_partial_dependence_figure_has_a_panel_per_input_and_a_line_per_method(explanations) -> None:
    curves = partial_dependence_table(explanations, ["study", "outcome"])
    figure = plot_partial_dependence(curves)
    inputs = explanations["partial_dependence"]["inputs"]
    assert len(figure.data) == 2 * len(inputs)
    assert [trace.name for trace in figure.data[:2]] == ["Study method", "Outcome model"]
    assert [trace.line.dash for trace in figure.data[:2]] == ["solid", "dot"]
    assert sum(trace.showlegend for trace in figure.data) == 2
    assert [annotation.text for annotation in figure.layout.annotations] == [label(name) for name in inputs]
