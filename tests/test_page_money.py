"""AppTest: the Money & thresholds page follows the assumptions editor, refuses bad values and applies the best
thresholds.

AppTest cannot type into a data editor; a keyed editor's cell edits are given as its edit state in session
state before a run, the form in which the browser sends them.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import open_page, parse_figure

from slrs import ui
from slrs.formatting import format_kpi
from slrs.money import DEFAULT_ASSUMPTIONS
from slrs.strategy import LEGAL, SETTLEMENT, SHORT_STRATEGY

PAGE = "pages/money.py"
LEGAL_ROW = 2  # the editor's rows: reminders, settlement, legal


def _edit(app, changes: dict[int, dict[str, object]]) -> None:
    """Run with ``changes`` ({row: {column: value}}) as the editor's edits, as the browser would send them."""
    app.session_state[app.data_editor[0].key] = {"edited_rows": changes, "added_rows": [], "deleted_rows": []}
    app.run()


def _metric(app, label: str) -> float:
    return parse_figure(next(metric.value for metric in app.metric if metric.label == label))


def _net(app) -> float:
    """The plan's expected net recovery, exact (the table's Total row; the metric above it is abbreviated)."""
    return float(_summary(app).loc["Total", "Expected net recovery"])


def _summary(app) -> pd.DataFrame:
    """The plan summary table (the one with capacity fallbacks) by strategy, with its Total row."""
    return next(table.value for table in app.dataframe if "Moved by a capacity" in table.value.columns).set_index(
        "Action")


def test_the_page_shows_the_editor_the_plan_the_heatmap_and_the_frontier(app) -> None:
    open_page(app, PAGE)
    assert not app.exception and not app.main.error
    assert [editor.key for editor in app.data_editor] == [ui.ASSUMPTIONS_EDITOR_KEY]
    assert app.data_editor[0].value["Cost_per_account"].tolist() == [25.0, 800.0, 6000.0]
    assert len(app.get("plotly_chart")) == 2  # the sweep heatmap and the efficient frontier
    summary = _summary(app)
    assert summary.loc["Total", "Borrowers"] == 5_000
    assert _net(app) == pytest.approx(summary.loc["Total", "Expected net recovery"],
                                                                  rel=5e-3)
    assert _metric(app, "Legal cases") == summary.loc[SHORT_STRATEGY[LEGAL], "Borrowers"]
    assert _metric(app, "Accounts moved by a capacity") == 0
    assert any(caption.value.startswith("Costs and recovery: the defaults.") for caption in app.sidebar.caption)
    # On the sample, the study's thresholds are the best pair of the grid under the default assumptions.
    assert any("are the best pair on the grid" in message.value for message in app.success)
    assert app.button(key="money_apply_best").disabled


def test_editing_a_cost_changes_the_net_recovery(app) -> None:
    open_page(app, PAGE)
    net, legal = _net(app), _metric(app, "Legal cases")
    _edit(app, {LEGAL_ROW: {"Cost_per_account": 10_000}})
    assert not app.exception and not app.main.error
    assert app.session_state[ui.SCENARIO_KEY].assumptions.legal.cost == 10_000
    assert _net(app) == pytest.approx(net - 4_000 * legal, abs=1)


def test_a_capacity_limits_the_legal_cases_and_moves_the_rest(app) -> None:
    open_page(app, PAGE)
    legal = _metric(app, "Legal cases")
    _edit(app, {LEGAL_ROW: {"Capacity": 100}})
    assert not app.exception and not app.main.error
    assert _metric(app, "Legal cases") == 100
    assert _metric(app, "Accounts moved by a capacity") == legal - 100
    summary = _summary(app)  # moved accounts count under the action they got
    assert summary.loc[SHORT_STRATEGY[LEGAL], "Moved by a capacity"] == 0
    assert summary.loc[SHORT_STRATEGY[SETTLEMENT], "Moved by a capacity"] == legal - 100
    assert any("your own; capacity: legal at most 100" in caption.value for caption in app.sidebar.caption)


@pytest.mark.parametrize(("changes", "words"), [
    ({LEGAL_ROW: {"Cost_per_account": -5}}, "aggressive recovery\\, cost per account\\: cost \\-5\\.0"),
    ({1: {"Share_Very_high": 1.5}}, "repayment plans\\, recovered shares\\: recovered shares"),
    ({0: {"Capacity": 10}}, "capacity 10 should be empty"),
    ({LEGAL_ROW: {"Cost_per_account": None}}, "aggressive recovery\\, cost per account\\: cost None"),
])
def test_an_invalid_value_shows_the_error_and_keeps_the_last_valid_assumptions(app, changes, words) -> None:
    open_page(app, PAGE)
    _edit(app, {LEGAL_ROW: {"Cost_per_account": 7_000}})
    valid, net = app.session_state[ui.SCENARIO_KEY].assumptions, _net(app)
    assert valid.legal.cost == 7_000
    edits = {LEGAL_ROW: {"Cost_per_account": 7_000}}  # the browser sends every edit so far, the valid one too
    for row, cells in changes.items():
        edits[row] = {**edits.get(row, {}), **cells}
    _edit(app, edits)
    assert not app.exception
    errors = [error.value for error in app.main.error]
    assert len(errors) == 1 and words in errors[0] and "last valid assumptions stay in use" in errors[0]
    assert app.session_state[ui.SCENARIO_KEY].assumptions == valid
    assert _net(app) == net


def test_reset_restores_the_defaults_and_a_fresh_editor(app) -> None:
    open_page(app, PAGE)
    net = _net(app)
    _edit(app, {LEGAL_ROW: {"Cost_per_account": 9_000, "Capacity": 50}})
    assert _net(app) != net
    app.button(key="money_reset").click().run()
    assert not app.exception and not app.main.error
    assert app.session_state[ui.SCENARIO_KEY].assumptions == DEFAULT_ASSUMPTIONS
    # A new editor key: the browser's old cell edits cannot come back on the next rerun.
    assert [editor.key for editor in app.data_editor] == [f"{ui.ASSUMPTIONS_EDITOR_KEY}_1"]
    assert app.data_editor[0].value["Cost_per_account"].tolist() == [25.0, 800.0, 6000.0]
    app.run()
    assert _net(app) == net


def test_apply_best_sets_the_thresholds_everywhere(app) -> None:
    app.query_params["low"], app.query_params["high"] = "0.3", "0.6"
    open_page(app, PAGE)
    net = _net(app)
    button = app.button(key="money_apply_best")
    assert not button.disabled and button.label == "Apply the best thresholds (0.50 / 0.75)"
    gain_text = next(text.value for text in app.markdown if "more after costs than your thresholds" in text.value)
    app.session_state[ui.STRATEGY_LOW_SLIDER] = 0.3  # as if the Strategy page's slider had just been drawn
    button.click().run()
    assert not app.exception
    assert (app.session_state[ui.SCENARIO_KEY].thresholds.low, app.session_state[ui.SCENARIO_KEY].thresholds.high) == (0.5, 0.75)
    assert app.session_state[ui.STRATEGY_LOW_SLIDER] == 0.5 and ui.STRATEGY_HIGH_SLIDER not in app.session_state
    assert (app.query_params["low"], app.query_params["high"]) in [("0.5", "0.75"), (["0.5"], ["0.75"])]
    assert any("legal above 0.75, settlement from 0.50" in caption.value for caption in app.sidebar.caption)
    gain = _net(app) - net
    assert gain > 0 and f"**{gain:,.0f}**" in gain_text.replace("\\", "")
    assert app.button(key="money_apply_best").disabled


def test_the_strategy_page_follows_the_plan_of_the_money_page(app) -> None:
    open_page(app, PAGE)
    _edit(app, {LEGAL_ROW: {"Capacity": 100}})
    plan = _summary(app).drop(index="Total")
    app.switch_page("pages/strategy.py").run()
    assert not app.exception
    strategy_table = next(table.value for table in app.dataframe if "Share of borrowers" in table.value.columns)
    assert strategy_table.set_index("Action").loc[SHORT_STRATEGY[LEGAL], "Borrowers"] == 100  # the capacity applies there too
    nets = [metric.value for metric in app.metric if metric.label == "Expected net recovery"]
    assert nets == [format_kpi(value) for value in plan["Expected net recovery"]]
    comparison = next(table.value for table in app.dataframe if "Yours" in table.value.columns)
    assert (comparison["Change"] == 0).all()  # both sides of "vs defaults" under the same capacity


def test_the_study_method_is_flagged_as_for_comparison_only(app) -> None:
    app.query_params["method"] = "study"
    open_page(app, PAGE)
    assert not app.exception
    assert any("for comparison only" in warning.value for warning in app.warning)
    assert len(app.get("plotly_chart")) == 2
