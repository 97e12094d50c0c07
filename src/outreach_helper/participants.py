"""What the service knows of one dashboard's current courses and their people, for
`/api/participants`: built from a few documents, never one request per name.

How it is built, and what each refresh costs the Dashboard (N: current courses):

- `course-list`: `all_courses.json`, the Dashboard's heaviest public answer (every
  nonprivate course ever, rendered uncached), streamed and trimmed to the courses not
  ended and starting within a day (`dashboard/all_courses.py`). Fresh for
  `COURSE_LIST_TTL` (a day): one request a day.
- `course` entries (the same ones every other route uses, fresh for a day): each current
  course's `course.json`, for its event window (`timeline_start`/`timeline_end`), which
  the list lacks. About N/24 requests an hour once warm.
- each current course's `users.json`, re-read at every refresh with `If-None-Match`, so
  that an enrollment made since the daily list is known within `PARTICIPANTS_TTL`: N
  requests per refresh. A course whose roster cannot be read keeps the people it had
  (or those the list names); when none can be read the refresh fails and the previous
  knowledge is served (stale-if-error), never a partial one.

Requests go `KNOWLEDGE_CONCURRENCY` at a time (the Dashboard is one server). The built
index (`domain/participation.py`) is a compact JSON blob in the store, under one key
per dashboard; the cache entry `current-courses:all` is only a pointer to it (its digest,
when it was read), so that the in-process tier's re-check every second re-reads a few
bytes, and each worker decodes the blob once per change.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
import structlog

from outreach_helper.cache.engine import Kind, Lookup
from outreach_helper.dashboard.outcomes import (
    FetchOptions,
    Found,
    NotFound,
    NotModified,
    Outcome,
    UpstreamBadResponse,
    UpstreamError,
    Validators,
)
from outreach_helper.domain.participation import CourseRow, Index, build_index
from outreach_helper.domain.slugs import InvalidSlug, course_key, split_course_slug
from outreach_helper.domain.usernames import InvalidUsername, normalize_username_cached
from outreach_helper.domain.windows import parse_timestamp
from outreach_helper.settings import Settings

if TYPE_CHECKING:
    from outreach_helper.upstreams import Upstream

log = structlog.get_logger(__name__)
IDENT = "all"  # one knowledge entry per dashboard
FORMAT = 1


def _seconds(value: object) -> float | None:
    moment = parse_timestamp(value)
    return None if moment is None else moment.timestamp()


@dataclass(frozen=True, slots=True)
class Known:
    """The decoded knowledge: the index, when it was read, and each roster's ETag."""

    digest: str
    as_of: float
    index: Index
    etags: dict[str, str]

    def people_by_course(self) -> dict[str, list[tuple[str, int]]]:
        """slug -> the (name, role) rows this knowledge has for it."""
        rows: list[list[tuple[str, int]]] = [[] for _ in self.index.courses]
        for name, codes in self.index.people.items():
            for code in codes:
                rows[code // 2].append((name, code % 2))
        return {row[0]: rows[number] for number, row in enumerate(self.index.courses)}


def _roster_people(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    people = []
    for row in rows:
        try:
            people.append((normalize_username_cached(str(row.get("username") or "")), row["role"]))
        except InvalidUsername:
            continue
    return people


class ParticipantsKnowledge:
    """One dashboard's knowledge: read through the cache, rebuilt by one worker at a time."""

    def __init__(
        self, upstream: Upstream, settings: Settings, *, clock: Callable[[], float] = time.time
    ):
        self._upstream = upstream
        self._clock = clock
        namespace = upstream.kinds.current_courses.name.removesuffix("current-courses")
        self.kind = upstream.kinds.current_courses
        self.list_kind = Kind(f"{namespace}course-list", settings.course_list_ttl, "all_courses")
        self.data_kind = Kind(f"{namespace}current-courses-data", settings.participants_ttl)
        # A course that starts before the next full read must be known already.
        self._lookahead = timedelta(seconds=settings.course_list_ttl + settings.participants_ttl)
        # The blob outlives its pointer's whole stale-if-error window.
        self._blob_ttl = settings.participants_ttl + settings.stale_if_error_ttl + 3600
        self._concurrency = settings.knowledge_concurrency
        self._known: Known | None = None
        self._decoding = asyncio.Lock()

    @property
    def known(self) -> Known | None:
        """What this worker decoded last (None before its first read); the stats page
        samples its age and size."""
        return self._known

    # --- reading ------------------------------------------------------------------------

    async def current(self) -> tuple[Lookup, Known]:
        """The knowledge entry (for the answer's cache headers) and what it points to."""
        cache = self._upstream.cache
        lookup = await cache.get(self.kind, IDENT, self._build)
        known = await self._decode(lookup.data)
        if known is None:
            # The blob is gone (Redis restarted or evicted it): build it again, once.
            log.warning("participants knowledge missing its data; rebuilding",
                        dashboard=self._upstream.name)  # fmt: skip
            await cache.invalidate(self.kind, IDENT)
            lookup = await cache.get(self.kind, IDENT, self._build)
            known = await self._decode(lookup.data)
            if known is None:
                raise UpstreamBadResponse("the participants knowledge could not be read back")
        return lookup, known

    async def _decode(self, pointer: dict[str, Any]) -> Known | None:
        known = self._known
        if known is not None and known.digest == pointer.get("digest"):
            return known
        async with self._decoding:
            known = self._known
            if known is not None and known.digest == pointer.get("digest"):
                return known
            raw = await self._upstream.cache.read_blob(self.data_kind, IDENT)
            if raw is None:
                return known  # what this worker decoded last, if anything
            self._known = _parse_blob(raw)
            return self._known

    # --- building -----------------------------------------------------------------------

    async def _build(self, options: FetchOptions) -> Outcome:
        """Read the course list, each current course's details and roster; store the index."""
        started = self._clock()
        previous = await self._previous()
        listing = await self._course_list()
        rows = [row for row in listing["courses"] if (_seconds(row[2]) or 0) >= started]
        details = await self._details([row[0] for row in rows])
        rosters = await self._rosters(
            [row for row in rows if details.get(row[0]) is not False], previous, options
        )
        failed = sum(1 for roster in rosters.values() if roster.failed)
        if rosters and failed == len(rosters):
            raise rosters[next(iter(rosters))].error or UpstreamBadResponse("users: no roster read")
        courses: list[CourseRow] = []
        for slug, start, end, *_ in rows:
            if slug not in rosters:
                continue
            record = details.get(slug) or {}
            courses.append((
                slug,
                _seconds(record.get("start") or start), _seconds(record.get("end") or end),
                _seconds(record.get("timeline_start")), _seconds(record.get("timeline_end")),
            ))  # fmt: skip
        index = build_index(courses, {slug: roster.people for slug, roster in rosters.items()})
        etags = {slug: roster.etag for slug, roster in rosters.items() if roster.etag}
        blob = orjson.dumps({"v": FORMAT, "as_of": started, "index": index.to_json(),
                             "etags": etags})  # fmt: skip
        digest = hashlib.sha256(blob).hexdigest()[:16]
        await self._upstream.cache.write_blob(self.data_kind, IDENT, blob, self._blob_ttl)
        self._known = Known(digest, started, index, etags)
        log.info(
            "participants knowledge built", dashboard=self._upstream.name,
            courses=len(index.courses), participants=len(index.people), bytes=len(blob),
            rosters_failed=failed, seconds=round(self._clock() - started, 2),
        )  # fmt: skip
        return Found({
            "digest": digest, "as_of": started, "courses": len(index.courses),
            "participants": len(index.people), "bytes": len(blob), "rosters_failed": failed,
            "listed": listing.get("listed"), "skipped": listing.get("skipped"),
        })  # fmt: skip

    async def _previous(self) -> Known | None:
        """What the last build knew (its rosters' ETags and people), even when another
        worker made it: this worker may never have decoded it."""
        (pointer,) = await self._upstream.cache.peek_many(self.kind, [IDENT])
        if pointer is None or pointer.is_negative:
            return self._known
        return await self._decode(pointer.data)

    async def _course_list(self) -> dict[str, Any]:
        upstream = self._upstream

        def fetch(options: FetchOptions) -> Any:
            now = datetime.fromtimestamp(self._clock(), UTC)
            return upstream.client.all_courses(now, self._lookahead, options)

        # The patient cache: the list may take minutes to arrive, and this build waits.
        lookup = await upstream.patient_cache.get(self.list_kind, IDENT, fetch)
        if not lookup.found:
            raise UpstreamBadResponse("all_courses: the Dashboard answered 404")
        data: dict[str, Any] = lookup.data
        return data

    async def _details(self, slugs: list[str]) -> dict[str, dict[str, Any] | bool | None]:
        """slug -> course record; False for a course gone or private since the list was
        read (left out); None where it could not be read (the list's dates are used)."""
        upstream = self._upstream
        client, kind = upstream.client, upstream.kinds.course
        found: dict[str, dict[str, Any] | bool | None] = {}
        parts: dict[str, tuple[str, str]] = {}
        for slug in slugs:
            try:
                parts[slug] = split_course_slug(slug)
            except InvalidSlug:
                found[slug] = False
        wanted = list(parts)
        for at in range(0, len(wanted), self._concurrency):
            chunk = wanted[at : at + self._concurrency]
            results = await upstream.patient_cache.get_many(
                kind,
                [course_key(*parts[slug]) for slug in chunk],
                [_course_fetch(client, *parts[slug]) for slug in chunk],
            )
            for slug, result in zip(chunk, results, strict=True):
                if isinstance(result, UpstreamError):
                    found[slug] = None
                elif not result.found or (result.data or {}).get("private"):
                    found[slug] = False
                else:
                    found[slug] = result.data
        return found

    async def _rosters(
        self, rows: list[list[Any]], previous: Known | None, options: FetchOptions
    ) -> dict[str, _Roster]:
        client = self._upstream.client
        slots = asyncio.Semaphore(self._concurrency)
        before = previous.people_by_course() if previous is not None else {}

        async def read(row: list[Any]) -> _Roster | None:
            slug, listed = row[0], [(n, 1) for n in row[3]] + [(n, 0) for n in row[4]]
            known = before.get(slug)
            etag = previous.etags.get(slug) if previous is not None and known is not None else None
            try:
                school, title = split_course_slug(slug)
            except InvalidSlug:
                return None
            how = FetchOptions(Validators(etag=etag) if etag else None, options.background)
            async with slots:
                try:
                    outcome = await client.course_users(school, title, how)
                except UpstreamError as error:
                    return _Roster(known if known is not None else listed, None, error)
            if isinstance(outcome, NotFound):
                return None
            if isinstance(outcome, NotModified):
                return _Roster(known or [], etag, None)
            assert isinstance(outcome, Found)
            new_etag = outcome.validators.etag if outcome.validators else None
            return _Roster(_roster_people(outcome.data), new_etag, None)

        results = await asyncio.gather(*(read(row) for row in rows))
        return {
            row[0]: roster for row, roster in zip(rows, results, strict=True) if roster is not None
        }


@dataclass(frozen=True, slots=True)
class _Roster:
    people: list[tuple[str, int]]
    etag: str | None
    error: UpstreamError | None

    @property
    def failed(self) -> bool:
        return self.error is not None


def _course_fetch(client: Any, school: str, title: str) -> Callable[[FetchOptions], Any]:
    return lambda options: client.course(school, title, options)


def _parse_blob(raw: bytes) -> Known:
    data = orjson.loads(raw)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Known(digest, float(data["as_of"]), Index.from_json(data["index"]), data["etags"])
