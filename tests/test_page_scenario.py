"""AppTest: the Scenario & report page (the scenario in words, JSON download, upload, links that restore it)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import open_page
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from slrs import pipeline, ui
from slrs.findings import STUDY_METHOD_TEXT
from slrs.money import DEFAULT_ASSUMPTIONS, ActionTerms, Assumptions
from slrs.portfolio import escape_markdown
from slrs.scenario import DecisionScenario, scenario_to_json, scenario_to_query
from slrs.strategy import Thresholds
from slrs.whatif import Scenario

PAGE = "pages/scenario.py"
LINKED = DecisionScenario("study", Thresholds(0.35, 0.7),
                          Assumptions(legal=ActionTerms(5500.0, (0.9, 0.8, 0.7, 0.6), 100)),
                          Scenario("BRW_7", {"Num_Missed_Payments": 9}))
UPLOADED_YAML = b"""method: study
thresholds: {low: 0.3, high: 0.6}
assumptions:
  legal: {cost: 5000, capacity: 10}
"""


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes behind every download button of the runs, by the button's URL (AppTest keeps only the URL)."""
    files: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None) -> str:
            file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
            files[self.get_url(file_id)] = self.get_file(file_id).content
            return file_id

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recording)
    return files


def _download(app, downloads: dict[str, bytes]) -> str:
    return downloads[app.get("download_button")[0].proto.url].decode("utf-8")


def _state(app) -> tuple:
    state = app.session_state
    scenario = state[ui.SCENARIO_KEY]
    return scenario.method, scenario.thresholds, scenario.assumptions


def _upload(app, name: str, data: bytes):
    return app.file_uploader(key=ui.SCENARIO_UPLOAD_KEY).set_value((name, data, "application/octet-stream")).run()


def _sidebar_thresholds(app) -> str:
    return next(caption.value for caption in app.sidebar.caption if caption.value.startswith("Thresholds:"))


def test_the_page_shows_the_scenario_and_downloads_it_as_json(app, downloads: dict[str, bytes]) -> None:
    open_page(app, PAGE)
    assert not app.exception and not app.error
    described = app.markdown[1].value
    assert "Risk method" in described and "the defaults" in described and "no borrower chosen" in described
    assert app.dataframe[0].value["Action"].tolist() == ["Automated reminders & routine monitoring",
                                                         "Settlement offers & flexible repayment plans",
                                                         "Immediate legal notices & aggressive recovery"]
    assert app.get("download_button")[0].proto.label == "Download the scenario (JSON file)"
    assert _download(app, downloads) == scenario_to_json(DecisionScenario(*_state(app)))


def test_a_link_restores_the_same_scenario(app, downloads: dict[str, bytes]) -> None:
    app.query_params.update(scenario_to_query(LINKED))
    app.run()
    assert "legal above 0.70, settlement from 0.35" in _sidebar_thresholds(app)
    assert app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).value == "study"
    app.switch_page(PAGE).run()
    assert not app.exception
    # Nothing dropped: the only warnings are the study method's and its failed calibration gate (the banner).
    assert f"Check before use: {STUDY_METHOD_TEXT}" in app.warning[0].value and len(app.warning) == 1
    assert _state(app) == ("study", LINKED.thresholds, LINKED.assumptions)
    assert _download(app, downloads) == scenario_to_json(LINKED)  # the borrower comes from the link too
    assert escape_markdown("Legal cost per account 6,000 -> 5,500") in app.markdown[1].value


def test_uploading_a_scenario_restores_it_once(app) -> None:
    app.query_params["borrower"] = "BRW_3"
    open_page(app, PAGE)
    _upload(app, "committee.yaml", UPLOADED_YAML)
    assert not app.exception and not app.error
    legal = ActionTerms(5000.0, DEFAULT_ASSUMPTIONS.legal.shares, 10)
    assert _state(app) == ("study", Thresholds(0.3, 0.6), Assumptions(legal=legal))
    assert "legal above 0.60, settlement from 0.30" in _sidebar_thresholds(app)
    assert app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).value == "study"
    assert {name: app.query_params[name] for name in ("method", "low", "high", "cost.legal", "cap.legal")} in [
        {"method": "study", "low": "0.3", "high": "0.6", "cost.legal": "5000", "cap.legal": "10"},
        {"method": ["study"], "low": ["0.3"], "high": ["0.6"], "cost.legal": ["5000"], "cap.legal": ["10"]}]
    assert any(escape_markdown("Loaded committee.yaml") in success.value for success in app.success)
    assert "borrower" not in app.query_params  # the file names no borrower: the link's is gone
    # The file stays in the uploader; a later change must not be undone by loading it again.
    app.session_state[ui.SCENARIO_KEY] = replace(app.session_state[ui.SCENARIO_KEY], thresholds=Thresholds(0.2, 0.6))
    app.run()
    assert app.session_state[ui.SCENARIO_KEY].thresholds.low == 0.2


@pytest.mark.parametrize(("name", "data", "message"), [
    ("broken.json", b'{"method": "study",', "is not valid JSON"),
    ("shares.yaml", b"method: study\nassumptions:\n  legal:\n    shares: [1.5, 0.5, 0.5, 0.5]\n",
     "assumptions.legal.shares: recovered shares"),
    ("types.json", b'{"thresholds": {"low": "abc"}, "colour": "red"}', "thresholds.low: 'abc' should be a number"),
])
def test_a_broken_file_shows_the_problem_and_changes_nothing(app, name: str, data: bytes, message: str) -> None:
    open_page(app, PAGE)
    before = _state(app)
    _upload(app, name, data)
    assert not app.exception
    assert len(app.error) == 1 and "could not be loaded, so nothing changed" in app.error[0].value
    assert escape_markdown(message) in app.error[0].value
    assert _state(app) == before and "cost.legal" not in app.query_params


def test_bad_link_values_are_dropped_with_a_warning(app) -> None:
    app.query_params.update({"cost.legal": "-5", "cap.legal": "12", "low": "0.9", "high": "0.2"})
    open_page(app, PAGE)
    assert not app.exception
    assert _state(app)[1:] == (Thresholds(0.5, 0.75), Assumptions(legal=ActionTerms(6000.0, (0.88, 0.8, 0.66, 0.52),
                                                                                     12)))
    assert any("could not be used and was ignored" in warning.value for warning in app.warning)
    ignored = "\n".join(text.value for text in app.text)
    assert "cost.legal ignored" in ignored and "low='0.9', high='0.2' ignored" in ignored


def test_a_restored_borrower_refills_the_what_if_page(app) -> None:
    open_page(app, "pages/what_if.py")
    typical = app.text_input(key="what_if_borrower").value
    app.switch_page(PAGE).run()
    scenario = DecisionScenario(borrower=Scenario("BRW_7", {"Num_Missed_Payments": 9}))
    _upload(app, "borrower.json", scenario_to_json(scenario).encode())
    assert not app.exception and not app.error
    app.switch_page("pages/what_if.py").run()
    assert not app.exception and typical != "BRW_7"
    assert app.text_input(key="what_if_borrower").value == "BRW_7"
    assert app.number_input(key="what_if_input_Num_Missed_Payments").value == 9
    assert json.loads(scenario_to_json(scenario))["borrower"] == {"id": "BRW_7", "edits": {"Num_Missed_Payments": 9}}


def test_the_url_holds_the_scenario_again_after_a_page_change(app) -> None:
    app.query_params.update(scenario_to_query(LINKED))
    app.run()
    app.query_params.clear()  # what the browser does on every page change
    app.switch_page(PAGE).run()
    assert not app.exception
    assert {name: app.query_params[name] for name in app.query_params} in [
        scenario_to_query(LINKED), {name: [value] for name, value in scenario_to_query(LINKED).items()}]


def test_the_committee_pack_is_offered_and_holds_the_app_numbers(app, bundle) -> None:
    open_page(app, "pages/money.py")
    net = next(metric.value for metric in app.metric if metric.label.startswith("Expected net recovery"))
    app.switch_page(PAGE).run()
    labels = [button.proto.label for button in app.get("download_button")]
    assert "Download the committee pack (HTML)" in labels  # built on click only (the browser test downloads it)
    # The pack the button builds, from this session's portfolio and scenario:
    scenario = DecisionScenario(*_state(app))
    portfolio = app.session_state[ui.PORTFOLIO_KEY]
    pack = pipeline.pack(pipeline.decide(portfolio, bundle, scenario),
                         pipeline.decide(portfolio, bundle, DecisionScenario(scenario.method)), bundle)
    assert net in pack
