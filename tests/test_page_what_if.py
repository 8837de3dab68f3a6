"""AppTest: the Borrower what-if page (baseline, live edits, reset, the scenario in the URL)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import open_page

from slrs.formatting import format_score
from slrs.io import load_bundle
from slrs.schema import CATEGORICAL_MODEL_FEATURES, MODEL_FEATURES
from slrs.strategy import DEFAULT_THRESHOLDS
from slrs.ui import SAMPLE_PATH
from slrs.whatif import score_scenario

PAGE = "pages/what_if.py"
INPUT = "what_if_input_"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_PATH).set_index("Borrower_ID")


def _metric(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def _inputs(app) -> dict:
    return {name: (app.selectbox if name in CATEGORICAL_MODEL_FEATURES else app.number_input)(key=INPUT + name).value
            for name in MODEL_FEATURES}



def test_choosing_a_borrower_shows_their_row_as_in_the_file(app, sample: pd.DataFrame) -> None:
    open_page(app, PAGE)
    assert not app.exception
    assert _metric(app, "Risk score, as in the file") == _metric(app, "Risk score, edited")
    app.text_input(key="what_if_borrower").input("BRW_7").run()
    assert not app.exception
    row = sample.loc["BRW_7"]
    assert app.number_input(key=INPUT + "Age").value == row["Age"]
    assert app.number_input(key=INPUT + "Monthly_Income").value == pytest.approx(row["Monthly_Income"])
    assert app.selectbox(key=INPUT + "Loan_Type").value == row["Loan_Type"]
    assert app.query_params["borrower"] in ("BRW_7", ["BRW_7"])


def test_more_missed_payments_raise_the_edited_risk_as_the_model_says(app) -> None:
    open_page(app, PAGE)
    baseline = float(_metric(app, "Risk score, as in the file"))
    app.number_input(key=INPUT + "Num_Missed_Payments").set_value(12)
    app.number_input(key=INPUT + "Days_Past_Due").set_value(180).run()
    assert not app.exception
    expected = score_scenario(load_bundle(), _inputs(app), "outcome", DEFAULT_THRESHOLDS)["Risk_Score"]
    assert _metric(app, "Risk score, edited") == format_score(expected)
    assert expected > baseline
    changes = app.dataframe[0].value
    assert changes["Input"].tolist() == ["Missed payments", "Days past due"]


def test_reset_restores_the_baseline(app) -> None:
    open_page(app, PAGE)
    before = _inputs(app)
    app.number_input(key=INPUT + "Num_Missed_Payments").set_value(12)
    app.selectbox(key=INPUT + "Payment_History").set_value("Missed").run()
    assert _inputs(app) != before and any(key.startswith("edit.") for key in app.query_params)
    app.button(key="what_if_reset").click().run()
    assert not app.exception
    assert _inputs(app) == before
    assert _metric(app, "Risk score, edited") == _metric(app, "Risk score, as in the file")
    assert not any(key.startswith("edit.") for key in app.query_params)


def test_a_link_restores_the_scenario_and_ignores_bad_values(app) -> None:
    app.query_params.update({"borrower": "BRW_12", "edit.Num_Missed_Payments": "9", "edit.Age": "999",
                             "edit.Loan_Type": "Spaceship"})
    open_page(app, PAGE)
    assert not app.exception
    assert app.text_input(key="what_if_borrower").value == "BRW_12"
    assert app.number_input(key=INPUT + "Num_Missed_Payments").value == 9
    assert app.number_input(key=INPUT + "Age").value != 999
    assert any("could not be used" in warning.value for warning in app.warning)
    ignored = "\n".join(text.value for text in app.text)
    assert "edit.Age ignored" in ignored and "edit.Loan_Type ignored" in ignored
    assert app.query_params.get("edit.Num_Missed_Payments") in ("9", ["9"]) and "edit.Age" not in app.query_params


def test_an_unknown_borrower_id_says_so_and_keeps_the_current_one(app) -> None:
    open_page(app, PAGE)
    shown = app.text_input(key="what_if_borrower").value
    app.text_input(key="what_if_borrower").input("NOBODY_42").run()
    assert not app.exception
    assert any("No borrower with the ID typed above" in warning.value for warning in app.warning)
    assert shown in [text.value for text in app.text]
    assert app.query_params["borrower"] in (shown, [shown])


# --- reason codes of the edited scenario ---------------------------------------------------------------------


def _waterfall(app) -> tuple[list[str], list[float]]:
    """The reason-code waterfall's step labels and amounts (Plotly may send numbers base64-encoded)."""
    import base64

    import numpy as np
    import plotly.io

    chart = next(chart for chart in app.get("plotly_chart") if chart.key == "what_if_reasons")
    trace = plotly.io.from_json(chart.proto.spec).data[0]
    amounts = trace.x
    if isinstance(amounts, dict) and "bdata" in amounts:
        amounts = np.frombuffer(base64.b64decode(amounts["bdata"]), dtype=amounts["dtype"])
    return list(trace.y), [float(amount) for amount in amounts]


def _sentences(app) -> list[str]:
    text = next(block.value for block in app.markdown if "the risk by" in block.value)
    return [line.removeprefix("- ").replace("\\", "") for line in text.splitlines()]


def test_reason_codes_of_the_edited_scenario_follow_each_edit(app) -> None:
    open_page(app, PAGE)
    assert not app.exception
    steps, amounts = _waterfall(app)
    assert steps[0] == "Base value" and steps[-2] == "Calibration" and steps[-1] == "Risk score"
    assert format_score(amounts[-1]) == _metric(app, "Risk score, edited")
    assert sum(amounts[:-1]) == pytest.approx(amounts[-1], abs=1e-9)
    assert any("calibration" in caption.value and f"= {amounts[-1]:.3f}" in caption.value for caption in app.caption)
    before = _sentences(app)
    assert len(before) == 3
    app.number_input(key=INPUT + "Num_Missed_Payments").set_value(12)
    app.number_input(key=INPUT + "Days_Past_Due").set_value(180).run()
    assert not app.exception
    edited_steps, edited_amounts = _waterfall(app)
    assert "Missed payments: 12" in edited_steps and "Days past due: 180" in edited_steps
    assert format_score(edited_amounts[-1]) == _metric(app, "Risk score, edited") and edited_amounts[-1] > amounts[-1]
    after = _sentences(app)
    assert after != before and any("12 missed payments raise the risk" in sentence for sentence in after)


def test_reason_codes_follow_the_study_method(app) -> None:
    from slrs import ui

    app.run()
    app.sidebar.radio(key=ui.METHOD_WIDGET_KEY).set_value("study").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    steps, amounts = _waterfall(app)
    assert "Calibration" not in steps and len(steps) == 12  # base, the ten segment features, the score
    assert format_score(amounts[-1]) == _metric(app, "Risk score, edited")
    assert any("study's high-risk flag" in caption.value for caption in app.caption)


def test_applying_a_counterfactual_option_moves_the_borrower_to_a_milder_tier(app) -> None:
    app.query_params["borrower"] = "BRW_4"
    open_page(app, PAGE)
    assert not app.exception

    def edited_strategy() -> str:
        return next(metric.value for metric in app.metric if metric.label == "Strategy, edited")

    assert edited_strategy() == "Legal"
    app.button(key="what_if_apply_1").click().run()
    assert not app.exception
    assert edited_strategy() in {"Settlement", "Reminders"}
    assert any("Cure" in text.value or "Add collateral" in text.value or "days past due" in text.value
               for text in app.text)
