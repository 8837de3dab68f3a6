"""Live monitoring: monthly snapshots of a book in the store, their trends, drift and backtests by vintage.

- ``add_snapshot`` runs a file through the one pipeline (load, score, plan, drift) and stores what monitoring
  needs (``slrs.store``); the outcomes the file reports (rows with a Recovery_Status) are recorded for the loans
  whose outcome was not known yet.
- ``build_report`` reads the store back: per snapshot the trends (borrowers, outstanding, risk mix, actions,
  expected net recovery), the drift of every input and of the score against the training data with the 0.10 /
  0.25 lights (``slrs.drift``), the **backtest by vintage**, and alerts where a validation gate fails.

A *vintage* is a snapshot seen from later: its rows whose loan's outcome arrived in a later snapshot, scored as
they were then. Its backtest is the outcome analysis of those scores (``slrs.outcome_analysis``: ROC AUC, KS,
calibration) against what happened, so a model that was right in March and wrong in August shows as such.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from slrs import pipeline, store
from slrs.bundle import ModelBundle
from slrs.drift import MAJOR_SHIFT, SCORE_INPUT, SOME_SHIFT, STABLE, TABLE_COLUMNS, TOO_FEW_ROWS, DriftReport
from slrs.exceptions import ConfigError
from slrs.gates import GATE_LABELS, check_gates
from slrs.money import ACTIONS, BANDS, STRATEGY_OF
from slrs.outcome_analysis import OutcomeAnalysis, analyse_outcomes
from slrs.portfolio import LoadedPortfolio
from slrs.scenario import DecisionScenario, read_scenario_text, scenario_to_json
from slrs.schema import (
    FULLY_RECOVERED,
    ID_COLUMN,
    LOAN_ID_COLUMN,
    MODEL_FEATURES,
    NET_COLUMN,
    RISK_COLUMN,
    SEGMENT_COLUMN,
    STRATEGY_COLUMN,
    TARGET,
    input_label,
)
from slrs.strategy import NOT_SCORED, STRATEGIES

# The gates an alert reports: a vintage too young to have outcomes is waiting, not failing.
ALERT_GATES = tuple(GATE_LABELS[name] for name in ("auc_floor", "ks_floor", "calibration_error_ceiling",
                                                    "psi_ceiling"))
LIGHT_ORDER = (STABLE, SOME_SHIFT, MAJOR_SHIFT)  # worst last
ALERT_COLUMNS = ("As_of", "Gate", "Limit", "Measured", "Limit_value", "Measured_value")
# The drift table's order within a snapshot: the risk score, then the model inputs in schema order.
DRIFT_ORDER = (SCORE_INPUT, *(input_label(name) for name in MODEL_FEATURES))


@dataclass(frozen=True)
class AddResult:
    """What ``add_snapshot`` did: ``added`` False when the file was already stored (nothing changed)."""

    added: bool
    as_of: date
    rows: int
    outcomes_recorded: int
    message: str


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity
class MonitorReport:
    """The monitoring view of the store (see the module docstring); every table is oldest snapshot first.

    Attributes
    ----------
    snapshots : DataFrame
        One row per snapshot: As_of, File, Rows, Rows_scored, Outstanding, Expected_Net_Recovery, one column of
        accounts per action (``STRATEGIES``), the share of scored rows per risk band (``BANDS``), PSI_score and
        Drift_status (the worst light of the score and every input).
    drift : DataFrame
        One row per snapshot and input (the score first): As_of, Input, Measure, PSI, Status.
    backtest : DataFrame
        One row per snapshot with outcomes since: As_of, Rows_scored, N (rows with an outcome since),
        Matured_share, Observed_Rate, ROC_AUC, KS, Calibration_error, Verdict.
    alerts : DataFrame
        One row per failed gate: As_of, Gate, Limit and Measured (as shown), Limit_value and Measured_value.
    """

    snapshots: pd.DataFrame
    drift: pd.DataFrame
    backtest: pd.DataFrame
    alerts: pd.DataFrame

    @property
    def is_empty(self) -> bool:
        return self.snapshots.empty


# --- adding a snapshot -----------------------------------------------------------------------------------------

def parse_as_of(text: object) -> date:
    """An as-of date written YYYY-MM-DD."""
    written = str(text).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", written):
            return date.fromisoformat(written)
    except ValueError:
        pass
    raise ConfigError(f"the as-of date {written[:40]!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-31")


def add_snapshot(engine: Engine, data: bytes, name: str, as_of: date, bundle: ModelBundle,
                 scenario: DecisionScenario, user: str, keep_file: bool = False) -> AddResult:
    """Score and plan a portfolio file (``slrs.pipeline``) and store it as the snapshot of ``as_of``.

    The same file (same sha256) twice changes nothing, and is told before any scoring. A file that cannot be
    used raises ``DataValidationError`` before anything is written.
    """
    portfolio = pipeline.load(data, name)
    if (known := _already_stored(engine, portfolio)) is not None:
        return known
    return add_decision(engine, pipeline.decide(portfolio, bundle, scenario), bundle, as_of, user,
                        data if keep_file else None)


def add_decision(engine: Engine, decision: pipeline.Decision, bundle: ModelBundle, as_of: date, user: str,
                 file_content: bytes | None = None) -> AddResult:
    """Store a decided portfolio (the app's portfolio in use, or ``add_snapshot``'s file) as the snapshot of
    ``as_of``; the same file twice changes nothing. ``ConfigError`` for the bundled sample, a date that already has
    another file, or a date before the newest snapshot's (snapshots are added in date order).
    """
    portfolio = decision.portfolio
    if portfolio.is_sample:
        raise ConfigError("the bundled sample portfolio is the models' training data, not a book to monitor: load "
                          "a portfolio file first")
    if (known := _already_stored(engine, portfolio)) is not None:
        return known
    other = store.snapshot_file_name(engine, as_of)
    if other is not None:
        raise ConfigError(f"the store already has a snapshot as of {as_of} (from {other}); one snapshot per date: "
                          "choose another date")
    _, newest = store.newest_snapshot(engine)
    if newest is not None and as_of < newest:
        # An outcome belongs to the first snapshot that reports it; an earlier snapshot added later would find
        # outcomes already dated after it that its own rows report, and the backtest would count them as news.
        raise ConfigError(f"the store's newest snapshot is as of {newest}; snapshots are added in date order, so "
                          f"{as_of} cannot come after it")
    _, outcomes = store.insert_snapshot(engine, snapshot_record(decision, bundle, as_of, user, file_content))
    return AddResult(True, as_of, portfolio.n_rows, outcomes,
                     f"stored {portfolio.name} as the snapshot of {as_of}: {portfolio.n_rows:,} rows, {outcomes:,} "
                     "new outcomes")


def _already_stored(engine: Engine, portfolio: LoadedPortfolio) -> AddResult | None:
    stored_as_of = store.snapshot_with_hash(engine, portfolio.digest)
    if stored_as_of is None:
        return None
    return AddResult(False, stored_as_of, portfolio.n_rows, 0,
                     f"{portfolio.name} is already stored (same content) as the snapshot of {stored_as_of}; "
                     "nothing changed")


def snapshot_record(decision: pipeline.Decision, bundle: ModelBundle, as_of: date, user: str,
                    file_content: bytes | None = None) -> store.SnapshotRecord:
    """What the store keeps of one decided portfolio (see ``slrs.store``)."""
    portfolio, view, plan = decision.portfolio, decision.view, decision.plan
    rows = pd.DataFrame({
        "row": view["Row"].to_numpy(dtype=np.int64),
        "borrower_id": _file_ids(portfolio, ID_COLUMN),
        "loan_id": _file_ids(portfolio, LOAN_ID_COLUMN),
        "segment": view[SEGMENT_COLUMN].astype("Int64").to_numpy(dtype=object, na_value=None),
        "risk_score": view[RISK_COLUMN].to_numpy(dtype=float),
        "risk_band": plan["Risk_Band"].astype(str).to_numpy(),
        "action": plan[STRATEGY_COLUMN].astype(str).to_numpy(),
        "outstanding": plan["Outstanding"].to_numpy(dtype=float),
        "expected_net": plan[NET_COLUMN].to_numpy(dtype=float),
    })
    # An outcome is kept only for a loan the file names without doubt: a Borrower_ID of its own, and no other row
    # with the same Borrower_ID and Loan_ID.
    reported = view[TARGET].notna().to_numpy() if TARGET in view else np.zeros(len(view), dtype=bool)
    known = reported & matchable(rows)
    outcomes = pd.DataFrame({"borrower_id": rows["borrower_id"][known], "loan_id": rows["loan_id"][known],
                             "status": view[TARGET][known].astype(str).to_numpy() if known.any() else []})
    drift = decision.drift.table.rename(columns={"Input": "input", "Measure": "measure", "PSI": "psi",
                                                 "Status": "status", "Out_of_range_share": "out_of_range_share",
                                                 "Unseen_share": "unseen_share", "Missing_share": "missing_share",
                                                 "Rows": "rows"})
    header = {"as_of": as_of, "file_name": portfolio.name[:255], "file_sha256": portfolio.digest,
              "method": decision.scenario.method, "scenario": scenario_to_json(decision.scenario),
              "artifact_hashes": json.dumps(bundle.manifest["files"], sort_keys=True), "rows": portfolio.n_rows,
              "rows_scored": portfolio.n_rows - portfolio.n_rows_not_scored,
              "rows_with_issues": portfolio.n_rows_with_issues, "added_at": store.now(),
              "added_by": user[:store.MAX_USER_CHARS]}
    return store.SnapshotRecord(header, rows, drift, outcomes, file_content)


def _file_ids(portfolio: LoadedPortfolio, column: str) -> np.ndarray:
    """Each row's identifier in ``column`` as the file writes it ("" where it has none: never a made-up one)."""
    header = portfolio.validation.column_map.get(column)
    if header is None:
        return np.full(portfolio.n_rows, "", dtype=object)
    ids = portfolio.raw[header]
    return ids.where(ids.notna(), "").astype(str).str.strip().to_numpy(dtype=object)


def matchable(rows: pd.DataFrame) -> np.ndarray:
    """Rows whose loan can be matched with an outcome: a Borrower_ID, and a (Borrower_ID, Loan_ID) no other row
    of the same snapshot has."""
    keys = rows[["borrower_id", "loan_id"]]
    return (keys["borrower_id"] != "").to_numpy() & ~keys.duplicated(keep=False).to_numpy()


# --- the report -------------------------------------------------------------------------------------------------

def build_report(engine: Engine) -> MonitorReport:
    """Trends, drift, backtest by vintage and alerts of every snapshot in the store."""
    headers = store.read_snapshots(engine)
    if headers.empty:
        empty = pd.DataFrame()
        return MonitorReport(empty, empty, empty, empty)
    headers["as_of"] = pd.to_datetime(headers["as_of"]).dt.date
    as_of = dict(zip(headers["id"], headers["as_of"], strict=True))
    drift = store.read_drift(engine)
    drift_long = pd.DataFrame({"As_of": drift["snapshot_id"].map(as_of), "Input": drift["input"],
                               "Measure": drift["measure"], "PSI": drift["psi"], "Status": drift["status"]})
    position = drift_long["Input"].map({name: place for place, name in enumerate(DRIFT_ORDER)})
    drift_long = drift_long.assign(position=position).sort_values(["As_of", "position"], kind="stable")
    drift_long = drift_long.drop(columns="position").reset_index(drop=True)
    analyses = _vintage_analyses(store.read_matured_scores(engine))
    return MonitorReport(_trends(headers, store.read_trends(engine), drift_long), drift_long,
                         _backtest(headers, analyses), _alerts(headers, drift, analyses))


def _trends(headers: pd.DataFrame, mix: pd.DataFrame, drift: pd.DataFrame) -> pd.DataFrame:
    accounts = mix.pivot_table(index="snapshot_id", columns="action", values="accounts", aggfunc="sum",
                               fill_value=0).reindex(columns=list(STRATEGIES), fill_value=0)
    scored = mix[mix["action"] != NOT_SCORED]
    bands = scored.pivot_table(index="snapshot_id", columns="risk_band", values="accounts", aggfunc="sum",
                               fill_value=0).reindex(columns=list(BANDS), fill_value=0)
    bands = bands.div(bands.sum(axis=1).replace(0, np.nan), axis=0)
    money = mix.groupby("snapshot_id")[["outstanding", "expected_net"]].sum()
    score_rows = drift[drift["Input"] == SCORE_INPUT].set_index("As_of")
    trends = pd.DataFrame({"As_of": headers["as_of"], "File": headers["file_name"], "Rows": headers["rows"],
                           "Rows_scored": headers["rows_scored"]})
    ids = headers["id"]
    trends["Outstanding"] = money["outstanding"].reindex(ids).to_numpy()
    trends["Expected_Net_Recovery"] = money["expected_net"].reindex(ids).to_numpy()
    for action in STRATEGIES:
        trends[action] = accounts[action].reindex(ids, fill_value=0).to_numpy(dtype=np.int64)
    for band in BANDS:
        trends[band] = bands[band].reindex(ids).to_numpy()
    trends["PSI_score"] = score_rows["PSI"].reindex(trends["As_of"]).to_numpy(dtype=float)
    trends["Drift_status"] = [_worst_light(drift.loc[drift["As_of"] == day, "Status"]) for day in trends["As_of"]]
    return trends


def _worst_light(statuses: pd.Series) -> str:
    lights = [status for status in statuses if status in LIGHT_ORDER]
    return max(lights, key=LIGHT_ORDER.index) if lights else TOO_FEW_ROWS


def _vintage_analyses(matured: pd.DataFrame) -> dict[int, OutcomeAnalysis]:
    """The outcome analysis of each snapshot's scores against the outcomes that arrived after it."""
    analyses = {}
    for snapshot_id, rows in matured.groupby("snapshot_id", sort=False):
        rows = rows[matchable(rows)]
        if not rows.empty:
            events = (rows["status"].to_numpy() != FULLY_RECOVERED).astype(np.int8)
            analyses[snapshot_id] = analyse_outcomes(events, rows["risk_score"].to_numpy(dtype=float))
    return analyses


def _backtest(headers: pd.DataFrame, analyses: dict[int, OutcomeAnalysis]) -> pd.DataFrame:
    records = []
    for snapshot_id, day, scored in zip(headers["id"], headers["as_of"], headers["rows_scored"], strict=True):
        analysis = analyses.get(snapshot_id)
        if analysis is None:
            continue
        records.append({"As_of": day, "Rows_scored": int(scored), "N": analysis.n,
                        "Matured_share": analysis.n / scored if scored else np.nan,
                        "Observed_Rate": analysis.n_not_full / analysis.n if analysis.n else np.nan,
                        "ROC_AUC": analysis.auc, "KS": analysis.ks, "Calibration_error": analysis.calibration_error,
                        "Verdict": analysis.verdict or "too few outcomes"})
    columns = ["As_of", "Rows_scored", "N", "Matured_share", "Observed_Rate", "ROC_AUC", "KS", "Calibration_error",
               "Verdict"]
    return pd.DataFrame.from_records(records, columns=columns)


def _alerts(headers: pd.DataFrame, drift: pd.DataFrame, analyses: dict[int, OutcomeAnalysis]) -> pd.DataFrame:
    """The gates each snapshot fails: its scenario's gates on its backtest (when it has one) and its drift."""
    records = []
    for snapshot_id, day, scenario_json in zip(headers["id"], headers["as_of"], headers["scenario"], strict=True):
        gates = read_scenario_text(scenario_json, f"the scenario of the snapshot as of {day}.json").gates
        analysis = analyses.get(snapshot_id, OutcomeAnalysis(0, 0, None))
        for result in check_gates(analysis, _stored_drift(drift[drift["snapshot_id"] == snapshot_id]), gates):
            if result.status == "fail" and result.gate in ALERT_GATES:
                records.append({"As_of": day, "Gate": result.gate, "Limit": result.limit,
                                "Measured": result.measured, "Limit_value": result.limit_value,
                                "Measured_value": result.measured_value})
    return pd.DataFrame.from_records(records, columns=list(ALERT_COLUMNS))


def _stored_drift(rows: pd.DataFrame) -> DriftReport:
    """A snapshot's drift report as stored (its table; the warning is not kept)."""
    table = pd.DataFrame({"Input": rows["input"], "Measure": rows["measure"], "PSI": rows["psi"],
                          "Status": rows["status"], "Out_of_range_share": rows["out_of_range_share"],
                          "Unseen_share": rows["unseen_share"], "Missing_share": rows["missing_share"],
                          "Rows": rows["rows"]}, columns=list(TABLE_COLUMNS))
    return DriftReport(table, None, int(rows["rows"].max()) if len(rows) else 0)


def report_to_dict(report: MonitorReport) -> dict:
    """JSON-ready (the keys are documented in the README): snapshots, drift, backtest, alerts."""
    snapshots = [{"as_of": str(row["As_of"]), "file": row["File"], "rows": int(row["Rows"]),
                  "rows_scored": int(row["Rows_scored"]), "outstanding": _number(row["Outstanding"]),
                  "expected_net_recovery": _number(row["Expected_Net_Recovery"]),
                  "accounts": {action: int(row[STRATEGY_OF[action]]) for action in ACTIONS},
                  "risk_mix": {band: _number(row[band]) for band in BANDS},
                  "psi_score": _number(row["PSI_score"]), "drift_status": row["Drift_status"]}
                 for row in _records(report.snapshots)]
    drift = [{"as_of": str(row["As_of"]), "input": row["Input"], "measure": row["Measure"],
              "psi": _number(row["PSI"]), "status": row["Status"]} for row in _records(report.drift)]
    backtest = [{"as_of": str(row["As_of"]), "rows_scored": int(row["Rows_scored"]), "n": int(row["N"]),
                 "matured_share": _number(row["Matured_share"]),
                 "not_fully_recovered_rate": _number(row["Observed_Rate"]), "auc": _number(row["ROC_AUC"]),
                 "ks": _number(row["KS"]), "calibration_error": _number(row["Calibration_error"]),
                 "verdict": row["Verdict"]} for row in _records(report.backtest)]
    alerts = [{"as_of": str(row["As_of"]), "gate": row["Gate"], "limit": _number(row["Limit_value"]),
               "measured": _number(row["Measured_value"])} for row in _records(report.alerts)]
    return {"snapshots": snapshots, "drift": drift, "backtest": backtest, "alerts": alerts}


def _records(table: pd.DataFrame) -> list[dict]:
    return table.to_dict(orient="records")


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
