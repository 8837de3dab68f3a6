"""Users who speak Streamlit's own WebSocket protocol and draw nothing: what the server alone takes per page.

A browser session and one of these ask the server for the same runs (the Overview on connecting, then a page
chosen by its script hash, as a sidebar link does) and receive the same messages; these only skip drawing them.
A page's time is from the request to the server's "script finished" message. Used by ``bench_app.py`` to tell the
server's share of a page from the browsers' when both run on the same cores.
"""

from __future__ import annotations

import asyncio
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

TIMEOUT_S = 180


class ProtocolUser:
    """One session on a running app: ``open`` the first page, then ``visit`` pages by their titles."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: ClientConnection | None = None
        self._page_hashes: dict[str, str] = {}

    async def open(self) -> float:
        """Connect, as a browser opening the app's address does, and wait for the first page: seconds taken."""
        start = time.perf_counter()
        self._connection = await connect(self._url.replace("http", "ws", 1) + "/_stcore/stream",
                                          subprotocols=["streamlit"], origin=self._url, max_size=None,
                                          open_timeout=TIMEOUT_S)
        await self._run(page_script_hash="")
        return time.perf_counter() - start

    async def visit(self, title: str) -> float:
        """Ask for the page with this title, as its sidebar link does, and wait for it: seconds taken."""
        start = time.perf_counter()
        await self._run(page_script_hash=self._page_hashes[title])
        return time.perf_counter() - start

    async def close(self) -> None:
        await self._connection.close()

    async def _run(self, page_script_hash: str) -> None:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = page_script_hash
        await self._connection.send(request.SerializeToString())
        try:
            async with asyncio.timeout(TIMEOUT_S):  # bounds the waits for messages too, not only the loop
                await self._receive_until_finished(page_script_hash)
        except TimeoutError:
            raise RuntimeError(f"no page within {TIMEOUT_S} s") from None

    async def _receive_until_finished(self, page_script_hash: str) -> None:
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self._connection.recv())
            if message.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(f"the page failed: {message.delta.new_element.exception.message}")
            if message.HasField("page_not_found"):
                raise RuntimeError(f"no page has the hash {page_script_hash!r}")
            if message.HasField("navigation"):
                self._page_hashes = {page.page_name: page.page_script_hash
                                     for page in message.navigation.app_pages}
            # A run that ends by starting another (the app's first run on a fresh server does) is not the end.
            if (message.HasField("script_finished")
                    and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN):
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"the page's run ended with status {message.script_finished}")
                return
