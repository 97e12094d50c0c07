"""What the browser tests run against: servers on loopback and a page wrapper.

- `ThreadServer` serves any ASGI app (the demo wiki, a broken service) like `AppServer`.
- `RequestLog` records every request a server receives, to count what the gadget asked.
- `broken_service(mode)` answers 500 to everything, or never answers.
- `GadgetPage` is a page of the demo wiki with its uncaught errors and console collected.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from playwright.sync_api import ConsoleMessage, Page
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"  # git-ignored; for people to look at

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright must not download its own
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# How long a test waits for the gadget to decide; far above what it needs, so that a slow
# machine cannot make a test fail, while a gadget that never decides still does.
OUTCOME_TIMEOUT_MS = 15_000


class ThreadServer:
    """An ASGI app under uvicorn on 127.0.0.1, in a background thread."""

    def __init__(self, app: ASGIApp, lifespan: str = "off") -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
            lifespan=lifespan, loop="asyncio", timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> ThreadServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class RequestLog:
    """ASGI middleware: remembers every HTTP request, then passes it on unchanged."""

    app: ASGIApp
    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            query = scope["query_string"].decode("latin-1")
            self.seen.append(Seen(scope["method"], scope["path"], query, headers))
        await self.app(scope, receive, send)


def broken_service(mode: str) -> Starlette:
    """A service that answers 500 to every request ("500") or never answers ("hang").

    Preflights succeed and answers carry CORS headers, so the gadget really sees the 500
    (or really waits) rather than being stopped by the browser first.
    """
    cors = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "Api-User-Agent",
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    }

    async def answer(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=cors)
        if mode == "hang":
            await asyncio.sleep(60)  # uvicorn cancels it at shutdown
        problem = {"type": "about:blank", "title": "Internal Server Error", "status": 500}
        return JSONResponse(problem, status_code=500, headers=cors)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "OPTIONS"])])


# Messages Chromium itself logs as errors when a request fails; they come from the browser,
# not from the page's scripts, and are what a failing service looks like in any console.
_BROWSER_NETWORK_MESSAGES = ("Failed to load resource", "net::ERR_")


@dataclass
class GadgetPage:
    """A page of the demo wiki, with what went wrong on it collected."""

    page: Page
    uncaught: list[str] = field(default_factory=list)
    console: list[ConsoleMessage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("pageerror", lambda error: self.uncaught.append(str(error)))
        self.page.on("console", lambda message: self.console.append(message))

    def outcome(self) -> str:
        """What the gadget decided (its `outreachHelper.ready` hook), once it has."""
        return self.page.evaluate(
            """(timeout) => new Promise((resolve, reject) => {
                mw.hook('outreachHelper.ready').add(resolve);
                setTimeout(() => reject(new Error('the gadget did not decide')), timeout);
            })""",
            OUTCOME_TIMEOUT_MS,
        )

    @property
    def script_errors(self) -> list[str]:
        """Console errors other than the browser's own network messages."""
        return [
            m.text
            for m in self.console
            if m.type == "error" and not m.text.startswith(_BROWSER_NETWORK_MESSAGES)
        ]

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png")
