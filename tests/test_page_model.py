"""AppTest: the Model page (model card) for both risk methods, and its loud warnings."""

from __future__ import annotations

import dataclasses

import pytest

from slrs import ui
from slrs.io import load_bundle

PAGE = "pages/model.py"


def _metrics_table(app):
    return next(table.value for table in app.dataframe if "ROC_AUC" in table.value.columns)


def test_model_card_shows_held_out_curves_and_metrics(app) -> None:
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception and not app.main.error
    charts = {chart.key for chart in app.get("plotly_chart")}
    assert {"model_roc", "model_calibration", "model_confusion"} <= charts
    table = _metrics_table(app)
    manifest = load_bundle().manifest
    assert table["Model"].iloc[0].startswith("Outcome model") and "in use" in table["Role"].iloc[0]
    assert table["ROC_AUC"].iloc[0] == pytest.approx(manifest["metrics"]["outcome"]["roc_auc"])
    assert any("circular" in info.value for info in app.info)


def test_model_card_follows_the_study_method_as_a_comparison(app) -> None:
    app.run()
    app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).set_value("study").run()
    app.switch_page(PAGE).run()
    assert app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).value == "study"
    assert not app.exception
    table = _metrics_table(app)
    assert table["Model"].iloc[0] == "Study method" and "in use" in table["Role"].iloc[0]
    assert any("comparison only" in info.value for info in app.info)
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
    assert [error.value for error in app.main.error] == ["NO SIGNAL: test warning"]
