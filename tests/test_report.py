"""The committee pack: self-contained HTML with the app's own numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from slrs import money, pipeline
from slrs.formatting import format_amount
from slrs.portfolio import build_view, load_portfolio
from slrs.report import FINDINGS_TITLE
from slrs.scenario import DecisionScenario
from slrs.strategy import Thresholds
from slrs.synth import generate_portfolio
from slrs.whatif import Scenario

SCENARIO = DecisionScenario("outcome", Thresholds(0.4, 0.8), money.Assumptions(
    legal=money.ActionTerms(5000.0, (0.88, 0.8, 0.66, 0.52), capacity=20)), Scenario("BRW_1", {"Num_Missed_Payments": 2}))


@pytest.fixture(scope="module")
def portfolio():
    frame = generate_portfolio(400, seed=3)
    frame.loc[0, "Borrower_ID"] = "<script>alert(1)</script>"
    return load_portfolio(frame.to_csv(index=False).encode(), "<b>book</b>.csv")


@pytest.fixture(scope="module")
def pack(portfolio, bundle) -> str:
    return _pack(portfolio, bundle, DecisionScenario("study"))


def _pack(portfolio, bundle, challenger: DecisionScenario) -> str:
    return pipeline.pack(pipeline.decide(portfolio, bundle, SCENARIO), pipeline.decide(portfolio, bundle, challenger),
                         bundle, created=datetime(2026, 11, 24, tzinfo=UTC))


def test_pack_has_every_section_in_order(pack: str) -> None:
    titles = (FINDINGS_TITLE, "1. The portfolio and the plan", "2. Evidence on this portfolio: its own known outcomes",
              "3. The scenario and its assumptions", "4. Champion against challenger",
              "5. The model card (held out, on the training data)", "6. Stability against the training data",
              "7. Fairness of actions", "8. What this pack was made from")
    positions = [pack.index(f"<h2>{title}</h2>") for title in titles]
    assert positions == sorted(positions)


def test_pack_loads_nothing_from_the_network(pack: str) -> None:
    assert not re.search(r"<script[^>]+src=", pack)
    assert not re.search(r"<link[^>]+href=", pack)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", pack)
    assert pack.count("<script") >= 2  # the inlined Plotly library, then the charts that use it
    assert len(re.findall(r'class="plotly-graph-div"', pack)) >= 8


def test_pack_inlines_plotly_once(pack: str) -> None:
    assert pack.count("plotly.js v") <= 2  # the library's banner comment(s), from one inlined copy


def test_pack_escapes_user_text(pack: str) -> None:
    assert "<b>book</b>" not in pack and "&lt;b&gt;book&lt;/b&gt;" in pack
    assert "<script>alert(1)</script>" not in pack


def test_pack_shows_the_plan_numbers_the_app_shows(portfolio, bundle, pack: str) -> None:
    view = build_view(portfolio, bundle, "outcome")
    plan = money.plan_actions(view["Risk_Score"].to_numpy(), view["Outstanding_Loan_Amount"].to_numpy(),
                              SCENARIO.thresholds, SCENARIO.assumptions)
    totals = money.plan_totals(plan)
    assert format_amount(totals["Expected_Net_Recovery"]) in pack
    assert format_amount(totals["Action_Cost"]) in pack
    assert totals["legal_accounts"] == 20  # the capacity holds
    sweep = money.sweep_thresholds(view["Risk_Score"].to_numpy(), view["Outstanding_Loan_Amount"].to_numpy(),
                                   SCENARIO.assumptions, money.threshold_grid())
    best = money.best_thresholds(sweep)
    assert f"{best.low:.2f} / {best.high:.2f}" in pack


def test_pack_states_the_scenario_and_its_assumptions(pack: str) -> None:
    assert "legal action above 0.80, settlement from 0.40" in pack
    assert "BRW_1" in pack and "missed payments 2" in pack
    assert ">5,000<" in pack and ">20<" in pack and "no limit" in pack


def test_pack_shows_held_out_metrics_and_hashes(bundle, portfolio, pack: str) -> None:
    assert f"{bundle.manifest['metrics']['outcome']['roc_auc']:.3f}" in pack
    assert portfolio.digest in pack
    for digest in bundle.manifest["files"].values():
        assert digest in pack


def test_pack_reports_drift_and_fairness(pack: str) -> None:
    assert "Population stability index" in pack
    assert "four-fifths rule" in pack


def test_pack_challenger_defaults_to_the_scenario_itself_when_equal(portfolio, bundle) -> None:
    same = DecisionScenario(SCENARIO.method, SCENARIO.thresholds, SCENARIO.assumptions)
    pack = _pack(portfolio, bundle, same)
    assert "the same assumptions. 0 borrowers would get another action." in pack
