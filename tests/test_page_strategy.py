"""AppTest: the Strategy page follows the threshold sliders, refuses low >= high and restores a shared link.

Note: AppTest (Streamlit 1.67) runs app.py only on the first run; later runs execute the page alone, so the
sidebar can be checked on the first run only. The page reads everything from session state, so it is
unaffected.
"""

from __future__ import annotations

import pandas as pd
from conftest import open_page

from slrs import ui
from slrs.strategy import LEGAL, SHORT_STRATEGY

PAGE = "pages/strategy.py"


def _summary(app) -> pd.DataFrame:
    """The per-strategy table (the one with a share column)."""
    return next(table.value for table in app.dataframe if "Share of borrowers" in table.value.columns)


def _legal(app) -> int:
    return int(_summary(app).set_index("Action").loc[SHORT_STRATEGY[LEGAL], "Borrowers"])



def test_lowering_the_high_threshold_sends_more_borrowers_to_legal(app) -> None:
    open_page(app, PAGE)
    assert not app.exception
    assert len(app.get("plotly_chart")) == 2  # risk histogram and segment x action matrix
    legal_before = _legal(app)
    app.slider(key="strategy_high").set_value(0.6).run()
    assert not app.exception and not app.error
    assert _legal(app) > legal_before
    assert _summary(app).set_index("Action").loc["Total", "Borrowers"] == 5_000
    assert (app.session_state[ui.SCENARIO_KEY].thresholds.low, app.session_state[ui.SCENARIO_KEY].thresholds.high) == (0.5, 0.6)
    assert (app.query_params["low"], app.query_params["high"]) in [("0.5", "0.6"), (["0.5"], ["0.6"])]
    comparison = next(table.value for table in app.dataframe if "Yours" in table.value.columns).set_index("Action")
    assert comparison.loc[SHORT_STRATEGY[LEGAL], "Change"] == _legal(app) - legal_before


def test_low_at_or_above_high_is_refused_and_the_last_valid_thresholds_stay(app) -> None:
    open_page(app, PAGE)
    app.slider(key="strategy_high").set_value(0.7).run()
    legal_at_valid = _legal(app)
    app.slider(key="strategy_low").set_value(0.8).run()
    assert not app.exception
    assert any("The low threshold must be below the high threshold" in error.value for error in app.main.error)
    assert (app.session_state[ui.SCENARIO_KEY].thresholds.low, app.session_state[ui.SCENARIO_KEY].thresholds.high) == (0.5, 0.7)
    assert _legal(app) == legal_at_valid
    app.button(key="strategy_reset").click().run()
    assert not app.main.error
    assert (app.slider(key="strategy_low").value, app.slider(key="strategy_high").value) == (0.5, 0.75)


def test_a_shared_link_restores_the_thresholds(app) -> None:
    app.query_params["low"], app.query_params["high"] = "0.3", "0.6"
    app.run()
    assert any("legal above 0.60, settlement from 0.30" in caption.value for caption in app.sidebar.caption)
    app.switch_page(PAGE).run()
    assert not app.exception
    assert (app.slider(key="strategy_low").value, app.slider(key="strategy_high").value) == (0.3, 0.6)
    assert any("0.30 / 0.60" in heading.value for heading in app.subheader)
