"""AppTest: the Model page (model card) for both risk methods, and its loud warnings."""

from __future__ import annotations

import base64
import dataclasses

import numpy as np
import pytest

from slrs import ui
from slrs.global_explain import importance_table
from slrs.io import load_bundle
from slrs.tables import label

PAGE = "pages/model.py"


def _metrics_table(app):
    return next(table.value for table in app.dataframe if "ROC AUC" in table.value.columns)


def test_model_card_shows_held_out_curves_and_metrics(app) -> None:
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception and not app.main.error
    charts = {chart.key for chart in app.get("plotly_chart")}
    assert {"model_roc", "model_calibration", "model_confusion"} <= charts
    table = _metrics_table(app)
    manifest = load_bundle().manifest
    assert table["Model"].iloc[0].startswith("Outcome model") and "in use" in table["Role"].iloc[0]
    assert table["ROC AUC"].iloc[0] == pytest.approx(manifest["metrics"]["outcome"]["roc_auc"])
    assert any("circular" in info.value for info in app.info)


def test_model_card_follows_the_study_method_as_a_comparison(app) -> None:
    app.run()
    app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).set_value("study").run()
    app.switch_page(PAGE).run()
    assert app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).value == "study"
    assert not app.exception
    table = _metrics_table(app)
    assert table["Model"].iloc[0] == "Study method" and "in use" in table["Role"].iloc[0]
    assert any("comparison only" in warning.value for warning in app.warning)
    assert any("(Study method)" in heading.value for heading in app.subheader)


@pytest.fixture
def bundle_with_warning(monkeypatch):
    """The committed bundle, but with a NO SIGNAL warning, served by the app's cached loader."""
    import streamlit as st

    bundle = load_bundle()
    manifest = {**bundle.manifest, "warnings": ["NO SIGNAL: test warning"], "has_signal": False}
    monkeypatch.setattr(ui, "load_bundle", lambda directory: dataclasses.replace(bundle, manifest=manifest))
    yield
    st.cache_resource.clear()  # never leave the altered bundle cached for another test


def test_model_card_shows_manifest_warnings_as_errors(app, bundle_with_warning) -> None:
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    # The frame's banner of findings, then the model card's own list.
    errors = [error.value for error in app.main.error]
    assert errors[0].startswith("Do not rely on these numbers: NO SIGNAL: test warning")
    assert "NO SIGNAL: test warning" in errors[1:]


GLOBAL_CHARTS = {"model_global_importance", "model_global_importance_other", "model_partial_dependence"}


def _figure(app, key: str):
    import plotly.io

    return plotly.io.from_json(next(chart for chart in app.get("plotly_chart") if chart.key == key).proto.spec)


def _numbers(array) -> list[float]:
    """A figure's number array as read back from JSON (plotly sends it as base64 typed data)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


@pytest.mark.parametrize(("method", "in_use", "other"), [("outcome", "Outcome model", "Study method"),
                                                          ("study", "Study method", "Outcome model")])
def test_global_view_follows_the_active_method(app, method, in_use, other) -> None:
    app.run()
    app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).set_value(method).run()
    app.switch_page(PAGE).run()
    # The study's uncalibrated score fails the calibration gate on the training data: the only error shown.
    assert not app.exception and all(error.value.startswith("**Gates:**") for error in app.main.error)
    assert "What drives the scores overall" in [heading.value for heading in app.subheader]
    assert GLOBAL_CHARTS <= {chart.key for chart in app.get("plotly_chart")}
    importance = _figure(app, "model_global_importance")
    assert importance.layout.title.text == f"{in_use} (in use)"
    assert _figure(app, "model_global_importance_other").layout.title.text == f"{other} (for comparison)"
    expected = importance_table(load_bundle().global_explanations, method)
    expected["Feature"] = expected["Feature"].map(label)
    bars = importance.data[0]
    assert dict(zip(bars.y, _numbers(bars.x))) == pytest.approx(dict(zip(expected["Feature"], expected["Importance"])))
    assert dict(zip(bars.y, _numbers(bars.error_x.array))) == pytest.approx(dict(zip(expected["Feature"],
                                                                                   expected["Std"])))
    curves = _figure(app, "model_partial_dependence")
    assert (curves.data[0].name, curves.data[0].line.dash) == (in_use, "solid")
    assert (curves.data[1].name, curves.data[1].line.dash) == (other, "dot")
    inputs = load_bundle().global_explanations["partial_dependence"]["inputs"]
    assert [annotation.text for annotation in curves.layout.annotations] == [label(name) for name in inputs]
    captions = " ".join(caption.value for caption in app.caption)
    assert "how much the held-out AUC drops when this input is scrambled" in captions
    assert "average risk score as this input changes, others as in the data" in captions


@pytest.fixture
def bundle_without_global_view(monkeypatch):
    """The committed bundle as an older release saved it: no global explanations."""
    import streamlit as st

    bundle = load_bundle()
    monkeypatch.setattr(ui, "load_bundle", lambda directory: dataclasses.replace(bundle, global_explanations={}))
    yield
    st.cache_resource.clear()


def test_model_card_without_a_global_view_names_the_fix(app, bundle_without_global_view) -> None:
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert [error.value for error in app.main.error] == [
        "the model bundle holds no global explanations; rebuild the model with: python -m slrs train"]
    assert not GLOBAL_CHARTS & {chart.key for chart in app.get("plotly_chart")}
    assert "model_roc" in {chart.key for chart in app.get("plotly_chart")}
