"""Borrower what-if: change one borrower's details and see the risk score, segment and strategy respond."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.counterfactual import find_counterfactuals
from slrs.exceptions import SLRSError
from slrs.explain import (
    REASON_METHODS,
    SCORECARD_REASONS,
    ReasonExplainer,
    explain_inputs,
    reason_sentences,
    sum_text,
    waterfall_table,
)
from slrs.formatting import format_score
from slrs.plots import plot_comparison, plot_reason_waterfall
from slrs.portfolio import escape_markdown
from slrs.schema import COLUMN_BY_NAME, MODEL_FEATURES
from slrs.whatif import (
    Baseline,
    InputBounds,
    Scenario,
    apply_edits,
    as_planned,
    changed_inputs,
    changes_table,
    find_borrower,
    input_bounds,
    outcome_table,
    pick_borrower,
    result_cards,
    score_scenarios,
)

ui.require_app_frame(__file__)


SEARCH_KEY, INPUT_KEY = ui.WHATIF_SEARCH_KEY, ui.WHATIF_INPUT_PREFIX


def show_borrower(borrower_id: str) -> None:
    """Start again from ``borrower_id`` as in the file: the input widgets refill from the new baseline."""
    ui.set_whatif_scenario(Scenario(borrower_id))
    st.session_state[SEARCH_KEY] = borrower_id
    for name in MODEL_FEATURES:
        st.session_state.pop(INPUT_KEY + name, None)


def look_up() -> None:
    typed = st.session_state[SEARCH_KEY].strip()
    if find_borrower(ui.active_view(), typed) is not None:
        show_borrower(typed)


def reset(baseline: Baseline) -> None:
    ui.set_whatif_scenario(Scenario(baseline.borrower_id))
    for name, value in baseline.inputs.items():
        st.session_state[INPUT_KEY + name] = value


def edit_input(name: str, bounds: InputBounds) -> object:
    label, help_text = name.replace("_", " "), f"{COLUMN_BY_NAME[name].description} Allowed: {bounds.expected()}."
    if bounds.is_category:
        return st.selectbox(label, bounds.values, key=INPUT_KEY + name, help=help_text)
    number = int if bounds.integer else float
    return st.number_input(label, number(bounds.minimum), number(bounds.maximum), step=number(bounds.step),
                           key=INPUT_KEY + name, help=help_text)


def show_reasons(edited: dict) -> None:
    """Why the edited scenario scores as it does, under the active method: a waterfall and sentences."""
    st.subheader("Why this score (edited)")
    if ui.active_method() not in REASON_METHODS:
        st.info(SCORECARD_REASONS)
        return
    try:
        codes = explain_inputs(ui.get_bundle(), edited, ui.active_method(), ui.get_explainer(ReasonExplainer))
    except SLRSError as error:
        st.error(str(error))
        return
    st.plotly_chart(plot_reason_waterfall(waterfall_table(codes)), key="what_if_reasons")
    st.caption(f"{codes.space} Here: {sum_text(codes)}.")
    sentences = reason_sentences(codes.contributions.iloc[0], codes.values.iloc[0], currency=ui.active_currency())
    st.markdown("\n".join(f"- {escape_markdown(sentence)}" for sentence in sentences))


def apply_option(edits: dict) -> None:
    profile = ui.get_bundle().manifest["profile"]["numeric"]
    for name, value in edits.items():
        st.session_state[INPUT_KEY + name] = int(value) if profile[name]["integer"] else float(value)


def show_options(edited: dict) -> None:
    """What would move the edited scenario to a milder strategy; each option can be applied to the inputs."""
    st.subheader("What would move this borrower to a milder strategy")
    bundle = ui.get_bundle()
    try:
        search = find_counterfactuals(bundle, edited, ui.active_method(), ui.active_thresholds(),
                                      bundle.manifest["profile"])
    except SLRSError as error:
        st.error(str(error))
        return
    st.text(search.message)
    for number, option in enumerate(search.options, start=1):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.text(f"{number}. {option.text}\n   -> risk score {format_score(option.risk_score)}: {option.tier}")
        button.button("Apply", key=f"what_if_apply_{number}", on_click=apply_option, args=(option.edits,),
                      help="Put these values into the inputs above (only actionable inputs change).")


@st.fragment
def edit_and_score(baseline: Baseline, start: dict) -> None:
    """The inputs and the results: an edit reruns only this part of the page."""
    bounds = input_bounds(ui.get_bundle().manifest["profile"], baseline.inputs)
    columns, edited = st.columns(3), {}
    for position, name in enumerate(MODEL_FEATURES):
        st.session_state.setdefault(INPUT_KEY + name, start[name])
        with columns[position * len(columns) // len(MODEL_FEATURES)]:  # down each column, in schema order
            edited[name] = edit_input(name, bounds[name])
    ui.set_whatif_scenario(Scenario(baseline.borrower_id, changed_inputs(baseline.inputs, edited)))
    try:
        base, now = score_scenarios(ui.get_bundle(), [baseline.inputs, edited], ui.active_method(),
                                    ui.active_thresholds(), ui.active_assumptions())
    except SLRSError as error:
        st.error(str(error))
        return
    base = as_planned(base, ui.active_plan().iloc[baseline.position])  # as every other page shows this borrower
    if not changed_inputs(baseline.inputs, edited):
        now = base
    elif ui.active_assumptions().has_capacities:
        st.caption("The edited borrower is planned on their own: a capacity limits the whole portfolio.")
    st.subheader("Result")
    for column, card in zip(st.columns(4), result_cards(base, now, ui.active_currency())):
        column.metric(f"{card['measure']}, as in the file", card["baseline"])
        column.caption(card["baseline_note"])
        column.metric(f"{card['measure']}, edited", card["edited"], card["delta"], card["delta_color"],
                      delta_arrow=card["delta_arrow"])
        column.caption(card["edited_note"])
    changes, chances = changes_table(baseline.inputs, edited, ui.active_currency()), outcome_table(base, now)
    left, right = st.columns(2)
    left.markdown("**Your changes**")
    if len(changes):
        with left:
            ui.show_table(changes, key="what_if_changes")
    else:
        left.caption("No changes yet: edit any input above.")
    left.button("Reset to the file's values", key="what_if_reset", on_click=reset, args=(baseline,),
                disabled=not len(changes), icon=":material/undo:")
    right.markdown("**Chance of each outcome**")
    right.plotly_chart(plot_comparison(chances["Baseline"], chances["Edited"], chances["Outcome"].tolist()),
                       key="what_if_outcomes")
    show_reasons(edited)
    show_options(edited)


st.title("Borrower what-if")
st.caption("Pick a borrower, change any of their details and see how the risk score, segment, recommended "
           "strategy and expected recovery respond. Nothing is saved; the page's link keeps the scenario.")
view = ui.active_view()
baseline, scenario, warnings = ui.whatif_scenario(view, ui.get_bundle().manifest["profile"])
if warnings:
    st.warning("Part of the scenario could not be used and was ignored:")
    st.text("\n".join(warnings))

st.session_state.setdefault(SEARCH_KEY, baseline.borrower_id)
search, typical, highest = st.columns([3, 1, 1], vertical_alignment="bottom")
search.text_input("Borrower ID", key=SEARCH_KEY, on_change=look_up,
                  help="Type an ID exactly as in the file (rows without an ID are called 'Row N'), then press Enter.")
typical.button("Typical borrower", key="what_if_typical", on_click=show_borrower, args=(pick_borrower(view),),
               help="The borrower whose risk score is closest to the portfolio's median.")
highest.button("Highest risk", key="what_if_highest", on_click=show_borrower,
               args=(pick_borrower(view, "highest"),))
if st.session_state[SEARCH_KEY].strip() != baseline.borrower_id:
    st.warning("No borrower with the ID typed above is in the active portfolio (IDs are case-sensitive). "
               "Still showing:")
    st.text(baseline.borrower_id)
if baseline.imputed:
    st.info(f"The file has no usable value for {', '.join(baseline.imputed)}; the training data's typical value "
            "stands in, as when the portfolio was scored.")
edit_and_score(baseline, apply_edits(baseline.inputs, scenario.edits))
