"""AppTest: the Fairness page on the bundled sample follows the attribute selector and the active thresholds."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from conftest import open_page

from slrs import ui
from slrs.fairness import ADVERSE_NOTE, LESS_OFTEN, MORE_OFTEN, NOT_GIVEN, TOO_FEW
from slrs.strategy import LEGAL, SHORT_STRATEGY, Thresholds
from slrs.synth import generate_portfolio

PAGE = "pages/fairness.py"
SELECTOR = "fairness_attribute"


def _table(app) -> pd.DataFrame:
    return next(table.value for table in app.dataframe if "Overall rate" in table.value.columns)


def _groups(app) -> list[str]:
    return list(dict.fromkeys(_table(app)["Group"]))


def _flagged_rows(app) -> int:
    return int(_table(app)["Flag"].isin([MORE_OFTEN, LESS_OFTEN]).sum())


def test_fairness_renders_the_sample_with_chart_table_and_a_verdict(app) -> None:
    open_page(app, PAGE)
    assert not app.exception and not app.error
    assert app.title[0].value == "Fairness of actions"
    charts = app.get("plotly_chart")
    assert len(charts) == 1 and "limit 1.25x" in charts[0].proto.spec and "limit 0.8x" in charts[0].proto.spec
    assert app.segmented_control(key=SELECTOR).value == "Gender"
    assert _groups(app) == ["Male", "Female"]
    assert _table(app)["Borrowers"].groupby(_table(app)["Group"]).first().sum() == 5_000
    # One warning per flagged row of the table, or a success when there is none.
    assert len(app.warning) == _flagged_rows(app)
    assert len(app.success) == (1 if _flagged_rows(app) == 0 else 0)
    assert any("among 5,000 scored borrowers" in caption.value for caption in app.caption)


def test_switching_the_attribute_changes_the_groups_and_the_flags(app) -> None:
    open_page(app, PAGE)
    app.segmented_control(key=SELECTOR).set_value("Employment_Type").run()
    assert not app.exception
    assert _groups(app) == ["Salaried", "Self-Employed", "Business Owner"]
    # On the sample, self-employed borrowers get legal action far more often than borrowers overall.
    table = _table(app).set_index(["Group", "Action"])
    assert table.loc[("Self-Employed", SHORT_STRATEGY[LEGAL]), "Flag"] == MORE_OFTEN
    warnings = [warning.value for warning in app.warning]
    assert len(warnings) == _flagged_rows(app) > 0 and not app.success
    assert warnings[0].startswith("Legal action: Self-Employed borrowers") and warnings[0].endswith(ADVERSE_NOTE)

    app.segmented_control(key=SELECTOR).set_value("Age band").run()
    assert _groups(app) == ["Under 30", "30-44", "45-59", "60 and over"]


def test_changing_the_thresholds_changes_the_rates(app) -> None:
    open_page(app, PAGE)
    legal_before = _table(app).set_index(["Group", "Action"]).loc[("Female", SHORT_STRATEGY[LEGAL]), "Overall rate"]
    app.session_state[ui.SCENARIO_KEY] = replace(app.session_state[ui.SCENARIO_KEY], thresholds=Thresholds(0.3, 0.6))
    app.run()
    assert not app.exception
    assert any("thresholds 0.30 / 0.60" in caption.value for caption in app.caption)
    legal_after = _table(app).set_index(["Group", "Action"]).loc[("Female", SHORT_STRATEGY[LEGAL]), "Overall rate"]
    assert legal_after > legal_before


def test_an_upload_without_gender_says_there_is_nothing_to_compare(app) -> None:
    upload = generate_portfolio(200, seed=3).drop(columns="Gender").to_csv(index=False).encode()
    open_page(app, "pages/portfolio.py")
    app.file_uploader(key=ui.UPLOAD_KEY).set_value(("no_gender.csv", upload, "text/csv")).run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert _groups(app) == [NOT_GIVEN]
    assert any("gives no borrower's gender" in info.value for info in app.info)
    assert not app.success and not app.warning
    app.segmented_control(key=SELECTOR).set_value("Age band").run()
    table = _table(app)
    small = table.loc[table["Borrowers"] < 30, "Group"].unique()
    assert len(small) > 0 and set(table.loc[table["Group"].isin(small), "Flag"]) == {TOO_FEW}
    assert any(f"{len(small)} group(s) by age band have fewer than 30" in info.value for info in app.info)
