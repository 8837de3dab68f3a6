"""Portfolio: load your own file, see what the checks found, filter the scored table and download it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from slrs import pipeline, ui
from slrs.explain import REASON_METHODS, SCORECARD_REASONS, ReasonExplainer, reason_codes_download
from slrs.io import (
    EXCEL_MAX_ROWS,
    SUPPORTED_SUFFIXES,
    to_csv_bytes,
    to_excel_bytes,
    to_parquet_bytes,
)
from slrs.plots import plot_psi
from slrs.portfolio import (
    LEADING_COLUMNS,
    escape_markdown,
    filter_issues,
    filter_view,
    issue_kinds,
    scored_table,
)
from slrs.schema import COST_COLUMN, describe_schema, template_frame
from slrs.strategy import NOT_SCORED, STRATEGIES
from slrs.tables import label

ui.require_app_frame(__file__)

# The decision at a glance, as wide as the page allows; row number, cost and the rest are one click away.
SHOWN_FIRST = [column for column in LEADING_COLUMNS if column not in ("Row", COST_COLUMN)]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("Portfolio")
uploaded = st.file_uploader(
    "Load your portfolio", type=[suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES], key=ui.UPLOAD_KEY,
    help=f"A CSV file (.csv, .tsv or .txt; comma, semicolon or tab separated), an Excel workbook (.xlsx) or a "
         "Parquet file (.parquet), "
         f"up to {st.get_option('server.maxUploadSize'):,} MB, one row per loan. The file stays in this "
         "browser session only. The template below shows the expected columns.")
if uploaded is not None:
    progress = st.empty()
    if ui.load_upload(uploaded, on_progress=lambda share, text: progress.progress(share, text=text)):
        st.rerun()  # the sidebar is drawn before this page and must show the new portfolio
    progress.empty()
    if problems := ui.upload_problems(uploaded):
        st.error(f"{escape_markdown(uploaded.name)} cannot be used, so the previous portfolio stays active:\n"
                 + "\n".join(f"- {escape_markdown(problem)}" for problem in problems))
portfolio = ui.active_portfolio()
st.button("Back to the bundled sample", key="portfolio_use_sample", on_click=ui.use_sample,
          disabled=portfolio.is_sample)

with st.expander("The expected format, and an empty template to fill in"):
    columns = st.columns(2)
    columns[0].download_button("Empty template (CSV)", lambda: to_csv_bytes(template_frame()),
                               "slrs_template.csv", "text/csv", key="portfolio_template_csv", on_click="ignore")
    columns[1].download_button("Empty template (Excel)", lambda: to_excel_bytes(template_frame()),
                               "slrs_template.xlsx", XLSX_MIME, key="portfolio_template_xlsx", on_click="ignore")
    st.dataframe(describe_schema(), hide_index=True, width="stretch")

st.subheader("What the checks found")
st.text(f"Active portfolio: {ui.SAMPLE_NAME if portfolio.is_sample else portfolio.name}")
st.write(f"{portfolio.n_rows:,} rows read · {portfolio.n_rows_with_issues:,} rows with issues · "
         f"{portfolio.n_rows_not_scored:,} rows not scored")
issues = portfolio.validation.issues
if issues.empty:
    st.success("No problems found: every value is present and as expected.")
else:
    columns = st.columns(2)
    chosen_columns = columns[0].multiselect("Column", sorted(issues["Column"].unique()), format_func=label,
                                            key="portfolio_issue_columns")
    kinds = columns[1].multiselect("Problem", sorted(issue_kinds(issues["Problem"]).unique()),
                                   key="portfolio_issue_kinds")
    shown = filter_issues(issues, columns=chosen_columns, kinds=kinds)
    st.caption(f"{len(shown):,} of {len(issues):,} problems. Row 1 is the first row under the header.")
    ui.show_table(shown.assign(Column=shown["Column"].map(label)), key="portfolio_issues")

st.subheader("Data drift against the training data")
st.caption("How far the scored rows are from the data the models learned from: the population stability index "
           "(PSI) of the risk score, and the characteristic stability index (CSI, the same formula) of each model "
           "input. 0 is the same spread of values; under 0.10 is stable, 0.10 to 0.25 some shift, 0.25 or more a "
           "major shift. Missing values are filled in by the models and left out of the index.")
drift = ui.active_drift()
for note in drift.notes:
    st.info(note)
if not drift.table.empty:
    ui.show_table(drift.table, key="portfolio_drift")
    st.plotly_chart(plot_psi(drift.table), key="portfolio_drift_chart")

st.subheader("Scored portfolio")
view, method = ui.active_view(), ui.active_method()
plan = ui.active_plan()
strategies = plan["Recovery_Strategy"]
segment_names = ui.get_bundle().segment_names
columns = st.columns([2, 3, 2, 2])
segments = columns[0].multiselect("Segment", sorted(view["Borrower_Segment"].dropna().unique()),
                                  format_func=lambda s: f"{s} · {segment_names[int(s)]}", key="portfolio_segments")
chosen = columns[1].multiselect("Strategy", [*STRATEGIES, NOT_SCORED], key="portfolio_strategies")
risk_range = columns[2].slider("Risk score", 0.0, 1.0, (0.0, 1.0), step=0.01, key="portfolio_risk")
search = columns[3].text_input("Search borrower ID", key="portfolio_search")
mask = filter_view(view, strategies, segments=segments, chosen_strategies=chosen, risk_range=risk_range,
                   search=search)
st.caption(f"{int(mask.sum()):,} of {len(view):,} rows match the filters.")
table = scored_table(view, plan)
extra = st.multiselect("More columns", [c for c in table.columns if c not in SHOWN_FIRST], format_func=label,
                       key="portfolio_columns", help="The table shows the decision first; add any column you need.")
# Lazy: the search box above and the downloads below do what the table's own search and CSV download would.
ui.show_table(table.loc[mask, [*SHOWN_FIRST, *extra]], key="portfolio_scored", lazy=True)

st.caption("The downloads hold every row: your columns unchanged, then segment, risk score, strategy, the plan's "
           "cost, expected recovery and net recovery, and data issues, under the current scenario (method, "
           "thresholds and the Money page's assumptions): what python -m slrs score writes.")
scored = partial(pipeline.output_table, portfolio, view, plan)  # built only on click
reasons = partial(reason_codes_download, view, portfolio, ui.get_bundle(), method, ui.get_explainer(ReasonExplainer))
columns = st.columns(4)
columns[3].download_button("Download reason codes (CSV)", lambda: to_csv_bytes(reasons()), "reason_codes.csv",
                           "text/csv", key="portfolio_download_reasons", on_click="ignore",
                           disabled=method not in REASON_METHODS,
                           help=SCORECARD_REASONS if method not in REASON_METHODS else
                           "The three inputs that push each borrower's risk score most, under the current "
                           "method. Takes about 40 seconds per 100,000 rows; about 4 minutes with the study "
                           "method, whose forest is much deeper.")
columns[0].download_button("Download scored portfolio (CSV)", lambda: to_csv_bytes(scored()),
                           "scored_portfolio.csv", "text/csv", key="portfolio_download_csv", on_click="ignore")
columns[1].download_button("Download scored portfolio (Excel)", lambda: to_excel_bytes(scored()),
                           "scored_portfolio.xlsx", XLSX_MIME, key="portfolio_download_xlsx", on_click="ignore",
                           disabled=portfolio.n_rows > EXCEL_MAX_ROWS,
                           help=f"Excel holds at most {EXCEL_MAX_ROWS:,} rows and takes about 40 seconds per "
                                "100,000 rows to build; the CSV file is much faster.")
columns[2].download_button("Download scored portfolio (Parquet)", lambda: to_parquet_bytes(scored()),
                           "scored_portfolio.parquet", "application/vnd.apache.parquet",
                           key="portfolio_download_parquet", on_click="ignore",
                           help="For data tools (pandas, Spark, a data lake): typed, compressed, the same columns.")
