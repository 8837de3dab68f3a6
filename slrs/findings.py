"""Findings: what a user must know about a portfolio's numbers before trusting them, as data.

The pipeline gathers them once per portfolio and scenario; every face shows the same list: the app in one banner
on every page, each CLI command on stderr, the committee pack before any figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from slrs.drift import DriftReport
from slrs.gates import GateResult, gates_summary
from slrs.outcome_analysis import OutcomeAnalysis

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")  # most severe first
SEVERITY_WORDS: dict[Severity, str] = {"critical": "Do not rely on these numbers", "warning": "Check before use",
                                       "info": "Note"}
DRIFT_DETAILS = "The drift table (Portfolio page, or the committee pack) shows each input's shift."
NO_SIGNAL_ADVICE = "Do not use these scores to decide actions on this portfolio."
GATES_PREFIX = "Validation gates: "
EVIDENCE_DETAILS = "The Model page (and the committee pack) shows the outcome analysis and the gates."
STUDY_METHOD_TEXT = ("Scores come from the study's method, shown for comparison only: it predicts the study's own "
                     "segments, not whether a loan will be recovered. Use the outcome model for decisions.")


@dataclass(frozen=True)
class Finding:
    """One thing to know before trusting the numbers: how serious it is, and plain words about it."""

    severity: Severity
    text: str

    def line(self) -> str:
        """The finding as one line of text: ``Check before use: 12 rows could not be scored ...``."""
        return f"{SEVERITY_WORDS[self.severity]}: {self.text}"


def gather_findings(*, n_rows: int, n_rows_with_issues: int, n_unscored: int, method: str,
                    model_warnings: Sequence[str], drift: DriftReport, analysis: OutcomeAnalysis,
                  gates: Sequence[GateResult]) -> tuple[Finding, ...]:
    """The findings of one scored portfolio, most severe first.

    Parameters
    ----------
    n_rows, n_rows_with_issues, n_unscored : int
        Rows in the file, rows with at least one data issue, rows that could not be scored.
    method : str
        The risk method in use (``"study"`` is flagged: it is a comparison, not a decision model).
    model_warnings : sequence of str
        The model's own warnings from training (e.g. no signal in the training data).
    drift : DriftReport
        The drift check: its warning is critical; why it could not look (too few rows, no training reference) is
        a note, so that "no drift found" is never said of a check that did not run.
    analysis : OutcomeAnalysis
        The portfolio's own outcome analysis: "no signal" is critical, "signal" a note, too few labels a note.
    gates : sequence of GateResult
        The validation gates: any not passed is a warning (only for a portfolio with known outcomes).
    """
    findings = _evidence_findings(analysis, gates) + [Finding("critical", text) for text in model_warnings]
    if drift.warning:
        findings.append(Finding("critical", f"{drift.warning} {DRIFT_DETAILS}"))
    findings += [Finding("info", f"Data drift not checked: {note}") for note in drift.notes]
    if method == "study":
        findings.append(Finding("warning", STUDY_METHOD_TEXT))
    if n_unscored:
        findings.append(Finding("warning", f"{n_unscored:,} of {n_rows:,} rows could not be scored and count in no "
                                           "total; their reasons are in the scored file's data issues column."))
    if n_rows_with_issues > n_unscored:
        findings.append(Finding("info", f"{n_rows_with_issues - n_unscored:,} scored rows have data issues; the "
                                        "data issues column says what and where."))
    return tuple(sorted(findings, key=lambda finding: SEVERITIES.index(finding.severity)))


def _evidence_findings(analysis: OutcomeAnalysis, gates: Sequence[GateResult]) -> list[Finding]:
    if not analysis.has_labels:
        return []
    no_signal = analysis.verdict == "no signal"
    findings = [Finding("critical" if no_signal else "info",
                        f"{analysis.sentence()} {NO_SIGNAL_ADVICE}" if no_signal else analysis.sentence())]
    if any(result.status != "pass" for result in gates):
        findings.append(Finding("warning", f"{GATES_PREFIX}{gates_summary(tuple(gates))}. {EVIDENCE_DETAILS}"))
    return findings
