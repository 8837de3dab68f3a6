"""Fairness of actions: how often each group of borrowers gets each action, against all borrowers."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.fairness import (
    ATTRIBUTE_LABELS,
    ATTRIBUTES,
    DEFAULT_LIMITS,
    NOT_GIVEN,
    action_rates,
    fairness_flags,
    flag_summary,
)
from slrs.plots import plot_action_rates
from slrs.strategy import NOT_SCORED

ui.require_app_frame(__file__)

LIMITS = DEFAULT_LIMITS

st.title("Fairness of actions")
st.write(
    "For each group of borrowers (by gender, age band or employment type), how often does the app recommend "
    "each action, compared with all borrowers? A ratio of 1.00x means the group gets that action exactly as "
    "often as everyone; 1.50x means one and a half times as often. Following the *four-fifths rule* (a common "
    f"test of equal treatment, applied here both ways), a ratio below {LIMITS.low_ratio:g}x or above "
    f"{LIMITS.high_ratio:g}x is flagged. A flag in the **adverse direction** "
    "means the group is treated more harshly: legal action more often, or automated reminders less often. "
    f"Groups with fewer than {LIMITS.min_group} scored borrowers are too few to judge.")
st.caption("Gender is never given to the model; age and employment type are inputs of the outcome model. "
           "Differences can still come from inputs that go with a group (income, missed payments, ...), so "
           "they are measured here. A flag is a reason to look closer, not proof of unfair treatment.")

view, strategies, thresholds = ui.active_view(), ui.active_plan()["Recovery_Strategy"], ui.active_thresholds()
rates = action_rates(view, strategies, LIMITS)
summary = flag_summary(rates).set_index("Attribute")
not_scored = int((strategies == NOT_SCORED).sum())
st.caption(f"Actions of the active scenario: thresholds {thresholds.low:.2f} / {thresholds.high:.2f}, then the "
           "action capacities of the Money & thresholds page (change them there or on the Strategy page), among "
           f"{len(view) - not_scored:,} scored borrowers"
           + (f"; {not_scored:,} rows that could not be scored are left out." if not_scored else "."))

attribute = st.segmented_control(
    "Compare borrowers by", ATTRIBUTES, default=ATTRIBUTES[0], key="fairness_attribute",
    format_func=lambda name: f"{ATTRIBUTE_LABELS[name]} ({summary.loc[name, 'Flags']} flagged)",
) or ATTRIBUTES[0]  # clicking the chosen option again clears it: fall back to the first attribute

label = ATTRIBUTE_LABELS[attribute]
shown = rates[rates["Attribute"] == attribute]
st.subheader(f"Actions by {label.lower()}")
st.plotly_chart(plot_action_rates(rates, attribute, LIMITS), key="fairness_chart")
st.caption("Each bar: the group's rate of an action divided by the overall rate of that action. Hatched, "
           "outlined bars marked ! are flagged; faded bars belong to groups too small to judge.")

flags = fairness_flags(shown, LIMITS)
for sentence in flags["Sentence"]:
    st.warning(sentence)  # built from fixed group names and numbers only, never from file text
groups, too_few = (int(summary.loc[attribute, column]) for column in ("Groups", "Too_Few_Groups"))
if set(shown["Group"]) == {NOT_GIVEN}:
    st.info(f"This portfolio gives no borrower's {label.lower()}, so there are no groups to compare.")
elif flags.empty and too_few < groups:
    st.success(f"No group's rate of any action is below {LIMITS.low_ratio:g}x or above {LIMITS.high_ratio:g}x "
               f"the overall rate, by {label.lower()}.")
if too_few:
    st.info(f"{too_few} group(s) by {label.lower()} have fewer than {LIMITS.min_group} scored borrowers; "
            "they are shown but not judged.")

st.subheader("All rates")
ui.show_table(shown.drop(columns="Attribute"), key="fairness_table")
