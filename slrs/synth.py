"""Synthetic loan portfolios with a known, documented causal story.

The reference file of the original study has no signal at all (its outcome is independent of every feature
known before collection), so SLRS needs its own data for demos, tests and benchmarks. This generator writes
portfolios in the reference format (same 21 columns, same value ranges) where the outcome follows a story a
collections manager would recognise. Amounts are in currency units, rates in percent per year, durations in
months and days.

The causal story, in the order the columns are drawn:

1. **Borrower.** Age is uniform from 21 to 64. Gender is Male/Female 50/50 and drives *nothing*: it is kept
   only so fairness checks have something to test. Employment is Salaried 55 %, Self-Employed 25 %,
   Business Owner 20 %. Dependents are 0-3 (40/30/20/10 %).
2. **Income.** Monthly income is lognormal around 55,000: Self-Employed earn about the same on average
   (x1.05) but more unevenly, Business Owners earn about 40 % more, and income rises about 2 % per year of
   age up to 45. It is clipped to 15,000-250,000.
3. **Product.** The loan type depends on employment (Business loans go mostly to Business Owners: 60 % of
   their loans, 5 % of salaried ones). The amount is a lognormal multiple of monthly income (median x4 for
   Personal, x6 Auto, x9 Business, x14 Home), so higher incomes borrow more; clipped to 50,000-2,000,000.
   Home loans run longest (48-72 months), Personal loans shortest (12-36). The rate is a base by type
   (Home 7.5 %, Auto 9.5 %, Business 12 %, Personal 13 %) plus a risk premium (+1.5 points for
   Self-Employed, +0.5 for Business Owners, -1 point per doubling of income), plus noise; clipped to 5-18 %.
4. **Collateral.** None for Personal loans; 1.1-1.5x the amount lent for Home, 0.6-1.0x for Auto and
   0.3-1.2x for Business loans. Collateral coverage is collateral / outstanding amount.
5. **Balance.** Outstanding = amount lent x a remaining share drawn uniformly from 20 % to 100 %. The
   monthly instalment (EMI) is the annuity that repays the outstanding amount over the loan tenure at the
   loan's rate: ``EMI = O * r / (1 - (1 + r) ** -T)`` with ``r = rate / 1200`` and ``T`` the tenure in months
   (a simplification: the balance is treated as if re-amortised over the full term).
6. **Financial stress** (not a column) = 1.6 x instalment-to-income ratio - 0.5 x log income relative to
   55,000 + 0.4 if Self-Employed + 0.12 per dependent + normal noise (sd 0.6). The number of missed
   payments is Poisson with mean 0.9 x exp(stress), capped at 12. Days past due is about 30 days per missed
   payment (sd 10 days), capped at 180, and mostly 0 when nothing was missed (8 % are 1-29 days late).
   Payment history follows the missed payments (none: On-Time, 1-2: Delayed, 3+: Missed) except for 15 % of
   borrowers whose history is drawn at random.
7. **Recovery.** The log-odds of *not* recovering in full are -1.4 + 0.55 per missed payment + 0.008 per
   day past due - 0.6 x log income relative to 55,000 - 0.8 x collateral coverage (capped at 1.5) + 2.5 x
   instalment-to-income ratio + normal noise (sd 0.5). Among the loans not recovered in full, the log-odds
   of a write-off are 0.015 per day past due beyond 90 - 1.2 x collateral coverage (capped at 1.5) + normal
   noise (sd 0.8). This yields about 59 % Fully Recovered, 28 % Partially Recovered and 13 % Written Off,
   and about 72 % of borrowers with at most two missed payments recover in full.
8. **After the decision.** Collection attempts are Poisson with mean 1 + 0.25 per missed payment, plus 1.5
   for a partial recovery and 3 for a write-off, capped at 10. The method escalates with a severity score
   (0 fully, 1 partially recovered, 2 written off, + 0.25 per missed payment + normal noise, sd 0.6): Calls
   below 1, Settlement Offer below 2, Debt Collectors below 2.9, Legal Notice above. Legal action
   is taken for 60 % of written-off loans under a Legal Notice, 15 % of other written-off loans, 15 % of
   other loans under a Legal Notice and 1 % of the rest. These columns describe what collectors did after
   the fact and leak the outcome: they are never model inputs.

With only the pre-decision features an honest model reaches a held-out ROC AUC of about 0.80 for
"not fully recovered".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slrs import schema
from slrs.exceptions import ConfigError

# 1. Borrower
AGE_RANGE = (21, 64)
GENDERS = schema.COLUMN_BY_NAME["Gender"].allowed
EMPLOYMENT_TYPES = schema.COLUMN_BY_NAME["Employment_Type"].allowed
EMPLOYMENT_SHARES = (0.55, 0.25, 0.20)
DEPENDENT_SHARES = (0.40, 0.30, 0.20, 0.10)

# 2. Income (currency units per month)
INCOME_MEDIAN = 55_000.0
INCOME_LOG_SHIFT = (0.0, 0.05, 0.35)  # by employment type, in EMPLOYMENT_TYPES order
INCOME_LOG_SD = (0.45, 0.65, 0.55)
INCOME_AGE_SLOPE = 0.02  # log income per year of age ...
INCOME_AGE_PEAK = 45  # ... up to this age
INCOME_AGE_CENTER = 38  # age (capped at the peak) at which income sits at the median; the mean over 21-64
INCOME_RANGE = (15_000, 250_000)

# 3. Product
LOAN_TYPES = schema.COLUMN_BY_NAME["Loan_Type"].allowed  # Personal, Home, Auto, Business
LOAN_TYPE_SHARES = (  # rows: employment type; columns: loan type
    (0.35, 0.35, 0.25, 0.05),
    (0.30, 0.25, 0.20, 0.25),
    (0.10, 0.20, 0.10, 0.60),
)
LOAN_INCOME_MULTIPLE = (4.0, 14.0, 6.0, 9.0)  # median amount lent / monthly income, by loan type
LOAN_MULTIPLE_LOG_SD = 0.35
LOAN_AMOUNT_RANGE = (50_000, 2_000_000)
TENURES = (12, 24, 36, 48, 60, 72)  # months
TENURE_SHARES = (  # rows: loan type; columns: TENURES
    (0.35, 0.40, 0.25, 0.00, 0.00, 0.00),
    (0.00, 0.00, 0.00, 0.25, 0.35, 0.40),
    (0.00, 0.20, 0.35, 0.30, 0.15, 0.00),
    (0.15, 0.25, 0.30, 0.20, 0.10, 0.00),
)
BASE_RATE = (13.0, 7.5, 9.5, 12.0)  # percent per year, by loan type
RATE_PREMIUM_EMPLOYMENT = (0.0, 1.5, 0.5)  # percentage points, by employment type
RATE_PREMIUM_PER_INCOME_DOUBLING = -1.0
RATE_NOISE_SD = 1.0
RATE_RANGE = (5.0, 18.0)

# 4-5. Collateral (share of the amount lent) and balance
COLLATERAL_SHARE_RANGE = ((0.0, 0.0), (1.1, 1.5), (0.6, 1.0), (0.3, 1.2))  # by loan type
REMAINING_SHARE_RANGE = (0.2, 1.0)

# 6. Financial stress and delinquency
STRESS_EMI_RATIO = 1.6
STRESS_LOG_INCOME = -0.5
STRESS_SELF_EMPLOYED = 0.4
STRESS_PER_DEPENDENT = 0.12
STRESS_NOISE_SD = 0.6
MISSED_BASE_MEAN = 0.9
MAX_MISSED = 12
DAYS_PER_MISSED = 30.0
DAYS_NOISE_SD = 10.0
MAX_DAYS_PAST_DUE = 180
LATE_WITHOUT_MISS_SHARE = 0.08
PAYMENT_HISTORIES = schema.COLUMN_BY_NAME["Payment_History"].allowed  # On-Time, Delayed, Missed
HISTORY_NOISE_SHARE = 0.15

# 7. Recovery (log-odds of not recovering in full, then of a write-off among those)
NOT_FULL_INTERCEPT = -1.4
NOT_FULL_PER_MISSED = 0.55
NOT_FULL_PER_DAY = 0.008
NOT_FULL_LOG_INCOME = -0.6
NOT_FULL_COVERAGE = -0.8
NOT_FULL_EMI_RATIO = 2.5
NOT_FULL_NOISE_SD = 0.5
COVERAGE_CAP = 1.5
WRITE_OFF_INTERCEPT = 0.0
WRITE_OFF_PER_DAY_BEYOND_90 = 0.015
WRITE_OFF_COVERAGE = -1.2
WRITE_OFF_NOISE_SD = 0.8

# 8. After the decision
ATTEMPTS_BASE = 1.0
ATTEMPTS_PER_MISSED = 0.25
ATTEMPTS_BY_OUTCOME = (0.0, 1.5, 3.0)  # in schema.OUTCOME_CLASSES order
MAX_ATTEMPTS = 10
METHODS = ("Calls", "Settlement Offer", "Debt Collectors", "Legal Notice")  # by rising severity
METHOD_NOISE_SD = 0.6
METHOD_SEVERITY_PER_MISSED = 0.25
METHOD_CUTS = (1.0, 2.0, 2.9)  # severity thresholds between successive METHODS
LEGAL_SHARE = {  # (written off, legal notice) -> share with legal action taken
    (True, True): 0.60, (True, False): 0.15, (False, True): 0.15, (False, False): 0.01,
}


def generate_portfolio(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Draw a synthetic loan portfolio that follows the module's documented causal story.

    Parameters
    ----------
    n_rows : int
        Number of loans (rows) to draw; at least 1.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed always gives the same portfolio.

    Returns
    -------
    pandas.DataFrame
        Shape ``(n_rows, 21)``, columns ``schema.COLUMN_NAMES`` in order, values in the reference format.

    Raises
    ------
    ConfigError
        If ``n_rows`` is not a whole number of at least 1.
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 1:
        raise ConfigError(f"n_rows={n_rows!r} should be a whole number >= 1")
    rng = np.random.default_rng(seed)
    cols = _draw_borrowers(rng, int(n_rows))
    cols.update(_draw_loans(rng, cols))
    cols.update(_draw_balance(rng, cols))
    cols.update(_draw_delinquency(rng, cols))
    cols.update(_draw_recovery(rng, cols))
    cols.update(_draw_collection(rng, cols))
    return _assemble_frame(cols)


def _draw_borrowers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Age (years), gender, employment code, dependents and monthly income."""
    age = rng.integers(AGE_RANGE[0], AGE_RANGE[1] + 1, size=n)
    gender = rng.integers(0, len(GENDERS), size=n)
    employment = rng.choice(len(EMPLOYMENT_TYPES), size=n, p=EMPLOYMENT_SHARES)
    dependents = rng.choice(len(DEPENDENT_SHARES), size=n, p=DEPENDENT_SHARES)
    log_income = (np.log(INCOME_MEDIAN) + np.take(INCOME_LOG_SHIFT, employment)
                  + INCOME_AGE_SLOPE * (np.minimum(age, INCOME_AGE_PEAK) - INCOME_AGE_CENTER)
                  + np.take(INCOME_LOG_SD, employment) * rng.standard_normal(n))
    income = np.clip(np.round(np.exp(log_income)), *INCOME_RANGE).astype(np.int64)
    return {"Age": age, "gender": gender, "employment": employment,
            "Num_Dependents": dependents, "Monthly_Income": income}


def _draw_by_row(rng: np.random.Generator, group: np.ndarray, shares: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """Draw one category index per row from the share row selected by ``group`` (inverse-CDF, vectorised)."""
    cumulative = np.cumsum(np.asarray(shares), axis=1)[group]
    drawn = (rng.random(len(group))[:, None] > cumulative).sum(axis=1)
    return np.minimum(drawn, len(shares[0]) - 1)


def _draw_loans(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Loan type code, amount lent, tenure (months), annual rate (%) and collateral value."""
    n = len(cols["Age"])
    income = cols["Monthly_Income"].astype(float)
    loan_type = _draw_by_row(rng, cols["employment"], LOAN_TYPE_SHARES)
    multiple = np.take(LOAN_INCOME_MULTIPLE, loan_type) * np.exp(LOAN_MULTIPLE_LOG_SD * rng.standard_normal(n))
    amount = np.clip(np.round(income * multiple), *LOAN_AMOUNT_RANGE).astype(np.int64)
    tenure = np.take(TENURES, _draw_by_row(rng, loan_type, TENURE_SHARES))
    rate = (np.take(BASE_RATE, loan_type) + np.take(RATE_PREMIUM_EMPLOYMENT, cols["employment"])
            + RATE_PREMIUM_PER_INCOME_DOUBLING * np.log2(income / INCOME_MEDIAN)
            + RATE_NOISE_SD * rng.standard_normal(n))
    low, high = np.asarray(COLLATERAL_SHARE_RANGE).T
    share = rng.uniform(low[loan_type], high[loan_type])
    return {"loan_type": loan_type, "Loan_Amount": amount, "Loan_Tenure": tenure,
            "Interest_Rate": np.round(np.clip(rate, *RATE_RANGE), 2),
            "Collateral_Value": np.round(amount * share, 2)}


def _draw_balance(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Outstanding amount and its annuity instalment (EMI) over the tenure at the loan's rate."""
    outstanding = np.round(cols["Loan_Amount"] * rng.uniform(*REMAINING_SHARE_RANGE, size=len(cols["Age"])), 2)
    monthly_rate = cols["Interest_Rate"] / 1200.0
    emi = outstanding * monthly_rate / (1.0 - (1.0 + monthly_rate) ** -cols["Loan_Tenure"].astype(float))
    return {"Outstanding_Loan_Amount": outstanding, "Monthly_EMI": np.round(emi, 2)}


def _emi_ratio(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Instalment-to-income ratio (EMI / monthly income)."""
    return cols["Monthly_EMI"] / cols["Monthly_Income"]


def _log_relative_income(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Natural log of monthly income relative to the median income of the story."""
    return np.log(cols["Monthly_Income"] / INCOME_MEDIAN)


def _coverage(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Collateral coverage (collateral / outstanding), capped so huge ratios do not dominate."""
    return np.minimum(cols["Collateral_Value"] / cols["Outstanding_Loan_Amount"], COVERAGE_CAP)


def _draw_delinquency(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Missed payments, days past due and payment history, all driven by latent financial stress."""
    n = len(cols["Age"])
    stress = (STRESS_EMI_RATIO * _emi_ratio(cols) + STRESS_LOG_INCOME * _log_relative_income(cols)
              + STRESS_SELF_EMPLOYED * (cols["employment"] == EMPLOYMENT_TYPES.index("Self-Employed"))
              + STRESS_PER_DEPENDENT * cols["Num_Dependents"] + STRESS_NOISE_SD * rng.standard_normal(n))
    missed = np.minimum(rng.poisson(MISSED_BASE_MEAN * np.exp(stress)), MAX_MISSED)
    days = np.round(DAYS_PER_MISSED * missed + DAYS_NOISE_SD * rng.standard_normal(n))
    late_anyway = rng.random(n) < LATE_WITHOUT_MISS_SHARE
    days = np.where(missed > 0, days, np.where(late_anyway, rng.integers(1, 30, size=n), 0))
    days = np.clip(days, 0, MAX_DAYS_PAST_DUE).astype(np.int64)
    history = np.minimum(np.searchsorted([1, 3], missed, side="right"), len(PAYMENT_HISTORIES) - 1)
    noisy = rng.random(n) < HISTORY_NOISE_SHARE
    history = np.where(noisy, rng.integers(0, len(PAYMENT_HISTORIES), size=n), history)
    return {"Num_Missed_Payments": missed.astype(np.int64), "Days_Past_Due": days, "history": history}


def _draw_recovery(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Outcome code (index into ``schema.OUTCOME_CLASSES``) from two nested logistic draws."""
    n = len(cols["Age"])
    coverage = _coverage(cols)
    days = cols["Days_Past_Due"]
    not_full_logit = (NOT_FULL_INTERCEPT + NOT_FULL_PER_MISSED * cols["Num_Missed_Payments"]
                      + NOT_FULL_PER_DAY * days + NOT_FULL_LOG_INCOME * _log_relative_income(cols)
                      + NOT_FULL_COVERAGE * coverage + NOT_FULL_EMI_RATIO * _emi_ratio(cols)
                      + NOT_FULL_NOISE_SD * rng.standard_normal(n))
    write_off_logit = (WRITE_OFF_INTERCEPT + WRITE_OFF_PER_DAY_BEYOND_90 * (days - 90)
                       + WRITE_OFF_COVERAGE * coverage + WRITE_OFF_NOISE_SD * rng.standard_normal(n))
    not_full = rng.random(n) < _sigmoid(not_full_logit)
    write_off = rng.random(n) < _sigmoid(write_off_logit)
    return {"outcome": np.where(not_full, np.where(write_off, 2, 1), 0)}


def _sigmoid(logit: np.ndarray) -> np.ndarray:
    """Logistic function, mapping log-odds to probabilities."""
    return 1.0 / (1.0 + np.exp(-logit))


def _draw_collection(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Post-decision columns: attempts, method code (index into METHODS) and legal action flag."""
    n = len(cols["Age"])
    outcome, missed = cols["outcome"], cols["Num_Missed_Payments"]
    attempts_mean = ATTEMPTS_BASE + ATTEMPTS_PER_MISSED * missed + np.take(ATTEMPTS_BY_OUTCOME, outcome)
    attempts = np.minimum(rng.poisson(attempts_mean), MAX_ATTEMPTS)
    severity = outcome + METHOD_SEVERITY_PER_MISSED * missed + METHOD_NOISE_SD * rng.standard_normal(n)
    method = np.searchsorted(METHOD_CUTS, severity)
    written_off = outcome == 2
    legal_notice = method == METHODS.index("Legal Notice")
    share = np.select(
        [written_off & legal_notice, written_off, legal_notice],
        [LEGAL_SHARE[True, True], LEGAL_SHARE[True, False], LEGAL_SHARE[False, True]],
        LEGAL_SHARE[False, False],
    )
    return {"Collection_Attempts": attempts.astype(np.int64), "method": method, "legal": rng.random(n) < share}


def _labels(values: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Map integer codes to their text labels."""
    return np.asarray(values, dtype=object)[codes]


def _assemble_frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Turn the drawn arrays into the reference-format table, columns in ``schema.COLUMN_NAMES`` order."""
    n = len(cols["Age"])
    numbers = pd.RangeIndex(1, n + 1).astype(str)
    out = {
        **cols,
        "Borrower_ID": "BRW_" + numbers,
        "Loan_ID": "LN_" + numbers,
        "Gender": _labels(GENDERS, cols["gender"]),
        "Employment_Type": _labels(EMPLOYMENT_TYPES, cols["employment"]),
        "Loan_Type": _labels(LOAN_TYPES, cols["loan_type"]),
        "Payment_History": _labels(PAYMENT_HISTORIES, cols["history"]),
        "Recovery_Status": _labels(schema.OUTCOME_CLASSES, cols["outcome"]),
        "Collection_Method": _labels(METHODS, cols["method"]),
        "Legal_Action_Taken": np.where(cols["legal"], "Yes", "No").astype(object),
    }
    return pd.DataFrame({name: np.asarray(out[name]) for name in schema.COLUMN_NAMES})


# --- a monthly history of one book ----------------------------------------------------------------------------
#
# ``generate_history`` follows one collections book month by month. The first month holds ``n_rows`` loans;
# a loan stays in the book from the month it joins until its recovery ends, OUTCOME_LAG_MONTHS after it joined
# (uniformly; loans of the first month are part-way through), and in that last month its row carries the outcome
# (Recovery_Status and the collection columns; open loans leave them blank). SOLD_SHARE of the loans are sold to
# a debt buyer instead: they leave at the same time without an outcome. Every month as many loans join as left
# the month before, so the book keeps its size. All loans are drawn by the story above, so a month before the
# downturn looks like the training data.
#
# The downturn: from month ``downturn_month`` (counted from 1), every loan still in the book misses more
# instalments, DOWNTURN_EXTRA_MISSED more on average (Poisson, drawn once per loan), each adding DAYS_PER_MISSED
# days past due (capped as above) and worsening the payment history to match. Loans whose recovery ends in a
# downturn month get their outcome, and their collection record, drawn again by the story from these worse
# figures.
HISTORY_START = (2026, 1)  # year and month of the first snapshot
OUTCOME_LAG_MONTHS = (2, 5)
SOLD_SHARE = 0.05
DOWNTURN_MONTH = 8
DOWNTURN_EXTRA_MISSED = 1.0
OUTCOME_COLUMNS = (schema.TARGET, *schema.POST_DECISION_COLUMNS)


def generate_history(n_rows: int, months: int, seed: int = 0,
                     downturn_month: int | None = DOWNTURN_MONTH) -> dict[str, pd.DataFrame]:
    """Monthly snapshots of one book (see the comment above ``HISTORY_START``).

    Parameters
    ----------
    n_rows : int
        Loans in the first month (at least 1); later months hold about as many.
    months : int
        Snapshots to draw, 1 to 120.
    seed : int, default 0
        The same seed always gives the same history.
    downturn_month : int or None, default ``DOWNTURN_MONTH``
        First month (from 1) of the downturn; None or a month after the last for none.

    Returns
    -------
    dict of str to DataFrame
        One portfolio per month, keyed "YYYY-MM" from ``HISTORY_START``, in the reference format.
    """
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= 120:
        raise ConfigError(f"months={months!r} should be a whole number from 1 to 120")
    if downturn_month is not None and (isinstance(downturn_month, bool) or downturn_month < 1):
        raise ConfigError(f"downturn_month={downturn_month!r} should be a month from 1, or None")
    generate_portfolio(n_rows)  # checks n_rows
    rng = np.random.default_rng([seed, 1])
    joined, last = _draw_timeline(rng, int(n_rows), int(months))
    book = generate_portfolio(len(joined), seed)
    sold = rng.random(len(joined)) < SOLD_SHARE
    hard = _hard_times(rng, book)
    downturn = downturn_month if downturn_month is not None else months + 1
    snapshots = {}
    for month in range(1, months + 1):
        source = hard if month >= downturn else book
        present = (joined <= month) & (month <= last)
        frame = source[present].copy()
        open_loan = ((last[present] != month) | sold[present])
        frame.loc[open_loan, list(OUTCOME_COLUMNS)] = None
        snapshots[_month_name(month)] = frame.reset_index(drop=True)
    return snapshots


def _draw_timeline(rng: np.random.Generator, n_rows: int, months: int) -> tuple[np.ndarray, np.ndarray]:
    """The month each loan joins and its last month in the book (both from 1)."""
    low, high = OUTCOME_LAG_MONTHS
    joined = [np.ones(n_rows, dtype=np.int64)]
    last = [rng.integers(1, high + 1, size=n_rows)]
    for month in range(2, months + 1):
        leavers = int(sum(np.count_nonzero(ends == month - 1) for ends in last))
        joined.append(np.full(leavers, month, dtype=np.int64))
        last.append(month + rng.integers(low, high + 1, size=leavers))
    return np.concatenate(joined), np.concatenate(last)


def _hard_times(rng: np.random.Generator, book: pd.DataFrame) -> pd.DataFrame:
    """The book in the downturn: more missed instalments and days past due, outcomes drawn again from them."""
    n = len(book)
    extra = rng.poisson(DOWNTURN_EXTRA_MISSED, size=n)
    missed = np.minimum(book["Num_Missed_Payments"].to_numpy() + extra, MAX_MISSED)
    days = np.clip(book["Days_Past_Due"].to_numpy() + DAYS_PER_MISSED * extra, 0, MAX_DAYS_PAST_DUE)
    history = np.maximum(pd.Categorical(book["Payment_History"], categories=PAYMENT_HISTORIES).codes,
                         np.minimum(np.searchsorted([1, 3], missed, side="right"), len(PAYMENT_HISTORIES) - 1))
    cols = {name: book[name].to_numpy(dtype=float) for name in
            ("Monthly_Income", "Collateral_Value", "Outstanding_Loan_Amount", "Monthly_EMI")}
    cols.update({"Age": book["Age"].to_numpy(), "Num_Missed_Payments": missed, "Days_Past_Due": days})
    cols.update(_draw_recovery(rng, cols))
    cols.update(_draw_collection(rng, cols))
    hard = book.copy()
    hard["Num_Missed_Payments"] = missed.astype(np.int64)
    hard["Days_Past_Due"] = days.astype(np.int64)
    hard["Payment_History"] = _labels(PAYMENT_HISTORIES, history)
    hard["Recovery_Status"] = _labels(schema.OUTCOME_CLASSES, cols["outcome"])
    hard["Collection_Attempts"] = cols["Collection_Attempts"]
    hard["Collection_Method"] = _labels(METHODS, cols["method"])
    hard["Legal_Action_Taken"] = np.where(cols["legal"], "Yes", "No").astype(object)
    return hard


def _month_name(month: int) -> str:
    """"YYYY-MM" of the ``month``-th snapshot (from 1) after ``HISTORY_START``."""
    year, first = HISTORY_START
    index = first - 1 + month - 1
    return f"{year + index // 12}-{index % 12 + 1:02d}"
