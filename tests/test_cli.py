"""The command line, driven as a user would: through a subprocess."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from slrs import pipeline, store
from slrs.cli import main as cli_main
from slrs.cli_commands import book_digest
from slrs.digest import start_sha256
from slrs.exceptions import SLRSError
from slrs.io import load_bundle, read_scenario_file
from slrs.money import best_thresholds, plan_actions, sweep_thresholds, threshold_grid
from slrs.scenario import read_scenario_text
from slrs.schema import OUTPUT_COLUMNS
from slrs.strategy import LEGAL
from slrs.synth import generate_portfolio

ROOT = Path(__file__).resolve().parent.parent


def run_slrs(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slrs", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=300)


@pytest.fixture(scope="module")
def portfolio_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "book.csv"
    generate_portfolio(120, seed=8).to_csv(path, index=False, lineterminator="\r\n")
    return path


def test_generate_writes_the_requested_rows_deterministically(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run_slrs("generate", "--rows", "25", "--seed", "3", "-o", str(first)).returncode == 0
    run_slrs("generate", "--rows", "25", "--seed", "3", "-o", str(second))
    assert len(pd.read_csv(first)) == 25 and first.read_bytes() == second.read_bytes()


def test_score_writes_inputs_unchanged_plus_score_columns(portfolio_csv: Path, tmp_path: Path) -> None:
    output = tmp_path / "scored.csv"
    result = run_slrs("score", str(portfolio_csv), "-o", str(output), "--chunk-rows", "50")
    assert result.returncode == 0, result.stderr
    original = pd.read_csv(portfolio_csv, dtype=str, keep_default_na=False)
    scored = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(scored.columns) == [*original.columns, *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(scored[original.columns], original)
    assert "scored 120 rows" in result.stderr and "Traceback" not in result.stderr


def test_score_reads_a_csv_through_the_first_pass_it_started_before_the_imports(
        portfolio_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def read_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read a second time")

    monkeypatch.setattr("slrs.io.read_first_pass", read_again)  # the reader's own pass, when none was started
    assert cli_main(["score", str(portfolio_csv), "-o", str(tmp_path / "scored.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "scored.csv")) == 120 and "scored 120 rows" in capsys.readouterr().err
    assert gc.isenabled()  # paused only while the command's code was imported


@pytest.mark.parametrize("as_folder", [False, True])
def test_score_tells_the_models_training_data_by_its_hash(tmp_path: Path, as_folder: bool) -> None:
    """The hash started before the imports (a file) or after them (a folder of one file) finds the training data,
    whose figures then come from held-out scores; a changed copy is a new portfolio."""
    source = ROOT / "data" / "portfolio.csv"
    if as_folder:
        (tmp_path / "book").mkdir()
        source = Path(shutil.copy(source, tmp_path / "book" / "portfolio.csv")).parent
    result = run_slrs("score", str(source), "-o", str(tmp_path / "scored.csv"))
    assert result.returncode == 0, result.stderr
    assert "the models' training data" in result.stdout + result.stderr
    changed = tmp_path / "changed.csv"
    changed.write_bytes((ROOT / "data" / "portfolio.csv").read_bytes() + b"\n")
    result = run_slrs("score", str(changed), "-o", str(tmp_path / "scored_changed.csv"))
    assert result.returncode == 0 and "the models' training data" not in result.stdout + result.stderr


def test_book_digest_is_the_hash_started_for_it_and_says_an_unreadable_file_in_words(tmp_path: Path) -> None:
    started: Future = Future()
    started.set_result("hash started before the imports")
    assert book_digest(started, tmp_path / "book.csv") == "hash started before the imports"
    assert book_digest(None, tmp_path / "book.csv") == ""  # a book of several files
    with pytest.raises(SLRSError, match="cannot read .*missing.csv to compute its sha256"):
        book_digest(start_sha256(tmp_path / "missing.csv"), tmp_path / "missing.csv")


def test_score_to_stdout_with_study_method_and_thresholds(portfolio_csv: Path) -> None:
    result = run_slrs("score", str(portfolio_csv), "--method", "study", "--low", "0.2", "--high", "0.4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 121 and "study method" in result.stderr


def test_score_to_excel(portfolio_csv: Path, tmp_path: Path) -> None:
    output = tmp_path / "scored.xlsx"
    assert run_slrs("score", str(portfolio_csv), "-o", str(output)).returncode == 0
    assert len(pd.read_excel(output)) == 120


def test_score_keeps_broken_rows_and_explains_them(portfolio_csv: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    lines = portfolio_csv.read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[1], "forty", 1)
    broken.write_text("\n".join(lines))
    output = tmp_path / "out.csv"
    assert run_slrs("score", str(broken), "-o", str(output)).returncode == 0
    scored = pd.read_csv(output, keep_default_na=False)
    assert len(scored) == 120 and "Age 'forty' is not a number" in scored.loc[2, "Data_Issues"]


@pytest.mark.parametrize(("args", "message"), [
    (("score", "missing.csv"), "no file at"),
    (("score", "{csv}", "--low", "0.9", "--high", "0.5"), "0 <= low < high <= 1"),
    (("score", "{csv}", "--method", "magic"), "invalid choice"),
    (("score",), "required: input"),
    (("score", "{empty}"), "the file is empty"),
    (("score", "{pdf}"), "expected a CSV file"),
    (("score", "{csv}", "--models", "{tmp}"), "python -m slrs train"),
    (("train", "--data", "{empty}"), "the file is empty"),
    (("train", "--data", "{csv}", "--k", "1"), "k=1"),
])
def test_unusable_input_exits_2_with_a_plain_message(args: tuple[str, ...], message: str, portfolio_csv: Path,
                                                     tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    paths = {"csv": portfolio_csv, "empty": tmp_path / "empty.csv", "pdf": tmp_path / "report.pdf", "tmp": tmp_path}
    result = run_slrs(*(arg.format(**paths) for arg in args))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_train_on_data_without_signal_completes_and_says_so(tmp_path: Path) -> None:
    frame = generate_portfolio(300, seed=2)
    frame["Recovery_Status"] = frame["Recovery_Status"].sample(frac=1.0, random_state=1).to_numpy()
    data = tmp_path / "noise.csv"
    frame.to_csv(data, index=False)
    result = run_slrs("train", "--data", str(data), "--out", str(tmp_path / "models"), "--fast")
    assert result.returncode == 0, result.stderr
    assert "NO SIGNAL" in result.stderr and (tmp_path / "models" / "manifest.json").is_file()


# --- explain: reason codes for one borrower ------------------------------------------------------------------


def test_explain_prints_score_strategy_reasons_and_sentences(portfolio_csv: Path) -> None:
    result = run_slrs("explain", str(portfolio_csv), "--id", "BRW_5")
    assert result.returncode == 0, result.stderr
    expected = pd.read_csv(io.StringIO(run_slrs("score", str(portfolio_csv)).stdout)).set_index("Borrower_ID")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Borrower BRW_5 (row 5 of book.csv), outcome method")
    assert f"Risk score {expected.loc['BRW_5', 'Risk_Score']:.3f}: {expected.loc['BRW_5', 'Recovery_Strategy']}" \
        in result.stdout
    for label in ("Missed payments", "Collateral coverage", "Base value", "Calibration", "Sum (= risk score)"):
        assert label in result.stdout
    assert any(line.startswith("  - ") and " the risk by " in line for line in lines)


@pytest.mark.parametrize("method", ["outcome", "study"])
def test_explain_json_contributions_sum_to_the_score(portfolio_csv: Path, method: str) -> None:
    result = run_slrs("explain", str(portfolio_csv), "--id", "BRW_9", "--method", method, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    codes = report["reason_codes"]
    total = codes["base_value"] + sum(item["contribution"] for item in codes["contributions"]) + codes["calibration"]
    assert total == pytest.approx(report["risk_score"], abs=1e-9) and codes["sum"] == pytest.approx(total)
    assert report["borrower_id"] == "BRW_9" and report["method"] == method and len(report["sentences"]) == 3
    assert (codes["calibration"] == 0) == (method == "study")
    assert {"input", "label", "value", "contribution"} <= set(codes["contributions"][0])


def test_explain_unknown_or_unscorable_borrower_exits_2_without_traceback(portfolio_csv: Path,
                                                                         tmp_path: Path) -> None:
    missing = run_slrs("explain", str(portfolio_csv), "--id", "NOBODY")
    assert missing.returncode == 2 and "no borrower with Borrower_ID 'NOBODY'" in missing.stderr
    frame = pd.read_csv(portfolio_csv, dtype=str)
    frame.loc[1, "Outstanding_Loan_Amount"] = ""
    broken = tmp_path / "broken.csv"
    frame.to_csv(broken, index=False)
    unscorable = run_slrs("explain", str(broken), "--id", "BRW_2", "--json")
    assert unscorable.returncode == 2 and "'BRW_2' (row 2) cannot be scored" in unscorable.stderr
    assert "Traceback" not in missing.stderr + unscorable.stderr and unscorable.stdout == ""


def test_explain_lists_counterfactual_options_checked_by_rescoring() -> None:
    result = run_slrs("explain", "data/portfolio.csv", "--id", "BRW_4", "--json")
    assert result.returncode == 0, result.stderr
    search = json.loads(result.stdout)["counterfactuals"]
    assert search["status"] == "found" and 1 <= len(search["options"]) <= 3
    assert all(option["risk_score"] <= 0.75 for option in search["options"])
    assert set().union(*(option["inputs"] for option in search["options"])) <= set(search["actionable_inputs"])


# --- scenarios: score --scenario and sweep ---------------------------------------------------------------------

SCENARIO_YAML = """method: outcome
thresholds: {low: 0.3, high: 0.6}
assumptions:
  legal: {cost: 5000, shares: [0.9, 0.8, 0.7, 0.6]}
"""


def _scenario_file(tmp_path: Path, text: str = SCENARIO_YAML, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _expected_plan(portfolio_csv: Path, scored: pd.DataFrame, scenario_path: Path) -> pd.DataFrame:
    scenario = read_scenario_file(scenario_path)
    outstanding = pd.read_csv(portfolio_csv)["Outstanding_Loan_Amount"].to_numpy(dtype=float)
    return plan_actions(scored["Risk_Score"].to_numpy(dtype=float), outstanding, scenario.thresholds,
                        scenario.assumptions)


def test_score_with_a_scenario_adds_the_plan_and_its_net_recovery(portfolio_csv: Path, tmp_path: Path) -> None:
    scenario = _scenario_file(tmp_path)
    result = run_slrs("score", str(portfolio_csv), "--scenario", str(scenario), "--chunk-rows", "50")
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(io.StringIO(result.stdout))
    original = pd.read_csv(portfolio_csv, nrows=0).columns.tolist()
    assert scored.columns.tolist() == [*original, *OUTPUT_COLUMNS]
    assert scored["Expected_Net_Recovery"].to_numpy() == pytest.approx(
        (scored["Expected_Recovered"] - scored["Action_Cost"]).to_numpy(), rel=1e-12)
    plan = _expected_plan(portfolio_csv, scored, scenario)
    assert scored["Recovery_Strategy"].tolist() == plan["Recovery_Strategy"].tolist()
    assert scored["Action_Cost"].tolist() == plan["Action_Cost"].tolist()  # legal now costs 5,000
    assert f"expected net recovery (recovery minus cost): {plan['Expected_Net_Recovery'].sum():,.0f}" \
        in result.stderr
    assert "(low 0.3, high 0.6, scenario scenario.yaml)" in result.stderr


def test_a_capacity_in_the_scenario_holds_for_the_whole_file_not_for_each_chunk(portfolio_csv: Path,
                                                                                 tmp_path: Path) -> None:
    scenario = _scenario_file(tmp_path, "thresholds: {low: 0.2, high: 0.4}\nassumptions:\n  legal: {capacity: 4}\n")
    output = tmp_path / "planned.csv"
    result = run_slrs("score", str(portfolio_csv), "--scenario", str(scenario), "--chunk-rows", "50", "-o",
                      str(output))
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(output)
    legal = scored["Recovery_Strategy"] == LEGAL
    assert legal.sum() == 4 and "Immediate legal notices & aggressive recovery: 4" in result.stderr
    assert (scored["Risk_Score"] > 0.4).sum() > 3 * 4  # more than a per-chunk capacity would let through
    plan = _expected_plan(portfolio_csv, scored, scenario)
    assert scored["Recovery_Strategy"].tolist() == plan["Recovery_Strategy"].tolist()
    assert scored["Expected_Net_Recovery"].sum() == pytest.approx(plan["Expected_Net_Recovery"].sum())


def test_sweep_writes_the_grid_and_prints_the_best_thresholds(portfolio_csv: Path, tmp_path: Path) -> None:
    scenario, grid_path = _scenario_file(tmp_path), tmp_path / "grid.csv"
    result = run_slrs("sweep", str(portfolio_csv), "--scenario", str(scenario), "-o", str(grid_path))
    assert result.returncode == 0, result.stderr
    grid = pd.read_csv(grid_path)
    scores = pd.read_csv(io.StringIO(run_slrs("score", str(portfolio_csv)).stdout))["Risk_Score"]
    outstanding = pd.read_csv(portfolio_csv)["Outstanding_Loan_Amount"]
    expected = sweep_thresholds(scores.to_numpy(dtype=float), outstanding.to_numpy(dtype=float),
                                read_scenario_text(SCENARIO_YAML, "s.yaml").assumptions, threshold_grid())
    pd.testing.assert_frame_equal(grid, expected, check_dtype=False, rtol=1e-9)
    best = best_thresholds(expected)
    assert f"best thresholds: low {best.low:g}, high {best.high:g}; expected net recovery" in result.stderr
    assert "the scenario's thresholds (low 0.3, high 0.6): expected net recovery" in result.stderr
    assert "the best pair gains +" in result.stderr


def test_sweep_without_a_scenario_writes_csv_to_stdout_on_the_requested_grid(portfolio_csv: Path) -> None:
    result = run_slrs("sweep", str(portfolio_csv), "--step", "0.1")
    assert result.returncode == 0, result.stderr
    grid = pd.read_csv(io.StringIO(result.stdout))
    assert len(grid) == 36 and grid.columns.tolist()[:5] == ["Low", "High", "Action_Cost", "Expected_Recovered",
                                                            "Expected_Net_Recovery"]
    assert (grid[["Reminders_Accounts", "Settlement_Accounts", "Legal_Accounts"]].sum(axis=1) == 120).all()
    assert "the scenario's thresholds (low 0.5, high 0.75)" in result.stderr


@pytest.mark.parametrize(("command", "name", "text", "message"), [
    ("score", "missing.yaml", None, "no scenario file at"),
    ("score", "s.json", '{"method": "study",}', "is not valid JSON: Expecting property name enclosed in double quotes"),
    ("sweep", "s.yaml", "assumptions:\n  legal:\n    shares: [1.5, 0.5, 0.5, 0.5]\n",
     "- assumptions.legal.shares: recovered shares (1.5, 0.5, 0.5, 0.5) should be 4 numbers from 0 to 1"),
    ("sweep", "s.yml", "thresholds: {low: 0.9, high: 0.2}\ncolour: red\n", "- unknown key 'colour'"),
    ("score", "s.txt", "{}", "expected a scenario file ending in .json, .yaml or .yml"),
])
def test_a_bad_scenario_file_exits_2_with_a_plain_message(command: str, name: str, text: str | None, message: str,
                                                          portfolio_csv: Path, tmp_path: Path) -> None:
    path = tmp_path / name if text is None else _scenario_file(tmp_path, text, name)
    result = run_slrs(command, str(portfolio_csv), "--scenario", str(path))
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_scenario_and_threshold_flags_together_are_refused(portfolio_csv: Path, tmp_path: Path) -> None:
    result = run_slrs("score", str(portfolio_csv), "--scenario", str(_scenario_file(tmp_path)), "--low", "0.2",
                      "--method", "study")
    assert result.returncode == 2
    assert "--scenario scenario.yaml already sets the method and thresholds; leave out --method, --low" \
        in result.stderr


def test_report_writes_a_self_contained_committee_pack(portfolio_csv: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("thresholds: {low: 0.4, high: 0.8}\nassumptions:\n  legal: {capacity: 5}\n", encoding="utf-8")
    output = tmp_path / "pack" / "report.html"
    result = run_slrs("report", str(portfolio_csv), "--scenario", str(scenario), "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "opens offline" in result.stderr
    text = output.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<script src=" not in text
    assert "legal action above 0.80, settlement from 0.40" in text and "book.csv" in text
    audit = store.read_audit(store.open_store(os.environ[store.DB_URL_VARIABLE]))  # this test's own store
    assert audit[["event", "subject"]].values.tolist() == [[store.PRODUCED_PACK, "committee pack report.html of book.csv"]]
    assert audit["data_sha256"].iloc[0] == hashlib.sha256(portfolio_csv.read_bytes()).hexdigest()


def test_report_refuses_a_store_it_cannot_open_before_any_work(portfolio_csv: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = run_slrs("report", str(portfolio_csv), "-o", str(output), "--db", "nonsense")
    assert result.returncode == 2 and "is not a database URL" in result.stderr
    assert not output.exists()


def test_report_with_a_bad_scenario_exits_2_without_traceback(portfolio_csv: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text('{"thresholds": {"low": 0.9, "high": 0.2}}', encoding="utf-8")
    result = run_slrs("report", str(portfolio_csv), "--scenario", str(scenario), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "low" in result.stderr
    assert not (tmp_path / "r.html").exists()


# --- evaluate ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def labelled_20k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated 20,000-row portfolio with its outcomes, and the same file with the outcomes shuffled."""
    folder = tmp_path_factory.mktemp("evaluate")
    frame = generate_portfolio(20_000, seed=21)
    shuffled = frame.assign(Recovery_Status=frame["Recovery_Status"].sample(frac=1, random_state=0).to_numpy())
    paths = folder / "book.csv", folder / "shuffled.csv"
    for table, path in zip((frame, shuffled), paths, strict=True):
        table.to_csv(path, index=False)
    return paths


def test_evaluate_finds_signal_with_the_auc_scikit_learn_gives_the_same_scores(labelled_20k) -> None:
    book, _ = labelled_20k
    result = run_slrs("evaluate", str(book), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "signal" and report["n"] == 20_000 and report["gates_passed"]
    # The same scores as `slrs score` writes (the pipeline's view), in this process.
    view = pipeline.score(pipeline.load(book.read_bytes(), book.name), load_bundle(), "outcome")
    events = (view["Recovery_Status"].astype(str) != "Fully Recovered").astype(int)
    assert report["auc"] == pytest.approx(roc_auc_score(events, view["Risk_Score"]), abs=1e-12)
    assert report["auc_ci"][0] < report["auc"] < report["auc_ci"][1]
    assert sum(row["Accounts"] for row in report["gains"]) == 20_000
    assert sum(row["Not_Fully_Recovered"] for row in report["gains"]) == events.sum()
    assert {"gini", "ks", "brier", "calibration"} <= set(report)


def test_evaluate_with_shuffled_outcomes_says_no_signal_and_exits_3(labelled_20k) -> None:
    _, shuffled = labelled_20k
    result = run_slrs("evaluate", str(shuffled), "--json")
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout)["verdict"] == "no signal"
    assert "No better than chance on this portfolio" in result.stderr


def test_evaluate_text_shows_the_verdict_and_fails_the_labelled_rows_gate(portfolio_csv: Path) -> None:
    result = run_slrs("evaluate", str(portfolio_csv))  # 120 rows: a verdict, but under the gates' 200 rows
    assert result.returncode == 3 and "tell loans apart" in result.stdout and "Fail: Labelled rows" in result.stdout
    assert "Gains by score decile" in result.stdout and "Traceback" not in result.stderr


def test_evaluate_on_too_few_labelled_rows_gives_no_verdict(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    generate_portfolio(60, seed=3).to_csv(small, index=False)
    result = run_slrs("evaluate", str(small), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 3 and report["verdict"] is None and "No verdict" in report["note"]


def test_evaluate_gates_come_from_the_scenario(labelled_20k, tmp_path: Path, capsys) -> None:
    book, _ = labelled_20k
    strict = _scenario_file(tmp_path, "gates:\n  auc_floor: 0.95\n")
    assert cli_main(["evaluate", str(book), "--scenario", str(strict)]) == 3
    printed = capsys.readouterr().out
    assert "Fail: ROC AUC, at least 0.950" in printed
    assert "Pass: KS" in printed and "Gains by score decile" in printed


# --- generate --months and monitor ---------------------------------------------------------------------------------

def test_generate_months_writes_one_file_per_month_and_refuses_a_folder_in_use(tmp_path: Path) -> None:
    folder = tmp_path / "history"
    result = run_slrs("generate", "--rows", "150", "--seed", "1", "--months", "3", "-o", str(folder))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in folder.iterdir()) == ["2026-01.csv", "2026-02.csv", "2026-03.csv"]
    assert len(pd.read_csv(folder / "2026-02.csv")) == 150
    again = run_slrs("generate", "--rows", "150", "--months", "3", "-o", str(folder))
    assert again.returncode == 2 and "not an empty folder" in again.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["history"]  # no half-written folder beside it


def test_monitor_add_and_report_through_the_command_line(tmp_path: Path) -> None:
    folder, db = tmp_path / "history", f"sqlite:///{tmp_path / 'slrs.db'}"
    assert run_slrs("generate", "--rows", "300", "--months", "3", "--downturn-month", "3", "-o",
                    str(folder)).returncode == 0
    for month in ("2026-01", "2026-02", "2026-03"):
        added = run_slrs("monitor", "add", str(folder / f"{month}.csv"), "--as-of", f"{month}-28", "--db", db)
        assert added.returncode == 0 and "stored" in added.stderr, added.stderr
    twice = run_slrs("monitor", "add", str(folder / "2026-01.csv"), "--as-of", "2026-05-28", "--db", db)
    assert twice.returncode == 0 and "already stored" in twice.stderr
    report = json.loads(run_slrs("monitor", "report", "--db", db, "--json").stdout)
    assert [snapshot["as_of"] for snapshot in report["snapshots"]] == ["2026-01-28", "2026-02-28", "2026-03-28"]
    assert [vintage["as_of"] for vintage in report["backtest"]] == ["2026-01-28", "2026-02-28"]
    text = run_slrs("monitor", "report", "--db", db)
    assert text.returncode == 0 and "Backtest by vintage" in text.stdout and "Traceback" not in text.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("monitor", "add", "missing.csv", "--as-of", "2026-01-31"), "no file at"),
    (("monitor", "add", "{book}", "--as-of", "31.01.2026"), "expected YYYY-MM-DD"),
    (("monitor", "report", "--db", "nonsense"), "is not a database URL"),
])
def test_monitor_mistakes_exit_2_in_words(args: tuple[str, ...], message: str, portfolio_csv: Path,
                                          tmp_path: Path) -> None:
    db = ("--db", f"sqlite:///{tmp_path / 'slrs.db'}") if "--db" not in args else ()
    result = run_slrs(*(arg.format(book=portfolio_csv) for arg in args), *db)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
