"""Scenarios to share: everything that decides the recommended actions, as a file and as a link.

A ``DecisionScenario`` is the risk method, the two thresholds, the bank's cost and recovery assumptions
(``slrs.money``) and, if one was picked, the what-if page's borrower with their edited inputs
(``slrs.whatif.Scenario``). It is written as JSON (or read from JSON/YAML, for the command line)::

    {"format": "slrs-scenario", "version": 1, "method": "outcome",
     "thresholds": {"low": 0.5, "high": 0.75},
     "assumptions": {"legal": {"cost": 6000.0, "shares": [0.88, 0.8, 0.66, 0.52], "capacity": 200}, ...},
     "currency": {"code": "EUR", "symbol": "€"},
     "gates": {"auc_floor": 0.6, "ks_floor": 0.15, "min_labelled_rows": 200, ...},
     "borrower": {"id": "BRW_12", "edits": {"Age": 45, "Loan_Type": "Home"}}}

Any part left out keeps its default. A file with a mistake is refused as a whole, with every problem named
by where it is (``assumptions.legal.shares: ...``). In a link the same scenario is a set of URL parameters
(``method``, ``low``, ``high``, ``cost.legal``, ``shares.legal``, ``cap.legal``, ``currency``,
``currency_symbol``, ``gate.<limit>``, ``borrower``, ``edit.<input>``); there a bad value is dropped with a warning instead, because a hand-edited link must never
stop the app.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import yaml

from slrs.exceptions import ConfigError
from slrs.formatting import NO_CURRENCY, Currency, currency_for, format_share
from slrs.gates import (
    DEFAULT_GATES,
    GATE_FIELDS,
    ValidationGates,
    gates_to_dict,
    read_gates,
)
from slrs.limits import DEFAULT_LIMITS, ReadLimits, quote
from slrs.money import (
    ACTIONS,
    DEFAULT_ASSUMPTIONS,
    NO_LIMIT,
    STRATEGY_OF,
    TERM_FIELDS,
    ActionTerms,
    Assumptions,
    assumptions_to_dict,
    describe_kind,
    is_number,
    read_assumptions,
    read_number,
    read_term_field,
)
from slrs.schema import CATEGORICAL_MODEL_FEATURES, MODEL_FEATURES, input_label
from slrs.strategy import DEFAULT_THRESHOLDS, METHOD_LABELS, METHODS, SHORT_STRATEGY, Method, Thresholds
from slrs.whatif import (
    QUERY_BORROWER,
    QUERY_EDIT_PREFIX,
    Scenario,
    Value,
    is_scenario_parameter,
)
from slrs.whatif import scenario_to_query as whatif_query

FORMAT, VERSION = "slrs-scenario", 1
TOP_KEYS = ("format", "version", "method", "thresholds", "assumptions", "currency", "gates", "borrower")
JSON_SUFFIXES, YAML_SUFFIXES = (".json",), (".yaml", ".yml")
# A scenario is a few hundred bytes; anything far larger is not one.
# URL parameter names (method/low/high as the app has always written them; see slrs.ui).
QUERY_METHOD, QUERY_LOW, QUERY_HIGH = "method", "low", "high"
QUERY_TERMS = {"cost": "cost.", "shares": "shares.", "capacity": "cap."}
QUERY_CURRENCY, QUERY_SYMBOL, QUERY_GATE_PREFIX = "currency", "currency_symbol", "gate."


@dataclass(frozen=True)
class DecisionScenario:
    """What decides the recommended actions: method, thresholds, assumptions, and the what-if borrower.

    Attributes
    ----------
    method : {"outcome", "study"}
        The risk method.
    thresholds : Thresholds
        Risk-score cut-offs (0 to 1).
    assumptions : Assumptions
        Cost (currency per account), recovered shares (0 to 1) and capacity (accounts) of each action.
    borrower : slrs.whatif.Scenario or None
        The borrower on the what-if page and the inputs edited away from their row; None: none chosen.
    currency : slrs.formatting.Currency
        The currency of every amount (none by default: the portfolio file carries none).
    gates : slrs.gates.ValidationGates
        The pass/fail limits the portfolio's evidence is checked against.
    """

    method: Method = "outcome"
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS
    borrower: Scenario | None = None
    currency: Currency = NO_CURRENCY
    gates: ValidationGates = DEFAULT_GATES

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"method {self.method!r} should be one of {', '.join(METHODS)}")
        for name, kind in (("thresholds", Thresholds), ("assumptions", Assumptions), ("currency", Currency),
                           ("gates", ValidationGates)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"{name} should be {kind.__name__}, found {type(getattr(self, name)).__name__}")
        if self.borrower is not None and not isinstance(self.borrower, Scenario):
            raise ConfigError(f"borrower should be a what-if Scenario or None, found {type(self.borrower).__name__}")


# --- as a mapping (JSON / YAML) ------------------------------------------------------------------------------

def scenario_to_dict(scenario: DecisionScenario) -> dict:
    """The scenario as plain JSON-ready data, with ``format`` and ``version`` (see the module docstring)."""
    borrower = None if scenario.borrower is None else \
        {"id": scenario.borrower.borrower_id, "edits": dict(scenario.borrower.edits)}
    return {"format": FORMAT, "version": VERSION, "method": scenario.method,
            "thresholds": {"low": scenario.thresholds.low, "high": scenario.thresholds.high},
            "assumptions": assumptions_to_dict(scenario.assumptions),
            "currency": {"code": scenario.currency.code, "symbol": scenario.currency.symbol},
            "gates": gates_to_dict(scenario.gates), "borrower": borrower}


def scenario_to_json(scenario: DecisionScenario) -> str:
    """``scenario_to_dict`` as JSON text: indented by 2, keys sorted, ending in a newline."""
    return json.dumps(scenario_to_dict(scenario), indent=2, sort_keys=True, allow_nan=False) + "\n"


def scenario_from_dict(data: object, source: str = "the scenario") -> DecisionScenario:
    """Read a scenario written by ``scenario_to_dict`` (or by hand); parts left out keep their defaults.

    Raises
    ------
    ConfigError
        Listing every problem, each starting with where it is (``thresholds.low``, ``assumptions.legal.cost``).
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source} cannot be used: it should be a mapping with the keys {', '.join(TOP_KEYS)}; "
                          f"found {describe_kind(data)}")
    problems = [f"unknown key {quote(key)}; expected {', '.join(TOP_KEYS)}" for key in data if key not in TOP_KEYS]
    if data.get("format", FORMAT) != FORMAT:
        problems.append(f"format: {quote(data['format'])} should be {FORMAT!r}")
    if data.get("version", VERSION) != VERSION:
        problems.append(f"version: {quote(data['version'])} should be {VERSION} (the only version this SLRS reads)")
    method = data.get("method", "outcome")
    if method not in METHODS:
        problems.append(f"method: {quote(method)} should be one of {', '.join(METHODS)}")
    thresholds = _read_thresholds(data.get("thresholds", {}), problems)
    assumptions = read_assumptions(data.get("assumptions", {}), problems)
    borrower = _read_borrower(data.get("borrower"), problems)
    currency = _read_currency(data.get("currency", {}), problems)
    gates = read_gates(data.get("gates", {}), problems)
    if problems:
        raise ConfigError(f"{source} cannot be used:\n" + "\n".join(f"- {problem}" for problem in problems))
    return DecisionScenario(method, thresholds, assumptions, borrower, currency, gates)


def _read_currency(data: object, problems: list[str]) -> Currency:
    if not isinstance(data, Mapping):
        problems.append(f"currency: should be a mapping with code and symbol, found {describe_kind(data)}")
        return NO_CURRENCY
    problems += _unknown("currency", data, ("code", "symbol"))
    code, symbol = data.get("code", ""), data.get("symbol", "")
    if not isinstance(code, str) or not isinstance(symbol, str):
        problems.append(f"currency: code {quote(code)} and symbol {quote(symbol)} should be text")
        return NO_CURRENCY
    try:
        return currency_for(code, symbol)
    except ConfigError as error:
        problems.append(f"currency: {error}")
        return NO_CURRENCY


def _unknown(place: str, given: Mapping, known: tuple[str, ...]) -> list[str]:
    return [f"{place}: unknown field {quote(key)}; expected {', '.join(known)}" for key in given if key not in known]


def _read_thresholds(data: object, problems: list[str]) -> Thresholds:
    if not isinstance(data, Mapping):
        problems.append(f"thresholds: should be a mapping with low and high, found {describe_kind(data)}")
        return DEFAULT_THRESHOLDS
    problems += _unknown("thresholds", data, ("low", "high"))
    values = {name: data.get(name, getattr(DEFAULT_THRESHOLDS, name)) for name in ("low", "high")}
    bad = [name for name, value in values.items() if not is_number(value) or not 0 <= value <= 1]
    problems += [f"thresholds.{name}: {quote(values[name])} should be a number from 0 to 1" for name in bad]
    if not bad:
        try:
            return Thresholds(float(values["low"]), float(values["high"]))
        except ConfigError as error:
            problems.append(str(error))  # names both thresholds
    return DEFAULT_THRESHOLDS


def _read_borrower(data: object, problems: list[str]) -> Scenario | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        problems.append(f"borrower: should be a mapping with id and edits (or null for none), found {describe_kind(data)}")
        return None
    problems += _unknown("borrower", data, ("id", "edits"))
    borrower_id, edits = data.get("id"), data.get("edits", {})
    if isinstance(borrower_id, bool) or not isinstance(borrower_id, (str, int)) or not str(borrower_id).strip():
        problems.append(f"borrower.id: {quote(borrower_id)} should be the borrower's Borrower_ID, as text")
    if not isinstance(edits, Mapping):
        problems.append(f"borrower.edits: should be a mapping of model inputs to values, found {describe_kind(edits)}")
        edits = {}
    parsed: dict[str, Value] = {}
    for name, value in edits.items():
        try:
            parsed[name] = _edit_value(name, value)
        except ConfigError as error:
            problems.append(f"borrower.edits.{name}: {error}")
    return Scenario(str(borrower_id).strip(), parsed)


def _edit_value(name: object, value: object) -> Value:
    """An edited input as the what-if page keeps it: text for a category, a number otherwise.

    Whole-number text (``45``, as the what-if page writes an integer input into a link) becomes an int. Whether
    the value lies in the training range is for the what-if page to check, against the active portfolio.
    """
    if name not in MODEL_FEATURES:
        raise ConfigError(f"not a model input; expected one of {', '.join(MODEL_FEATURES)}")
    if name in CATEGORICAL_MODEL_FEATURES:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{quote(value)} should be a category, as text")
        return value
    if isinstance(value, str) and len(value.strip()) > DEFAULT_LIMITS.max_number_digits:
        raise ConfigError(f"{quote(value)} should be a number of at most {DEFAULT_LIMITS.max_number_digits} "
                          "characters (limit max_number_digits)")
    if isinstance(value, str) and value.strip().removeprefix("-").isdigit():
        return int(value)
    number = value if is_number(value) else read_number(value)
    if not is_number(number):
        raise ConfigError(f"{quote(value)} should be a number")
    return number


# --- files ---------------------------------------------------------------------------------------------------

def read_scenario_text(text: str, name: str, limits: ReadLimits = DEFAULT_LIMITS) -> DecisionScenario:
    """Parse a scenario file's text: JSON for ``.json``, YAML for ``.yaml``/``.yml`` (by ``name``'s suffix).

    Raises ``ConfigError`` for another suffix, unparseable text (with the line and column the parser gives)
    and any problem ``scenario_from_dict`` finds.
    """
    suffix, source = Path(name).suffix.lower(), f"the scenario in '{name}'"
    if suffix in JSON_SUFFIXES + YAML_SUFFIXES and not text.strip():
        raise ConfigError(f"{source} is empty; expected the scenario's settings (see the README's example)")
    if suffix not in JSON_SUFFIXES + YAML_SUFFIXES:
        found = f"'{suffix}'" if suffix else "no extension"
        raise ConfigError(f"'{name}' has {found}; expected a scenario file ending in .json, .yaml or .yml")
    _check_bracket_depth(text, source, limits)  # before any parser builds (or recurses into) the nesting
    try:
        data = _parse_json(text, source, limits) if suffix in JSON_SUFFIXES else _parse_yaml(text, source, limits)
    except RecursionError:
        raise ConfigError(f"{source} is nested too deeply; at most {limits.max_nesting} levels "
                          "(limit max_nesting)") from None
    _check_parsed(data, source, limits)
    return scenario_from_dict(data, source)


def _parse_json(text: str, source: str, limits: ReadLimits) -> object:
    def number(kind: Callable[[str], object]) -> Callable[[str], object]:
        def parse(digits: str) -> object:
            if len(digits) > limits.max_number_digits:
                raise ConfigError(f"{source} holds a number of {len(digits):,} characters; at most "
                                  f"{limits.max_number_digits} (limit max_number_digits): {quote(digits)}")
            return kind(digits)
        return parse

    try:
        return json.loads(text, parse_int=number(int), parse_float=number(float))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{source} is not valid JSON: {error.msg} at line {error.lineno}, "
                          f"column {error.colno}") from None


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.safe_load`` without aliases: a scenario never needs one, and nested aliases expand exponentially
    ("billion laughs"), so the first alias is refused before anything is expanded."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a scenario file",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _parse_yaml(text: str, source: str, limits: ReadLimits) -> object:
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader: plain data, never objects)
    except yaml.YAMLError as error:
        raise ConfigError(f"{source} is not valid YAML: {_yaml_problem(error)}") from None
    except ValueError:  # e.g. an integer of more digits than Python turns into a number
        raise ConfigError(f"{source} holds a number too long to read; at most {limits.max_number_digits} digits "
                          "(limit max_number_digits)") from None


def _check_bracket_depth(text: str, source: str, limits: ReadLimits) -> None:
    """Refuse flow nesting (``[[[...`` or ``{{{...``) deeper than ``max_nesting``, outside quoted text; linear."""
    depth, quote_char, escaped = 0, "", False
    for char in text:
        if quote_char:
            escaped = char == "\\" and not escaped and quote_char == '"'
            quote_char = "" if char == quote_char and not escaped else quote_char
        elif char in "\"'":
            quote_char = char
        elif char in "[{":
            depth += 1
            if depth > limits.max_nesting:
                raise ConfigError(f"{source} is nested more than {limits.max_nesting} levels deep "
                                  "(limit max_nesting)")
        elif char in "]}":
            depth = max(0, depth - 1)


def _check_parsed(data: object, source: str, limits: ReadLimits) -> None:
    """Refuse nesting deeper than ``max_nesting`` (also YAML's indented blocks) and numbers of more than
    ``max_number_digits`` digits, walking the parsed data without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > limits.max_nesting:
            raise ConfigError(f"{source} is nested more than {limits.max_nesting} levels deep (limit max_nesting)")
        if isinstance(value, int) and not isinstance(value, bool) and \
                value.bit_length() > limits.max_number_digits * 3.33:  # about that many decimal digits
            raise ConfigError(f"{source} holds a number of more than {limits.max_number_digits} digits "
                              "(limit max_number_digits)")
        children = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
        pending += [(child, depth + 1) for child in children]


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "unreadable text"
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem


def read_scenario_bytes(data: bytes, name: str, limits: ReadLimits = DEFAULT_LIMITS) -> DecisionScenario:
    """``read_scenario_text`` of a file's bytes (UTF-8, with or without a byte-order mark)."""
    if len(data) > limits.max_scenario_bytes:
        raise ConfigError(f"'{name}' has {len(data):,} bytes; a scenario file has at most "
                          f"{limits.max_scenario_bytes:,} (limit max_scenario_bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"'{name}' is not UTF-8 text (byte {error.start + 1} cannot be read); expected a "
                          "JSON or YAML scenario file") from None
    return read_scenario_text(text, name, limits)


# --- as URL parameters ---------------------------------------------------------------------------------------

def number_text(value: float) -> str:
    """The shortest text that reads back as the same number: ``6000`` for 6000.0, ``0.88``, ``1e-07``."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def assumptions_to_query(assumptions: Assumptions) -> dict[str, str]:
    """URL parameters for the assumptions that differ from the defaults (``cost.legal=5000``, ...)."""
    return {QUERY_TERMS[field] + action: QUERY_WRITERS[field](getattr(assumptions.terms(action), field))
            for action in ACTIONS for field in TERM_FIELDS
            if getattr(assumptions.terms(action), field) != getattr(DEFAULT_ASSUMPTIONS.terms(action), field)}


QUERY_WRITERS: dict[str, Callable[[object], str]] = {
    "cost": number_text, "shares": lambda shares: ",".join(number_text(share) for share in shares),
    "capacity": lambda capacity: NO_LIMIT if capacity is None else str(capacity)}


def is_assumption_parameter(name: str) -> bool:
    """Whether a URL parameter holds an assumption (``cost.*``, ``shares.*``, ``cap.*``)."""
    return name.startswith(tuple(QUERY_TERMS.values()))


def is_scenario_query_parameter(name: str) -> bool:
    """Whether a URL parameter belongs to the scenario (``scenario_to_query`` owns these, and only these)."""
    return (name in (QUERY_METHOD, QUERY_LOW, QUERY_HIGH, QUERY_CURRENCY, QUERY_SYMBOL)
            or name.startswith(QUERY_GATE_PREFIX) or is_assumption_parameter(name) or is_scenario_parameter(name))


def scenario_to_query(scenario: DecisionScenario) -> dict[str, str]:
    """URL parameters: method, low, high, the assumptions that differ from the defaults, borrower and edits."""
    query = {QUERY_METHOD: scenario.method, QUERY_LOW: number_text(scenario.thresholds.low),
             QUERY_HIGH: number_text(scenario.thresholds.high), **assumptions_to_query(scenario.assumptions),
             **_currency_query(scenario.currency), **_gates_query(scenario.gates)}
    return query if scenario.borrower is None else {**query, **whatif_query(scenario.borrower)}


def scenario_from_query(query: Mapping[str, str]) -> tuple[DecisionScenario, list[str]]:
    """The scenario in URL parameters, and one warning per value dropped (its default stays).

    Parameters that belong to no scenario part are ignored; whether the borrower exists and the edits lie in
    range is for the what-if page to check.
    """
    warnings: list[str] = []
    method = query.get(QUERY_METHOD, "outcome")
    if method not in METHODS:
        warnings.append(f"{QUERY_METHOD}={quote(method)} ignored: expected one of {', '.join(METHODS)}")
        method = "outcome"
    return DecisionScenario(method, _thresholds_from_query(query, warnings), _assumptions_from_query(query, warnings),
                            _borrower_from_query(query, warnings), _currency_from_query(query, warnings),
                            _gates_from_query(query, warnings)), warnings


def _currency_query(currency: Currency) -> dict[str, str]:
    if not currency.code:
        return {}
    default_symbol = currency_for(currency.code).symbol
    return {QUERY_CURRENCY: currency.code,
            **({} if currency.symbol == default_symbol else {QUERY_SYMBOL: currency.symbol})}


def _gates_query(gates: ValidationGates) -> dict[str, str]:
    return {QUERY_GATE_PREFIX + name: number_text(getattr(gates, name)) for name in GATE_FIELDS
            if getattr(gates, name) != getattr(DEFAULT_GATES, name)}


def _currency_from_query(query: Mapping[str, str], warnings: list[str]) -> Currency:
    try:
        return currency_for(str(query.get(QUERY_CURRENCY, "")), str(query.get(QUERY_SYMBOL, "")))
    except ConfigError as error:
        warnings.append(f"{QUERY_CURRENCY} ignored: {error}")
        return NO_CURRENCY


def _gates_from_query(query: Mapping[str, str], warnings: list[str]) -> ValidationGates:
    values: dict[str, object] = {}
    for name, text in query.items():
        if not name.startswith(QUERY_GATE_PREFIX):
            continue
        field = name.removeprefix(QUERY_GATE_PREFIX)
        try:
            number = float(text)
        except ValueError:
            warnings.append(f"{name}={quote(text)} ignored: expected a number")
            continue
        problems: list[str] = []
        value = int(number) if field == "min_labelled_rows" and number.is_integer() else number
        read_gates({field: value}, problems)
        if problems:
            warnings.append(f"{name} ignored: {problems[0]}")
        else:
            values[field] = value
    return replace(DEFAULT_GATES, **values)


def _thresholds_from_query(query: Mapping[str, str], warnings: list[str]) -> Thresholds:
    if QUERY_LOW not in query and QUERY_HIGH not in query:
        return DEFAULT_THRESHOLDS
    try:
        return Thresholds(float(query.get(QUERY_LOW, DEFAULT_THRESHOLDS.low)),
                          float(query.get(QUERY_HIGH, DEFAULT_THRESHOLDS.high)))
    except (ValueError, ConfigError):
        warnings.append(f"{QUERY_LOW}={quote(query.get(QUERY_LOW))}, {QUERY_HIGH}={quote(query.get(QUERY_HIGH))} ignored: "
                        "expected two numbers with 0 <= low < high <= 1; the defaults "
                        f"{DEFAULT_THRESHOLDS.low:g} / {DEFAULT_THRESHOLDS.high:g} stay")
        return DEFAULT_THRESHOLDS


def _assumptions_from_query(query: Mapping[str, str], warnings: list[str]) -> Assumptions:
    terms = {action: DEFAULT_ASSUMPTIONS.terms(action) for action in ACTIONS}
    for name, text in query.items():
        field = next((field for field, prefix in QUERY_TERMS.items() if name.startswith(prefix)), None)
        if field is None:
            continue
        action = name.split(".", 1)[1]
        try:
            terms[action] = _query_term(terms, action, field, text)
        except ConfigError as error:
            warnings.append(f"{name} ignored: {error}")
    return Assumptions(**terms)


def _query_term(terms: dict[str, ActionTerms], action: str, field: str, text: str) -> ActionTerms:
    if action not in terms:
        raise ConfigError(f"unknown action {quote(action)}; expected {', '.join(ACTIONS)}")
    if action == "reminders" and field == "capacity":
        raise ConfigError("reminders cannot be limited: every account falls back to them")
    value = text.split(",") if field == "shares" else text
    return replace(terms[action], **{field: read_term_field(field, value)})


def _borrower_from_query(query: Mapping[str, str], warnings: list[str]) -> Scenario | None:
    edits = {name: text for name, text in query.items() if name.startswith(QUERY_EDIT_PREFIX)}
    borrower_id = str(query.get(QUERY_BORROWER, "")).strip()
    if not borrower_id:
        warnings += [f"{name} ignored: the link names no borrower" for name in edits]
        return None
    parsed: dict[str, Value] = {}
    for name, text in edits.items():
        try:
            parsed[name.removeprefix(QUERY_EDIT_PREFIX)] = _edit_value(name.removeprefix(QUERY_EDIT_PREFIX), text)
        except ConfigError as error:
            warnings.append(f"{name} ignored: {error}")
    return Scenario(borrower_id, parsed)


# --- in words ------------------------------------------------------------------------------------------------

def describe_scenario(scenario: DecisionScenario) -> list[str]:
    """The scenario in plain sentences for a credit committee: method, thresholds, assumptions, borrower."""
    low, high = scenario.thresholds.low, scenario.thresholds.high
    lines = [f"Risk method: {METHOD_LABELS[scenario.method]}.",
             (f"Thresholds: legal action above a risk score of {high:.2f}, settlement offers from {low:.2f} "
              f"up to {high:.2f}, automated reminders below {low:.2f}.")]
    changes = assumption_changes(scenario.assumptions)
    lines.append("Cost and recovery assumptions: the defaults." if not changes else
                 "Cost and recovery assumptions changed from the defaults: " + "; ".join(changes) + ".")
    borrower = scenario.borrower
    if borrower is None:
        lines.append("Borrower what-if: no borrower chosen (that page starts on a typical borrower).")
    else:
        edits = ", ".join(f"{input_label(name).lower()} {value}" for name, value in borrower.edits.items())
        count = len(borrower.edits)
        lines.append(f"Borrower what-if: {borrower.borrower_id}, "
                     + (f"with {count} edited {'input' if count == 1 else 'inputs'}: {edits}." if edits
                        else "as in the file."))
    lines.append(f"Currency: {scenario.currency.code} ({scenario.currency.symbol})." if scenario.currency.code
                 else "Currency: none set, amounts are plain numbers.")
    gates = scenario.gates
    lines.append(f"Validation gates: at least {gates.min_labelled_rows:,} labelled rows, ROC AUC at least "
                 f"{gates.auc_floor:.2f}, KS at least {gates.ks_floor:.2f}, calibration error at most "
                 f"{gates.calibration_error_ceiling:.2f}, score PSI at most {gates.psi_ceiling:.2f}"
                 + (" (the defaults)." if gates == DEFAULT_GATES else "."))
    return lines


def assumption_changes(assumptions: Assumptions) -> list[str]:
    """One phrase per assumption that differs from the default, e.g. ``Legal cost per account 6,000 -> 5,000``."""
    changes = []
    for action in ACTIONS:
        terms, default_terms = assumptions.terms(action), DEFAULT_ASSUMPTIONS.terms(action)
        for field, (words, text) in PHRASES.items():
            default, chosen = getattr(default_terms, field), getattr(terms, field)
            if chosen != default:
                changes.append(f"{SHORT_STRATEGY[STRATEGY_OF[action]]} {words} {text(default)} -> {text(chosen)}")
    return changes


def _money(amount: float) -> str:
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def _shares(shares: tuple[float, ...]) -> str:
    return " / ".join(format_share(share) for share in shares)


def _capacity(capacity: int | None) -> str:
    return "no limit" if capacity is None else f"{capacity:,} accounts"


PHRASES: dict[str, tuple[str, Callable]] = {"cost": ("cost per account", _money),
                                            "shares": ("recovered shares by risk band", _shares),
                                            "capacity": ("capacity", _capacity)}


def scenario_differences(first: DecisionScenario, second: DecisionScenario) -> pd.DataFrame:
    """Every setting the two scenarios hold differently: Setting (a dotted path, e.g. ``thresholds.low``), First,
    Second (as text); no rows when they are the same."""
    flat_first, flat_second = _flatten(scenario_to_dict(first)), _flatten(scenario_to_dict(second))
    names = [name for name in dict.fromkeys([*flat_first, *flat_second])
             if flat_first.get(name) != flat_second.get(name)]
    return pd.DataFrame({"Setting": names, "First": [_setting_text(flat_first.get(name)) for name in names],
                         "Second": [_setting_text(flat_second.get(name)) for name in names]})


def _flatten(data: object, prefix: str = "") -> dict[str, object]:
    if not isinstance(data, Mapping):
        return {prefix: data}
    flat: dict[str, object] = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _setting_text(value: object) -> str:
    return "(none)" if value is None else json.dumps(value) if isinstance(value, list) else str(value)
