"""The only code that talks to a Dashboard (one client per configured dashboard).

One `httpx.AsyncClient` for the application's lifetime (connection reuse matters to a
slow single server), a Wikimedia-style User-Agent, a cap on requests in flight, and an
overall deadline on every request, including the wait for a slot under the cap.

Protecting the Dashboard: a circuit breaker per endpoint (`breaker.py`) stops calls after
repeated failures; only background refreshes are retried (stamina: at most
`REFRESH_ATTEMPTS`, exponential backoff with jitter, honouring `Retry-After`), each attempt
going through the breaker and the in-flight cap like any other request; refreshes send
the validators they have, so an unchanged document costs a 304 and no download (though
the Dashboard renders it all the same: a 304 saves bytes, not its work). Every success,
failure and refusal is reported to the port it was given (`reports.py`): in the service,
the shared upstream marks, which `/health` reports and which end an open circuit's
cool-down here as soon as any worker has seen the endpoint answer again.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx
import orjson
import stamina
import structlog

from outreach_helper import __version__, metrics
from outreach_helper.dashboard import records
from outreach_helper.dashboard.all_courses import AllCoursesTrimmer
from outreach_helper.dashboard.breaker import CircuitBreaker, CircuitState
from outreach_helper.dashboard.config import DashboardConfig
from outreach_helper.dashboard.outcomes import (
    CircuitOpen,
    FetchOptions,
    Found,
    NotFound,
    NotModified,
    Outcome,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    Validators,
)
from outreach_helper.dashboard.reports import NoReports, UpstreamReports
from outreach_helper.dashboard.urls import (
    ALL_COURSES_PATH,
    ENDPOINTS,
    USER_STATS_PATH,
    course_path,
    user_stats_query,
)
from outreach_helper.settings import Settings

log = structlog.get_logger(__name__)
# Outcome labels in metrics and logs.
OUTCOME_NAMES = {Found: "found", NotFound: "not_found", NotModified: "not_modified"}

# Waits between the attempts of a background refresh: about 0.5 s, then 1 s, plus up to
# 1 s of jitter. A Retry-After up to RETRY_AFTER_MAX is honoured instead; a longer one
# ends the refresh (the cache then backs off for at least that long).
RETRY_WAIT_INITIAL = 0.5
RETRY_WAIT_MAX = 10.0
RETRY_WAIT_JITTER = 1.0
RETRY_AFTER_MAX = 30.0


def user_agent(contact: str) -> str:
    """The descriptive User-Agent Wikimedia asks every automated client to send."""
    return f"outreach-helper/{__version__} ({contact}) httpx/{httpx.__version__}"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from `Retry-After` (delta-seconds or an HTTP date), None if absent or odd."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - now)


def _retry_hook(error: Exception) -> bool | float:
    """stamina's `on`: retry upstream failures, waiting as long as Retry-After says.

    Never retries a call the breaker refused, nor one asked to wait longer than
    RETRY_AFTER_MAX (holding a refresh that long helps nobody)."""
    if not isinstance(error, UpstreamError) or isinstance(error, CircuitOpen):
        return False
    if error.retry_after is None:
        return True
    return error.retry_after if error.retry_after <= RETRY_AFTER_MAX else False


class Parser(Protocol):
    def feed(self, chunk: bytes) -> None: ...

    def finish(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Streamed:
    """How to read an answer too big to hold whole: a push parser (raising ValueError on a
    bad answer) and a deadline of its own (the Dashboard builds it uncached)."""

    parser: Callable[[], Parser]
    deadline: float


class _CourseListParser:
    """The trimmer, finishing with the record the cache stores (`records.course_list`)."""

    def __init__(self, trimmer: AllCoursesTrimmer):
        self._trimmer = trimmer

    def feed(self, chunk: bytes) -> None:
        self._trimmer.feed(chunk)

    def finish(self) -> dict[str, Any]:
        return records.course_list(self._trimmer.finish())


class DashboardClient:
    """Typed access to the upstream documents the service needs, from one dashboard."""

    def __init__(
        self,
        settings: Settings,
        config: DashboardConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        reports: UpstreamReports | None = None,
    ):
        self.config = config or settings.dashboard_configs[0]
        self._deadline = settings.upstream_deadline
        self._all_courses_deadline = settings.all_courses_deadline
        self._attempts = settings.refresh_attempts
        self._slots = asyncio.Semaphore(settings.upstream_max_in_flight)
        self.breakers = {
            name: CircuitBreaker(
                name,
                failure_threshold=settings.breaker_failures,
                cooldown=settings.breaker_cooldown,
                first_cooldown=settings.breaker_first_cooldown,
                clock=clock,
            )
            for name in ENDPOINTS
        }
        self.reports = reports or NoReports()
        self._http = httpx.AsyncClient(
            base_url=self.config.base_url,
            headers={
                "User-Agent": user_agent(settings.contact),
                "Accept": "application/json",
                "Accept-Language": "en",
            },
            timeout=httpx.Timeout(
                settings.upstream_deadline, connect=settings.upstream_connect_timeout
            ),
            limits=httpx.Limits(max_connections=settings.upstream_max_in_flight),
            follow_redirects=False,
            transport=transport,
        )
        # Requests actually sent, per endpoint (not those the breaker refused).
        self.sent: Counter[str] = Counter()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def user_stats(self, username: str, options: FetchOptions | None = None) -> Outcome:
        """A user's enrollments; `username` is already normalised (spaces, not `_`)."""
        return await self._fetch(
            "user_stats",
            f"{USER_STATS_PATH}?{user_stats_query(username)}",
            records.trim_user_stats,
            options or FetchOptions(),
        )

    async def course(self, school: str, title: str, options: FetchOptions | None = None) -> Outcome:
        return await self._fetch(
            "course",
            course_path(school, title, "course.json"),
            records.trim_course,
            options or FetchOptions(),
        )

    async def course_users(
        self, school: str, title: str, options: FetchOptions | None = None
    ) -> Outcome:
        return await self._fetch(
            "users",
            course_path(school, title, "users.json"),
            records.trim_roster,
            options or FetchOptions(),
        )

    async def all_courses(
        self, now: datetime, lookahead: timedelta, options: FetchOptions | None = None
    ) -> Outcome:
        """The courses of `all_courses.json` that have not ended and start within
        `lookahead`, with their facilitators and editors (`all_courses.py`)."""
        streamed = Streamed(
            lambda: _CourseListParser(AllCoursesTrimmer(now=now, lookahead=lookahead)),
            self._all_courses_deadline,
        )
        return await self._fetch(
            "all_courses", ALL_COURSES_PATH, streamed, options or FetchOptions()
        )

    async def _fetch(
        self,
        endpoint: str,
        path: str,
        trim: Callable[[Any], Any] | Streamed,
        options: FetchOptions,
    ) -> Outcome:
        """One attempt for a caller who waits; up to `refresh_attempts` in the background."""
        if not options.background or self._attempts == 1:
            return await self._attempt(endpoint, path, trim, options)
        async for attempt in stamina.retry_context(
            on=_retry_hook,
            attempts=self._attempts,
            timeout=None,  # each attempt has its own deadline
            wait_initial=RETRY_WAIT_INITIAL,
            wait_max=RETRY_WAIT_MAX,
            wait_jitter=RETRY_WAIT_JITTER,
        ):
            with attempt:
                return await self._attempt(endpoint, path, trim, options)
        raise AssertionError("unreachable: stamina re-raises the last failure")

    async def _attempt(
        self,
        endpoint: str,
        path: str,
        trim: Callable[[Any], Any] | Streamed,
        options: FetchOptions,
    ) -> Outcome:
        """One request, through the endpoint's breaker, with logging and /health figures."""
        breaker = self.breakers[endpoint]
        # Has another worker seen the endpoint answer since this circuit opened?
        if breaker.state is not CircuitState.CLOSED and breaker.recovered_elsewhere(
            await self.reports.last_success_at(endpoint)
        ):
            log.info("upstream answered another worker; probing", endpoint=endpoint)
        started = time.perf_counter()
        try:
            outcome = await self._request(endpoint, path, trim, options.validators)
        except CircuitOpen:
            await self.reports.refused(endpoint)  # nothing was sent
            raise
        except UpstreamError as error:
            breaker.failure()
            # The detail already names the endpoint.
            seconds = self._record(endpoint, error.outcome, started, error=error.detail)
            await self.reports.failed(
                endpoint, error.detail, outcome=error.outcome, seconds=seconds
            )
            raise
        except BaseException:
            breaker.abandon()
            raise
        breaker.success()
        name = OUTCOME_NAMES[type(outcome)]
        seconds = self._record(endpoint, name, started)
        await self.reports.succeeded(endpoint, outcome=name, seconds=seconds)
        return outcome

    def _record(self, endpoint: str, outcome: str, started: float, **fields: object) -> float:
        """One log line and the metrics of one upstream request; its duration."""
        seconds = time.perf_counter() - started
        state = self.breakers[endpoint].state
        dashboard = self.config.name
        metrics.breaker_open.labels(dashboard, endpoint).set(state is not CircuitState.CLOSED)
        metrics.upstream_requests.labels(dashboard, endpoint, outcome).inc()
        metrics.upstream_seconds.labels(dashboard, endpoint).observe(seconds)
        level = log.warning if "error" in fields else log.info
        level(
            "upstream", endpoint=endpoint, outcome=outcome,
            duration_ms=round(seconds * 1000, 1), dashboard=dashboard, **fields,
        )  # fmt: skip
        return seconds

    async def _request(
        self,
        endpoint: str,
        path: str,
        trim: Callable[[Any], Any] | Streamed,
        validators: Validators | None,
    ) -> Outcome:
        # Conditional requests save bytes, not the Dashboard's work: Rails renders the whole
        # action (for user_stats, every statistic of the user) before Rack::ConditionalGet
        # compares ETags, and course.json's ETag changes with every stats run anyway
        # (flags.update_logs is in the body). See bench/revalidation.py for how often a
        # refresh of each kind gets a 304.
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        deadline = trim.deadline if isinstance(trim, Streamed) else self._deadline
        try:
            async with asyncio.timeout(deadline), self._slots:
                # Asked with a slot in hand, so that calls queued behind the cap while the
                # first ones fail are refused once the circuit opens.
                self.breakers[endpoint].allow()
                self.sent[endpoint] += 1
                if isinstance(trim, Streamed):
                    return await self._streamed(endpoint, path, trim, headers)
                response = await self._http.get(path, headers=headers)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise UpstreamTimeout(f"{endpoint}: no answer within {deadline:g} s") from error
        except httpx.TransportError as error:
            raise UpstreamUnavailable(f"{endpoint}: {type(error).__name__}") from error
        if (early := self._early_outcome(endpoint, response, headers)) is not None:
            return early
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise UpstreamBadResponse(f"{endpoint}: the answer is not JSON") from error
        return Found(trim(payload), _validators(response))

    async def _streamed(
        self, endpoint: str, path: str, streamed: Streamed, headers: dict[str, str]
    ) -> Outcome:
        """A big answer parsed as it arrives, so that it is never whole in memory."""
        timeout = httpx.Timeout(streamed.deadline, connect=self._http.timeout.connect)
        async with self._http.stream("GET", path, headers=headers, timeout=timeout) as response:
            if (early := self._early_outcome(endpoint, response, headers)) is not None:
                return early
            parser = streamed.parser()
            try:
                async for chunk in response.aiter_bytes():
                    parser.feed(chunk)
                data = parser.finish()
            except ValueError as error:  # truncated, malformed or of the wrong shape
                raise UpstreamBadResponse(f"{endpoint}: {error}") from error
            return Found(data, _validators(response))

    def _early_outcome(
        self, endpoint: str, response: httpx.Response, headers: dict[str, str]
    ) -> Outcome | None:
        """The outcome told by the status alone; None for a 200 whose body is to be read."""
        status = response.status_code
        if status == 404:
            return NotFound()
        if status == 304 and headers:
            return NotModified()
        retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
        if status in (429, 503):
            raise UpstreamUnavailable(
                f"{endpoint}: the Dashboard answered {status}", retry_after=retry_after
            )
        if status != 200:
            raise UpstreamBadResponse(
                f"{endpoint}: the Dashboard answered {status}", retry_after=retry_after
            )
        return None


def _validators(response: httpx.Response) -> Validators | None:
    validators = Validators(
        etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified")
    )
    return validators or None
