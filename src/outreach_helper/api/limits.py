"""Request size limits, as nginx in front of most services enforces them: a request target
(path and query string) over 8 KiB gets 414, a header block over 16 KiB gets 431.

Pure ASGI and outside everything but the access log, so an oversized request costs no
routing, no validation and no upstream or store work. The servers are configured to pass
such requests on rather than refuse them with a bare 400 (httptools sets no
head-size limit; the CLI raises h11's, used when httptools is missing).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from outreach_helper.api.cors import CORS_HEADERS
from outreach_helper.api.errors import INPUT_ERROR_CACHE, problem

MAX_TARGET_BYTES = 8 * 1024  # path + "?" + query, as sent (percent-encoded)
MAX_HEADER_BYTES = 16 * 1024  # every "Name: value\r\n" line


def target_size(scope: Scope) -> int:
    """Length of the request target as the client sent it."""
    path = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string", b"")
    return len(path) + (1 + len(query) if query else 0)


def header_size(scope: Scope) -> int:
    """Length of the header block as sent: each line `Name: value` and its CRLF."""
    return sum(len(name) + len(value) + 4 for name, value in scope.get("headers", ()))


# RFC 9110's and RFC 6585's names (HTTPStatus still says "Request-URI Too Long").
TITLES = {414: "URI Too Long", 431: "Request Header Fields Too Large"}


def refusal(scope: Scope) -> tuple[int, str] | None:
    """The status and detail an oversized request gets; None for one within the limits."""
    if target_size(scope) > MAX_TARGET_BYTES:
        return 414, f"the request target (path and query) is over {MAX_TARGET_BYTES} bytes"
    if header_size(scope) > MAX_HEADER_BYTES:
        return 431, f"the request headers are over {MAX_HEADER_BYTES} bytes in all"
    return None


class RequestLimits:
    """Answers an oversized request with problem details before anything else sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = refusal(scope) if scope["type"] == "http" else None
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, detail = refused
        # Outside the CORS middleware, so it carries the CORS headers itself (as the 500
        # handler does): a gadget can read why it was refused.
        response = problem(
            status,
            detail,
            title=TITLES[status],
            headers=dict(CORS_HEADERS),
            cache_control=INPUT_ERROR_CACHE,
        )
        await response(scope, receive, send)
