"""Saved scenarios: save the scenario in use under a name, list, load and compare the team's saved scenarios."""

from __future__ import annotations

import streamlit as st

from slrs import store, ui
from slrs.exceptions import SLRSError
from slrs.portfolio import escape_markdown
from slrs.scenario import describe_scenario, scenario_differences

ui.require_app_frame(__file__)

st.title("Saved scenarios")
st.write("Keep a scenario under a name so the team can find it, load it back and compare it with another. Each "
         "save of a name is a new version; nothing is overwritten. Loading one, like producing a committee pack, "
         "is written in the audit trail (Monitoring page) with your name, the data and the models.")
if problem := ui.audit_problem():
    st.warning(escape_markdown(problem))
if result := ui.saved_result():
    tone, message = result
    (st.success if tone == "success" else st.error)(escape_markdown(message))

st.subheader("Save the scenario in use")
st.markdown("\n".join(f"- {escape_markdown(line)}" for line in describe_scenario(ui.active_scenario())))
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.text_input("Name", max_chars=store.MAX_NAME_CHARS, key=ui.SAVE_NAME_KEY, placeholder="e.g. Q3 collections plan")
right.button("Save", icon=":material/save:", key="saved_scenario_save", on_click=ui.save_active_scenario)

try:
    saved = store.list_scenarios(ui.get_store())
except SLRSError as error:
    st.error(f"The store cannot be read: {escape_markdown(str(error))}")
    st.stop()

st.subheader("The team's saved scenarios")
if saved.empty:
    st.info("No scenario has been saved yet.")
    st.stop()
ui.show_table(saved, key="saved_scenarios_table")
choices = [(str(name), int(version)) for name, version in zip(saved["name"], saved["version"], strict=True)]
label = {choice: f"{choice[0]}, version {choice[1]}" for choice in choices}

chosen = st.selectbox("Scenario to load", choices, format_func=label.get, key="saved_scenario_choice")
st.button("Load it: use it on every page", key="saved_scenario_load", on_click=ui.apply_saved_scenario,
          args=chosen, icon=":material/upload:")

st.subheader("Compare two saved scenarios")
left, right = st.columns(2)
first = left.selectbox("First", choices, format_func=label.get, key="saved_compare_first")
second = right.selectbox("Second", choices, index=min(1, len(choices) - 1), format_func=label.get,
                         key="saved_compare_second")
try:
    differences = scenario_differences(ui.saved_scenario(*first), ui.saved_scenario(*second))
except SLRSError as error:
    st.error(f"The two scenarios cannot be compared: {escape_markdown(str(error))}")
    st.stop()
if differences.empty:
    st.success("The two scenarios hold the same settings.")
else:
    ui.show_table(differences, key="saved_compare_table")
