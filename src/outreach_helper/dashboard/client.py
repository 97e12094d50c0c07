"""The only code that talks to the Outreach Dashboard.

One `httpx.AsyncClient` for the application's lifetime (connection reuse matters to a
slow single server), a Wikimedia-style User-Agent, a cap on requests in flight, and an
overall deadline on every request, including the wait for a slot under the cap.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from outreach_helper import __version__
from outreach_helper.dashboard import records
from outreach_helper.dashboard.outcomes import (
    Found,
    NotFound,
    Outcome,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from outreach_helper.dashboard.urls import USER_STATS_PATH, course_path
from outreach_helper.settings import Settings

log = logging.getLogger(__name__)


def user_agent(contact: str) -> str:
    """The descriptive User-Agent Wikimedia asks every automated client to send."""
    return f"outreach-helper/{__version__} ({contact}) httpx/{httpx.__version__}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class DashboardClient:
    """Typed access to the three upstream documents the service needs."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None):
        self._deadline = settings.upstream_deadline
        self._slots = asyncio.Semaphore(settings.upstream_max_in_flight)
        self._http = httpx.AsyncClient(
            base_url=settings.outreach_base_url,
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
        # What /health reports about the upstream.
        self.last_success_at: float | None = None
        self.last_failure_at: float | None = None
        self.last_error: str | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def user_stats(self, username: str) -> Outcome:
        """A user's enrollments; `username` is already normalised (spaces, not `_`)."""
        return await self._fetch(
            "user_stats", USER_STATS_PATH, records.trim_user_stats, params={"username": username}
        )

    async def course(self, school: str, title: str) -> Outcome:
        return await self._fetch(
            "course", course_path(school, title, "course.json"), records.trim_course
        )

    async def course_users(self, school: str, title: str) -> Outcome:
        return await self._fetch(
            "users", course_path(school, title, "users.json"), records.trim_roster
        )

    async def _fetch(
        self,
        endpoint: str,
        path: str,
        trim: Callable[[Any], Any],
        *,
        params: dict[str, str] | None = None,
    ) -> Outcome:
        started = time.perf_counter()
        try:
            outcome = await self._request(endpoint, path, trim, params)
        except UpstreamError as error:
            self.last_failure_at, self.last_error = time.time(), f"{endpoint}: {error.detail}"
            log.warning(
                "upstream %s failed after %.0f ms: %s",
                endpoint, (time.perf_counter() - started) * 1000, error.detail,
            )  # fmt: skip
            raise
        self.last_success_at = time.time()
        log.info(
            "upstream %s %s in %.0f ms",
            endpoint, type(outcome).__name__, (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return outcome

    async def _request(
        self,
        endpoint: str,
        path: str,
        trim: Callable[[Any], Any],
        params: dict[str, str] | None,
    ) -> Outcome:
        try:
            async with asyncio.timeout(self._deadline), self._slots:
                response = await self._http.get(path, params=params)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise UpstreamTimeout(f"{endpoint}: no answer within {self._deadline:g} s") from error
        except httpx.TransportError as error:
            raise UpstreamUnavailable(f"{endpoint}: {type(error).__name__}") from error

        status = response.status_code
        if status == 404:
            return NotFound()
        if status in (429, 503):
            raise UpstreamUnavailable(
                f"{endpoint}: the Dashboard answered {status}", retry_after=_retry_after(response)
            )
        if status != 200:
            raise UpstreamBadResponse(f"{endpoint}: the Dashboard answered {status}")
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise UpstreamBadResponse(f"{endpoint}: the answer is not JSON") from error
        return Found(trim(payload))
