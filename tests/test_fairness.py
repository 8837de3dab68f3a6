"""Fairness of actions: rates per group, ratios to the overall rate, the two-way four-fifths flags, the chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slrs import pipeline
from slrs.exceptions import ConfigError, DataValidationError
from slrs.fairness import (
    ADVERSE_NOTE,
    AGE_BAND,
    ATTRIBUTES,
    LESS_OFTEN,
    MORE_OFTEN,
    NOT_GIVEN,
    TOO_FEW,
    WITHIN,
    FairnessLimits,
    action_rates,
    describe_group,
    fairness_flags,
    flag_summary,
    group_labels,
)
from slrs.io import load_bundle
from slrs.plots import plot_action_rates
from slrs.portfolio import build_view, load_portfolio
from slrs.schema import MODEL_FEATURES, NEVER_IN_MODEL, SEGMENT_FEATURES
from slrs.strategy import (
    LEGAL,
    NOT_SCORED,
    REMINDERS,
    SETTLEMENT,
    STRATEGIES,
    Thresholds,
)
from slrs.synth import generate_portfolio

Spec = dict[object, tuple[int, int, int, int]]  # group value -> (reminders, settlement, legal, not scored)


def _portfolio(spec: Spec, column: str = "Gender") -> tuple[pd.DataFrame, pd.Series]:
    """A view whose ``column`` takes each spec key for the given numbers of rows per action; other attributes
    are the same for everyone (Age 35, Female, Salaried), so they form one group."""
    values, strategies = [], []
    for value, counts in spec.items():
        for action, n in zip([*STRATEGIES, NOT_SCORED], counts, strict=True):
            values += [value] * n
            strategies += [action] * n
    view = pd.DataFrame({"Age": 35.0, "Gender": "Female", "Employment_Type": "Salaried"}, index=range(len(values)))
    view[column] = values
    return view, pd.Series(strategies, index=view.index, dtype="str")


def _rows(rates: pd.DataFrame, attribute: str = "Gender") -> pd.DataFrame:
    return rates[rates["Attribute"] == attribute].set_index(["Group", "Strategy"])


# Female: 25 reminders, 10 settlement, 15 legal of 50; Male: 35, 10, 5 of 50. Overall: 60 %, 20 %, 20 %.
BOTH_WAYS = {"Female": (25, 10, 15, 0), "Male": (35, 10, 5, 0)}


def test_action_rates_gives_exact_counts_rates_ratios_and_flags() -> None:
    rates = _rows(action_rates(*_portfolio(BOTH_WAYS)))
    assert rates.index.get_level_values("Group").unique().tolist() == ["Male", "Female"]  # schema order
    assert rates.index.get_level_values("Strategy")[:3].tolist() == list(STRATEGIES)  # mildest first
    expected = {  # (group, action): count, rate, overall rate, ratio, flag, adverse
        ("Female", REMINDERS): (25, 0.5, 0.6, 0.5 / 0.6, WITHIN, False),
        ("Female", SETTLEMENT): (10, 0.2, 0.2, 1.0, WITHIN, False),
        ("Female", LEGAL): (15, 0.3, 0.2, 1.5, MORE_OFTEN, True),
        ("Male", REMINDERS): (35, 0.7, 0.6, 0.7 / 0.6, WITHIN, False),
        ("Male", SETTLEMENT): (10, 0.2, 0.2, 1.0, WITHIN, False),
        ("Male", LEGAL): (5, 0.1, 0.2, 0.5, LESS_OFTEN, False),  # legal less often harms no one
    }
    for key, (count, rate, overall, ratio, flag, adverse) in expected.items():
        row = rates.loc[key]
        assert (row["Borrowers"], row["Not_Scored"], row["Count"]) == (50, 0, count)
        assert (row["Rate"], row["Overall_Rate"], row["Ratio"]) == pytest.approx((rate, overall, ratio))
        assert (row["Flag"], row["Adverse"]) == (flag, adverse)


def test_reminders_less_often_is_the_adverse_direction() -> None:
    # Reminders: Female 20/50, Male 40/50, overall 60 %; settlement and legal split the rest evenly per group.
    rates = _rows(action_rates(*_portfolio({"Female": (20, 15, 15, 0), "Male": (40, 5, 5, 0)})))
    assert rates.loc[("Female", REMINDERS), ["Flag", "Adverse"]].tolist() == [LESS_OFTEN, True]
    assert rates.loc[("Male", REMINDERS), ["Flag", "Adverse"]].tolist() == [MORE_OFTEN, False]
    # Settlement is the middle action: flagged both ways, adverse in neither.
    assert rates.loc[("Female", SETTLEMENT), ["Flag", "Adverse"]].tolist() == [MORE_OFTEN, False]
    assert rates.loc[("Male", SETTLEMENT), ["Flag", "Adverse"]].tolist() == [LESS_OFTEN, False]


@pytest.mark.parametrize(("size", "female_legal", "male_legal", "ratio", "flag"), [
    (40, 8, 12, 0.8, WITHIN),        # exactly four-fifths: not flagged
    (30, 10, 15, 0.8, WITHIN),       # also exactly 4/5, though plain floating point gives 0.7999999999999999
    (40, 7, 13, 0.7, LESS_OFTEN),
    (40, 10, 6, 1.25, WITHIN),       # exactly 1 / 0.8: not flagged
    (40, 11, 5, 1.375, MORE_OFTEN),
])
def test_a_ratio_exactly_at_a_limit_is_not_flagged(size: int, female_legal: int, male_legal: int, ratio: float,
                                                   flag: str) -> None:
    spec = {"Female": (size - female_legal, 0, female_legal, 0), "Male": (size - male_legal, 0, male_legal, 0)}
    row = _rows(action_rates(*_portfolio(spec))).loc[("Female", LEGAL)]
    assert row["Ratio"] == pytest.approx(ratio)
    assert row["Flag"] == flag


@pytest.mark.parametrize(("scored", "not_scored", "flag"), [
    (29, 0, TOO_FEW),
    (29, 10, TOO_FEW),   # rows that were not scored do not make a group big enough
    (30, 0, MORE_OFTEN),
])
def test_groups_under_the_minimum_are_too_few_to_judge(scored: int, not_scored: int, flag: str) -> None:
    # The small Female group gets legal action every time, the large Male group never: far past the limit.
    view, strategies = _portfolio({"Female": (0, 0, scored, not_scored), "Male": (200, 0, 0, 0)})
    rates = _rows(action_rates(view, strategies))
    assert rates.loc[("Female", LEGAL), "Ratio"] > 5
    assert rates.loc[("Female", LEGAL), "Borrowers"] == scored
    assert rates.loc[("Female", LEGAL), "Flag"] == flag
    assert rates.loc[("Female", LEGAL), "Adverse"] == (flag == MORE_OFTEN)  # too few: never adverse either


def test_not_scored_rows_are_left_out_of_every_rate_and_counted_per_group() -> None:
    view, strategies = _portfolio({"Female": (25, 10, 15, 7), "Male": (35, 10, 5, 3)})
    rates = _rows(action_rates(view, strategies))
    # The same rates as without the unscored rows: they are in no numerator and no denominator.
    without = _rows(action_rates(*_portfolio(BOTH_WAYS)))
    for column in ("Borrowers", "Count", "Rate", "Overall_Rate", "Ratio", "Flag"):
        assert rates[column].tolist() == without[column].tolist()
    assert rates.loc[("Female", LEGAL), "Not_Scored"] == 7
    assert rates.loc[("Male", REMINDERS), "Not_Scored"] == 3
    assert NOT_SCORED not in rates.index.get_level_values("Strategy")


@pytest.mark.parametrize(("column", "attribute", "values", "groups"), [
    ("Gender", "Gender", ["Female", np.nan, "Other"], ["Female", NOT_GIVEN]),   # unrecognised is not given too
    ("Employment_Type", "Employment_Type", [np.nan, "Salaried", "Business Owner"],
     ["Salaried", "Business Owner", NOT_GIVEN]),
    ("Age", AGE_BAND, [61.0, np.nan, 20.0], ["Under 30", "60 and over", NOT_GIVEN]),
])
def test_missing_attribute_values_form_a_not_given_group(column: str, attribute: str, values: list,
                                                          groups: list[str]) -> None:
    view, strategies = _portfolio({"Female": (90, 0, 30, 0)})
    view[column] = np.repeat(np.array(values, dtype=object), 40)
    chosen = action_rates(view, strategies)
    chosen = chosen[chosen["Attribute"] == attribute]
    assert list(dict.fromkeys(chosen["Group"])) == groups  # schema or band order, "Not given" last
    assert chosen.groupby("Group")["Borrowers"].first().sum() == 120


def test_an_absent_column_puts_everyone_in_not_given() -> None:
    view, strategies = _portfolio(BOTH_WAYS)
    rates = _rows(action_rates(view.drop(columns="Gender"), strategies))
    assert rates.index.get_level_values("Group").unique().tolist() == [NOT_GIVEN]
    assert rates["Ratio"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert set(rates["Flag"]) == {WITHIN}


@pytest.mark.parametrize(("age", "band"), [
    (18, "Under 30"), (29, "Under 30"), (30, "30-44"), (44, "30-44"), (45, "45-59"), (59, "45-59"),
    (60, "60 and over"), (100, "60 and over"), (np.nan, NOT_GIVEN),
])
def test_age_bands_follow_the_documented_edges(age: float, band: str) -> None:
    assert group_labels(pd.DataFrame({"Age": [age]}), AGE_BAND).tolist() == [band]


def test_group_labels_refuses_an_unknown_attribute() -> None:
    with pytest.raises(ConfigError, match="cannot compare groups by 'Loan_Type'; expected one of Gender"):
        group_labels(pd.DataFrame({"Loan_Type": ["Home"]}), "Loan_Type")


def test_an_action_nobody_gets_has_no_ratio_and_no_flag() -> None:
    rates = _rows(action_rates(*_portfolio({"Female": (40, 10, 0, 0), "Male": (30, 20, 0, 0)})))
    assert rates.loc[("Female", LEGAL), ["Rate", "Overall_Rate"]].tolist() == [0, 0]
    assert np.isnan(rates.loc[("Female", LEGAL), "Ratio"])
    assert rates.loc[("Female", LEGAL), "Flag"] == WITHIN


def test_custom_limits_change_what_is_flagged() -> None:
    view, strategies = _portfolio(BOTH_WAYS)
    strict = _rows(action_rates(view, strategies, FairnessLimits(low_ratio=0.9, high_ratio=1.1)))
    assert strict.loc[("Female", REMINDERS), "Flag"] == LESS_OFTEN   # 0.83x: within the default 0.8
    assert strict.loc[("Female", REMINDERS), "Adverse"]
    lenient = _rows(action_rates(view, strategies, FairnessLimits(min_group=51)))
    assert set(lenient["Flag"]) == {TOO_FEW}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"low_ratio": 1.0}, r"low_ratio=1 should be between 0 and 1"),
    ({"low_ratio": 0}, r"low_ratio=0 should be between 0 and 1"),
    ({"high_ratio": 1.0}, r"high_ratio=1 should be above 1"),
    ({"high_ratio": float("nan")}, r"high_ratio=nan should be a finite number"),
    ({"low_ratio": "0.8"}, r"low_ratio='0.8' should be a finite number"),
    ({"min_group": 0}, r"min_group=0 should be a whole number of borrowers, at least 1"),
    ({"min_group": 2.5}, r"min_group=2.5 should be a whole number"),
    ({"min_group": True}, r"min_group=True should be a whole number"),
])
def test_fairness_limits_refuse_invalid_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FairnessLimits(**kwargs)


def test_action_rates_refuses_strategies_that_do_not_fit_the_view() -> None:
    view, strategies = _portfolio(BOTH_WAYS)
    with pytest.raises(DataValidationError, match="do not line up with the portfolio's 100 rows"):
        action_rates(view, strategies.iloc[:-1])
    with pytest.raises(DataValidationError, match="found 'Call them'; expected only"):
        action_rates(view, strategies.where(strategies.index > 0, "Call them"))
    with pytest.raises(ConfigError, match="names no attribute"):
        action_rates(view, strategies, attributes=())


def test_fairness_flags_lists_only_flagged_rows_adverse_first_with_sentences() -> None:
    flags = fairness_flags(action_rates(*_portfolio(BOTH_WAYS)))
    assert flags[["Group", "Strategy", "Flag", "Adverse"]].values.tolist() == [
        ["Female", LEGAL, MORE_OFTEN, True], ["Male", LEGAL, LESS_OFTEN, False]]
    assert flags["Sentence"].tolist() == [
        "Legal action: Female borrowers 1.50x the overall rate (30.0% vs 20.0%), above the 1.25x limit. "
        + ADVERSE_NOTE,
        "Legal action: Male borrowers 0.50x the overall rate (10.0% vs 20.0%), below the 0.8x limit.",
    ]
    assert fairness_flags(action_rates(*_portfolio({"Female": (30, 10, 10, 0), "Male": (30, 10, 10, 0)}))).empty


@pytest.mark.parametrize(("attribute", "group", "words"), [
    ("Gender", "Female", "Female borrowers"),
    (AGE_BAND, "60 and over", "borrowers aged 60 and over"),
    (AGE_BAND, NOT_GIVEN, "borrowers whose age is not given"),
    ("Employment_Type", NOT_GIVEN, "borrowers whose employment type is not given"),
])
def test_describe_group_uses_plain_words(attribute: str, group: str, words: str) -> None:
    assert describe_group(attribute, group) == words


def test_flag_summary_counts_flags_and_small_groups_per_attribute() -> None:
    view, strategies = _portfolio({"Female": (25, 10, 15, 0), "Male": (35, 10, 5, 0), np.nan: (5, 0, 0, 0)})
    summary = flag_summary(action_rates(view, strategies)).set_index("Attribute")
    assert summary.index.tolist() == list(ATTRIBUTES)
    assert summary.loc["Gender"].tolist() == [3, 1, 2, 1]   # groups, too few ("Not given": 5), flags, adverse
    assert summary.loc[AGE_BAND].tolist() == [1, 0, 0, 0]


def test_every_scored_row_is_counted_once_per_attribute_on_a_real_view() -> None:
    text = generate_portfolio(300, seed=5).astype(str)
    text.loc[:9, "Gender"] = ""                    # missing: "Not given"
    text.loc[0, "Outstanding_Loan_Amount"] = ""    # kept, but not scored
    view = build_view(load_portfolio(text.to_csv(index=False).encode(), "mine.csv"), load_bundle(), "outcome")
    rates = action_rates(view, pipeline.plan(view, Thresholds(0.3, 0.6))["Recovery_Strategy"])
    for attribute in ATTRIBUTES:
        chosen = rates[rates["Attribute"] == attribute]
        per_group = chosen.groupby("Group")[["Borrowers", "Not_Scored"]].first()
        assert per_group.to_numpy().sum() == 300
        assert per_group["Not_Scored"].sum() == 1
        assert chosen.groupby("Group")["Rate"].sum().to_numpy() == pytest.approx(1.0)
    assert NOT_GIVEN in rates.loc[rates["Attribute"] == "Gender", "Group"].tolist()


def test_gender_is_never_a_model_input_but_age_and_employment_are() -> None:
    # What the module's docs and the page say about the model's inputs.
    assert "Gender" in NEVER_IN_MODEL and "Gender" not in MODEL_FEATURES
    assert {"Age", "Employment_Type"} <= set(MODEL_FEATURES)
    assert "Age" in SEGMENT_FEATURES and not {"Gender", "Employment_Type"} & set(SEGMENT_FEATURES)  # study method


def test_plot_action_rates_draws_ratios_limits_and_marks_flagged_bars() -> None:
    rates = action_rates(*_portfolio(BOTH_WAYS))
    figure = plot_action_rates(rates, "Gender")
    assert [trace.name for trace in figure.data] == ["Reminders", "Settlement", "Legal"]
    legal = figure.data[2]
    assert list(legal.x) == ["Male", "Female"]
    assert list(legal.y) == pytest.approx([0.5, 1.5])
    assert list(legal.marker.pattern.shape) == ["/", "/"]
    assert list(figure.data[1].marker.pattern.shape) == ["", ""]
    assert list(legal.text) == ["0.50x !", "1.50x !"]
    assert sorted(shape.y0 for shape in figure.layout.shapes) == pytest.approx([0.8, 1.0, 1.25])


def test_a_portfolio_with_no_scored_row_has_no_rates_and_still_draws() -> None:
    rates = action_rates(*_portfolio({"Female": (0, 0, 0, 40), "Male": (0, 0, 0, 40)}))
    assert set(rates["Flag"]) == {TOO_FEW} and rates["Rate"].isna().all() and rates["Ratio"].isna().all()
    assert fairness_flags(rates).empty
    figure = plot_action_rates(rates, "Gender")
    assert tuple(figure.layout.yaxis.range) == pytest.approx((0, 1.5))
