"""A hostile corpus, made here in tmp_path: every case is refused or handled with a plain message, exit 2, no
traceback, nothing lost and no output file left behind. Time and memory bounds are measured by
benchmarks/bench_load.py, not here."""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from conftest import open_page

from slrs import io as io_module
from slrs import pipeline, ui
from slrs.cli import main as cli_main
from slrs.exceptions import DataValidationError
from slrs.io import (
    DEFAULT_MODEL_DIR,
    iter_portfolio_file,
    read_excel,
    read_portfolio_bytes,
    to_csv_bytes,
    to_excel_bytes,
    to_parquet_bytes,
)
from slrs.limits import DEFAULT_LIMITS, ReadLimits
from slrs.scenario import DecisionScenario
from slrs.synth import generate_portfolio
from slrs.text import may_start_with

ROOT = Path(__file__).resolve().parent.parent
# "Billion laughs": nine levels of aliases, each nine of the level below (9**9 strings once expanded).
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "\n".join(
    f"{name}: &{name} [{', '.join([f'*{below}'] * 9)}]" for below, name in zip("abcdefgh", "bcdefghi"))
FORMULAS = ['=HYPERLINK("http://example.invalid","click")', "=cmd|' /C calc'!A0", "@SUM(A1)", "+1+1", "-2+3",
            "\tTAB", "'=already guarded"]


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.csv"
    generate_portfolio(60, seed=3).to_csv(path, index=False)
    return path


def run(capsys, *args: str) -> tuple[int, str]:
    """``python -m slrs ARGS`` in this process: exit code and stderr."""
    capsys.readouterr()
    code = cli_main(list(args))
    return code, capsys.readouterr().err


def _refused(code: int, stderr: str, *words: str) -> None:
    assert code == 2 and "Traceback" not in stderr and stderr.startswith("slrs: "), stderr
    for word in words:
        assert word in stderr, stderr


# --- bounded reading ------------------------------------------------------------------------------------------

def _workbook_with_far_cell(path: Path, cell: str) -> None:
    """A tiny .xlsx whose only value sits in ``cell`` (e.g. XFD1048576), as a crafted file would have it."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Age"
    workbook.active[cell] = 1
    workbook.save(path)


@pytest.mark.parametrize(("cell", "words"), [("XFD1048576", ["column 16,384", "max_columns"]),
                                             ("B1048577", ["row 1,048,577", "1,048,575 data rows"])])
def test_a_workbook_reaching_far_cells_is_refused_at_once(capsys, tmp_path: Path, cell: str, words: list) -> None:
    path, output = tmp_path / "far.xlsx", tmp_path / "out.csv"
    if cell == "B1048577":  # beyond Excel's own grid: only a crafted file can say so
        _workbook_with_far_cell(path, "B2")
        _rewrite_sheet(path, b'r="B2"', b'r="B1048577"')
    else:
        _workbook_with_far_cell(path, cell)
    start = time.perf_counter()
    code, stderr = run(capsys, "score", str(path), "-o", str(output))
    _refused(code, stderr, *words)
    assert time.perf_counter() - start < 30 and not output.exists()


def _rewrite_sheet(path: Path, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_a_workbook_that_expands_too_far_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _workbook_with_far_cell(path, "A2")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (DEFAULT_LIMITS.max_workbook_bytes // 1000 + 1))
    small = ReadLimits(max_workbook_bytes=DEFAULT_LIMITS.max_workbook_bytes // 1000)
    with pytest.raises(DataValidationError, match="expands to .* max_workbook_bytes"):
        read_excel(path.read_bytes(), path.name, small)


def test_a_csv_with_100000_columns_is_refused_in_linear_time(capsys, tmp_path: Path) -> None:
    path, output = tmp_path / "wide.csv", tmp_path / "out.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n")
    start = time.perf_counter()
    code, stderr = run(capsys, "score", str(path), "-o", str(output))
    _refused(code, stderr, "100,000 columns", "max_columns")
    assert time.perf_counter() - start < 30 and not output.exists()


def test_a_huge_cell_is_refused_with_a_short_quote(capsys, tmp_path: Path, book: Path) -> None:
    frame = pd.read_csv(book, dtype=str)
    frame.loc[5, "Loan_ID"] = "x" * (DEFAULT_LIMITS.max_cell_chars + 1)
    path = tmp_path / "huge.csv"
    frame.to_csv(path, index=False)
    code, stderr = run(capsys, "score", str(path), "-o", str(tmp_path / "out.csv"))
    _refused(code, stderr, "row 6", "max_cell_chars")
    assert len(stderr) < 500


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_huge_cell_is_refused_in_every_format(tmp_path: Path, book: Path, suffix: str) -> None:
    """The cell limit holds for workbooks too (openpyxl reads cells of up to 32,767 characters)."""
    frame = pd.read_csv(book, dtype=str, keep_default_na=False)
    frame.loc[5, "Borrower_ID"] = "é" * (DEFAULT_LIMITS.max_cell_chars + 1)
    path = tmp_path / f"huge{suffix}"
    path.write_bytes({".csv": to_csv_bytes, ".xlsx": to_excel_bytes, ".parquet": to_parquet_bytes}[suffix](frame))
    with pytest.raises(DataValidationError, match="max_cell_chars"):
        list(iter_portfolio_file(path, 1_000))


@pytest.mark.parametrize(("name", "text", "words"), [
    ("laughs.yaml", LAUGHS, ["aliases"]),
    ("deep.json", "[" * 200_000 + "]" * 200_000, ["nested", "max_nesting"]),
    ("deep.yaml", "a:\n" + "".join("  " * depth + "b:\n" for depth in range(1, 400)), ["nested"]),
    ("digits.json", '{"assumptions": {"legal": {"capacity": ' + "9" * 5000 + "}}}", ["max_number_digits"]),
    ("digits401.yaml", "assumptions:\n  legal:\n    capacity: " + "9" * 401, ["max_number_digits"]),
    ("capacity.yaml", "assumptions:\n  legal:\n    capacity: 1e18", ["capacity", "1,000,000,000"]),
    ("cost.json", '{"assumptions": {"legal": {"cost": 1e300}}}', ["cost", "1,000,000,000,000"]),
])
def test_a_hostile_scenario_file_is_refused_quickly(capsys, tmp_path: Path, book: Path, name: str, text: str,
                                                     words: list[str]) -> None:
    scenario, output = tmp_path / name, tmp_path / "out.csv"
    scenario.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    code, stderr = run(capsys, "score", str(book), "--scenario", str(scenario), "-o", str(output))
    _refused(code, stderr, *words)
    assert time.perf_counter() - start < 10 and not output.exists() and len(stderr) < 1000


def test_a_sweep_step_too_fine_is_refused(capsys, book: Path) -> None:
    _refused(*run(capsys, "sweep", str(book), "--step", "0.00001"), "from 0.01 to 0.5")


def test_an_unknown_command_names_the_program_once(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli_main(["frobnicate"])
    assert stopped.value.code == 2
    stderr = capsys.readouterr().err
    assert "see: python -m slrs --help" in stderr and "slrs slrs" not in stderr


# --- encodings ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_unicode_files_with_a_byte_order_mark_are_read(encoding: str) -> None:
    frame = generate_portfolio(20, seed=2).astype(str)
    frame.loc[0, "Borrower_ID"] = "BRW_Zoë"
    read = read_portfolio_bytes(frame.to_csv(index=False).encode(encoding), "book.csv")
    pd.testing.assert_frame_equal(read, frame, check_dtype=False)


def test_bytes_that_are_not_text_are_kept_and_noted_for_their_row() -> None:
    data = generate_portfolio(12_000, seed=2).astype(str).to_csv(index=False).encode()
    assert len(data) > 1 << 20  # the bad byte comes after the first MB, where the encoding was decided
    data = data.replace(b"BRW_11990,", b"BRW_\xe911990,")
    portfolio = pipeline.load(data, "mixed.csv")
    row = portfolio.raw.index[portfolio.raw["Borrower_ID"] == "BRW_\\xe911990"]
    assert len(row) == 1 and portfolio.n_rows == 12_000
    assert "not text in the file's encoding" in portfolio.validation.row_issues.loc[row[0]]
    assert "\ufffd" not in "".join(portfolio.raw["Borrower_ID"])  # nothing silently replaced


# --- safe outputs ---------------------------------------------------------------------------------------------

def _formula_book(bundle) -> pd.DataFrame:
    frame = generate_portfolio(len(FORMULAS), seed=9).astype(str)
    frame["Borrower_ID"] = FORMULAS
    frame["=HEADER()"] = "-3"
    decision = pipeline.decide(pipeline.load(to_csv_bytes(frame), "formulas.csv"), bundle, DecisionScenario())
    return pipeline.output_table(decision.portfolio, decision.view, decision.plan)


def test_csv_output_neutralises_formulas_and_reads_back_intact(bundle) -> None:
    table = _formula_book(bundle)
    data = to_csv_bytes(table)
    cells = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert not any(cell.startswith(("=", "+", "@", "\t")) for cell in cells["Borrower_ID"])
    assert cells["Borrower_ID"].tolist()[:3] == [f"'{value}" for value in FORMULAS[:3]]
    assert "'=HEADER()" in cells.columns and cells["'=HEADER()"].eq("-3").all()  # a plain number stays a number
    back = read_portfolio_bytes(data, "back.csv")
    assert back["Borrower_ID"].tolist() == table["Borrower_ID"].tolist() and len(back) == len(table)
    assert "=HEADER()" in back.columns


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_the_first_byte_screen_finds_a_formula_anywhere_in_a_column(kind) -> None:
    """The screen that spares clean columns the regular expressions reads Arrow's buffers directly: a formula in
    a later chunk, in a slice, after empty values, nulls and a value starting with a multi-byte letter is found."""
    values = ["ééx", "", None, "12", *(["plain"] * 50)]
    clean = pa.chunked_array([pa.array(values, kind), pa.array(values, kind).slice(3)])
    assert not may_start_with(clean, io_module._FORMULA_FIRST_BYTES)
    for formula in [*FORMULAS, "'quoted", "-3"]:
        hidden = pa.array([*values, formula, "tail"], kind).slice(4)
        assert may_start_with(pa.chunked_array([pa.array(values, kind), hidden]), io_module._FORMULA_FIRST_BYTES), formula
    late = pa.chunked_array([pa.array([*values, "=late"], kind).slice(0, 4)])
    assert not may_start_with(late, io_module._FORMULA_FIRST_BYTES)


def test_the_apostrophe_guard_is_undone_in_a_later_chunk_only_where_it_was_written(tmp_path) -> None:
    """Reading undoes the output's guard only in the columns where some value starts with an apostrophe (found
    once in the whole file's buffers): a guarded value in the last chunk is restored, other text is untouched."""
    frame = generate_portfolio(30, seed=4).astype(str)
    frame.loc[29, "Borrower_ID"] = "'=1+1"
    frame.loc[29, "Loan_ID"] = "'plain"  # an apostrophe before text that is not formula-like is the value's own
    path = tmp_path / "guarded.csv"
    frame.to_csv(path, index=False)
    chunks = list(iter_portfolio_file(path, 10))
    assert len(chunks) == 3
    assert chunks[2]["Borrower_ID"].iloc[-1] == "=1+1" and chunks[2]["Loan_ID"].iloc[-1] == "'plain"
    assert pd.concat(chunks)["Age"].tolist() == frame["Age"].tolist()


def test_excel_output_has_text_cells_that_never_run_and_numbers_as_numbers(bundle) -> None:
    table = _formula_book(bundle)
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(table))).active
    header = [cell.value for cell in sheet[1]]
    ids = [sheet.cell(row, header.index("Borrower_ID") + 1) for row in range(2, len(table) + 2)]
    assert all(cell.data_type == "s" and not str(cell.value).startswith(("=", "+", "@")) for cell in ids)
    age = sheet.cell(2, header.index("Age") + 1)
    risk = sheet.cell(2, header.index("Risk_Score") + 1)
    assert age.data_type == "n" and risk.data_type == "n" and "'=HEADER()" in header
    back = read_portfolio_bytes(to_excel_bytes(table), "back.xlsx")
    assert back["Borrower_ID"].tolist() == table["Borrower_ID"].tolist()
    assert pd.to_numeric(back["Age"]).tolist() == pd.to_numeric(table["Age"]).tolist()


# --- careful writes -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["score", "report", "sweep"])
def test_an_output_that_is_the_input_is_refused_and_the_input_kept(capsys, book: Path, command: str) -> None:
    before = book.read_bytes()
    spelled = book.parent / "." / book.name  # the same file, spelled another way
    _refused(*run(capsys, command, str(book), "-o", str(spelled)), "is the input file")
    assert book.read_bytes() == before


@pytest.mark.parametrize(("target", "words"), [
    (lambda tmp: tmp, ["is a folder"]),
    (lambda tmp: Path("/proc/version/scored.csv"), ["cannot make the folder"]),
])
def test_an_output_path_problem_is_exit_2_with_a_plain_message(capsys, book: Path, tmp_path: Path, target,
                                                                words: list[str]) -> None:
    _refused(*run(capsys, "score", str(book), "-o", str(target(tmp_path))), *words)


def test_a_refused_or_failed_run_leaves_no_output_file(capsys, tmp_path: Path, book: Path) -> None:
    output = tmp_path / "scored.csv"
    _refused(*run(capsys, "score", str(tmp_path / "missing.csv"), "-o", str(output)))
    lines = book.read_text().splitlines()
    lines[50] += "," * 40  # a bad row in the last chunk, after earlier chunks were written
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n")
    _refused(*run(capsys, "score", str(broken), "-o", str(output), "--chunk-rows", "10"), "line 51")
    assert sorted(tmp_path.iterdir()) == sorted([book, broken])


def test_ctrl_c_leaves_no_output_file(tmp_path: Path) -> None:
    source, output = tmp_path / "big.csv", tmp_path / "scored.csv"
    generate_portfolio(150_000, seed=1).to_csv(source, index=False)
    process = subprocess.Popen([sys.executable, "-m", "slrs", "score", str(source), "-o", str(output),
                                "--chunk-rows", "20000"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".scored.csv.*")) and time.monotonic() < deadline:  # writing has begun
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.csv"]


def test_a_closed_pipe_is_a_plain_message(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    generate_portfolio(30_000, seed=1).to_csv(source, index=False)
    process = subprocess.Popen([sys.executable, "-m", "slrs", "score", str(source)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.read(100)
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert process.returncode == 2 and "pipe was closed" in stderr and "Traceback" not in stderr


# --- artifacts ------------------------------------------------------------------------------------------------

def test_models_from_another_folder_need_an_explicit_trust_flag(capsys, tmp_path: Path, book: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(DEFAULT_MODEL_DIR, models)
    output = tmp_path / "out.csv"
    _refused(*run(capsys, "score", str(book), "-o", str(output), "--models", str(models)), "--trust-models",
             "runs whatever code")
    assert not output.exists()
    code, stderr = run(capsys, "score", str(book), "-o", str(output), "--models", str(models), "--trust-models")
    assert code == 0 and output.exists(), stderr


# --- the app --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    {"cap.settlement": "1e20"}, {"cap.legal": "1e18"}, {"borrower": "BRW_1", "edit.Age": "9" * 5000},
    {"low": "9" * 5000, "high": "abc"}, {"cost.legal": "9" * 401}, {"shares.legal": ",".join(["0.5"] * 1000)},
    {"method": "<script>"}, {"borrower": "x" * 10_000},
])
def test_a_hostile_link_never_breaks_a_page(app, query: dict[str, str]) -> None:
    app.query_params.update(query)
    for page in ("pages/money.py", "pages/scenario.py", "pages/what_if.py"):
        open_page(app, page)
        assert not app.exception, (page, app.exception)
    assert all(len(text.value) < 2000 for text in app.text)


@pytest.mark.parametrize(("name", "data", "words"), [
    ("wide.csv", (",".join(f"c{i}" for i in range(100_000)) + "\n1\n").encode(), "SLRS reads at most 500"),
    ("laughs.csv", LAUGHS.encode(), "missing"),
])
def test_a_hostile_upload_is_refused_on_the_page_and_the_portfolio_kept(app, name: str, data: bytes,
                                                                         words: str) -> None:
    open_page(app, "pages/portfolio.py")
    app.file_uploader(key=ui.UPLOAD_KEY).set_value((name, data, "text/csv")).run()
    assert not app.exception
    assert app.session_state[ui.PORTFOLIO_KEY].is_sample
    assert any(words in error.value for error in app.error) or any(words in text.value for text in app.text)


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_rows=0 should be a whole number of 1 or more"):
        ReadLimits(max_rows=0)

