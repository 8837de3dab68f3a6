"""AppTest: the Saved scenarios page (save, list, load, compare) and the audit lines it writes."""

from __future__ import annotations

import os

from conftest import open_page

from slrs import store, ui
from slrs.scenario import DecisionScenario, scenario_to_json
from slrs.strategy import Thresholds

PAGE = "pages/saved_scenarios.py"


def _engine():
    return store.open_store(os.environ[store.DB_URL_VARIABLE])


def test_saving_the_scenario_in_use_makes_a_new_version_each_time(app) -> None:
    open_page(app, PAGE)
    assert any("No scenario has been saved yet" in info.value for info in app.info)
    for version in (1, 2):
        app.text_input(key="saved_scenario_name").input("Q3 plan")
        app.button(key="saved_scenario_save").click().run()
        assert not app.exception
        assert app.success[0].value.replace("\\", "") == f"Saved as Q3 plan, version {version}."
    listed = app.dataframe[0].value
    assert listed[["Name", "Version", "Saved by"]].values.tolist() == [["Q3 plan", 2, "local"], ["Q3 plan", 1, "local"]]
    saved = store.load_scenario(_engine(), "Q3 plan", 1)
    assert saved.content == scenario_to_json(DecisionScenario())  # exactly the scenario that was in use


def test_loading_a_saved_scenario_uses_it_everywhere_and_writes_an_audit_line(app) -> None:
    engine = _engine()
    store.save_scenario(engine, "Cautious", scenario_to_json(DecisionScenario("study", Thresholds(0.3, 0.6))), "ana")
    open_page(app, PAGE)
    app.selectbox(key="saved_scenario_choice").select(("Cautious", 1))
    app.button(key="saved_scenario_load").click().run()
    assert not app.exception
    scenario = app.session_state[ui.SCENARIO_KEY]
    assert (scenario.method, scenario.thresholds) == ("study", Thresholds(0.3, 0.6))
    assert "Cautious, version 1, is now in use" in app.success[0].value.replace("\\", "")
    audit = store.read_audit(engine)
    assert audit[["user_name", "event", "subject"]].values.tolist() == [["local", store.APPLIED_SCENARIO,
                                                                         "Cautious version 1"]]


def test_two_saved_scenarios_are_compared_setting_by_setting(app) -> None:
    engine = _engine()
    store.save_scenario(engine, "A", scenario_to_json(DecisionScenario(thresholds=Thresholds(0.3, 0.6))), "ana")
    store.save_scenario(engine, "B", scenario_to_json(DecisionScenario(thresholds=Thresholds(0.3, 0.8))), "ben")
    open_page(app, PAGE)
    app.selectbox(key="saved_compare_first").select(("A", 1))
    app.selectbox(key="saved_compare_second").select(("B", 1)).run()
    differences = app.dataframe[-1].value
    assert differences.values.tolist() == [["thresholds.high", "0.6", "0.8"]]
    app.selectbox(key="saved_compare_second").select(("A", 1)).run()
    assert any("hold the same settings" in success.value for success in app.success)


class SignedIn(dict):
    """``st.user`` of an app behind a login (its fields read with ``get``, as Streamlit's own object allows)."""


def test_a_signed_in_user_is_named_as_the_author_and_in_the_audit_trail(app, monkeypatch) -> None:
    monkeypatch.setattr("streamlit.user", SignedIn(is_logged_in=True, name="Ana Silva", email="ana@bank.example"))
    open_page(app, PAGE)
    app.text_input(key="saved_scenario_name").input("Signed plan")
    app.button(key="saved_scenario_save").click().run()
    app.button(key="saved_scenario_load").click().run()
    assert not app.exception
    engine = _engine()
    assert store.list_scenarios(engine)["author"].tolist() == ["Ana Silva"]
    assert store.read_audit(engine)["user_name"].tolist() == ["Ana Silva"]
