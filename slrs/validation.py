"""Validation of a portfolio table against the schema.

File-level problems (no rows, missing required columns, two headers meaning the same column) raise one
``DataValidationError`` that lists them all. Row-level problems never drop or alter a row: each becomes a
line in the long issue table and in the row's ``Data_Issues`` text, the unusable value becomes missing in
the clean table, and the row is scored if the model's own training-data imputation can stand in for it.
Every check reads its limits (kind, range, allowed values) from ``slrs.schema``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute

from slrs.exceptions import DataValidationError
from slrs.id_tracker import IdTracker
from slrs.schema import (
    COLUMNS,
    ID_COLUMN,
    MODEL_FEATURES,
    REQUIRED_COLUMNS,
    SPARE_PREFIX,
    UNDECODABLE_ATTR,
    Column,
    canonical_column,
    category_lookup,
    normalize_label,
)
from slrs.text import strip_text, take_labels

# More unusable model inputs than this and an imputed score would mostly describe the training data.
MAX_IMPUTED_INPUTS = 3
# Expected recovery is a share of the outstanding amount: no imputation can stand in for it.
ESSENTIAL_INPUTS = ("Outstanding_Loan_Amount",)
ISSUE_COLUMNS = ("Row", "Column", "Value", "Problem")
_COPY_SUFFIX = re.compile(r"\.\d+$")


@dataclass(frozen=True)
class ValidationResult:
    """What validation found in one table (or one chunk of a file).

    Attributes
    ----------
    clean : DataFrame
        Schema columns present in the input, typed (numbers as float, categories canonical), unusable
        values missing; same index as the input.
    issues : DataFrame
        One line per problem: ``Row`` (1 = first row under the header), ``Column``, ``Value``, ``Problem``.
    row_issues : Series of str
        The per-row ``Data_Issues`` text; empty when the row is clean.
    scorable : Series of bool
        Whether the row can be scored (possibly with imputed inputs).
    column_map : dict
        Schema name -> header as written in the file.
    """

    clean: pd.DataFrame
    issues: pd.DataFrame
    row_issues: pd.Series
    scorable: pd.Series
    column_map: dict[str, str]


def map_headers(headers: list[str]) -> dict[str, str]:
    """Map schema names to the file's headers; raise if two headers mean the same column."""
    column_map: dict[str, str] = {}
    problems = []
    for header in headers:
        name = canonical_column(header)
        if name is None:
            # A repeated header comes back renamed by the readers ("Age" -> "Age.2"): still the same column.
            name = canonical_column(_COPY_SUFFIX.sub("", header))
            if name not in column_map:
                continue
        if name in column_map:
            problems.append(f"columns '{column_map[name]}' and '{header}' both mean {name}; expected one")
        else:
            column_map[name] = header
    if problems:
        raise DataValidationError(problems)
    return column_map


def check_table(frame: pd.DataFrame, source: str = "the portfolio") -> dict[str, str]:
    """Raise one error naming every file-level problem; return the header map when there is none."""
    problems = []
    try:
        column_map = map_headers([str(c) for c in frame.columns])
    except DataValidationError as error:
        problems.extend(error.problems)
        column_map = {}
    missing = [name for name in REQUIRED_COLUMNS if name not in column_map]
    if missing and not problems:
        problems.append("missing required columns: " + ", ".join(missing)
                        + f" (found: {', '.join(map(str, frame.columns)) or 'none'}); see the template for "
                        "the expected header")
    if len(frame) == 0:
        problems.append("the file has a header but no data rows; expected at least one borrower")
    if problems:
        raise DataValidationError(problems, source=source)
    return column_map


def borrower_ids(frame: pd.DataFrame, source: str = "the portfolio") -> pd.Series | None:
    """Each row's Borrower_ID as validation reads it ("" when missing), by position; None without the column.
    Raises as ``check_table`` for a file that cannot be used."""
    header = check_table(frame, source).get(ID_COLUMN)
    return None if header is None else borrower_id_text(frame[header])


def borrower_id_text(column: pd.Series) -> pd.Series:
    """A Borrower_ID column as validation reads it ("" when missing), by position."""
    return _as_text(column).reset_index(drop=True)


def _as_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype) \
            and series.dtype != object and not series.hasnans:
        return strip_text(series)  # text as the readers give it: nothing to fill or convert
    return series.where(series.notna(), "").astype(str).str.strip()


def _problems(mask: np.ndarray, text: pd.Series, column: str, problem: str) -> pd.DataFrame:
    positions = np.flatnonzero(mask)
    if not len(positions):  # the usual case: one shared empty table instead of a new one per check
        return _no_problems()
    return pd.DataFrame({"position": positions, "Column": column,
                         "Value": text.iloc[positions].to_numpy(dtype=object), "Problem": problem})


@functools.cache
def _no_problems() -> pd.DataFrame:
    return pd.DataFrame({"position": np.empty(0, dtype=np.int64), "Column": np.empty(0, dtype=object),
                         "Value": np.empty(0, dtype=object), "Problem": np.empty(0, dtype=object)})


def _parse_numbers(text: pd.Series) -> pd.Series:
    """Numbers of a text column; "" and text that is not a number become NaN."""
    try:  # fast path: Arrow's parser converts a clean column in one go, "" as missing
        values = pyarrow.array(text, type=pyarrow.string())
        numbers = pyarrow.compute.cast(pyarrow.compute.if_else(pyarrow.compute.equal(values, ""), None, values),
                                       pyarrow.float64())
        return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index, dtype=float)
    except (pyarrow.ArrowInvalid, ValueError, TypeError):
        return pd.to_numeric(text, errors="coerce").astype(float)


def _check_numeric(column: Column, text: pd.Series) -> tuple[pd.Series, list[pd.DataFrame]]:
    blank = (text == "").to_numpy()
    missing = blank & (not column.may_be_blank)
    values = _parse_numbers(text).to_numpy()
    found = []
    unparseable = np.isnan(values) & ~blank
    found.append(_problems(unparseable, text, column.name, f"is not a number (expected {column.expected()})"))
    if column.dtype == "int":
        fractional = (values != np.floor(values)) & ~np.isnan(values)
        found.append(_problems(fractional, text, column.name, f"is not a whole number (expected {column.expected()})"))
        values = np.where(fractional, np.nan, values)
    out_of_range = (values < column.minimum) | (values > column.maximum)  # NaN is neither
    found.append(_problems(out_of_range, text, column.name, f"is out of range (expected {column.expected()})"))
    values = np.where(out_of_range, np.nan, values)
    missing_problem = _problems(missing, text, column.name, f"is missing (expected {column.expected()})")
    return pd.Series(values, index=text.index, name=column.name), [*found, missing_problem]


def _check_category(column: Column, text: pd.Series) -> tuple[pd.Series, list[pd.DataFrame]]:
    codes, uniques = pd.factorize(text)
    lookup = category_lookup(column)
    canonical = [lookup.get(normalize_label(u)) for u in uniques] + [None]
    # Code -1 (missing text) takes the None: Arrow builds the column without a Python string per row.
    values = pd.Series(take_labels(canonical, np.where(codes < 0, len(uniques), codes)), index=text.index,
                       name=column.name)
    blank = (text == "").to_numpy()
    unknown = values.isna().to_numpy() & ~blank
    missing = blank & (not column.may_be_blank)
    return values, [_problems(unknown, text, column.name, f"is not a known value (expected {column.expected()})"),
                    _problems(missing, text, column.name, f"is missing (expected {column.expected()})")]


def _check_ids(ids: pd.Series, tracker: IdTracker, row_numbers: np.ndarray) -> list[pd.DataFrame]:
    """Flag every Borrower_ID seen earlier in the file (the first occurrence stays clean)."""
    codes, uniques = pd.factorize(ids.mask(ids == ""))  # a missing ID is reported elsewhere, never a repeat
    known = codes >= 0
    # Codes number the IDs in order of first appearance, so a row first shows its ID where its code passes every
    # code before it (-1, no ID, never does): one pass instead of a sort.
    earlier_highest = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    first_row = tracker.find_and_remember(pyarrow.array(uniques, type=pyarrow.large_string()),
                                          row_numbers[codes > earlier_highest])
    first_of_row = np.append(first_row, 0)[codes]  # code -1 (no ID) takes the 0 appended: never a row number
    first_of_row[~known] = row_numbers[~known]
    repeats = np.flatnonzero(first_of_row != row_numbers)
    if not len(repeats):
        return []
    return [pd.DataFrame({"position": repeats, "Column": ID_COLUMN, "Value": ids.iloc[repeats].to_numpy(),
                          "Problem": [f"is a duplicate (first seen in row {first}; expected one row per borrower)"
                                      for first in first_of_row[repeats].tolist()]})]


def _check_spares(frame: pd.DataFrame) -> list[pd.DataFrame]:
    spares = [c for c in frame.columns if str(c).startswith(SPARE_PREFIX)]
    if not spares:
        return []
    used = frame[spares].astype(bool).to_numpy().any(axis=1)
    # iloc, not frame[name]: a caller's frame may repeat a column name, which would give a DataFrame.
    return [_problems(used, _as_text(frame[spares].iloc[:, 0]), spares[0],
                      "holds a value beyond the header's columns (kept in "
                      f"{SPARE_PREFIX}* columns; expected one value per header column)")]


def _check_undecodable(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The cells in which the reader found bytes the file's encoding cannot decode (``UNDECODABLE_ATTR``)."""
    return [_problems(mask, _as_text(frame[column]).reset_index(drop=True), str(column),
                      "holds bytes that are not text in the file's encoding (kept as \\xNN; expected text in one "
                      "encoding, e.g. UTF-8)")
            for column, mask in frame.attrs.get(UNDECODABLE_ATTR, {}).items() if column in frame.columns]


def validate_portfolio(frame: pd.DataFrame, *, first_row: int = 1, tracker: IdTracker | None = None,
                       source: str = "the portfolio") -> ValidationResult:
    """Validate a portfolio table (or one chunk of a file) without changing it.

    ``first_row`` is the row number of the frame's first row in the whole file (1-based, header excluded);
    pass the same ``tracker`` for every chunk of one file so duplicated Borrower_IDs are found across chunks.
    """
    column_map = check_table(frame, source)
    tracker = tracker if tracker is not None else IdTracker()
    row_numbers = np.arange(first_row, first_row + len(frame))
    # Work on positions; the caller's index (possibly not unique) is put back on the results.
    text = pd.DataFrame({name: _as_text(frame[header]).reset_index(drop=True)
                         for name, header in column_map.items()})
    clean, found = _check_columns(text)
    found += _check_spares(frame.reset_index(drop=True)) + _check_undecodable(frame)
    if ID_COLUMN in text:
        found += _check_ids(text[ID_COLUMN], tracker, row_numbers)
    issues = pd.concat(found, ignore_index=True).sort_values("position", kind="stable")
    scorable, notes = _assess_scoring(clean)
    row_issues = _row_issue_text(issues, notes, len(frame), frame.index)
    issues.insert(0, "Row", row_numbers[issues.pop("position").to_numpy()])
    clean.index = frame.index
    return ValidationResult(clean, issues.reset_index(drop=True)[list(ISSUE_COLUMNS)], row_issues,
                            pd.Series(scorable, index=frame.index), column_map)


def _check_columns(text: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    columns, found = {}, []
    for column in COLUMNS:
        if column.name not in text or column.dtype == "string":
            continue
        check = _check_numeric if column.is_numeric else _check_category
        columns[column.name], problems = check(column, text[column.name])
        found += problems
    if ID_COLUMN in text:
        missing = (text[ID_COLUMN] == "").to_numpy()
        found.append(_problems(missing, text[ID_COLUMN], ID_COLUMN, "is missing (expected an identifier)"))
        columns[ID_COLUMN] = text[ID_COLUMN]
    return pd.DataFrame(columns, index=text.index), found


def _assess_scoring(clean: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Decide per row whether a score is sound, and say why (imputed inputs, or why not scored)."""
    unusable = clean[list(MODEL_FEATURES)].isna()
    n_unusable = unusable.sum(axis=1).to_numpy()
    essential_missing = clean[list(ESSENTIAL_INPUTS)].isna().any(axis=1).to_numpy()
    scorable = (n_unusable <= MAX_IMPUTED_INPUTS) & ~essential_missing
    notes = np.full(len(clean), "", dtype=object)
    names = np.array(MODEL_FEATURES, dtype=object)
    for position in np.flatnonzero(n_unusable > 0):
        inputs = ", ".join(names[unusable.to_numpy()[position]])
        if essential_missing[position]:
            notes[position] = f"not scored: {', '.join(ESSENTIAL_INPUTS)} is needed and cannot be imputed"
        elif not scorable[position]:
            notes[position] = (f"not scored: {n_unusable[position]} model inputs unusable ({inputs}); "
                               f"at most {MAX_IMPUTED_INPUTS} can be imputed")
        else:
            notes[position] = f"scored with training-data values imputed for {inputs}"
    return scorable, notes


def _row_issue_text(issues: pd.DataFrame, notes: np.ndarray, n_rows: int, index: pd.Index) -> pd.Series:
    text = np.full(n_rows, "", dtype=object)
    if len(issues):
        lines = issues["Column"] + " " + _quote(issues["Value"]) + issues["Problem"]
        joined = lines.groupby(issues["position"].to_numpy()).agg("; ".join)
        text[joined.index.to_numpy()] = joined.to_numpy()
    for position in np.flatnonzero(notes != ""):
        text[position] = f"{text[position]}; {notes[position]}" if text[position] else notes[position]
    return pd.Series(text, index=index, name="Data_Issues", dtype=object)


def _quote(values: pd.Series) -> pd.Series:
    return values.map(lambda value: f"'{value}' " if value != "" else "")
