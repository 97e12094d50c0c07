"""Per request: one log line, the request metrics and the stats history's count.

The log line has route, status, cache state and duration; never the client's address,
and never the query string (it can hold user input beyond the route's own). Answers to
`/api/*` are also counted by the stats recorder (`app.state.recorder`, None while
STATS_RECORDING is off): in memory, with no I/O, by route template and status class.
"""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outreach_helper import metrics

log = structlog.get_logger("outreach_helper.access")
# Paths longer than this are logged cut (a refused 8 KiB path must not make an 8 KiB line).
LOGGED_PATH_MAX = 512


def logged_path(path: str) -> str:
    """The path as logged: whole, or its start and its length."""
    if len(path) <= LOGGED_PATH_MAX:
        return path
    return f"{path[:LOGGED_PATH_MAX]}... ({len(path)} characters)"


class ObserveMiddleware:
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
            seconds = time.perf_counter() - started
            # The route template, not the path: bounded label values.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.requests.labels(route, str(seen["status"])).inc()
            metrics.request_seconds.labels(route).observe(seconds)
            if scope["path"].startswith("/api/") and "app" in scope:
                recorder = getattr(scope["app"].state, "recorder", None)
                if recorder is not None:
                    recorder.answer(route, seen["status"], seen["cache"], seconds)  # type: ignore[arg-type]
            log.info(
                "request",
                method=scope["method"],
                route=route,
                path=logged_path(scope["path"]),
                status=seen["status"],
                cache=seen["cache"],
                duration_ms=round(seconds * 1000, 1),
            )
