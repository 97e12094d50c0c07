"""A fake Outreach Dashboard (or Wiki Education Dashboard, given that world's dataset): a
real HTTP server on loopback, for integration tests.

It answers the three upstream endpoints from a :class:`~tests.fakedash.dataset.Dataset`
as the Rails application does (``outreach_helper.demo.rails`` models it, with the files it
comes from): ``username`` decoded twice, users and slugs found case- and
accent-insensitively, 404s as JSON (``{"error": "User not found"}``, ``{"message":
"Course S/T not found"}``, ``{"message": "not found"}`` for a private course), ``ended``
computed when rendering, Rack's weak ETags matched exactly, and stats runs that rewrite
course.json (``update_stats``, or ``stats_every`` for a run every so many seconds). It lets
a test make it slow, broken or unreachable and count what the service asked of it::

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
import math
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_to_bytes

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from outreach_helper.demo import rails
from outreach_helper.domain.identity import collation_key
from tests.fakedash.dataset import Dataset, build_dataset

ENDPOINTS = ("user_stats", "course", "users", *rails.BULK_ENDPOINTS, "other")
FAIL_MODES = (
    None, "500", "503", "html", "bad_json", "invalid_json", "hang",
    "truncated", "malformed", "empty",
)  # fmt: skip
# Modes that spoil the real answer rather than replace it.
_SPOILING_MODES = ("truncated", "malformed", "empty")

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_STEP = 0.02  # how often sleeping requests look at the knobs and at stop()

# Bodies close to what Rails (404, 500), nginx (503) and the sign-in page (200) send.
_NOT_FOUND_HTML = """<!DOCTYPE html>
<html><head><title>The page you were looking for doesn't exist (404)</title></head>
<body><h1>The page you were looking for doesn't exist.</h1></body></html>
"""
_BAD_REQUEST_HTML = """<!DOCTYPE html>
<html><head><title>Bad Request (400)</title></head><body><h1>Bad Request</h1></body></html>
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
_WRONG_SHAPES = {
    "user_stats": b"[]", "course": b'{"unexpected": 1}', "users": b'{"unexpected": 1}',
    "all_courses": b'{"all_courses": {"courses": []}}',
    "campaign_users": b'{"campaign": "x", "users": {"unexpected": 1}}',
    "courses_by_wiki": b'{"courses": {"unexpected": 1}}',
    "active_courses": b'{"courses": "none"}', "campaign_active_courses": b'{"courses": 1}',
}  # fmt: skip
# A well-formed answer with nothing in it, per endpoint ("empty").
_EMPTY = {
    "all_courses": b'{"all_courses":[]}', "campaign_users": b'{"campaign":"x","users":[]}',
    "courses_by_wiki": b'{"courses":[]}', "active_courses": b'{"courses":[]}',
    "campaign_active_courses": b'{"courses":[]}', "users": b'{"course":{"users":[]}}',
}  # fmt: skip
_USER_NOT_FOUND = {"error": "User not found"}
_TRUNCATED_JSON = b'{"course": {"id": 31877, "title": "Wikidata Da'


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it, before any latency or failure."""

    endpoint: str  # one of ENDPOINTS
    # The username as the Dashboard reads it (decoded twice, `_` as space) or the slug
    # (decoded once); None if unreadable.
    target: str | None
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
        """The query parameters decoded once, as Rack does (last one wins): `username`
        is still CGI-escaped here; `target` is the name the Dashboard looks up."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))


class FakeDashboard:
    """The fake upstream. Start it with ``start()`` or ``with``; see the module docstring.

    ``dataset`` defaults to ``build_dataset(now)`` (``now`` defaults to the current time);
    ``port=0`` picks a free port on the first start and keeps it for ``up()``.

    Knobs (set any time, from any thread; ``reset_knobs()`` puts them back):
        latency            seconds added to every request
        endpoint_latency   {"user_stats" | "course" | "users": extra seconds}
        fail_mode          None | "500" | "503" | "html" | "bad_json" | "invalid_json" | "hang"
                           (answers instead of the real one), or "truncated" (the real
                           200 body cut in half, sent complete as far as HTTP goes),
                           "malformed" (the real body with a NUL byte in its middle: not
                           JSON wherever it lands) or "empty" (a well-formed answer listing
                           nothing, e.g. `{"all_courses":[]}`)
        fail_endpoints     None (all endpoints) or a set of endpoint names fail_mode applies to
        retry_after        seconds sent as Retry-After with 500 and 503, or None
        etags              send Rack's weak ETag with every 200 JSON answer and answer 304
                           to an If-None-Match equal to it, as Rails does (default True)
        last_modified      an HTTP date sent as Last-Modified with 200 JSON answers (and
                           304 to an If-Modified-Since not older), or None (default; Rails
                           never sends one for these actions)
        stats_every        None, or seconds of ``clock`` between stats runs: each run
                           rewrites course.json of every course being updated (and a
                           roster row), as the Dashboard's update jobs do (default None)
        clock              what "now" is for ``stats_every`` and ``schedule`` (default
                           ``time.time``)

    Bulk endpoints (``outreach_helper.demo.rails`` renders them like the Rails views):
    ``/all_courses.json``, ``/campaigns/{slug}/users.json``, ``/campaigns/{slug}/
    active_courses.json``, ``/courses_by_wiki/{lang}.{project}(.org).json`` and
    ``/active_courses.json``, counted as "all_courses", "campaign_users",
    "campaign_active_courses", "courses_by_wiki" and "active_courses", with the same ETags,
    latency and failures as the others. Asking courses_by_wiki for a wiki no course has
    creates it, as Rails does (``created_wikis``); an invalid one is a 500.
    ``enroll``, ``unenroll``, ``set_dates``, ``set_private``, ``set_course`` and
    ``set_campaign`` change what every view answers. For benches, pass
    ``dataset=build_large_world(...)`` (``outreach_helper.demo.dataset``); for the Wiki
    Education Dashboard, ``dataset=build_wikiedu_dataset()`` (``outreach_helper.demo.
    wikiedu``; start one fake per world, each on its own port).

    Data that changes at known times: ``schedule("user", name, [(at, payload), ...])``
    (or ``"course"``, slug, course.json payloads; ``None`` = 404) makes every answer
    rendered at ``clock() >= at`` use that version, and ``truth(kind, key, at)`` says what
    was served at any instant, so a checker can tell a stale answer from a wrong one.
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
        self._not_modified_by: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._bytes_not_sent: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._in_flight = 0
        self._max_in_flight = 0
        self._requests: list[RecordedRequest] = []
        self._stats_runs = 0
        self._created_wikis: list[str] = []
        self._stats_done = 0  # runs of stats_every applied
        self._stats_origin: float | None = None
        # (kind, collation key) -> (base payload, [(at, payload), ...] sorted by at)
        self._timelines: dict[
            tuple[str, str], tuple[dict | None, list[tuple[float, dict | None]]]
        ] = {}
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
        self.stats_every: float | None = None
        self.clock: Callable[[], float] = time.time
        self._stats_origin = None
        self._stats_done = 0

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
    def not_modified_by_endpoint(self) -> dict[str, int]:
        """304 answers sent, per endpoint (a copy)."""
        with self._lock:
            return dict(self._not_modified_by)

    @property
    def bytes_not_sent(self) -> dict[str, int]:
        """Body bytes that 304 answers did not send, per endpoint (a copy): what a 304
        saves. The answer was rendered all the same."""
        with self._lock:
            return dict(self._bytes_not_sent)

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
            self._not_modified_by = dict.fromkeys(ENDPOINTS, 0)
            self._bytes_not_sent = dict.fromkeys(ENDPOINTS, 0)
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
        """Serve ``payload`` for ``username``; None makes the user unknown (404).

        Like the unique index on ``users.username`` (utf8mb4_unicode_ci), a second user of
        the same collation class (``Pegcult`` beside ``PegCult``) is refused."""
        with self._lock:
            if payload is None:
                self.dataset.users.pop(username, None)
                return
            clash = rails.find_by_collation(self.dataset.users, username)
            if clash is not None and clash[0] != username:
                raise ValueError(f"{username!r} collides with the user {clash[0]!r}")
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
        """Make a course answer 404 (private) or 200 again; a private course leaves the
        lists that leave private courses out (all_courses, campaign users)."""
        with self._lock:
            self.dataset.set_private(slug, private)

    def enroll(self, slug: str, username: str, role: int = 0, **extra: Any) -> dict:
        """Enroll someone (``Dataset.enroll``): the roster, their user_stats and the bulk
        lists show it. Returns the new users.json row."""
        with self._lock:
            return self.dataset.enroll(slug, username, role, **extra)

    def unenroll(self, slug: str, username: str, role: int | None = None) -> int:
        """Remove someone's rows (of ``role``, or all) from a course; returns how many."""
        with self._lock:
            return self.dataset.unenroll(slug, username, role)

    def set_dates(self, slug: str, **dates: Any) -> None:
        """Change a course's ``start``/``end`` (``Dataset.set_dates``)."""
        with self._lock:
            self.dataset.set_dates(slug, **dates)

    def set_campaign(self, campaign: str, slugs: Iterable[str] | None) -> None:
        """Make a campaign list these courses, or (None) remove it (404)."""
        with self._lock:
            if slugs is None:
                self.dataset.campaigns.pop(campaign, None)
            else:
                self.dataset.campaigns[campaign] = list(slugs)

    @property
    def created_wikis(self) -> list[str]:
        """The wikis courses_by_wiki was asked for that no course had: each request for
        one created it on the real Dashboard."""
        with self._lock:
            return list(self._created_wikis)

    def schedule(self, kind: str, key: str, versions: Iterable[tuple[float, dict | None]]) -> None:
        """From each ``at`` (a ``clock()`` time) on, serve that payload for the user (kind
        "user": user_stats.json) or the course (kind "course": course.json; its roster is
        left alone; it must be in the dataset); before the first, what the dataset holds
        now. ``None`` is a 404.
        Replaces an earlier schedule of the same key."""
        if kind not in ("user", "course"):
            raise ValueError(f"kind must be 'user' or 'course', not {kind!r}")
        with self._lock:
            rows = self.dataset.users if kind == "user" else self.dataset.courses
            found = rails.find_by_collation(rows, key)
            base = _clone_json(found[1]) if found is not None else None
            timeline = sorted(((float(at), _clone_json(p)) for at, p in versions), key=_first)
            self._timelines[(kind, collation_key(key))] = (base, timeline)

    def truth(self, kind: str, key: str, at: float) -> dict | None:
        """The payload a scheduled ``key`` was (or will be) served with at ``at``: the
        user_stats.json or course.json body before rendering, or None for a 404."""
        with self._lock:
            base, timeline = self._timelines[(kind, collation_key(key))]
        current = base
        for moment, payload in timeline:
            if moment > at:
                break
            current = payload
        return current

    def _scheduled(self, kind: str, key: str | None) -> tuple[bool, dict | None]:
        """(whether ``key`` has a schedule, its payload at ``clock()``)."""
        if key is None or (kind, collation_key(key)) not in self._timelines:
            return False, None
        return True, self.truth(kind, key, self.clock())

    def update_stats(self, slugs: Iterable[str] | None = None, at: float | None = None) -> int:
        """One stats run, as the Dashboard's update jobs make one: for each course being
        updated (``slugs``, or every course with start <= at <= update_until) a new
        ``flags.update_logs`` entry, ``updates.last_update`` and ``updated_at``, so its
        course.json (and ETag) changes even when its dates and staff did not; one
        participant's counters grow in its users.json. Returns how many were updated."""
        moment = datetime.fromtimestamp(self.clock() if at is None else at, UTC)
        with self._lock:
            self._stats_runs += 1
            chosen = list(slugs) if slugs is not None else [
                slug for slug, payload in self.dataset.courses.items()
                if _being_updated(payload["course"], moment)
            ]  # fmt: skip
            for slug in chosen:
                _stats_run(self.dataset.courses[slug]["course"], moment, self._stats_runs)
                rows = self.dataset.rosters.get(slug, {}).get("course", {}).get("users", [])
                if rows:
                    row = rows[self._stats_runs % len(rows)]
                    row["character_sum_ms"] = row.get("character_sum_ms", 0) + 120
                    row["recent_revisions"] = row.get("recent_revisions", 0) + 1
        return len(chosen)

    def _run_due_stats(self) -> None:
        """With ``stats_every`` set, the runs due by ``clock()`` since it was set."""
        every = self.stats_every
        if not every:
            return
        now = self.clock()
        if self._stats_origin is None:
            self._stats_origin = now
        due = math.floor((now - self._stats_origin) / every)
        while self._stats_done < due:
            self._stats_done += 1
            self.update_stats(at=self._stats_origin + self._stats_done * every)

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
            self._run_due_stats()
            query = scope["query_string"].decode("utf-8", "replace")
            raw = raw_path.decode("latin-1")
            response = self._answer(endpoint, target, query, raw)
            mode = self._mode_for(endpoint)
            if mode in _SPOILING_MODES:
                response = _spoiled(response, endpoint, mode)
            return self._conditional(request, endpoint, response)
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
            case "truncated" | "malformed" | "empty":
                return None  # the real answer, spoiled once rendered
        raise AssertionError(mode)  # pragma: no cover - the setter allows nothing else

    def _conditional(self, request: Request, endpoint: str, response: Response) -> Response:
        """Validators on a 200 JSON answer, and 304 when the request's still match: Rack
        renders the whole answer first, so a 304 saves bytes, not the Dashboard's work."""
        if response.status_code != 200 or not (self.etags or self.last_modified):
            return response
        etag = rails.etag(response.body) if self.etags else None
        if etag:
            response.headers["etag"] = etag
        if self.last_modified:
            response.headers["last-modified"] = self.last_modified
        if _matches(request.headers, etag, self.last_modified):
            with self._lock:
                self._not_modified += 1
                self._not_modified_by[endpoint] += 1
                self._bytes_not_sent[endpoint] += len(response.body)
            headers = {"etag": etag} if etag else {}
            return Response(status_code=304, headers=headers)
        return response

    def _answer(
        self, endpoint: str, target: str | None, query: str = "", raw_path: str = ""
    ) -> Response:
        """What the upstream answers when all is well."""
        data = self.dataset
        if endpoint in rails.BULK_ENDPOINTS:
            return self._answer_bulk(query, raw_path)
        if endpoint == "user_stats":
            try:
                rails.read_username(query)
            except rails.BadQuery:
                return _html(400, _BAD_REQUEST_HTML)
            scheduled, payload = self._scheduled("user", target)
            if scheduled:
                return _json(*((404, _USER_NOT_FOUND) if payload is None else (200, payload)))
            found = rails.find_by_collation(data.users, target) if target else None
            if found is None:
                return _json(404, _USER_NOT_FOUND)
            return _json(200, found[1])
        if endpoint in ("course", "users") and target is not None:
            found = rails.find_by_collation(data.courses, target)
            if found is None:
                return _json(404, rails.course_not_found(target))
            slug, course = found
            if slug in data.private:
                return _json(404, rails.PRIVATE_COURSE)
            if endpoint == "course":
                scheduled, payload = self._scheduled("course", slug)
                if scheduled:
                    if payload is None:
                        return _json(404, rails.course_not_found(target))
                    return _json(200, rails.render_course(payload))
                return _json(200, rails.render_course(course))
            return _json(200, data.rosters.get(slug, {"course": {"users": []}}))
        return _html(404, _NOT_FOUND_HTML)

    def _answer_bulk(self, query: str, raw_path: str) -> Response:
        """A bulk view, rendered under the data lock (mutations come from other threads)."""
        bulk = rails.route_bulk(raw_path, query)
        assert bulk is not None
        now = datetime.fromtimestamp(self.clock(), UTC)
        with self._lock:
            if bulk.endpoint == "courses_by_wiki":
                assert bulk.project is not None
                if not rails.valid_wiki(bulk.language, bulk.project):
                    return _html(500, _ERROR_HTML)  # Wiki::InvalidWikiError, not rescued
                wiki = (rails.language_for_multilingual(bulk.language, bulk.project),
                        bulk.project)  # fmt: skip
                known = wiki in rails.home_wikis(self.dataset)
                if not known and bulk.target not in self._created_wikis:
                    self._created_wikis.append(str(bulk.target))
            status, payload = rails.answer_bulk(self.dataset, bulk, now)
            body = orjson.dumps(payload)
        return _json_bytes(status, body)


def _clone_json(payload: dict | None) -> dict | None:
    """A deep copy, so later edits of the caller's dict do not change the timeline."""
    return None if payload is None else orjson.loads(orjson.dumps(payload))


def _first(pair: tuple[float, object]) -> float:
    return pair[0]


def _matches(headers: Mapping[str, str], etag: str | None, modified: str | None) -> bool:
    """Rack::ConditionalGet: If-None-Match, compared as an exact string, wins over
    If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag is not None and rails.not_modified(if_none_match, etag)
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

    As Rails routes `courses/:slug/course.json` with `slug: /.*/` (config/routes.rb) on
    the encoded path and then decodes the parameter once, the slug is everything between
    `/courses/` and the document, decoded once (`%2F` becomes a `/` inside it, and such a
    slug is simply not found). Any other shape is "other".
    """
    if method not in ("GET", "HEAD"):
        return "other", None
    bulk = rails.route_bulk(raw_path.decode("latin-1"), query.decode("latin-1"))
    if bulk is not None:
        return bulk.endpoint, bulk.target
    if raw_path == b"/user_stats.json":
        try:
            return "user_stats", rails.read_username(query.decode("utf-8", "replace")) or None
        except rails.BadQuery:
            return "user_stats", None
    parts = raw_path.split(b"/")
    if len(parts) < 5 or parts[:2] != [b"", b"courses"]:
        return "other", None
    endpoint = {b"course.json": "course", b"users.json": "users"}.get(parts[-1])
    if endpoint is None:
        return "other", None
    return endpoint, _segment(b"/".join(parts[2:-1]))


def _segment(raw: bytes) -> str | None:
    """Percent-decoded UTF-8, or None if it is not valid UTF-8."""
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


def _spoiled(response: Response, endpoint: str, mode: str) -> Response:
    """A 200 JSON answer cut in half, broken in its middle, or emptied (other answers as
    they are)."""
    if response.status_code != 200:
        return response
    body = bytes(response.body)
    if mode == "truncated":
        return _json_bytes(200, body[: len(body) // 2])
    if mode == "malformed":
        middle = len(body) // 2
        return _json_bytes(200, body[:middle] + b"\x00" + body[middle:])
    return _json_bytes(200, _EMPTY.get(endpoint, b"{}"))


def _html(status: int, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body, status_code=status, headers={"content-type": HTML_TYPE, **(headers or {})}
    )


def _being_updated(course: Mapping[str, object], moment: datetime) -> bool:
    """The Dashboard updates a course from its start until `update_until`."""
    start, until = course.get("start"), course.get("update_until") or course.get("end")
    if not isinstance(start, str) or not isinstance(until, str):
        return False
    return datetime.fromisoformat(start) <= moment <= datetime.fromisoformat(until)


def _stats_run(course: dict, moment: datetime, number: int) -> None:
    """What one update job writes into a course's row: a log entry, the last update."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    flags = course.setdefault("flags", {})
    logs = flags.setdefault("update_logs", {})
    key = str(max((int(k) for k in logs if str(k).isdigit()), default=0) + 1)
    entry = {
        "start_time": stamp, "end_time": stamp, "error_count": 0,
        "sentry_tag_uuid": f"00000000-0000-4000-8000-{number:012d}",
        "processed": 100 + number % 50, "reprocessed": number % 3,
        "orphan_lock_failure": None,
    }  # fmt: skip
    logs[key] = entry
    course["updates"] = {**(course.get("updates") or {}), "last_update": entry}
    course["updated_at"] = stamp
