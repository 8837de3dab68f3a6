"""The portfolio format: the single source of truth for every column SLRS reads or writes.

Feature lists, validation, the downloadable template, the docs and the tests all derive from ``COLUMNS``;
no other module spells a column list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

SCHEMA_VERSION = "1"

Kind = Literal["id", "feature", "post_decision", "target"]
DType = Literal["int", "float", "category", "string"]


@dataclass(frozen=True)
class Column:
    """One column of the portfolio format.

    ``required`` columns must be present in a file; ``in_model`` features feed the outcome risk model;
    ``segment_feature`` marks the ten numeric features the study clusters on.
    """

    name: str
    kind: Kind
    dtype: DType
    description: str
    required: bool = False
    in_model: bool = False
    segment_feature: bool = False
    minimum: float = 0
    maximum: float = 0
    allowed: tuple[str, ...] = ()
    value_synonyms: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def may_be_blank(self) -> bool:
        """A blank outcome or collection record is not a data issue: a loan still open has neither yet."""
        return self.kind in ("target", "post_decision")

    @property
    def is_numeric(self) -> bool:
        return self.dtype in ("int", "float")

    def expected(self) -> str:
        """Plain words for what a valid value of this column looks like."""
        if self.allowed:
            return "one of " + ", ".join(self.allowed)
        if self.is_numeric:
            kind = "a whole number" if self.dtype == "int" else "a number"
            return f"{kind} from {self.minimum:,g} to {self.maximum:,.0f}"
        return "text"


def _feature(name: str, dtype: DType, description: str, **kwargs: object) -> Column:
    return Column(name, "feature", dtype, description, **kwargs)  # type: ignore[arg-type]


# A model feature is required; Gender is a feature the model never sees (kept for fairness checks).
COLUMNS: tuple[Column, ...] = (
    Column("Borrower_ID", "id", "string", "Borrower identifier, e.g. BRW_1.", aliases=("borrower", "customer id")),
    _feature("Age", "int", "Borrower age in years.", required=True, in_model=True, segment_feature=True,
             minimum=18, maximum=100, aliases=("age years",)),
    _feature("Gender", "category", "Borrower gender; never a model input, kept for fairness checks.",
             allowed=("Male", "Female"), aliases=("sex",)),
    _feature("Employment_Type", "category", "How the borrower earns a living.", required=True, in_model=True,
             allowed=("Salaried", "Self-Employed", "Business Owner"), aliases=("employment",)),
    _feature("Monthly_Income", "float", "Monthly income in currency units.", required=True, in_model=True,
             segment_feature=True, minimum=0, maximum=1e9, aliases=("income",)),
    _feature("Num_Dependents", "int", "Number of financial dependents.", required=True, in_model=True,
             minimum=0, maximum=20, aliases=("dependents",)),
    Column("Loan_ID", "id", "string", "Loan identifier, e.g. LN_1."),
    _feature("Loan_Amount", "float", "Amount originally lent, in currency units.", required=True, in_model=True,
             segment_feature=True, minimum=0, maximum=1e11),
    _feature("Loan_Tenure", "int", "Contractual loan term in months.", required=True, in_model=True,
             segment_feature=True, minimum=1, maximum=480, aliases=("tenure", "tenure months")),
    _feature("Interest_Rate", "float", "Annual interest rate in percent.", required=True, in_model=True,
             segment_feature=True, minimum=0, maximum=100, aliases=("rate",)),
    _feature("Loan_Type", "category", "Product type.", required=True, in_model=True,
             allowed=("Personal", "Home", "Auto", "Business")),
    _feature("Collateral_Value", "float", "Current value of the collateral in currency units (0 if unsecured).",
             required=True, in_model=True, segment_feature=True, minimum=0, maximum=1e11,
             aliases=("collateral",)),
    _feature("Outstanding_Loan_Amount", "float", "Amount still owed, in currency units.", required=True,
             in_model=True, segment_feature=True, minimum=0, maximum=1e11,
             aliases=("outstanding", "outstanding amount")),
    _feature("Monthly_EMI", "float", "Monthly instalment due, in currency units.", required=True, in_model=True,
             segment_feature=True, minimum=0, maximum=1e10, aliases=("emi",)),
    _feature("Payment_History", "category", "Overall repayment behaviour before collection.", required=True,
             in_model=True, allowed=("On-Time", "Delayed", "Missed")),
    _feature("Num_Missed_Payments", "int", "Instalments missed so far.", required=True, in_model=True,
             segment_feature=True, minimum=0, maximum=600, aliases=("missed payments",)),
    _feature("Days_Past_Due", "int", "Days the oldest unpaid instalment is overdue.", required=True,
             in_model=True, segment_feature=True, minimum=0, maximum=3650, aliases=("dpd",)),
    Column("Recovery_Status", "target", "category", "Final outcome of the recovery (the label).",
           allowed=("Fully Recovered", "Partially Recovered", "Written Off"),
           value_synonyms={"Outstanding": "Written Off"}, aliases=("status", "outcome")),
    Column("Collection_Attempts", "post_decision", "int", "Collection contacts made after the decision.",
           minimum=0, maximum=1000),
    Column("Collection_Method", "post_decision", "category", "Collection action that was taken.",
           allowed=("Calls", "Legal Notice", "Debt Collectors", "Settlement Offer")),
    Column("Legal_Action_Taken", "post_decision", "category", "Whether legal action was taken.",
           allowed=("Yes", "No")),
)

COLUMN_BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(COLUMN_BY_NAME)
ID_COLUMN = "Borrower_ID"
LOAN_ID_COLUMN = "Loan_ID"
TARGET = "Recovery_Status"
FULLY_RECOVERED, PARTIALLY_RECOVERED, WRITTEN_OFF = COLUMN_BY_NAME[TARGET].allowed
OUTCOME_CLASSES: tuple[str, ...] = COLUMN_BY_NAME[TARGET].allowed

REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)
MODEL_FEATURES = tuple(c.name for c in COLUMNS if c.in_model)
NUMERIC_MODEL_FEATURES = tuple(c.name for c in COLUMNS if c.in_model and c.is_numeric)
CATEGORICAL_MODEL_FEATURES = tuple(c.name for c in COLUMNS if c.in_model and c.dtype == "category")
SEGMENT_FEATURES = tuple(c.name for c in COLUMNS if c.segment_feature)
POST_DECISION_COLUMNS = tuple(c.name for c in COLUMNS if c.kind == "post_decision")
NEVER_IN_MODEL = tuple(c.name for c in COLUMNS if not c.in_model)

# Columns SLRS appends when it scores and plans a portfolio, in output order (``slrs score`` and the app's
# download): the scores, the plan's action, the plan's money (currency, by the scenario's assumptions) and the
# data issues. Every figure called "expected recovery" anywhere is ``Expected_Recovered``.
SEGMENT_COLUMN, SEGMENT_NAME_COLUMN, RISK_COLUMN = "Borrower_Segment", "Segment_Name", "Risk_Score"
STRATEGY_COLUMN = "Recovery_Strategy"
COST_COLUMN, RECOVERED_COLUMN, NET_COLUMN = "Action_Cost", "Expected_Recovered", "Expected_Net_Recovery"
ISSUES_COLUMN = "Data_Issues"
PLAN_AMOUNT_COLUMNS = (COST_COLUMN, RECOVERED_COLUMN, NET_COLUMN)
# Columns earlier versions of SLRS wrote and this one no longer does: dropped when a scored file is scored again.
LEGACY_OUTPUT_COLUMNS = ("Expected_Recovery",)
OUTPUT_COLUMNS = (SEGMENT_COLUMN, SEGMENT_NAME_COLUMN, RISK_COLUMN, STRATEGY_COLUMN, *PLAN_AMOUNT_COLUMNS,
                  ISSUES_COLUMN)


# Values beyond a file's header width are kept in spare columns named ``Extra_Value_1``, ``Extra_Value_2``...
SPARE_PREFIX = "Extra_Value_"
# Where a frame read from a file notes the cells that held bytes its encoding could not decode:
# ``frame.attrs[UNDECODABLE_ATTR]`` maps a column to a boolean mask of its rows (see ``slrs.io``).
UNDECODABLE_ATTR = "slrs_undecodable"
# Readable names of the ratios the model derives from the inputs (``slrs.features``).
DERIVED_LABELS = {"EMI_to_Income": "Instalment to income ratio", "Collateral_Coverage": "Collateral coverage",
                  "Outstanding_Share": "Share of loan outstanding"}


# Readable names of the columns SLRS appends (``OUTPUT_COLUMNS``).
OUTPUT_LABELS = {SEGMENT_COLUMN: "Segment", SEGMENT_NAME_COLUMN: "Segment name", RISK_COLUMN: "Risk score",
                 STRATEGY_COLUMN: "Recovery action", COST_COLUMN: "Cost of the action",
                 RECOVERED_COLUMN: "Expected recovery", NET_COLUMN: "Expected net recovery",
                 ISSUES_COLUMN: "Data issues"}
PROBABILITY_PREFIX = "P_"  # outcome probabilities in the scored view: P_Fully_Recovered...


def column_label(name: str) -> str:
    """Readable name of any column SLRS reads or writes: schema inputs, appended outputs, derived ratios."""
    if name in OUTPUT_LABELS:
        return OUTPUT_LABELS[name]
    if name.startswith(PROBABILITY_PREFIX) and len(name) > len(PROBABILITY_PREFIX):
        return "Probability: " + input_label(name[len(PROBABILITY_PREFIX):]).lower()
    return input_label(name)


def internal_names() -> tuple[str, ...]:
    """Every column name people should never read as such: those whose readable label differs from them."""
    names = (*COLUMN_NAMES, *OUTPUT_COLUMNS, *DERIVED_LABELS)
    return tuple(name for name in dict.fromkeys(names) if column_label(name) != name)


def input_label(name: str) -> str:
    """Readable name of a model input: "Num_Missed_Payments" -> "Missed payments", ratios by their own names."""
    if name in DERIVED_LABELS:
        return DERIVED_LABELS[name]
    words = name.split("_")
    words = words[1:] if words[0] == "Num" else words
    text = " ".join(word if word.isupper() else word.lower() for word in words)
    return text[:1].upper() + text[1:]


def normalize_label(text: object) -> str:
    """Fold a header or category value for matching: case, spaces, dashes and underscores are ignored."""
    return re.sub(r"[\s_\-]+", "", str(text)).casefold()


def _build_header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        for label in (column.name, *column.aliases):
            lookup[normalize_label(label)] = column.name
    return lookup


HEADER_LOOKUP: dict[str, str] = _build_header_lookup()


def canonical_column(header: object) -> str | None:
    """Return the schema name a file header stands for, or None for an extra column."""
    return HEADER_LOOKUP.get(normalize_label(header))


def category_lookup(column: Column) -> dict[str, str]:
    """Map folded spellings of a category column's values (and synonyms) to their canonical value."""
    lookup = {normalize_label(value): value for value in column.allowed}
    lookup.update({normalize_label(word): value for word, value in column.value_synonyms.items()})
    return lookup


def describe_schema() -> list[dict[str, object]]:
    """One row per column for the docs and the app: name, kind, required, expected values, description."""
    return [
        {"column": c.name, "kind": c.kind.replace("_", "-"), "required": c.required,
         "expected": c.expected(), "description": c.description}
        for c in COLUMNS
    ]


def template_frame() -> pd.DataFrame:
    """An empty portfolio (no rows) with every schema column, in schema order, as text columns."""
    return pd.DataFrame({name: pd.Series(dtype=str) for name in COLUMN_NAMES})
