"""CORS for gadgets: any origin may read any answer, errors included; never credentials.

Gadgets call from wiki pages in readers' browsers, cross-origin. Nothing here depends on
a cookie or a login, so `Access-Control-Allow-Origin: *` (which browsers never combine
with credentials) is both enough and safe, and answers need no `Vary: Origin`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Wikimedia asks browser scripts to identify themselves in Api-User-Agent; the others let
# a gadget revalidate by hand.
ALLOWED_HEADERS = "Api-User-Agent, If-None-Match, Cache-Control"
EXPOSED_HEADERS = "ETag, Age, Cache-Status, Retry-After"
PREFLIGHT_MAX_AGE = "86400"

# On every answer, errors included.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": EXPOSED_HEADERS,
}
_RAW_CORS_HEADERS = [(k.lower().encode(), v.encode()) for k, v in CORS_HEADERS.items()]
_PREFLIGHT_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
    (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
    (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
    (b"allow", ALLOWED_METHODS.encode()),
    (b"content-length", b"0"),
]


class GadgetCORS:
    """Pure ASGI: answers every OPTIONS (a preflight or not) itself with 204, and adds the
    CORS headers to every other response on its way out."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send(
                {"type": "http.response.start", "status": 204, "headers": _PREFLIGHT_HEADERS}
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *_RAW_CORS_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_cors)
