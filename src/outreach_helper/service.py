"""The service: what a route asks for, answered from the cache, fetched only when needed.

Routes call this; this calls the cache; the cache calls the Dashboard client. Inputs
arrive already normalised (see `domain/`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from outreach_helper.cache.engine import Kind, Lookup, SWRCache
from outreach_helper.dashboard.client import DashboardClient
from outreach_helper.dashboard.outcomes import UpstreamError
from outreach_helper.dashboard.urls import encode_segment
from outreach_helper.domain.slugs import InvalidSlug, course_key, split_course_slug
from outreach_helper.settings import Settings
from outreach_helper.views import (
    active_slugs,
    active_staff_view,
    course_view,
    distinct_slugs,
    roster_view,
    status_view,
    user_view,
)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _split_all(slugs: list[str]) -> dict[str, tuple[str, str]]:
    """slug -> (school, title), leaving out slugs that cannot be a course's."""
    parts = {}
    for slug in slugs:
        try:
            parts[slug] = split_course_slug(slug)
        except InvalidSlug:
            continue
    return parts


class NotFoundError(Exception):
    """The Dashboard does not know this user or course (or it is private)."""

    def __init__(self, what: str, name: str):
        super().__init__(f"{what} {name!r} is not on the Outreach Dashboard (or is private)")
        self.what = what


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer body, the cache lookup it came from and when it was made (for headers)."""

    body: dict[str, Any]
    lookup: Lookup
    now: float


class HelperService:
    def __init__(
        self,
        settings: Settings,
        cache: SWRCache,
        client: DashboardClient,
        *,
        clock: Callable[[], float] = time.time,
    ):
        self._cache = cache
        self._client = client
        self._clock = clock
        self._base_url = settings.outreach_base_url
        self.user_kind = Kind("user", settings.user_cache_ttl)
        self.course_kind = Kind("course", settings.course_cache_ttl)
        self.roster_kind = Kind("roster", settings.course_users_cache_ttl)

    async def _user(self, username: str) -> Lookup:
        lookup = await self._cache.get(
            self.user_kind, username, lambda: self._client.user_stats(username)
        )
        if not lookup.found:
            raise NotFoundError("user", username)
        return lookup

    async def _course(self, school: str, title: str) -> Lookup:
        lookup = await self._cache.get(
            self.course_kind, course_key(school, title), lambda: self._client.course(school, title)
        )
        if not lookup.found:
            raise NotFoundError("course", course_key(school, title))
        return lookup

    async def _roster(self, school: str, title: str) -> Lookup:
        lookup = await self._cache.get(
            self.roster_kind,
            course_key(school, title),
            lambda: self._client.course_users(school, title),
        )
        if not lookup.found:
            raise NotFoundError("course", course_key(school, title))
        return lookup

    async def user(self, username: str, *, enrich: bool = False) -> Answer:
        lookup = await self._user(username)
        enrichments = await self._enrich(lookup.data["courses"]) if enrich else None
        now = self._clock()
        return Answer(user_view(username, lookup.data, _utc(now), enrichments), lookup, now)

    async def course(self, school: str, title: str) -> Answer:
        lookup = await self._course(school, title)
        url = f"{self._base_url}/courses/{encode_segment(school)}/{encode_segment(title)}"
        now = self._clock()
        return Answer(course_view(lookup.data, _utc(now), url), lookup, now)

    async def roster(self, school: str, title: str) -> Answer:
        lookup = await self._roster(school, title)
        return Answer(roster_view(course_key(school, title), lookup.data), lookup, self._clock())

    async def status(self, username: str) -> Answer:
        """Counts of the user's courses and of those active now (details, no rosters)."""
        lookup = await self._user(username)
        details = await self._all_details(distinct_slugs(lookup.data))
        now = self._clock()
        return Answer(status_view(username, lookup.data, details, _utc(now)), lookup, now)

    async def active_staff(self, username: str, *, window: str) -> Answer:
        """Staff of the user's courses active in `window`; rosters of active courses only,
        so inactive ones cost the Dashboard nothing."""
        lookup = await self._user(username)
        details = await self._all_details(distinct_slugs(lookup.data))
        now = self._clock()
        active = active_slugs(lookup.data, details, window, _utc(now))
        rosters = await self._all_rosters(active)
        body = active_staff_view(username, lookup.data, details, rosters, window, _utc(now))
        return Answer(body, lookup, now)

    async def _all_details(self, slugs: list[str]) -> dict[str, Any]:
        """slug -> course record, or None where it cannot be read; fetched concurrently."""
        parts = _split_all(slugs)
        results = await asyncio.gather(
            *(self._optional(self._course(*parts[slug])) for slug in parts)
        )
        return dict(zip(parts, results, strict=True))

    async def _all_rosters(self, slugs: list[str]) -> dict[str, Any]:
        """slug -> roster rows, or None where they cannot be read; fetched concurrently."""
        parts = _split_all(slugs)
        results = await asyncio.gather(
            *(self._optional(self._roster(*parts[slug])) for slug in parts)
        )
        return dict(zip(parts, results, strict=True))

    async def _enrich(
        self, enrollments: list[dict[str, Any]]
    ) -> dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]] | None]]:
        """Details and roster of every distinct course, all at once (the client's in-flight
        cap bounds the upstream load). A course that cannot be read gets None, so one
        private or failing course does not fail the whole answer."""
        slugs = sorted({e["course_slug"] for e in enrollments if e.get("course_slug")})
        parts = _split_all(slugs)
        results = await asyncio.gather(
            *(self._optional(self._course(*parts[slug])) for slug in parts),
            *(self._optional(self._roster(*parts[slug])) for slug in parts),
        )
        count = len(parts)
        return {slug: (results[i], results[count + i]) for i, slug in enumerate(parts)}

    @staticmethod
    async def _optional(lookup: Any) -> Any:
        try:
            return (await lookup).data
        except (NotFoundError, UpstreamError):
            return None
