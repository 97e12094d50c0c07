"""One log line per request: route, status, cache state, duration. Never the client's
address, and never the query string (it can hold user input beyond the route's own)."""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("outreach_helper.access")


class AccessLogMiddleware:
    """Pure ASGI middleware: cheap enough for every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, object] = {"status": 500, "cache": None}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"cache-status":
                        seen["cache"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                method=scope["method"],
                route=getattr(route, "path", None),
                path=scope["path"],
                status=seen["status"],
                cache=seen["cache"],
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
