"""Scenario & report: the whole scenario in plain words, shared as a link or a file, and loaded back."""

from __future__ import annotations

import streamlit as st

from slrs import ui
from slrs.exceptions import ConfigError
from slrs.formatting import KNOWN_SYMBOLS, currency_for
from slrs.money import BANDS, assumptions_table
from slrs.portfolio import escape_markdown
from slrs.scenario import describe_scenario, scenario_to_json

ui.require_app_frame(__file__)

NO_CURRENCY_CHOICE = "None (plain numbers)"


def use_currency() -> None:
    """Callback of the currency choice: the code picked, with a symbol typed by hand if one is."""
    code = st.session_state[ui.CURRENCY_WIDGET_KEY]
    try:
        ui.set_currency(currency_for("" if code == NO_CURRENCY_CHOICE else code,
                                     st.session_state.get(ui.SYMBOL_WIDGET_KEY, "")))
    except ConfigError as error:
        st.session_state["scenario_currency_problem"] = str(error)
    else:
        st.session_state["scenario_currency_problem"] = ""

st.title("Scenario & report")
st.write("A scenario is everything that decides the recommended actions: the risk method, the two thresholds, "
         "the bank's cost and recovery assumptions, and the borrower shown on the Borrower what-if page with the "
         "details you changed. Share it as a link or as a file: opening either one restores the app as it is now.")
if warnings := ui.url_warnings():
    st.warning("Part of the link this session was opened with could not be used and was ignored; the defaults "
               "stay in its place:")
    st.text("\n".join(warnings))

scenario = ui.active_scenario()
st.subheader("The scenario in use")
st.markdown("\n".join(f"- {escape_markdown(line)}" for line in describe_scenario(scenario)))
ui.show_table(assumptions_table(scenario.assumptions), key="scenario_assumptions")
st.caption("Cost per account in currency. Low to very high risk: the share of the outstanding amount the bank "
           f"expects back under that action, by the borrower's risk score ({'; '.join(BANDS)}). Capacity: the "
           "most accounts that can get the action. Change them on the Money & thresholds page, the thresholds on "
           "the Strategy page.")

st.subheader("Currency")
st.caption("Portfolio files carry no currency: say which one the amounts are in, and every amount in the app and the "
           "pack shows it. It is part of the scenario, so links and files carry it.")
left, right = st.columns(2)
currency = scenario.currency
st.session_state.setdefault(ui.CURRENCY_WIDGET_KEY, currency.code or NO_CURRENCY_CHOICE)
st.session_state.setdefault(ui.SYMBOL_WIDGET_KEY, "" if currency.symbol == currency_for(currency.code).symbol
                            else currency.symbol)
codes = [NO_CURRENCY_CHOICE, *dict.fromkeys([*KNOWN_SYMBOLS, *([currency.code] if currency.code else [])])]
left.selectbox("Currency", codes, key=ui.CURRENCY_WIDGET_KEY, on_change=use_currency,
               format_func=lambda code: code if code == NO_CURRENCY_CHOICE else f"{code} ({currency_for(code).symbol})")
right.text_input("Symbol (optional: leave empty for the usual one)", max_chars=4, key=ui.SYMBOL_WIDGET_KEY,
                 on_change=use_currency)
if problem := st.session_state.get("scenario_currency_problem"):
    st.error(escape_markdown(problem))

st.subheader("Share it")
st.info("Copy this link: the address in your browser's address bar already holds this scenario, and anyone who "
        "opens it sees the same method, thresholds, assumptions and borrower. A link cannot carry an uploaded "
        "portfolio: they see the same portfolio only if they load the same file.", icon=":material/link:")
st.download_button("Download the scenario (JSON file)", scenario_to_json(scenario), file_name="slrs_scenario.json",
                   mime="application/json", key="scenario_download", icon=":material/download:",
                   help="Load it here later, or use it with the command line: python -m slrs score --scenario FILE")

st.subheader("Load a scenario")
uploaded = st.file_uploader("Scenario file (.json, .yaml or .yml)", type=["json", "yaml", "yml"],
                            key=ui.SCENARIO_UPLOAD_KEY, on_change=ui.load_scenario_upload,
                            help="A file downloaded above, or one written by hand (see the README).")
if uploaded is not None:
    problems = ui.scenario_upload_result(uploaded)
    if problems:
        st.error(f"{escape_markdown(uploaded.name)} could not be loaded, so nothing changed.  \n"
                 + "  \n".join(escape_markdown(line) for line in problems.splitlines()))
    elif problems == "":
        st.success(f"Loaded {escape_markdown(uploaded.name)}: the scenario shown above is now in use on every page.")

st.subheader("Committee pack")
st.write("One HTML file for the credit committee: first what to know before trusting the numbers, then the "
         "portfolio, this scenario and its assumptions, the best thresholds, this scenario against the challenger set "
         "on the Champion vs challenger page, the model's held-out results, data drift, fairness of actions, and the fingerprints (SHA-256) of the data and models "
         "it was made from. It opens in any browser without a network connection; its charts stay interactive.")
st.download_button("Download the committee pack (HTML)", ui.committee_pack(), file_name="slrs_committee_pack.html",
                   mime="text/html", key="scenario_report", icon=":material/description:",
                   on_click=ui.log_pack_download)  # the audit trail records who produced which pack
if problem := ui.audit_problem():
    st.warning(escape_markdown(problem))
