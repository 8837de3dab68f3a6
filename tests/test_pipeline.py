"""The one path from a file to a decision: every face (app, CLI, pack) tells the same totals and findings."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import open_page

from slrs import pipeline, ui
from slrs.cli import main as cli_main
from slrs.drift import DriftReport
from slrs.exceptions import ConfigError
from slrs.findings import DRIFT_DETAILS, STUDY_METHOD_TEXT, Finding, gather_findings
from slrs.formatting import format_amount
from slrs.gates import GateResult
from slrs.io import iter_portfolio_bytes, to_csv_bytes
from slrs.money import ActionTerms, Assumptions, plan_summary, plan_totals
from slrs.outcome_analysis import analyse_outcomes
from slrs.report import FINDINGS_TITLE
from slrs.scenario import DecisionScenario, scenario_to_json
from slrs.schema import ISSUES_COLUMN, OUTPUT_COLUMNS, PLAN_AMOUNT_COLUMNS
from slrs.strategy import (
    LEGAL,
    NOT_SCORED,
    REMINDERS,
    SETTLEMENT,
    SHORT_STRATEGY,
    Thresholds,
)
from slrs.synth import generate_portfolio
from slrs.tables import label

UNCAPPED = DecisionScenario("outcome", Thresholds(0.4, 0.7))
CAPPED = replace(UNCAPPED, assumptions=Assumptions(legal=ActionTerms(5000.0, (0.88, 0.8, 0.66, 0.52), capacity=40)))
SCENARIOS = pytest.mark.parametrize("scenario", [UNCAPPED, CAPPED], ids=["no capacity", "legal capacity 40"])


@pytest.fixture(scope="module")
def book() -> bytes:
    """600 generated borrowers; row 3 cannot be scored (no outstanding amount)."""
    frame = generate_portfolio(600, seed=12).astype(str)
    frame.loc[2, "Outstanding_Loan_Amount"] = ""
    return to_csv_bytes(frame)


def _totals(table: pd.DataFrame) -> dict[str, float]:
    """Accounts per action and the money totals of a scored file (``OUTPUT_COLUMNS``)."""
    counts = table["Recovery_Strategy"].value_counts()
    money = {column: round(float(pd.to_numeric(table[column]).sum()), 2) for column in PLAN_AMOUNT_COLUMNS}
    return {**{label: int(counts.get(label, 0)) for label in (REMINDERS, SETTLEMENT, LEGAL, NOT_SCORED)}, **money}


def _summary_totals(summary: pd.DataFrame) -> dict[str, float]:
    """The same from a ``plan_summary`` table (as the app shows it)."""
    rows = summary.set_index("Strategy")
    counts = {label: int(rows.loc[label, "Borrowers"]) if label in rows.index else 0
              for label in (REMINDERS, SETTLEMENT, LEGAL, NOT_SCORED)}
    return {**counts, **{column: round(float(rows.loc["Total", column]), 2) for column in PLAN_AMOUNT_COLUMNS}}


def _cli_output(book: bytes, scenario: DecisionScenario, tmp_path: Path, capsys) -> tuple[pd.DataFrame, str]:
    source, scenario_file, output = tmp_path / "book.csv", tmp_path / "scenario.json", tmp_path / "scored.csv"
    source.write_bytes(book)
    scenario_file.write_text(scenario_to_json(scenario), encoding="utf-8")
    capsys.readouterr()
    assert cli_main(["score", str(source), "--scenario", str(scenario_file), "-o", str(output),
                     "--chunk-rows", "150"]) == 0
    return pd.read_csv(output, dtype=str, keep_default_na=False), capsys.readouterr().err


@SCENARIOS
def test_app_cli_and_pack_give_the_same_totals(app, book: bytes, bundle, scenario: DecisionScenario,
                                               tmp_path: Path, capsys) -> None:
    written, stderr = _cli_output(book, scenario, tmp_path, capsys)
    cli = _totals(written)
    # The app: the file uploaded, the scenario in use, the Money page's plan table.
    open_page(app, "pages/portfolio.py")
    app.file_uploader(key=ui.UPLOAD_KEY).set_value(("book.csv", book, "text/csv")).run()
    app.session_state[ui.SCENARIO_KEY] = scenario
    app.switch_page("pages/money.py").run()
    assert not app.exception
    shown = next(table.value for table in app.dataframe if "Moved by a capacity" in table.value.columns)
    long_names = {short: name for name, short in SHORT_STRATEGY.items()}
    shown = shown.rename(columns={"Action": "Strategy", **{label(name): name for name in PLAN_AMOUNT_COLUMNS}})
    assert _summary_totals(shown.assign(Strategy=shown["Strategy"].map(lambda s: long_names.get(s, s)))) == cli
    # The pack, from the same pipeline.
    decision = pipeline.decide(pipeline.load(book, "book.csv"), bundle, scenario)
    assert _summary_totals(plan_summary(decision.plan)) == cli
    pack = pipeline.pack(decision, pipeline.decide(decision.portfolio, bundle, DecisionScenario()), bundle)
    assert format_amount(cli["Expected_Net_Recovery"]) in pack and format_amount(cli["Expected_Recovered"]) in pack
    assert f"expected recovery: {cli['Expected_Recovered']:,.0f}" in stderr
    assert f"expected net recovery (recovery minus cost): {cli['Expected_Net_Recovery']:,.0f}" in stderr
    if scenario is CAPPED:
        assert cli[LEGAL] == 40


@SCENARIOS
def test_streaming_chunks_gives_the_whole_file_decision_row_for_row(book: bytes, bundle,
                                                                    scenario: DecisionScenario) -> None:
    decision = pipeline.decide(pipeline.load(book, "book.csv"), bundle, scenario)
    whole = pipeline.output_table(decision.portfolio, decision.view, decision.plan)
    tally = pipeline.Tally.of(bundle, scenario.method)
    streamed = pd.concat(pipeline.stream_outputs(iter_portfolio_bytes(book, "book.csv", 150), bundle, scenario,
                                                 "'book.csv'", tally))
    pd.testing.assert_frame_equal(streamed, whole)
    totals, drift, findings = tally.finish(bundle, scenario)
    assert totals == pytest.approx(plan_totals(decision.plan))
    assert drift.table.equals(decision.drift.table) and findings == decision.findings
    assert list(whole.columns[-len(OUTPUT_COLUMNS):]) == list(OUTPUT_COLUMNS)


def test_joined_chunks_give_the_compact_view_of_the_whole_file(book: bytes, bundle) -> None:
    parts = list(pipeline.scored_chunks(iter_portfolio_bytes(book, "book.csv", 150), bundle, "outcome", "'book.csv'"))
    # A streamed chunk is written and dropped: its texts stay plain, not worth compacting.
    assert not any(isinstance(dtype, pd.CategoricalDtype) for _, view in parts for dtype in view.dtypes)
    _, joined = pipeline.join_scored(parts, "'book.csv'")
    whole = pipeline.score(pipeline.load(book, "book.csv"), bundle, "outcome")
    pd.testing.assert_frame_equal(joined, whole)
    assert isinstance(whole[ISSUES_COLUMN].dtype, pd.CategoricalDtype)


def test_a_tally_is_finished_under_the_method_it_counted_drift_for(bundle) -> None:
    with pytest.raises(ConfigError, match="Tally.of"):
        pipeline.Tally.of(bundle, "outcome").finish(bundle, DecisionScenario("study"))


@SCENARIOS
def test_stream_outputs_says_when_every_row_is_tallied_before_the_last_table_is_taken(
        book: bytes, bundle, scenario: DecisionScenario) -> None:
    tally, tallied = pipeline.Tally.of(bundle, scenario.method), threading.Event()
    seen: list[int] = []
    tables = pipeline.stream_outputs(iter_portfolio_bytes(book, "book.csv", 150), bundle, scenario, "'book.csv'",
                                     tally, when_tallied=lambda: seen.append(tally.rows) or tallied.set())
    if scenario is CAPPED:  # a capacity plans every row at once: they are tallied before its one table comes
        assert len(next(tables)) == 600 and seen == [600]
    else:  # four tables of 150 rows: the fourth is computed while the caller still holds the third
        assert [len(next(tables)) for _ in range(3)] == [150] * 3
        assert tallied.wait(timeout=30) and seen == [600]
        assert len(next(tables)) == 150
    assert list(tables) == [] and seen == [600]  # once


def test_findings_name_unscored_rows_and_the_study_method(book: bytes, bundle) -> None:
    decision = pipeline.decide(pipeline.load(book, "book.csv"), bundle, DecisionScenario("study"))
    lines = [finding.line() for finding in decision.findings]
    assert f"Check before use: {STUDY_METHOD_TEXT}" in lines
    assert any("1 of 600 rows could not be scored" in line for line in lines)
    assert [finding.severity for finding in decision.findings] == sorted(
        (finding.severity for finding in decision.findings), key=["critical", "warning", "info"].index)


CHECKED = DriftReport(pd.DataFrame(), None, 500)
UNLABELLED = analyse_outcomes(np.empty(0), np.empty(0))
_RNG = np.random.default_rng(0)
CHANCE = analyse_outcomes(_RNG.integers(0, 2, 1000), _RNG.random(1000))
FAILED_GATE = (GateResult("ROC AUC, at least", "0.600", "0.500", "fail", 0.6, 0.5),)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, []),
    ({"method": "study"}, ["warning"]),
    ({"model_warnings": ["NO SIGNAL"], "n_unscored": 2, "n_rows_with_issues": 5}, ["critical", "warning", "info"]),
    ({"drift": DriftReport(pd.DataFrame(), "Shifted.", 500)}, ["critical"]),
    ({"drift": DriftReport(pd.DataFrame(), None, 0, ("No training reference.",))}, ["info"]),
    ({"analysis": CHANCE, "gates": FAILED_GATE}, ["critical", "warning"]),
    ({"analysis": UNLABELLED, "gates": FAILED_GATE}, []),
])
def test_gather_findings_orders_by_severity(kwargs: dict, expected: list[str]) -> None:
    given = {"n_rows": 10, "n_rows_with_issues": 0, "n_unscored": 0, "method": "outcome", "model_warnings": [],
             "drift": CHECKED, "analysis": UNLABELLED, "gates": (), **kwargs}
    findings = gather_findings(**given)
    assert [finding.severity for finding in findings] == expected
    assert all(isinstance(finding, Finding) for finding in findings)
    if "drift" in kwargs and kwargs["drift"].notes:
        assert findings[0].line() == "Note: Data drift not checked: No training reference."
    if kwargs.get("analysis") is CHANCE:
        assert findings[0].text.startswith("No better than chance on this portfolio")


def test_a_shifted_file_warns_in_the_cli_and_opens_the_pack(bundle, tmp_path: Path, capsys) -> None:
    frame = generate_portfolio(400, seed=5)
    frame["Days_Past_Due"] *= 4  # far longer delays than the models were trained on
    source = tmp_path / "shifted.csv"
    source.write_bytes(to_csv_bytes(frame.astype(str)))
    capsys.readouterr()
    assert cli_main(["score", str(source), "-o", str(tmp_path / "out.csv")]) == 0
    stderr = capsys.readouterr().err
    assert "before you rely on these numbers:" in stderr and DRIFT_DETAILS in stderr
    assert cli_main(["sweep", str(source), "-o", str(tmp_path / "grid.csv")]) == 0
    assert DRIFT_DETAILS in capsys.readouterr().err
    assert cli_main(["report", str(source), "-o", str(tmp_path / "pack.html")]) == 0
    pack = (tmp_path / "pack.html").read_text(encoding="utf-8")
    assert pack.index(f"<h2>{FINDINGS_TITLE}</h2>") < pack.index("<h2>1. The portfolio and the plan</h2>")
    assert pack.index("should not be trusted") < pack.index("<h2>1. The portfolio and the plan</h2>")


def test_output_table_replaces_old_output_columns_and_keeps_the_input_text(book: bytes, bundle) -> None:
    decision = pipeline.decide(pipeline.load(book, "book.csv"), bundle, UNCAPPED)
    once = pipeline.output_table(decision.portfolio, decision.view, decision.plan)
    again = pipeline.decide(pipeline.load(to_csv_bytes(once), "again.csv"), bundle, CAPPED)
    twice = pipeline.output_table(again.portfolio, again.view, again.plan)
    assert list(twice.columns) == list(once.columns)
    original = pd.read_csv(io.BytesIO(book), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(twice[original.columns].astype(str), original, check_dtype=False)
    assert (twice["Recovery_Strategy"] == LEGAL).sum() == 40


def test_scoring_a_file_never_loads_plotly(tmp_path: Path) -> None:
    """The pack's module (and Plotly) is imported when a pack is made (the pack tests make one), not by every
    `slrs score` (0.13 s)."""
    book = tmp_path / "book.csv"
    book.write_bytes(to_csv_bytes(generate_portfolio(50, seed=5)))
    probe = ("import sys\nfrom slrs.cli import main\nmain(['score', sys.argv[1], '-o', sys.argv[2]])\n"
             "assert 'plotly' not in sys.modules and 'slrs.report' not in sys.modules, 'scoring loaded plotly'")
    done = subprocess.run([sys.executable, "-c", probe, str(book), str(tmp_path / "out.csv")],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
