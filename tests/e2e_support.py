"""Shared by the browser tests and the app benchmark: start the app on a free local port, drive Chromium."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_LIMIT_S = 90


URL_LINE = re.compile(r"URL: (http://127\.0\.0\.1:\d+)")
# For the benchmarks' timings: true once an element matching the selector shows the text (any case) and Streamlit says
# the run has ended, with no "Running" widget. Checked every ``PAGE_DONE_POLL_MS``: Playwright's expect() checks at
# intervals that grow to a second, and that wait would be counted as the page's time; checking on every animation
# frame would load the very cores the pages are timed on.
PAGE_DONE_POLL_MS = 50
PAGE_DONE_JS = """([selector, text]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const shown = [...document.querySelectorAll(selector)].some(
        (element) => element.textContent.toLowerCase().includes(text.toLowerCase()));
    return shown && app !== null && app.getAttribute("data-test-script-state") === "notRunning"
        && document.querySelector('[data-testid="stStatusWidget"]') === null;
}"""


def read_server_url(process: subprocess.Popen, limit_s: float = STARTUP_LIMIT_S) -> str:
    """The address the server printed once it was listening (it binds port 0: the system picks a free port).

    A thread reads everything the server prints, to the end, so a full pipe can never block the server.
    """
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    deadline = time.monotonic() + limit_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=min(left, 1.0))
        except queue.Empty:
            if process.poll() is not None:
                raise RuntimeError(f"the app server exited with code {process.returncode}") from None
            continue
        if match := URL_LINE.search(line):
            return match.group(1)
    raise RuntimeError(f"the app server did not say where it listens within {limit_s} s")


def wait_until_healthy(url: str, process: subprocess.Popen, limit_s: float = STARTUP_LIMIT_S) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling interval while the server starts, not a wait for the page
    raise RuntimeError(f"the app server did not answer within {limit_s} s")


@contextmanager
def running_server(extra_args: tuple[str, ...] = (), script: Path = ROOT / "app.py"
                   ) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `streamlit run app.py` (or another script) on 127.0.0.1; yield its URL and process; stop it by its PID.

    The server binds port 0, so the system gives it a free port at the moment it binds: no other process can take
    the port between choosing and binding it. The server prints the address it got.
    """
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", "0",
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *extra_args]
    # The server's store (audit lines of packs and scenarios) lives and dies with the server, never in var/.
    store_folder = tempfile.TemporaryDirectory(prefix="slrs-store-")
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "SLRS_DB_URL": f"sqlite:///{store_folder.name}/slrs.db"}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        url = read_server_url(process)
        wait_until_healthy(url, process)
        yield url, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        store_folder.cleanup()


@contextmanager
def running_app() -> Iterator[str]:
    """``running_server``'s URL alone."""
    with running_server() as (url, _):
        yield url
