"""The service: what a route asks for, answered from the cache, fetched only when needed.

Routes call this; this calls the cache; the cache calls the Dashboard client. Inputs
arrive already normalised (see `domain/`). Every answer comes with the facts its cache
headers are made of (how old, how fresh, when an activity flag could flip), and its body
is serialised once per distinct content (see `rendering.py`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from outreach_helper.cache.engine import CacheState, Kind, Lookup
from outreach_helper.cache.entry import Entry
from outreach_helper.dashboard.outcomes import FetchOptions, Found, NotFound, Outcome, UpstreamError
from outreach_helper.domain.identity import (
    Verdict,
    confirmation_order,
    roster_verdict,
    uploads_verdict,
)
from outreach_helper.domain.namelists import NameList
from outreach_helper.domain.participation import next_change as participation_change
from outreach_helper.domain.slugs import InvalidSlug, course_key, split_course_slug
from outreach_helper.finished import Finished, FinishedAnswers, count_lookups
from outreach_helper.rendering import Body, RenderMemo, render
from outreach_helper.settings import Settings
from outreach_helper.upstreams import Upstream
from outreach_helper.views import (
    Site,
    active_slugs,
    active_staff_view,
    batch_view,
    course_view,
    distinct_slugs,
    next_change,
    participants_view,
    roster_view,
    status_view,
    user_view,
)

# A view builds a body for a moment, and says until when that body stays the same.
View = Callable[[datetime], tuple[Any, datetime | None]]

# Cache-Status severity: an answer is as fresh as its least fresh part.
SEVERITY = {
    CacheState.FRESH: 0,
    CacheState.MISS: 1,
    CacheState.STALE: 2,
    CacheState.STALE_IF_ERROR: 3,
}


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


@lru_cache(maxsize=65536)
def _split(slug: str) -> tuple[str, str] | None:
    """(school, title) of a stored slug, None if it cannot be a course's. Memoised: every
    warm enriched answer splits each of its slugs, and checking every character is the
    costliest part of that."""
    try:
        return split_course_slug(slug)
    except InvalidSlug:
        return None


def _split_all(slugs: list[str]) -> dict[str, tuple[str, str]]:
    """slug -> (school, title), leaving out slugs that cannot be a course's."""
    return {slug: parts for slug in slugs if (parts := _split(slug)) is not None}


def _unconfirmed(lookup: Lookup) -> bool:
    """A user entry written before the impostor check (it has no `identity`)."""
    return lookup.found and "identity" not in lookup.data


def _names_verdict(username: str, lookup: Lookup) -> Verdict:
    """A roster entry's verdict; a course gone private or missing tells nothing."""
    if not lookup.found:
        return Verdict.UNDECIDED
    return roster_verdict(username, (row.get("username") for row in lookup.data))


class NotFoundError(Exception):
    """The Dashboard does not know this user or course (or it is private)."""

    def __init__(
        self, what: str, name: str, *, retry_in: float = 0.0, where: str = "Outreach Dashboard"
    ):
        super().__init__(f"{what} {name!r} is not on the {where} (or is private)")
        self.what = what
        # Seconds until the remembered 404 expires (how long a browser may cache it).
        self.retry_in = retry_in


@dataclass(frozen=True, slots=True)
class Grace:
    """How long past freshness a cache may still use an answer (seconds)."""

    stale_while_revalidate: float
    stale_if_error: float


@dataclass(frozen=True, slots=True)
class Answer:
    """A serialised body and the facts its cache headers are made of.

    `fetched_at` is the oldest entry used, `state` the least fresh, `fresh_until` when the
    first of them goes stale, `changes_at` when an activity flag in the body could flip
    (None: never)."""

    body: Body
    now: float
    fetched_at: float
    state: CacheState
    fresh_until: float
    changes_at: float | None
    grace: Grace


@dataclass(slots=True)
class Sources:
    """The cache entries an answer is built from: its memo key and its freshness."""

    key: list[Any] = field(default_factory=list)
    fetched_at: float = math.inf
    fresh_until: float = math.inf
    state: CacheState = CacheState.FRESH
    degraded: bool = False
    # (store key, entry object) and (kind, metrics state) of each, for reuse (finished.py)
    entries: list[tuple[str, Entry]] = field(default_factory=list)
    lookups: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, ident: str, lookup: Lookup, ttl: float, stored_as: str) -> None:
        fetched_at = lookup.entry.fetched_at
        self.key.append((kind, ident, fetched_at))
        self.entries.append((f"{kind}:{stored_as}", lookup.entry))
        self.lookups.append((kind, lookup.state.value if lookup.found else "negative"))
        self.fetched_at = min(self.fetched_at, fetched_at)
        self.fresh_until = min(self.fresh_until, fetched_at + ttl)
        if SEVERITY[lookup.state] > SEVERITY[self.state]:
            self.state = lookup.state

    def add_failure(self) -> None:
        """A part could not be read: the answer is right for now but must not be kept."""
        self.degraded = True


class HelperService:
    def __init__(
        self,
        settings: Settings,
        upstream: Upstream,
        *,
        clock: Callable[[], float] = time.time,
        memo_entries: int = 4096,
    ):
        self.upstream = upstream
        cache = self._cache = upstream.cache
        self._client = upstream.client
        self._clock = clock
        self.site = Site(upstream.name, upstream.config.base_url, upstream.config.string_prefix)
        self.label = upstream.config.label
        self._not_found_ttl = settings.not_found_cache_ttl
        self._grace = Grace(settings.stale_while_revalidate_ttl, settings.stale_if_error_ttl)
        # Single answers and batches apart, so many distinct batches cannot push out the
        # bodies of single users.
        self._memo = RenderMemo(memo_entries)
        self._batch_memo = RenderMemo(max(64, memo_entries // 8))
        self._finished = FinishedAnswers(
            cache.unchanged, reuse_for=settings.tier_recheck_interval, max_entries=memo_entries
        )
        self.user_kind = upstream.kinds.user
        self.course_kind = upstream.kinds.course
        self.roster_kind = upstream.kinds.roster

    @property
    def name(self) -> str:
        return self.upstream.name

    # --- answers ------------------------------------------------------------------------

    async def user(self, username: str, *, enrich: bool = False) -> Answer:
        if reused := self._reuse(("user+enrich" if enrich else "user", username)):
            return reused
        lookup = await self._user(username)
        sources = Sources()
        self._add(sources, self.user_kind, username, lookup)
        if not enrich:
            return self._answer(("user", username), sources, lambda now: (
                user_view(username, lookup.data, now, self.site), None
            ))  # fmt: skip
        slugs = distinct_slugs(lookup.data)
        details = await self._parts(self.course_kind, slugs, sources)
        rosters = await self._parts(self.roster_kind, slugs, sources)

        def view(now: datetime) -> tuple[Any, datetime | None]:
            enrichments = {slug: (details.get(slug), rosters.get(slug)) for slug in slugs}
            body = user_view(username, lookup.data, now, self.site, enrichments)
            return body, next_change(details.values(), now)

        return self._answer(("user+enrich", username), sources, view)

    async def status(self, username: str) -> Answer:
        """Counts of the user's courses and of those active now (details, no rosters)."""
        if reused := self._reuse(("status", username)):
            return reused
        lookup = await self._user(username)
        sources = Sources()
        self._add(sources, self.user_kind, username, lookup)
        details = await self._parts(self.course_kind, distinct_slugs(lookup.data), sources)
        return self._answer(("status", username), sources, lambda now: (
            status_view(username, lookup.data, details, now),
            next_change(details.values(), now),
        ))  # fmt: skip

    async def active_staff(self, username: str, *, window: str) -> Answer:
        """Staff of the user's courses active in `window`; rosters of active courses only,
        so inactive ones cost the Dashboard nothing."""
        if reused := self._reuse(("active-staff", window, username)):
            return reused
        lookup = await self._user(username)
        sources = Sources()
        self._add(sources, self.user_kind, username, lookup)
        details = await self._parts(self.course_kind, distinct_slugs(lookup.data), sources)
        active = self._active(username, lookup.data, details, window, sources)
        rosters = await self._parts(self.roster_kind, active, sources)
        return self._answer(("active-staff", window, username), sources, lambda now: (
            active_staff_view(username, lookup.data, details, rosters, window, now, self.site),
            next_change(details.values(), now, (window,)),
        ))  # fmt: skip

    async def course(self, school: str, title: str) -> Answer:
        key = course_key(school, title)
        if reused := self._reuse(("course", key)):
            return reused
        lookup = await self._course(school, title)
        sources = Sources()
        self._add(sources, self.course_kind, key, lookup)
        return self._answer(("course", key), sources, lambda now: (
            course_view(lookup.data, now, self.site, key), next_change([lookup.data], now)
        ))  # fmt: skip

    async def roster(self, school: str, title: str) -> Answer:
        key = course_key(school, title)
        if reused := self._reuse(("roster", key)):
            return reused
        lookup = await self._roster(school, title)
        sources = Sources()
        self._add(sources, self.roster_kind, key, lookup)
        # The course's details say in which words its roles are named (cached a day, and
        # read anyway by the gadget's enriched answers); unreadable, the dashboard's own.
        details = (await self._parts(self.course_kind, [key], sources)).get(key)
        return self._answer(("roster", key), sources, lambda now: (
            roster_view(key, lookup.data, details, self.site), None
        ))  # fmt: skip

    async def statuses(self, names: NameList) -> Answer:
        """The status of each name: users from one store round trip, their courses from
        one more; cold ones fetched concurrently (under the client's in-flight cap).
        Each name succeeds or fails on its own."""
        key = ("batch", tuple(names.names), tuple(names.invalid), tuple(names.normalized))
        if reused := self._reuse(key):
            return reused
        sources = Sources()
        users = await self._cache.get_many(
            self.user_kind, names.names, [self._user_fetch(name) for name in names.names]
        )
        for index, name in enumerate(names.names):
            if isinstance(users[index], Lookup) and _unconfirmed(users[index]):
                try:
                    users[index] = await self._reconfirm(name)
                except UpstreamError as error:
                    users[index] = error
        records: dict[str, Any] = {}
        for name, result in zip(names.names, users, strict=True):
            if isinstance(result, UpstreamError):
                sources.add_failure()
            else:
                self._add(sources, self.user_kind, name, result)
            records[name] = result
        slugs = list(
            dict.fromkeys(
                slug
                for result in records.values()
                if isinstance(result, Lookup) and result.found
                for slug in distinct_slugs(result.data)
            )
        )
        details = await self._parts(self.course_kind, slugs, sources)

        def view(now: datetime) -> tuple[Any, datetime | None]:
            outcomes = {
                name: self._status_outcome(name, r, details, now) for name, r in records.items()
            }
            return batch_view(names, outcomes), next_change(details.values(), now)

        return self._answer(key, sources, view, memo=self._batch_memo)

    async def participants(self, names: list[str]) -> Answer:
        """Which of `names` take part in a current course: from the participants
        knowledge alone, never a Dashboard request per name (participants.py)."""
        key = ("participants", tuple(names))
        if reused := self._reuse(key):
            return reused
        knowledge = self.upstream.participants
        lookup, known = await knowledge.current()
        sources = Sources()
        self._add(sources, knowledge.kind, "all", lookup)
        dashboard = self.upstream.name
        # The answer depends only on the names that are keys (often none: most names in a
        # list are in no course), so lists with the same keys share one rendered body.
        people = known.index.people
        keys = tuple(name for name in names if name in people)

        def view(now: datetime) -> tuple[Any, datetime | None]:
            moment = now.timestamp()
            body = participants_view(keys, known.index, known.as_of, moment, dashboard)
            changes = participation_change(known.index, keys, moment)
            return body, None if changes is None else _utc(changes)

        return self._answer(
            key, sources, view, memo=self._batch_memo, memo_key=("participants", keys)
        )

    # --- reading ------------------------------------------------------------------------

    def _user_fetch(self, username: str) -> Callable[[FetchOptions], Any]:
        return lambda how: self._fetch_confirmed_user(username, how)

    async def _fetch_confirmed_user(self, username: str, how: FetchOptions) -> Outcome:
        """user_stats.json, kept only when it is this exact account's (the impostor check,
        `domain/identity.py`): the Dashboard's lookup ignores case and accents, so the
        enrollments of `PegCult` come back for `Pegcult`. Another account's answer, or
        one nothing confirms, is stored as a 404 (a remembered mismatch); a roster that
        cannot be read right now fails the fetch (stale is served, or 5xx), never a guess.
        A 304 keeps the entry, which was confirmed when stored."""
        outcome = await self._client.user_stats(username, how)
        if not isinstance(outcome, Found):
            return outcome
        record = dict(outcome.data)
        method = await self._confirm(username, record)
        if method is None:
            return NotFound()
        record.pop("uploaders", None)
        record["identity"] = method
        return Found(record, outcome.validators)

    async def _confirm(self, username: str, record: dict[str, Any]) -> str | None:
        """How the record was confirmed to be `username`'s ("upload", "roster", or
        "no-courses" when it attributes nothing), or None when it is another account's
        or cannot be shown to be this one's. Raises UpstreamError when the rosters needed
        cannot be read now."""
        verdict = uploads_verdict(username, record.get("uploaders") or ())
        if verdict is not Verdict.UNDECIDED:
            return "upload" if verdict is Verdict.CONFIRMED else None
        if not record["courses"]:
            return "no-courses"  # nothing would be attributed to anyone
        parts = _split_all(distinct_slugs(record))
        peeked = await self._cache.peek_many(
            self.roster_kind, [course_key(*both) for both in parts.values()]
        )
        cached = {slug for slug, entry in zip(parts, peeked, strict=True) if entry is not None}
        failure: UpstreamError | None = None
        for slug in confirmation_order(record["courses"], cached):
            if slug not in parts:
                continue
            try:
                verdict = await self._roster_verdict(username, parts[slug])
            except UpstreamError as error:
                failure = failure or error
                continue
            if verdict is not Verdict.UNDECIDED:
                return "roster" if verdict is Verdict.CONFIRMED else None
        if failure is not None:
            raise failure
        return None

    async def _roster_verdict(self, username: str, parts: tuple[str, str]) -> Verdict:
        """The verdict of one course's roster, read through the cache (and shared with
        enrich and active-staff). A cached roster that names neither spelling may predate
        the enrolment: it is read again from the Dashboard once."""
        key = course_key(*parts)
        fetch = self._course_fetch(self.roster_kind, *parts)
        lookup = await self._cache.get(self.roster_kind, key, fetch)
        verdict = _names_verdict(username, lookup)
        if verdict is Verdict.UNDECIDED and lookup.state is not CacheState.MISS:
            await self._cache.invalidate(self.roster_kind, key)
            verdict = _names_verdict(username, await self._cache.get(self.roster_kind, key, fetch))
        return verdict

    async def _user(self, username: str) -> Lookup:
        lookup = await self._cache.get(self.user_kind, username, self._user_fetch(username))
        if _unconfirmed(lookup):
            lookup = await self._reconfirm(username)
        if not lookup.found:
            raise NotFoundError("user", username, retry_in=self._retry_in(lookup), where=self.label)
        return lookup

    async def _reconfirm(self, username: str) -> Lookup:
        """An entry stored before the impostor check existed is fetched (and checked) again."""
        await self._cache.invalidate(self.user_kind, username)
        return await self._cache.get(self.user_kind, username, self._user_fetch(username))

    async def _course(self, school: str, title: str) -> Lookup:
        return await self._course_part(self.course_kind, school, title)

    async def _roster(self, school: str, title: str) -> Lookup:
        return await self._course_part(self.roster_kind, school, title)

    def _course_fetch(self, kind: Kind, school: str, title: str) -> Callable[..., Any]:
        """The upstream read behind a course entry (`kind`: details or roster)."""
        fetch = self._client.course if kind is self.course_kind else self._client.course_users
        return lambda how: fetch(school, title, how)

    async def _course_part(self, kind: Kind, school: str, title: str) -> Lookup:
        key = course_key(school, title)
        lookup = await self._cache.get(kind, key, self._course_fetch(kind, school, title))
        if not lookup.found:
            raise NotFoundError("course", key, retry_in=self._retry_in(lookup), where=self.label)
        return lookup

    async def _parts(self, kind: Kind, slugs: list[str], sources: Sources) -> dict[str, Any]:
        """slug -> course details or roster (by `kind`), None where it cannot be read; all
        from one store round trip, the missing ones fetched concurrently. A private or
        failing course gets None, so it does not fail the whole answer."""
        parts = _split_all(slugs)
        results = await self._cache.get_many(
            kind,
            [course_key(*parts[slug]) for slug in parts],
            [self._course_fetch(kind, school, title) for school, title in parts.values()],
        )
        found: dict[str, Any] = {}
        for slug, result in zip(parts, results, strict=True):
            if isinstance(result, UpstreamError):
                sources.add_failure()
                found[slug] = None
            else:
                self._add(sources, kind, slug, result, stored_as=course_key(*parts[slug]))
                found[slug] = result.data
        return found

    # --- shaping ------------------------------------------------------------------------

    def _add(
        self, sources: Sources, kind: Kind, ident: str, lookup: Lookup, stored_as: str = ""
    ) -> None:
        ttl = kind.ttl if lookup.found else self._not_found_ttl
        sources.add(kind.name, ident, lookup, ttl, stored_as or ident)

    def _retry_in(self, lookup: Lookup) -> float:
        return max(0.0, lookup.entry.fetched_at + self._not_found_ttl - self._clock())

    def _status_outcome(
        self, name: str, result: Lookup | UpstreamError, details: dict[str, Any], now: datetime
    ) -> tuple[int, Any]:
        """(HTTP status, status body or problem) of one name in a batch."""
        if isinstance(result, UpstreamError):
            return result.status, (result.title, result.detail)
        if not result.found:
            return 404, ("Not found", str(NotFoundError("user", name, where=self.label)))
        return 200, status_view(name, result.data, details, now)

    def _active(
        self,
        username: str,
        record: dict[str, Any],
        details: dict[str, Any],
        window: str,
        sources: Sources,
    ) -> list[str]:
        """The user's courses active in `window`, memoised like bodies: the same entries
        give the same list until the next boundary of that window."""
        now = self._clock()
        key = ("active", window, username, *sources.key)
        hit = None if sources.degraded else self._memo.get(key, now)
        if hit is not None:
            return hit[0]
        moment = _utc(now)
        active = active_slugs(record, details, window, moment)
        changes = next_change(details.values(), moment, (window,))
        if not sources.degraded:
            self._memo.put(key, active, changes.timestamp() if changes else math.inf)
        return active

    def _fresh_until(self, sources: Sources, now: float) -> float:
        if sources.degraded:
            return now
        if not sources.key:  # built from no entry at all (a batch of invalid names)
            return now + self.user_kind.ttl
        return sources.fresh_until

    def _answer(
        self,
        key: tuple[Any, ...],
        sources: Sources,
        view: View,
        *,
        memo: RenderMemo | None = None,
        memo_key: tuple[Any, ...] | None = None,
    ) -> Answer:
        """The answer for `sources` now: the memoised body while its entries and the window
        boundaries it depends on are unchanged, else a new one (memoised unless a part
        failed, since a retry may then succeed). `memo_key`: what the body depends on
        besides `sources`, when that is less than `key` (by default `key`)."""
        memo = memo or self._memo
        now = self._clock()
        memo_key = (*(key if memo_key is None else memo_key), *sources.key)
        hit = None if sources.degraded else memo.get(memo_key, now)
        if hit is not None:
            body, valid_until = hit
        else:
            data, changes = view(_utc(now))
            body = render(data)
            valid_until = changes.timestamp() if changes is not None else math.inf
            if not sources.degraded:
                memo.put(memo_key, body, valid_until)
        answer = Answer(
            body=body,
            now=now,
            fetched_at=sources.fetched_at if sources.key else now,
            state=sources.state,
            fresh_until=self._fresh_until(sources, now),
            changes_at=None if math.isinf(valid_until) else valid_until,
            grace=self._grace,
        )
        if sources.key and not sources.degraded and sources.state is CacheState.FRESH:
            finished = Finished(
                body, answer.fetched_at, answer.fresh_until, answer.changes_at,
                tuple(sources.entries), count_lookups(sources.lookups),
            )  # fmt: skip
            self._finished.keep(key, finished, now)
        return answer

    def reuse(self, key: tuple[Any, ...]) -> Answer | None:
        """The finished answer of a user route (key as the route builds it: `("status",
        username)`...) when it can be given at once, else None; `dashboard=all` asks this
        first so that an answer every dashboard has finished needs no tasks."""
        return self._reuse(key)

    def _reuse(self, key: tuple[Any, ...]) -> Answer | None:
        """The finished answer for `key`, when nothing it was built from can have changed."""
        now = self._clock()
        finished = self._finished.reuse(key, now)
        if finished is None:
            return None
        return Answer(
            body=finished.body,
            now=now,
            fetched_at=finished.fetched_at,
            state=CacheState.FRESH,
            fresh_until=finished.fresh_until,
            changes_at=finished.changes_at,
            grace=self._grace,
        )
