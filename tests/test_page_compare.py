"""AppTest: the Champion vs challenger page on the bundled sample.

Note: AppTest (Streamlit 1.67) runs app.py only on the first run; later runs execute the page alone (see
tests/test_page_strategy.py), so the sidebar is checked through session state after the first run.
Editing cells of ``st.data_editor`` is not possible through AppTest; reading an edited table is covered by
tests/test_money.py (``assumptions_from_table``).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import replace

import numpy as np
import pytest
from conftest import open_page

from slrs import store, ui
from slrs.money import DEFAULT_ASSUMPTIONS, ActionTerms, Assumptions
from slrs.scenario import DecisionScenario
from slrs.strategy import DEFAULT_THRESHOLDS, Thresholds

PAGE = "pages/compare.py"
MOVED = "Borrowers who change action"
EDITED = Assumptions(legal=ActionTerms(9000.0, (0.88, 0.80, 0.66, 0.52), capacity=100))


def _moved(app) -> int:
    return int(next(metric.value for metric in app.metric if metric.label == MOVED).replace(",", ""))


def _matrix(app) -> np.ndarray:
    """Borrowers per champion (rows) and challenger (columns) action, as drawn in the heatmap."""
    traces = [json.loads(chart.proto.spec)["data"][0] for chart in app.get("plotly_chart")]
    z = next(trace["z"] for trace in traces if trace["type"] == "heatmap")
    if isinstance(z, dict):  # Plotly sends numeric arrays as base64 ("bdata") with a dtype and a shape
        shape = tuple(int(n) for n in z["shape"].split(","))
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.asarray(z)


def _net_delta(app) -> str:
    return next(metric.delta for metric in app.metric if metric.label == "Expected net recovery")


def test_page_renders_and_starts_with_a_challenger_equal_to_the_default_champion(app) -> None:
    open_page(app, PAGE)
    assert not app.exception and not app.error
    assert app.title[0].value == "Champion vs challenger"
    assert len(app.get("plotly_chart")) == 2  # transition matrix and net change by segment
    assert _moved(app) == 0
    matrix = _matrix(app)
    assert (matrix == np.diag(np.diag(matrix))).all() and matrix.sum() == 5_000
    assert _net_delta(app).startswith("+0 ")
    assert app.button(key="compare_promote").disabled  # nothing to promote yet
    assert any("same as the champion" in info.value for info in app.info)
    assert app.session_state[ui.CHALLENGER_KEY] == DecisionScenario("outcome", DEFAULT_THRESHOLDS, DEFAULT_ASSUMPTIONS)


def test_the_other_method_moves_borrowers_between_actions(app) -> None:
    open_page(app, PAGE)
    app.radio(key="compare_method").set_value("study").run()
    assert not app.exception
    matrix = _matrix(app)
    assert matrix.sum() == 5_000
    assert _moved(app) == matrix.sum() - np.trace(matrix) > 0
    assert not _net_delta(app).startswith("+0 ")
    assert any("comparison only" in info.value for info in app.info)
    assert not any("same as the champion" in info.value for info in app.info)
    assert app.session_state[ui.CHALLENGER_KEY].method == "study"


def test_low_at_or_above_high_is_refused_and_the_last_valid_thresholds_stay(app) -> None:
    open_page(app, PAGE)
    app.slider(key="compare_high").set_value(0.6).run()
    moved_at_valid = _moved(app)
    assert moved_at_valid > 0
    app.slider(key="compare_low").set_value(0.7).run()
    assert not app.exception
    assert any("The low threshold must be below the high threshold" in error.value for error in app.main.error)
    assert app.session_state[ui.CHALLENGER_KEY].thresholds == Thresholds(0.5, 0.6)
    assert _moved(app) == moved_at_valid


@pytest.mark.parametrize(("source", "expected"), [("Same as the champion", EDITED),
                                                  ("The defaults", DEFAULT_ASSUMPTIONS)])
def test_assumption_choices_give_the_challenger_the_right_assumptions(app, source, expected) -> None:
    open_page(app, PAGE)
    app.session_state[ui.SCENARIO_KEY] = replace(app.session_state[ui.SCENARIO_KEY], assumptions=EDITED)  # the champion's assumptions, as the Money page sets them
    app.radio(key="compare_source").set_value(source).run()
    assert not app.exception and not app.error
    assert app.session_state[ui.CHALLENGER_KEY].assumptions == expected
    assert (_moved(app) == 0) == (expected == EDITED)  # the legal capacity moves borrowers


def test_edit_shows_the_assumptions_editor(app) -> None:
    open_page(app, PAGE)
    app.radio(key="compare_source").set_value("Edit").run()
    assert not app.exception and not app.error
    editor = next(table.value for table in app.dataframe if "Cost_per_account" in table.value.columns)
    assert editor["Cost_per_account"].tolist() == [25.0, 800.0, 6000.0]


def test_the_challenger_survives_a_visit_to_another_page(app) -> None:
    open_page(app, PAGE)
    app.radio(key="compare_method").set_value("study").run()
    app.slider(key="compare_high").set_value(0.9).run()
    moved = _moved(app)
    app.switch_page("pages/strategy.py").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.radio(key="compare_method").value == "study" and app.slider(key="compare_high").value == 0.9
    assert _moved(app) == moved


def test_promote_makes_the_challenger_the_champion(app) -> None:
    open_page(app, PAGE)
    app.session_state[ui.SCENARIO_KEY] = replace(app.session_state[ui.SCENARIO_KEY], assumptions=EDITED)  # the champion's; the challenger keeps the defaults
    app.radio(key="compare_method").set_value("study").run()
    app.slider(key="compare_low").set_value(0.3).run()
    app.slider(key="compare_high").set_value(0.6).run()
    assert _moved(app) > 0
    app.button(key="compare_promote").click().run()
    assert not app.exception
    assert app.session_state[ui.SCENARIO_KEY].method == "study"
    assert app.session_state[ui.METHOD_WIDGET_KEY] == "study"
    assert (app.session_state[ui.SCENARIO_KEY].thresholds.low, app.session_state[ui.SCENARIO_KEY].thresholds.high) == (0.3, 0.6)
    assert app.session_state[ui.SCENARIO_KEY].assumptions == DEFAULT_ASSUMPTIONS
    assert app.query_params["method"] in ("study", ["study"])
    assert _moved(app) == 0  # champion and challenger are now the same scenario
    assert app.button(key="compare_promote").disabled
    audit = store.read_audit(store.open_store(os.environ[store.DB_URL_VARIABLE]))
    assert audit[["user_name", "event", "subject"]].values.tolist() == [
        ["local", store.APPLIED_SCENARIO, "challenger made champion: Study method, thresholds 0.30 / 0.60"]]
