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

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

PAGES = {"": "Portfolio overview", "portfolio": "Portfolio", "explore": "Explore", "segments": "Segments",
         "what_if": "what-if", "strategy": "Strategy", "model": "Model"}
RENDER_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 3000}  # Streamlit scrolls inside its own container: a tall page shows all


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
    charts = page.get_by_test_id("stPlotlyChart")
    for index in range(charts.count()):
        charts.nth(index).locator(".main-svg").first.wait_for()


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
