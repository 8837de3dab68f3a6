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
from e2e_support import CHROMIUM, CHROMIUM_FLAGS, running_app
from slrs.synth import generate_portfolio

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

PAGES = {"": "Portfolio overview", "portfolio": "Portfolio", "explore": "Explore", "segments": "Segments",
         "what_if": "what-if", "strategy": "Strategy", "model": "Model"}
RENDER_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 3000}
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
    page.wait_for_timeout(300)  # let the last websocket deltas paint
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=RENDER_TIMEOUT_MS)
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
    page.screenshot(path=str(screenshots / f"{path or 'overview'}.png"), full_page=True)


def metric_value(page: Page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return metric.get_by_test_id("stMetricValue").inner_text()


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
        expect(page.locator("h1").first).to_contain_text("Recovery strategy")
        expect(page.get_by_test_id("stSidebar")).to_contain_text("legal above 0.60, settlement from 0.30")
