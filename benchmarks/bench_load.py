"""Benchmark: can one user's heavy or hostile upload stall the others? And what does a session's portfolio cost?

Run: .venv/bin/python benchmarks/bench_load.py   (needs Debian's Chromium at /usr/bin/chromium)

A local server (port 0, 127.0.0.1) and 8 browser sessions at once in headless Chromium:
- 6 ordinary users open the Overview, then the Strategy, Money & thresholds and Explore pages, over and over;
- 1 user uploads a generated 100,000-row portfolio on the Portfolio page;
- 1 user uploads hostile files: a CSV with 100,000 columns and a workbook with a cell at XFD1048576.

It prints the slowest page time of the ordinary users (from the click to the page's script finished), the
upload times, the server's peak memory (RSS, sampled every 0.1 s), its memory with all 8 sessions open, and after
they close (Streamlit keeps a closed session for ``server.disconnectedSessionTTL`` seconds, set to 5 here, and
drops it when its session store is next used, e.g. by the next visitor). It also prints the memory one 100k-row portfolio adds to the server (one session, measured alone).
Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from e2e_support import CHROMIUM, CHROMIUM_FLAGS, PAGE_DONE_JS, PAGE_DONE_POLL_MS, running_server  # noqa: E402
from playwright.async_api import Browser, Page, async_playwright  # noqa: E402

from slrs.synth import generate_portfolio  # noqa: E402

USERS = 6
ROUNDS = 3
PAGES = ("Strategy", "Money & thresholds", "Explore")
TIMEOUT_MS = 180_000
SESSION_TTL_S = 5
VIEWPORT = {"width": 1400, "height": 2000}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PeakMemory:
    """The largest RSS of a process, sampled every 0.1 s in a thread until ``stop``."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._running = pid, 0.0, True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.1)

    def stop(self) -> float:
        self._running = False
        self._thread.join()
        return self.peak


async def wait_for_script(page: Page, selector: str = "h1", text: str = "") -> None:
    """Until an element matching ``selector`` shows ``text`` and the page's run has ended (``PAGE_DONE_JS``)."""
    await page.wait_for_function(PAGE_DONE_JS, arg=[selector, text], polling=PAGE_DONE_POLL_MS,
                                 timeout=TIMEOUT_MS)


async def open_first_page(page: Page, url: str) -> float:
    """Seconds from opening the app's address to its first page, run and shown."""
    start = time.perf_counter()
    await page.goto(url)
    await wait_for_script(page)
    return time.perf_counter() - start


async def ordinary_user(page: Page, url: str, first: list[float], timings: list[float]) -> None:
    first.append(await open_first_page(page, url))
    for _ in range(ROUNDS):
        for title in PAGES:
            start = time.perf_counter()
            await page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink").filter(
                has_text=title).click()
            await wait_for_script(page, "h1", title.split(" &")[0])
            timings.append(time.perf_counter() - start)


async def upload(page: Page, url: str, path: Path, expected: str) -> float:
    await page.goto(f"{url}/portfolio")
    await wait_for_script(page)
    start = time.perf_counter()
    await page.locator("input[type=file]").set_input_files(str(path))
    place = '[data-testid="stSidebar"]' if expected == path.name else '[data-testid="stMain"]'
    await wait_for_script(page, place, expected)
    return time.perf_counter() - start


async def hostile_user(page: Page, url: str, files: list[Path]) -> list[float]:
    return [await upload(page, url, path, "cannot be used") for path in files]


def describe(label: str, first: list[float], timings: list[float]) -> None:
    print(f"{label}: first page median {statistics.median(first):.2f} s, slowest {max(first):.2f} s; "
          f"{len(timings)} page changes median {statistics.median(timings):.2f} s, slowest {max(timings):.2f} s",
          flush=True)


def make_files(folder: Path) -> tuple[Path, list[Path]]:
    big = folder / "big_100k.csv"
    generate_portfolio(100_000, seed=1).to_csv(big, index=False)
    wide = folder / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join(["1"] * 100_000) + "\n")
    far = folder / "far.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active["A1"], workbook.active["XFD1048576"] = "Age", 1
    workbook.save(far)
    return big, [wide, far]


async def settle(browser: Browser, url: str, pid: int) -> float:
    """Server memory once closed sessions are gone: past their TTL, after one more visitor came and went."""
    await asyncio.sleep(SESSION_TTL_S + 10)  # past the TTL, and a little more for the cleanup to run
    # Streamlit keeps a closed session for reconnection in a store that drops expired sessions only when it is
    # next used: one more visitor who comes and goes makes it let go of the others.
    visitor = await browser.new_context(viewport=VIEWPORT)
    page = await visitor.new_page()
    await page.goto(url)
    await wait_for_script(page)
    await visitor.close()
    await asyncio.sleep(2)
    return rss_mb(pid)


async def run_load(url: str, pid: int, big: Path, hostile: list[Path]) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(USERS)]
        first: list[float] = []
        timings: list[float] = []
        pages = [await context.new_page() for context in contexts]
        await asyncio.gather(*(ordinary_user(page, url, first, timings) for page in pages))
        describe(f"{USERS} ordinary users alone", first, timings)
        for context in contexts:
            await context.close()
        after_first = await settle(browser, url, pid)
        contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(USERS + 2)]
        pages = [await context.new_page() for context in contexts]
        first, timings = [], []
        peak = PeakMemory(pid)
        results = await asyncio.gather(*(ordinary_user(page, url, first, timings) for page in pages[:USERS]),
                                       upload(pages[USERS], url, big, "big_100k.csv"),
                                       hostile_user(pages[USERS + 1], url, hostile))
        describe(f"{USERS} ordinary users beside a 100k upload and a hostile one", first, timings)
        print(f"100k-row upload to the scored table under load: {results[USERS]:.2f} s", flush=True)
        print("hostile uploads refused in: " + ", ".join(f"{seconds:.2f} s" for seconds in results[USERS + 1]),
              flush=True)
        open_mb = rss_mb(pid)
        for context in contexts:
            await context.close()
        after_second = await settle(browser, url, pid)
        await browser.close()
    print(f"server memory: peak {peak.stop():.0f} MB; with the {USERS + 2} sessions open {open_mb:.0f} MB; once "
          f"closed sessions were dropped: {after_first:.0f} MB after the first {USERS}, {after_second:.0f} MB after "
          f"{USERS + 2} more (what stays is the shared caches: models, explainers, the sample)", flush=True)


async def one_upload_cost(url: str, pid: int, big: Path) -> None:
    """Server memory with one session on the sample, then after that session loads 100k rows."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = await (await browser.new_context(viewport=VIEWPORT)).new_page()
        await page.goto(url)
        await wait_for_script(page)
        before = rss_mb(pid)
        seconds = await upload(page, url, big, "big_100k.csv")
        await page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink").filter(
            has_text="Overview").click()
        await wait_for_script(page, "h1", "overview")
        print(f"one session, 100k-row upload alone: {seconds:.2f} s; the server holds {rss_mb(pid) - before:.0f} MB "
              "more for it (portfolio, validation and scored view)", flush=True)
        await browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        big, hostile = make_files(Path(folder))
        args = ("--server.disconnectedSessionTTL", str(SESSION_TTL_S))
        with running_server(args) as (url, process):
            asyncio.run(one_upload_cost(url, process.pid, big))
        with running_server(args) as (url, process):
            print(f"server memory on start: {rss_mb(process.pid):.0f} MB", flush=True)
            asyncio.run(run_load(url, process.pid, big, hostile))


if __name__ == "__main__":
    main()
