"""A fake Outreach Dashboard: a real HTTP server on loopback, for integration tests.

It answers the three upstream endpoints from a :class:`~tests.fakedash.dataset.Dataset`,
with the upstream's quirks (404 JSON for users but 404 HTML for courses, private courses
that look missing, ``_`` in usernames), and lets a test make it slow, broken or unreachable
and count what the service asked of it::

    with FakeDashboard() as fake:
        client = httpx.Client(base_url=fake.base_url)
        client.get("/user_stats.json", params={"username": "Ada_Example"})
        fake.latency = 0.2          # every request now takes 0.2 s more
        fake.fail_mode = "500"      # ... and fails
        fake.down(); fake.up()      # refused, then back on the same port
        assert fake.counts["user_stats"] == 1

uvicorn serves it in a background thread with its own event loop, so it works the same
from sync tests and from async tests (whose loop it never blocks). Knobs are plain
attributes that a test may set at any time; every request reads them when it arrives
(``latency``) or when its latency is over (``fail_mode``).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import parse_qsl, unquote, unquote_to_bytes

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakedash.dataset import Dataset, build_dataset

ENDPOINTS = ("user_stats", "course", "users", "other")
FAIL_MODES = (None, "500", "503", "html", "bad_json", "invalid_json", "hang")

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_STEP = 0.02  # how often sleeping requests look at the knobs and at stop()

# Bodies close to what Rails (404, 500), nginx (503) and the sign-in page (200) send.
_NOT_FOUND_HTML = """<!DOCTYPE html>
<html><head><title>The page you were looking for doesn't exist (404)</title></head>
<body><h1>The page you were looking for doesn't exist.</h1></body></html>
"""
_ERROR_HTML = """<!DOCTYPE html>
<html><head><title>We're sorry, but something went wrong (500)</title></head>
<body><h1>We're sorry, but something went wrong.</h1></body></html>
"""
_UNAVAILABLE_HTML = """<html><head><title>503 Service Temporarily Unavailable</title></head>
<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>
</body></html>
"""
_LOGIN_HTML = """<!DOCTYPE html>
<html lang="en"><head><title>Programs &amp; Events Dashboard</title></head>
<body><div id="react_root"></div><a href="/users/auth/mediawiki">Log in</a></body></html>
"""
# JSON of the wrong shape, per endpoint: parses fine, means nothing.
_WRONG_SHAPES = {"user_stats": b"[]", "course": b'{"unexpected": 1}', "users": b'{"unexpected": 1}'}
_TRUNCATED_JSON = b'{"course": {"id": 31877, "title": "Wikidata Da'


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it, before any latency or failure."""

    endpoint: str  # one of ENDPOINTS
    target: str | None  # the username as sent (decoded) or the slug; None if unreadable
    method: str
    raw_path: str  # percent-encoded, exactly as sent (scope["raw_path"])
    query_string: str  # raw, without "?"
    headers: dict[str, str]  # lowercase names; repeated headers joined with ", "
    received_at: float  # time.monotonic()

    @property
    def path(self) -> str:
        """The percent-decoded path."""
        return unquote(self.raw_path)

    @property
    def params(self) -> dict[str, str]:
        """The decoded query parameters (last one wins)."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))


class FakeDashboard:
    """The fake upstream. Start it with ``start()`` or ``with``; see the module docstring.

    ``dataset`` defaults to ``build_dataset(now)`` (``now`` defaults to the current time);
    ``port=0`` picks a free port on the first start and keeps it for ``up()``.

    Knobs (set any time, from any thread; ``reset_knobs()`` puts them back):
        latency            seconds added to every request
        endpoint_latency   {"user_stats" | "course" | "users": extra seconds}
        fail_mode          None | "500" | "503" | "html" | "bad_json" | "invalid_json" | "hang"
        fail_endpoints     None (all endpoints) or a set of endpoint names fail_mode applies to
        retry_after        seconds sent as Retry-After with 500 and 503, or None
        etags              send a weak ETag with every 200 JSON answer and answer 304 to a
                           matching If-None-Match, as Rails does (default True)
        last_modified      an HTTP date sent as Last-Modified with 200 JSON answers (and
                           304 to an If-Modified-Since not older), or None (default)
    """

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        now: datetime | None = None,
    ) -> None:
        self.dataset = dataset if dataset is not None else build_dataset(now)
        self.now = self.dataset.now
        self.host = host
        self._port = port  # 0 until the first start() picks a free one; then kept for up()
        self.reset_knobs()
        self._lock = threading.Lock()  # counters, request log, data edits
        self._lifecycle = threading.Lock()  # start/stop
        self._counts = dict.fromkeys(ENDPOINTS, 0)
        self._not_modified = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._requests: list[RecordedRequest] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        every_method = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=every_method)])

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeDashboard:
        """Listen (on the same port as before, if it ran before); return once it accepts."""
        with self._lifecycle:
            if self._thread is not None:
                return self
            sock = self._bind()
            config = uvicorn.Config(
                self.app,
                lifespan="off",
                ws="none",
                log_config=None,  # leave the process's logging alone
                timeout_graceful_shutdown=2,
            )
            server = uvicorn.Server(config)
            self._stopping.clear()
            thread = threading.Thread(
                target=_serve, args=(server, sock), name=f"fakedash:{self._port}", daemon=True
            )
            thread.start()
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    server.should_exit = True
                    sock.close()
                    raise RuntimeError(f"the fake Dashboard did not start on {self.base_url}")
                time.sleep(0.005)
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop listening and close every connection. Requests that sleep (latency, "hang")
        return at once with a 503, so this takes a fraction of a second."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            if server is None or thread is None:
                return
            self._stopping.set()
            server.should_exit = True
            thread.join(timeout=10)
            if thread.is_alive():  # pragma: no cover - a safety net, not expected
                server.force_exit = True
                thread.join(timeout=5)
            self._server = self._thread = None

    def down(self) -> None:
        """Take the "Dashboard" down: connections are refused until ``up()``."""
        self.stop()

    def up(self) -> None:
        """Bring it back on the same port, with the same data, knobs and counters."""
        self.start()

    @property
    def is_up(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the fake Dashboard has no port yet: call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FakeDashboard:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> socket.socket:
        """Bind the listening socket ourselves, so that ``up()`` can reuse the port.

        SO_REUSEADDR lets the port be bound again while old connections are in TIME_WAIT;
        a few retries cover a slow release of the previous listener.
        """
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for attempt in range(50):
            try:
                sock.bind((self.host, self._port))
                break
            except OSError:
                if self._port == 0 or attempt == 49:
                    sock.close()
                    raise
                time.sleep(0.1)
        self._port = sock.getsockname()[1]
        return sock

    # --- knobs -----------------------------------------------------------------------------

    @property
    def fail_mode(self) -> str | None:
        return self._fail_mode

    @fail_mode.setter
    def fail_mode(self, mode: str | None) -> None:
        if mode not in FAIL_MODES:
            raise ValueError(f"fail_mode must be one of {FAIL_MODES}, not {mode!r}")
        self._fail_mode = mode

    @property
    def fail_endpoints(self) -> set[str] | None:
        return self._fail_endpoints

    @fail_endpoints.setter
    def fail_endpoints(self, endpoints: Iterable[str] | None) -> None:
        if endpoints is None:
            self._fail_endpoints = None
            return
        endpoints = {endpoints} if isinstance(endpoints, str) else set(endpoints)
        unknown = endpoints - set(ENDPOINTS)
        if unknown:
            raise ValueError(f"unknown endpoints {sorted(unknown)}; use names from {ENDPOINTS}")
        self._fail_endpoints = endpoints

    def reset_knobs(self) -> None:
        """No latency, no failures."""
        self.latency: float = 0.0
        self.endpoint_latency: dict[str, float] = {}
        self.fail_mode = None
        self.fail_endpoints = None
        self.retry_after: int | None = None
        self.etags: bool = True
        self.last_modified: str | None = None

    def _mode_for(self, endpoint: str) -> str | None:
        endpoints = self._fail_endpoints
        return self._fail_mode if endpoints is None or endpoint in endpoints else None

    # --- counters --------------------------------------------------------------------------

    @property
    def counts(self) -> dict[str, int]:
        """Requests received per endpoint name (a copy), "other" for anything unknown."""
        with self._lock:
            return dict(self._counts)

    @property
    def total(self) -> int:
        """Requests received, all endpoints together."""
        with self._lock:
            return sum(self._counts.values())

    @property
    def not_modified(self) -> int:
        """304 answers sent (a conditional request that found nothing new)."""
        with self._lock:
            return self._not_modified

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests handled at once since the start or the last ``reset()``."""
        with self._lock:
            return self._max_in_flight

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def reset(self) -> None:
        """Zero the counters and forget the request log; the knobs stay as they are."""
        with self._lock:
            self._counts = dict.fromkeys(ENDPOINTS, 0)
            self._not_modified = 0
            self._max_in_flight = self._in_flight
            self._requests = []

    def wait_for_requests(
        self, count: int, endpoint: str | None = None, timeout: float = 5.0
    ) -> None:
        """Block until ``count`` requests (to ``endpoint``, or in all) have arrived.

        For background refreshes. Blocks the calling thread: from async tests whose service
        runs in the test's own loop, use ``await fake.wait_for_requests_async(...)``.
        """
        deadline = time.monotonic() + timeout
        while not self._has(count, endpoint):
            if time.monotonic() > deadline:
                raise TimeoutError(self._waited_too_long(count, endpoint, timeout))
            time.sleep(0.01)

    async def wait_for_requests_async(
        self, count: int, endpoint: str | None = None, timeout: float = 5.0
    ) -> None:
        """Like ``wait_for_requests`` but sleeps with asyncio, so the test's loop runs on."""
        deadline = time.monotonic() + timeout
        while not self._has(count, endpoint):
            if time.monotonic() > deadline:
                raise TimeoutError(self._waited_too_long(count, endpoint, timeout))
            await asyncio.sleep(0.01)

    def _has(self, count: int, endpoint: str | None) -> bool:
        counts = self.counts
        return (counts[endpoint] if endpoint else sum(counts.values())) >= count

    def _waited_too_long(self, count: int, endpoint: str | None, timeout: float) -> str:
        what = f"{endpoint} requests" if endpoint else "requests"
        return f"expected {count} {what} within {timeout} s; the fake got {self.counts}"

    # --- data ------------------------------------------------------------------------------

    def set_user(self, username: str, payload: dict | None) -> None:
        """Serve ``payload`` for the exact ``username``; None makes the user unknown (404)."""
        with self._lock:
            if payload is None:
                self.dataset.users.pop(username, None)
            else:
                self.dataset.users[username] = payload

    def set_course(
        self, slug: str, course_payload: dict | None, roster_payload: dict | None = None
    ) -> None:
        """Serve a course.json payload (and a users.json one) for ``slug``.

        ``course_payload=None`` removes the course and its roster (404); a new course with
        no roster gets an empty one; an existing one keeps its roster unless given one.
        """
        with self._lock:
            if course_payload is None:
                self.dataset.courses.pop(slug, None)
                self.dataset.rosters.pop(slug, None)
                return
            self.dataset.courses[slug] = course_payload
            if roster_payload is not None:
                self.dataset.rosters[slug] = roster_payload
            else:
                self.dataset.rosters.setdefault(slug, {"course": {"users": []}})

    def set_private(self, slug: str, private: bool = True) -> None:
        """Make a course answer 404 (private) or 200 again."""
        with self._lock:
            if private:
                self.dataset.private.add(slug)
            else:
                self.dataset.private.discard(slug)

    # --- requests --------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        scope = request.scope
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        endpoint, target = _route(scope["method"], raw_path, scope["query_string"])
        self._arrived(
            RecordedRequest(
                endpoint=endpoint,
                target=target,
                method=scope["method"],
                raw_path=raw_path.decode("latin-1"),
                query_string=scope["query_string"].decode("latin-1"),
                headers=_headers(scope["headers"]),
                received_at=time.monotonic(),
            )
        )
        try:
            await self._sleep(self.latency + self.endpoint_latency.get(endpoint, 0.0))
            failure = await self._failure(endpoint)
            if failure is not None:
                return failure
            return self._conditional(request, self._answer(endpoint, target))
        finally:
            with self._lock:
                self._in_flight -= 1

    def _arrived(self, record: RecordedRequest) -> None:
        with self._lock:
            self._counts[record.endpoint] += 1
            self._requests.append(record)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    async def _sleep(self, seconds: float) -> None:
        """Sleep without blocking other requests, but give up at once when stopping."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _STEP))

    async def _failure(self, endpoint: str) -> Response | None:
        """The response ``fail_mode`` asks for, or None to answer normally."""
        while (mode := self._mode_for(endpoint)) == "hang":
            if self._stopping.is_set():
                return _html(503, _UNAVAILABLE_HTML)
            await asyncio.sleep(_STEP)  # until a test changes the knob
        if self._stopping.is_set():
            return _html(503, _UNAVAILABLE_HTML)
        retry = {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}
        match mode:
            case None:
                return None
            case "500":
                return _html(500, _ERROR_HTML, retry)
            case "503":
                return _html(503, _UNAVAILABLE_HTML, retry)
            case "html":
                return _html(200, _LOGIN_HTML)
            case "bad_json":
                return _json_bytes(200, _WRONG_SHAPES.get(endpoint, b"[]"))
            case "invalid_json":
                return _json_bytes(200, _TRUNCATED_JSON)
        raise AssertionError(mode)  # pragma: no cover - the setter allows nothing else

    def _conditional(self, request: Request, response: Response) -> Response:
        """Validators on a 200 JSON answer, and 304 when the request's still match."""
        if response.status_code != 200 or not (self.etags or self.last_modified):
            return response
        etag = f'W/"{hashlib.md5(response.body).hexdigest()}"' if self.etags else None
        if etag:
            response.headers["etag"] = etag
        if self.last_modified:
            response.headers["last-modified"] = self.last_modified
        if _matches(request.headers, etag, self.last_modified):
            with self._lock:
                self._not_modified += 1
            headers = {"etag": etag} if etag else {}
            return Response(status_code=304, headers=headers)
        return response

    def _answer(self, endpoint: str, target: str | None) -> Response:
        """What the upstream answers when all is well."""
        data = self.dataset
        if endpoint == "user_stats":
            # The upstream reads `_` as a space (MediaWiki style), then matches exactly.
            payload = data.users.get(target.replace("_", " ")) if target else None
            if payload is None:
                return _json(404, {"error": "User not found"})
            return _json(200, payload)
        if endpoint in ("course", "users") and target and target not in data.private:
            payload = (data.courses if endpoint == "course" else data.rosters).get(target)
            if payload is not None:
                return _json(200, payload)
        return _html(404, _NOT_FOUND_HTML)


def _matches(headers: Mapping[str, str], etag: str | None, modified: str | None) -> bool:
    """RFC 9110: If-None-Match (weak comparison) wins over If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        weak = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag is not None and ("*" in weak or etag.removeprefix("W/") in weak)
    since = headers.get("if-modified-since")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    """Thread body: one event loop (uvloop when installed), one uvicorn server."""
    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(server.serve(sockets=[sock]))


def _route(method: str, raw_path: bytes, query: bytes) -> tuple[str, str | None]:
    """(endpoint name, username or slug) from the raw, still percent-encoded path.

    Matching the raw path segment by segment, rather than Starlette's decoded path, keeps a
    title with ``%2F`` from being read as two segments; any other shape is "other".
    """
    if method not in ("GET", "HEAD"):
        return "other", None
    if raw_path == b"/user_stats.json":
        params = dict(parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True))
        return "user_stats", params.get("username") or None
    parts = raw_path.split(b"/")
    if len(parts) != 5 or parts[:2] != [b"", b"courses"]:
        return "other", None
    endpoint = {b"course.json": "course", b"users.json": "users"}.get(parts[4])
    if endpoint is None:
        return "other", None
    school, title = _segment(parts[2]), _segment(parts[3])
    if not school or not title or "/" in school or "/" in title:
        return endpoint, None  # counted as a course request, answered 404
    return endpoint, f"{school}/{title}"


def _segment(raw: bytes) -> str | None:
    """A percent-decoded UTF-8 path segment, or None if it is not valid UTF-8."""
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _json(status: int, payload: object) -> Response:
    return _json_bytes(status, orjson.dumps(payload))


def _json_bytes(status: int, body: bytes) -> Response:
    return Response(body, status_code=status, headers={"content-type": JSON_TYPE})


def _html(status: int, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body, status_code=status, headers={"content-type": HTML_TYPE, **(headers or {})}
    )
