"""AppTest: the Explore page on the bundled sample and on an upload without outcomes."""

from __future__ import annotations

from slrs import ui
from slrs.plots import MAX_PLOT_POINTS
from slrs.synth import generate_portfolio

CHARTS = 7  # three distributions, the scatter, two by-group bar charts, the correlation heatmap


def _captions(app) -> list[str]:
    return [caption.value for caption in app.caption]


def test_explore_renders_the_sample_and_filters_every_chart(app) -> None:
    app.run()
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    charts = app.get("plotly_chart")
    assert len(charts) == CHARTS
    assert not any("no outcomes" in info.value for info in app.info)
    assert "Share fully recovered" in charts[4].proto.spec  # outcome rates, not mean risk
    assert "5,000 of 5,000 borrowers match the filters. Empty filters show everyone." in _captions(app)
    assert not any("random sample" in caption for caption in _captions(app))

    app.multiselect(key="explore_loan_types").set_value(["Home"]).run()
    home = app.session_state[ui.PORTFOLIO_KEY].validation.clean["Loan_Type"].eq("Home").sum()
    assert f"{home:,} of 5,000 borrowers match the filters. Empty filters show everyone." in _captions(app)
    assert len(app.get("plotly_chart")) == CHARTS


def test_explore_without_outcomes_shows_mean_risk_and_samples_large_portfolios(app) -> None:
    rows = MAX_PLOT_POINTS + 200
    upload = generate_portfolio(rows, seed=3).drop(columns="Recovery_Status").to_csv(index=False).encode()
    app.run()
    app.switch_page("pages/portfolio.py").run()
    app.file_uploader(key=ui.UPLOAD_KEY).set_value(("no_outcomes.csv", upload, "text/csv")).run()
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    assert any("no outcomes" in info.value for info in app.info)
    charts = app.get("plotly_chart")
    assert len(charts) == CHARTS
    assert "Mean risk score" in charts[4].proto.spec and "Share fully recovered" not in charts[4].proto.spec
    assert f"Showing a random sample of {MAX_PLOT_POINTS:,} of {rows:,} borrowers." in _captions(app)
