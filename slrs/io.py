"""Reading and writing portfolio files (CSV and Excel).

Every value is read as text so that nothing is lost or reformatted: the scored output repeats the input
columns exactly as they were, and validation decides what each text means. Rows are never dropped here;
a row with more values than the header keeps them in spare columns that validation reports on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import joblib
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from slrs.bundle import ModelBundle, library_versions
from slrs.exceptions import ConfigError, DataValidationError, ModelArtifactError
from slrs.scenario import DecisionScenario, read_scenario_bytes
from slrs.schema import SCHEMA_VERSION, SPARE_PREFIX

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx",)
# An .xlsx sheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
SUPPORTED_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES
DELIMITERS = (",", ";", "\t")
# Values beyond the header's width are kept in this many spare columns; a row with more is refused.
SPARE_COLUMNS = 8
SNIFF_BYTES = 1 << 20
_PARSER_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV file is laid out: its text encoding, delimiter and header names."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]


def check_suffix(filename: str) -> str:
    """Return the lower-case suffix of ``filename`` or raise naming the formats SLRS reads."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        found = f"'{suffix}'" if suffix else "no extension"
        raise DataValidationError(
            [f"the file has {found}; expected a CSV file (.csv, .tsv, .txt) or an Excel workbook (.xlsx)"],
            source=f"'{filename}'",
        )
    return suffix


def _decode_head(head: bytes, filename: str) -> tuple[str, str]:
    """Return the decoded text of the file's first bytes and the encoding to read the file with."""
    if b"\x00" in head:
        raise DataValidationError(["the file is binary, not a text table; expected CSV text or .xlsx"],
                                  source=f"'{filename}'")
    try:
        return head.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # a multi-byte character cut by the sniff window
            return head[: error.start].decode("utf-8-sig"), "utf-8-sig"
        # Not UTF-8: Excel's "CSV" on Windows writes cp1252, which decodes any byte.
        return head.decode("cp1252", errors="replace"), "cp1252"


def sniff_layout(head: bytes, filename: str) -> CsvLayout:
    """Detect encoding, delimiter (comma, semicolon or tab) and header from the first bytes of a CSV."""
    text, encoding = _decode_head(head, filename)
    lines = text.splitlines()
    first_line = lines[0] if lines else ""
    if not first_line.strip():
        raise DataValidationError(["the file is empty or starts with a blank line; expected a header row "
                                   "and at least one data row"], source=f"'{filename}'")
    delimiter = max(DELIMITERS, key=first_line.count)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error as error:  # e.g. a header cell longer than the csv module's field size limit
        raise DataValidationError([f"the header row cannot be read ({error}); expected a header row of "
                                   "column names"], source=f"'{filename}'") from None
    return CsvLayout(encoding, delimiter, tuple(_unique_headers(header)))


def _unique_headers(header: list[str]) -> list[str]:
    """Name blank headers and make repeated ones unique, so no column is lost."""
    names: list[str] = []
    for position, name in enumerate(header, start=1):
        name = name.strip() or f"Unnamed_{position}"
        candidate, copy = name, 1
        while candidate in names:
            copy += 1
            candidate = f"{name}.{copy}"
        names.append(candidate)
    return names


def iter_csv_chunks(stream: BinaryIO, filename: str, chunk_rows: int | None) -> Iterator[pd.DataFrame]:
    """Yield the CSV's rows as text frames of at most ``chunk_rows`` rows (all rows at once if None)."""
    head = stream.read(SNIFF_BYTES)
    layout = sniff_layout(head, filename)
    stream.seek(0)
    spares = _spare_names(layout.header)
    names = [*layout.header, *spares]
    with warnings.catch_warnings():
        # pandas only warns when it would truncate the first row: that would lose data, so it is an error.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            # Without chunk_rows read_csv parses the whole file here, so it must sit inside the guard.
            reader = pd.read_csv(
                stream, sep=layout.delimiter, header=None, skiprows=1, names=names, index_col=False,
                dtype=str, keep_default_na=False, na_filter=False, encoding=layout.encoding,
                encoding_errors="replace", skip_blank_lines=True, chunksize=chunk_rows, engine="c",
            )
            chunks = reader if chunk_rows else [reader]
            for chunk in chunks:
                yield _drop_empty_spares(chunk, spares)
        except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
            raise DataValidationError([_explain_parser_error(error, len(layout.header))],
                                      source=f"'{filename}'") from None


def _spare_names(header: tuple[str, ...]) -> list[str]:
    """Spare column names no header already uses (re-reading SLRS output can bring Extra_Value_1 along)."""
    free = (f"{SPARE_PREFIX}{i}" for i in itertools.count(1))
    return list(itertools.islice((name for name in free if name not in header), SPARE_COLUMNS))


def _drop_empty_spares(chunk: pd.DataFrame, spares: list[str]) -> pd.DataFrame:
    empty = [c for c in spares if not chunk[c].astype(bool).any()]
    return chunk.drop(columns=empty)


def _explain_parser_error(error: Exception, n_header: int) -> str:
    match = _PARSER_LINE.search(str(error))
    if match:
        _, line, seen = match.groups()
        return (f"line {line} has {seen} values but the header has {n_header} columns; expected at most "
                f"{n_header + SPARE_COLUMNS} values per line (check the delimiter and quoting)")
    if "EOF inside string" in str(error):
        return "a quoted value is never closed (the file ends inside quotes); expected matching double quotes"
    return (f"a row has more values than the header's {n_header} columns (check the delimiter and "
            "quoting); expected one value per header column")


def read_excel(data: bytes, filename: str) -> pd.DataFrame:
    """Read the first sheet of an .xlsx workbook as text, blank cells as empty strings."""
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl")
    # A damaged workbook fails inside zipfile/zlib/XML parsing with any of these, never an SLRS error.
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ParseError, KeyError, ValueError,
            OSError, TypeError, IndexError) as error:
        raise DataValidationError([f"the workbook cannot be opened ({type(error).__name__}); expected a "
                                   "valid .xlsx file saved by Excel or a compatible program"],
                                  source=f"'{filename}'") from None
    frame.columns = _unique_headers([_header_text(c) for c in frame.columns])
    return frame.fillna("")


def _header_text(header: object) -> str:
    text = str(header)
    return "" if text.startswith("Unnamed: ") else text


def iter_portfolio_bytes(data: bytes, filename: str, chunk_rows: int | None) -> Iterator[pd.DataFrame]:
    """Yield an uploaded file (CSV in chunks of ``chunk_rows`` rows, all at once if None; .xlsx whole)."""
    suffix = check_suffix(filename)
    if not data.strip():
        raise DataValidationError(["the file is empty; expected a header row and at least one data row"],
                                  source=f"'{filename}'")
    if suffix in EXCEL_SUFFIXES:
        yield read_excel(data, filename)
    else:
        yield from iter_csv_chunks(io.BytesIO(data), filename, chunk_rows)


def read_portfolio_bytes(data: bytes, filename: str) -> pd.DataFrame:
    """Read a whole uploaded file (CSV or .xlsx) into a frame of text values."""
    return next(iter_portfolio_bytes(data, filename, chunk_rows=None))


def iter_portfolio_file(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Yield a portfolio file from disk in chunks (CSV) or whole (Excel cannot be streamed)."""
    suffix = check_suffix(path.name)
    if not path.is_file():
        raise DataValidationError([f"no file at {path}; expected an existing CSV or .xlsx file"],
                                  source=f"'{path.name}'")
    if suffix in EXCEL_SUFFIXES:
        yield read_portfolio_bytes(path.read_bytes(), path.name)
        return
    if path.stat().st_size == 0:
        raise DataValidationError(["the file is empty; expected a header row and at least one data row"],
                                  source=f"'{path.name}'")
    with path.open("rb") as stream:
        yield from iter_csv_chunks(stream, path.name, chunk_rows)


def write_csv_chunk(frame: pd.DataFrame, stream: BinaryIO, first: bool) -> None:
    """Append ``frame`` to a binary stream as UTF-8 CSV, with the header only for the first chunk.

    pyarrow's writer is about ten times faster than pandas' here; it quotes every text value, which
    any CSV reader reads back to the same text.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, stream, pa_csv.WriteOptions(include_header=first, quoting_style="needed"))


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a frame to UTF-8 CSV bytes with the CLI's writer (for downloads)."""
    buffer = io.BytesIO()
    write_csv_chunk(frame, buffer, first=True)
    return buffer.getvalue()


def to_excel_bytes(frame: pd.DataFrame, sheet_name: str = "Portfolio") -> bytes:
    """Serialise a frame to .xlsx bytes (for downloads and the CLI's Excel output)."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name=sheet_name, engine="openpyxl")
    return buffer.getvalue()


# --- scenario files ---------------------------------------------------------------------------------------

def read_scenario_file(path: Path) -> DecisionScenario:
    """Read a scenario file (.json, .yaml or .yml; see ``slrs.scenario``) for the command line.

    Raises ``ConfigError`` when there is no such file, it is not UTF-8 text, or its content is unusable.
    """
    if not path.is_file():
        raise ConfigError(f"no scenario file at {path}; expected an existing .json, .yaml or .yml file")
    return read_scenario_bytes(path.read_bytes(), path.name)


# --- model artifacts --------------------------------------------------------------------------------------

MANIFEST_NAME = "manifest.json"
ARTIFACT_FILES = {"segmenter": "segmenter.joblib", "outcome_model": "outcome_model.joblib",
                  "study_model": "study_model.joblib", "holdout": "holdout_predictions.csv",
                  "global_explanations": "global_explanations.json"}
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
REBUILD_HINT = "rebuild them with: python -m slrs train --out {directory}"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks so large portfolios do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_bundle(bundle: ModelBundle, directory: Path) -> Path:
    """Write the bundle's joblib files, held-out predictions, global explanations and a manifest with their sha256."""
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle.segmenter, directory / ARTIFACT_FILES["segmenter"])
    joblib.dump(bundle.outcome_model, directory / ARTIFACT_FILES["outcome_model"])
    joblib.dump(bundle.study_model, directory / ARTIFACT_FILES["study_model"])
    bundle.holdout.to_csv(directory / ARTIFACT_FILES["holdout"], index=False, lineterminator="\n")
    (directory / ARTIFACT_FILES["global_explanations"]).write_text(
        json.dumps(bundle.global_explanations, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    manifest = {**bundle.manifest,
                "files": {name: sha256_file(directory / name) for name in ARTIFACT_FILES.values()}}
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_bundle(directory: Path = DEFAULT_MODEL_DIR) -> ModelBundle:
    """Load a saved bundle after checking file hashes, schema version and library versions."""
    hint = REBUILD_HINT.format(directory=directory)
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        raise ModelArtifactError(f"no trained model in {directory} (missing {MANIFEST_NAME}); {hint}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = _artifact_problems(manifest, directory)
    if problems:
        raise ModelArtifactError(f"the model in {directory} cannot be used: {'; '.join(problems)}; {hint}")
    parts = {name: joblib.load(directory / ARTIFACT_FILES[name])
             for name in ("segmenter", "outcome_model", "study_model")}
    holdout = pd.read_csv(directory / ARTIFACT_FILES["holdout"])
    explanations = json.loads((directory / ARTIFACT_FILES["global_explanations"]).read_text(encoding="utf-8"))
    return ModelBundle(**parts, holdout=holdout, manifest=manifest, global_explanations=explanations)


def _artifact_problems(manifest: dict, directory: Path) -> list[str]:
    problems = []
    if manifest.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema version {manifest.get('schema_version')} should be {SCHEMA_VERSION}")
    built_with = manifest.get("libraries", {})
    for name, installed in library_versions().items():
        if name != "python" and built_with.get(name) != installed:
            problems.append(f"made with {name} {built_with.get(name)} but {installed} is installed")
    for name, expected in manifest.get("files", {}).items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != expected:
            problems.append(f"{name} was changed since training (sha256 differs)")
    if set(manifest.get("files", {})) != set(ARTIFACT_FILES.values()):
        problems.append("the manifest does not list every artifact file")
    return problems
