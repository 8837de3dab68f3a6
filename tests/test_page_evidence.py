"""AppTest: the evidence on the portfolio in front of the committee, and readable tables on every page."""

from __future__ import annotations

from conftest import open_page

from slrs.schema import internal_names
from slrs.synth import generate_portfolio

PAGES = ("overview", "portfolio", "explore", "segments", "what_if", "strategy", "money", "compare", "fairness",
         "model", "scenario")


def _upload(app, frame) -> None:
    open_page(app, "pages/portfolio.py")
    app.file_uploader(key="portfolio_upload").set_value(("book.csv", frame.to_csv(index=False).encode(),
                                                         "text/csv")).run()
    assert not app.exception


def _boxes(app) -> list[str]:
    return [box.value for kind in ("success", "error", "warning", "info") for box in getattr(app.main, kind)]


def test_a_labelled_upload_gets_its_own_analysis_on_the_model_page_and_the_verdict_on_the_overview(app) -> None:
    _upload(app, generate_portfolio(800, seed=4))
    app.switch_page("pages/overview.py").run()
    summary = " ".join(_boxes(app))
    assert "**Verdict on this portfolio:** The scores tell loans apart on this portfolio" in summary
    assert "800 known outcomes" in summary and "validation gates pass" in summary
    app.switch_page("pages/model.py").run()
    assert not app.exception
    assert "On this portfolio: its own known outcomes" in [header.value for header in app.header]
    gains = next(table.value for table in app.dataframe if "Decile" in table.value.columns)
    assert len(gains) == 10 and gains["Accounts"].sum() == 800
    labels = {metric.label for metric in app.metric}
    assert {"ROC AUC", "Gini", "KS", "Brier score", "Calibration error"} <= labels
    gates = next(table.value for table in app.dataframe if "Gate" in table.value.columns)
    assert list(gates["Status"].unique()) and set(gates["Status"]) <= {"Pass", "Fail", "Not checked"}


def test_outcomes_that_carry_no_signal_are_called_no_better_than_chance_first(app) -> None:
    frame = generate_portfolio(800, seed=4)
    frame["Recovery_Status"] = frame["Recovery_Status"].sample(frac=1, random_state=1).to_numpy()
    _upload(app, frame)
    app.switch_page("pages/overview.py").run()
    errors = [box.value for box in app.main.error]
    assert any("No better than chance on this portfolio" in text for text in errors)


def test_no_table_header_is_an_internal_column_name_on_any_page(app) -> None:
    internal = set(internal_names())
    app.run()
    for page in PAGES:
        app.switch_page(f"pages/{page}.py").run()
        assert not app.exception, page
        for table in app.dataframe:
            headers = {str(name) for name in table.value.columns}
            assert not headers & internal, f"{page}: {sorted(headers & internal)}"


def test_every_page_works_with_the_scorecard_method(app) -> None:
    app.query_params["method"] = "scorecard"
    app.run()
    assert app.sidebar.radio(key="sidebar_method").value == "scorecard"
    for page in PAGES:
        app.switch_page(f"pages/{page}.py").run()
        assert not app.exception, page
        assert app.sidebar.radio(key="sidebar_method").value == "scorecard", page
