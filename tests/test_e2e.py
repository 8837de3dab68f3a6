"""End-to-end: the real app in a real headless Chromium, as a user would use it.

Needs Debian's Chromium at /usr/bin/chromium (never a downloaded browser). Without it these tests are
skipped on a developer's machine and fail under CI=true. Screenshots of every page are saved to a
temporary folder (printed with -s).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import parse_figure
from e2e_support import CHROMIUM, CHROMIUM_FLAGS, running_app

from slrs.findings import DRIFT_DETAILS
from slrs.schema import internal_names
from slrs.synth import generate_portfolio

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

PAGES = {"": "Portfolio overview", "portfolio": "Portfolio", "explore": "Explore", "segments": "Segments",
         "what_if": "what-if", "strategy": "Strategy", "money": "Money & thresholds",
         "compare": "Champion vs challenger", "fairness": "Fairness of actions", "model": "Model",
         "scenario": "Scenario & report", "saved_scenarios": "Saved scenarios", "monitoring": "Monitoring"}
RENDER_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 3000}
# Every file the pages/ folder holds: a name Streamlit would list if the app's own navigation were not in charge.
FILE_NAMES = {path.stem for path in (Path(__file__).resolve().parent.parent / "pages").glob("*.py")} | {"app"}
NET_RECOVERY = "Expected net recovery"
# st.data_editor's header and rows are 35 px high (as in Streamlit's own browser tests).
GRID_ROW_PX = 35
# The Money page's assumptions editor, counted from 0 (column 0: the action; 4: the share in the High band).
SETTLEMENT_ROW, HIGH_SHARE_COLUMN = 1, 4
PLOTS_DRAWN = """() => { const charts = [...document.querySelectorAll('.js-plotly-plot')];
    return charts.length > 0 && charts.every(chart => chart.querySelector('.main-svg')); }"""
# Tables wider than their place: the element past its parent's right edge, or its grid scrolling sideways.
OVERFLOWING_TABLES = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(table => {
    const scroller = table.querySelector('.dvn-scroller');
    const parent = table.parentElement.getBoundingClientRect();
    return table.getBoundingClientRect().right > parent.right + 1
        || (scroller !== null && scroller.scrollWidth > scroller.clientWidth + 1);
}).map(table => table.closest('[data-testid="stElementContainer"]')?.className || 'a table')"""
ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(chart => chart.querySelector('.main-svg'))"""  # Streamlit scrolls inside its own container: a tall page shows all


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots: {folder}")
    return folder


def wait_for_app(page: Page) -> None:
    """Wait until the script has finished running (the status widget disappears) and a title is shown."""
    page.locator("h1").first.wait_for()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=RENDER_TIMEOUT_MS)
    # Streamlit marks its root element while a script run is under way: wait for the run to be over.
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning",
                                                           timeout=RENDER_TIMEOUT_MS)
    # Charts load their code lazily; re-checked as a whole because a rerun replaces chart elements.
    page.wait_for_function(ALL_CHARTS_DRAWN)


def open_page(page: Page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}")
    wait_for_app(page)


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_loads_without_error(page: Page, app_url: str, screenshots: Path, path: str) -> None:
    open_page(page, app_url, path)
    expect(page.locator("h1").first).to_contain_text(re.compile(PAGES[path], re.IGNORECASE))
    assert_no_exception(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Active portfolio")
    expect(drift_banner(page)).to_have_count(0)  # the bundled sample is the training data's own kind
    page.wait_for_function(ALL_CHARTS_DRAWN)
    page.screenshot(path=str(screenshots / f"{path or 'overview'}.png"), full_page=True)
    assert_readable(page.locator("body").inner_text(), path)
    assert page.evaluate(OVERFLOWING_TABLES) == [], f"tables wider than their place on /{path}"


def assert_readable(text: str, where: str) -> None:
    """No internal column name (from the schema) in text people read; status in words, not emoji."""
    found = sorted(name for name in internal_names() if re.search(rf"\b{re.escape(name)}\b", text))
    assert found == [], f"internal column names visible on /{where}: {found}"
    assert not re.search("[\U0001F300-\U0001FAFF\u2600-\u27BF]", text), f"emoji on /{where}"


def metric_value(page: Page, label: str) -> str:
    return metric_value_locator(page, label).inner_text()


def metric_value_locator(page: Page, label: str) -> Locator:
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return metric.get_by_test_id("stMetricValue")


def drift_banner(page: Page) -> Locator:
    return page.get_by_test_id("stAlertContentError").filter(has_text=DRIFT_DETAILS)


def go_to(page: Page, title: str) -> None:
    """Change page with the sidebar's navigation, as a user does: the session and its choices stay."""
    page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink").filter(has_text=title).click()
    expect(page.locator("h1").first).to_contain_text(title)
    wait_for_app(page)


def test_upload_of_a_reference_format_file_replaces_the_portfolio(page: Page, app_url: str, screenshots: Path,
                                                                   tmp_path: Path) -> None:
    upload = tmp_path / "branch-north.csv"
    # The reference format exactly: 21 columns, CRLF line endings, no newline after the last row.
    text = generate_portfolio(60, seed=12).to_csv(index=False, lineterminator="\r\n").removesuffix("\r\n")
    upload.write_bytes(text.encode())
    open_page(page, app_url, "portfolio")
    page.locator("input[type=file]").set_input_files(str(upload))
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("branch-north.csv")
    expect(sidebar).to_contain_text("60 rows")
    wait_for_app(page)
    assert_no_exception(page)
    page.screenshot(path=str(screenshots / "portfolio-uploaded.png"), full_page=True)


def test_the_scored_table_brings_its_last_rows_as_the_user_scrolls(page: Page, app_url: str) -> None:
    # Tables are sent lazily: the browser gets the rows in view, then asks the server for the ones scrolled to.
    open_page(page, app_url, "portfolio")
    table = page.get_by_test_id("stDataFrame").last
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(60):  # 5,000 rows of about 35 px: well past the end
        page.mouse.wheel(0, 5_000)
    expect(table).to_contain_text("BRW_5000", timeout=RENDER_TIMEOUT_MS)  # the sample's last borrower
    assert_no_exception(page)


def test_a_broken_upload_shows_an_error_and_keeps_the_portfolio(page: Page, app_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "notes.csv"
    broken.write_bytes(b"name,comment\nAnna,call back\n")
    open_page(page, app_url, "portfolio")
    page.locator("input[type=file]").set_input_files(str(broken))
    expect(page.get_by_test_id("stAlertContentError").first).to_contain_text("missing required columns")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Bundled sample portfolio")
    assert_no_exception(page)


def test_moving_a_threshold_changes_the_counts(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url, "strategy")
    legal_before = metric_value(page, "Legal: borrowers")
    high = page.get_by_test_id("stSlider").filter(has_text="High threshold").get_by_role("slider")
    high.focus()
    for _ in range(15):
        high.press("ArrowLeft")
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("legal above 0.60")
    assert int(metric_value(page, "Legal: borrowers").replace(",", "")) > int(legal_before.replace(",", ""))
    assert "high=0.6" in page.url
    page.screenshot(path=str(screenshots / "strategy-moved.png"), full_page=True)


def test_editing_a_borrower_changes_the_live_score(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url, "what_if")
    before = float(metric_value(page, "Risk score, edited"))
    missed = page.get_by_role("spinbutton", name="Num Missed Payments")
    missed.fill("10")
    missed.press("Enter")
    expect(page.get_by_test_id("stMetric").filter(has=page.get_by_text("Risk score, edited", exact=True))
           .get_by_test_id("stMetricDelta")).to_be_visible()
    wait_for_app(page)
    assert float(metric_value(page, "Risk score, edited")) > before
    assert "edit.Num_Missed_Payments=10" in page.url
    page.screenshot(path=str(screenshots / "what-if-edited.png"), full_page=True)


def test_a_shared_link_opens_its_page_with_its_thresholds_on_a_fresh_server(page: Page) -> None:
    # The first request a new server gets is for a page's own address: it must still run inside the app's
    # frame (sidebar, session set-up) and honour the link's thresholds.
    with running_app() as fresh_url:
        open_page(page, fresh_url, "strategy?low=0.3&high=0.6")
        assert_no_exception(page)
        expect(page.get_by_role("dialog")).to_have_count(0)  # no "Page not found" over the page
        expect(page.locator("h1").first).to_contain_text("Recovery strategy")
        expect(page.get_by_test_id("stSidebar")).to_contain_text("legal above 0.60, settlement from 0.30")


# Every text the sidebar shows while a page loads, recorded by the browser itself at each change of the page.
RECORD_SIDEBAR = """() => {
    window.sidebarTexts = [];
    new MutationObserver(() => {
        const sidebar = document.querySelector('[data-testid="stSidebar"]');
        if (sidebar) window.sidebarTexts.push(sidebar.innerText);
        if (document.querySelector('[data-testid="stSidebarNav"]')) window.sidebarTexts.push('<stSidebarNav>');
    }).observe(document, {childList: true, subtree: true, characterData: true});
}"""


@pytest.mark.parametrize("path", ["", "what_if"])
def test_a_cold_start_never_shows_file_names_in_the_sidebar(browser: Browser, path: str) -> None:
    # A fresh server, a fresh browser: from the first paint, the sidebar lists page titles, never file names.
    with running_app() as fresh_url:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        page.add_init_script(f"({RECORD_SIDEBAR})()")
        open_page(page, fresh_url, path)
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Borrower what-if")
        texts = page.evaluate("window.sidebarTexts")
        context.close()
    assert texts, "the sidebar was never recorded"
    lines = {line.strip() for text in texts for line in text.splitlines()}
    assert "<stSidebarNav>" not in lines  # Streamlit's own list of the pages/ folder never appeared
    assert lines & FILE_NAMES == set()


def amount(text: str) -> float:
    """A headline amount as shown ("1.48 bn"), to its three significant figures."""
    return parse_figure(text)


def edit_grid_cell(page: Page, grid: Locator, row: int, column: int, value: str) -> None:
    """Type ``value`` into one body cell of an ``st.data_editor``, with the mouse and keyboard as a user does.

    The grid draws its cells on a canvas, so no cell is an element to click, and its columns are sized to their
    content. Only the first body cell has a fixed place (left edge, under the header): click it, move with the
    arrow keys, open the cell's editor with Enter, type, Enter. The grid's hidden accessible copy of the table says
    what the target cell holds; the open editor must show the same, or the keys reached another cell.
    """
    def cell(at_column: int, at_row: int) -> Locator:
        return grid.get_by_test_id(f"glide-cell-{at_column}-{at_row}")

    before = cell(column, row).inner_text()
    grid.get_by_test_id("stDataFrameResizable").click(position={"x": 20, "y": GRID_ROW_PX * 1.5})
    # Each key waits until the grid has moved its selection: on a busy machine a key pressed before the grid
    # took focus, or while it redraws, is lost, and the editor would open on a neighbouring cell.
    expect(cell(0, 0)).to_have_attribute("aria-selected", "true")
    for to_column in range(1, column + 1):
        page.keyboard.press("ArrowRight")
        expect(cell(to_column, 0)).to_have_attribute("aria-selected", "true")
    for to_row in range(1, row + 1):
        page.keyboard.press("ArrowDown")
        expect(cell(column, to_row)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    cell_editor = page.get_by_test_id("portal").locator("input")
    expect(cell_editor).to_have_value(before)
    cell_editor.fill(value)
    cell_editor.press("Enter")


def change_assumption_and_apply_best(page: Page, screenshots: Path) -> tuple[str, str, str]:
    """On the Money page: lower settlement's High-band share, apply the best thresholds; (net, low, high) shown."""
    net = metric_value_locator(page, NET_RECOVERY)
    net_at_defaults = net.inner_text()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("legal above 0.75, settlement from 0.50")
    # Settlements bring back 0.40 of a high-risk balance instead of 0.68: other thresholds become the best.
    edit_grid_cell(page, page.get_by_test_id("stDataFrame").first, SETTLEMENT_ROW, HIGH_SHARE_COLUMN, "0.40")
    expect(net).not_to_have_text(net_at_defaults)
    wait_for_app(page)
    apply = page.get_by_role("button", name=re.compile("^Apply the best thresholds"))
    expect(apply).to_be_enabled()
    low, high = re.search(r"\((\d\.\d\d) / (\d\.\d\d)\)", apply.inner_text()).groups()
    assert (low, high) != ("0.50", "0.75")
    net_after_edit = amount(net.inner_text())
    assert net_after_edit < amount(net_at_defaults)  # the same plan with settlements worth less
    expect(page.get_by_text("more after costs than your thresholds")).to_be_visible()  # an exact, positive gain
    apply.click()
    expect(sidebar).to_contain_text(f"legal above {high}, settlement from {low}")
    wait_for_app(page)
    expect(page.get_by_text(f"Your thresholds, {low} / {high}, are the best pair on the grid.")).to_be_visible()
    assert amount(net.inner_text()) >= net_after_edit  # the gain can be below the headline's three figures
    assert_no_exception(page)
    page.screenshot(path=str(screenshots / "money-best-applied.png"), full_page=True)
    return net.inner_text(), low, high


def open_offline(browser: Browser, path: Path) -> tuple[Page, list[str]]:
    """Open a local file in a new context that refuses every request but for files; also list what was tried."""
    context = browser.new_context(viewport=VIEWPORT)
    attempted: list[str] = []  # every request is reported here, refused ones too
    context.on("request", lambda request: None if request.url.startswith(("file:", "data:"))
               else attempted.append(request.url))
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else route.abort())
    offline = context.new_page()
    offline.set_default_timeout(RENDER_TIMEOUT_MS)
    errors: list[str] = []
    offline.on("pageerror", lambda error: errors.append(str(error)))
    offline.goto(path.as_uri())
    offline.wait_for_function(PLOTS_DRAWN)
    assert errors == []
    return offline, attempted


def test_a_changed_assumption_and_the_best_thresholds_reach_the_offline_committee_pack(
        page: Page, browser: Browser, app_url: str, screenshots: Path, tmp_path: Path) -> None:
    open_page(page, app_url, "money")
    net, low, high = change_assumption_and_apply_best(page, screenshots)
    go_to(page, "Scenario & report")
    expect(page.get_by_text(f"legal action above a risk score of {high}")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download the committee pack")).click()
    assert download.value.suggested_filename == "slrs_committee_pack.html"
    saved = tmp_path / "committee_pack.html"
    download.value.save_as(saved)
    go_to(page, "Monitoring")  # the audit trail names who produced the pack, of which data
    audit = page.get_by_test_id("stDataFrame").last
    expect(audit).to_contain_text("produced pack")
    expect(audit).to_contain_text("local")

    pack, attempted = open_offline(browser, saved)
    try:
        assert attempted == []
        expect(pack.locator(".js-plotly-plot")).to_have_count(saved.read_text(encoding="utf-8")
                                                              .count('class="plotly-graph-div"'))
        expect(pack.locator(".kpi").filter(has_text=NET_RECOVERY).locator("b")).to_have_text(net)
        scenario = pack.locator("section").filter(has=pack.get_by_role("heading", name="3. The scenario"))
        expect(scenario).to_contain_text(f"legal action above {high}, settlement from {low}, reminders below")
        expect(scenario).to_contain_text(f"{low} / {high}, expected net recovery ")
        settlement = scenario.locator("tr").filter(has_text="Settlement").first
        expect(settlement.locator("td").nth(HIGH_SHARE_COLUMN)).to_have_text("40.0%")
        pack.screenshot(path=str(screenshots / "committee-pack.png"), full_page=True)
    finally:
        pack.context.close()


def test_a_portfolio_unlike_the_training_data_shows_the_drift_banner_on_every_page(
        page: Page, app_url: str, tmp_path: Path) -> None:
    shifted = generate_portfolio(300, seed=8)
    shifted["Days_Past_Due"] *= 3  # far longer delays than the models were trained on
    upload = tmp_path / "shifted.csv"
    shifted.to_csv(upload, index=False)
    open_page(page, app_url, "portfolio")
    page.locator("input[type=file]").set_input_files(str(upload))
    expect(page.get_by_test_id("stSidebar")).to_contain_text("shifted.csv")
    expect(drift_banner(page)).to_contain_text("days past due")
    go_to(page, "Money & thresholds")
    expect(drift_banner(page)).to_have_count(1)
    assert_no_exception(page)


def test_the_app_asks_nothing_of_any_server_but_its_own(browser: Browser, app_url: str) -> None:
    """A bank's portfolio stays between the browser and the app: no page fetches fonts, icons or scripts elsewhere."""
    context = browser.new_context(viewport=VIEWPORT)
    elsewhere: list[str] = []
    context.on("request", lambda request: elsewhere.append(request.url)
               if not request.url.startswith((app_url, "data:", "blob:")) else None)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    for path in ("", "money", "model"):
        open_page(page, app_url, path)
    context.close()
    assert elsewhere == []


def test_the_committee_pack_is_readable_at_1400_px(page: Page, tmp_path: Path) -> None:
    """The pack of a labelled upload: summary first, no internal names, no table wider than the page."""
    from slrs import pipeline
    from slrs.io import load_bundle
    from slrs.scenario import DecisionScenario

    source = generate_portfolio(600, seed=9)
    source["Recovery_Status"] = source["Recovery_Status"].sample(frac=1, random_state=2).to_numpy()
    bundle = load_bundle()
    champion = pipeline.decide(pipeline.load(source.to_csv(index=False).encode(), "book.csv"), bundle,
                               DecisionScenario())
    challenger = pipeline.decide(champion.portfolio, bundle, DecisionScenario("study"))
    path = tmp_path / "pack.html"
    path.write_text(pipeline.pack(champion, challenger, bundle), encoding="utf-8")
    page.goto(path.as_uri())
    text = page.locator("body").inner_text()
    assert text.index("No better than chance on this portfolio") < text.index("1. The portfolio")
    assert_readable(text, "the committee pack")
    wide = page.evaluate("""() => [...document.querySelectorAll('.table')]
        .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.innerText.slice(0, 60))""")
    assert wide == []


def test_a_scenario_saved_by_name_is_listed_and_loads_back(page: Page, app_url: str) -> None:
    # The name is typed and Save clicked at once, as people do: the save must still take the name just typed.
    open_page(page, app_url, "strategy?low=0.35&high=0.7")
    go_to(page, "Saved scenarios")
    page.get_by_label("Name").fill("Committee draft")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved as Committee draft, version 1.")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_contain_text("Committee draft")
    open_page(page, app_url, "saved_scenarios")  # a new session, on the defaults
    expect(page.get_by_test_id("stSidebar")).to_contain_text("legal above 0.75, settlement from 0.50")
    page.get_by_role("button", name=re.compile("Load it")).click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("legal above 0.70, settlement from 0.35")
    assert_no_exception(page)
