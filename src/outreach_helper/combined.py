"""The services of every configured dashboard, and `dashboard=all` answered from them.

`Services` is what the routes ask: the default dashboard's `HelperService`, one by name
(an unknown name lists the configured ones), or `everywhere`, which asks every dashboard
at once and merges their answers (`merging.py`). Each dashboard keeps its own cache
entries, breakers and single flight, so a dashboard that fails only leaves its part out:
the answer then names it in `unavailable` and is not kept by caches; with no dashboard
answering, the first failure is the answer (502/503/504). A user is "not found" only when
no dashboard knows them.

Merged bodies are memoised by the validators of their parts, so a warm `dashboard=all`
answer costs the parts' warm answers and one dictionary lookup.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from outreach_helper.cache.engine import RETRY_AFTER, CacheState
from outreach_helper.dashboard.outcomes import UpstreamError, UpstreamTimeout
from outreach_helper.domain.namelists import NameList
from outreach_helper.merging import (
    Part,
    merge_active_staff,
    merge_batches,
    merge_participants,
    merge_statuses,
    merge_users,
)
from outreach_helper.rendering import RenderMemo, render
from outreach_helper.service import SEVERITY, Answer, HelperService, NotFoundError
from outreach_helper.upstreams import ByName, UnknownDashboard

ALL = "all"
Merge = Callable[[list[Part]], dict[str, Any]]


class LeftOut(UpstreamTimeout):
    """A dashboard still answering when the others' answer was ready and the grace over."""


async def gather_with_grace(
    calls: list[Awaitable[Answer]], *, grace: float, answered: bool = False
) -> list[object]:
    """Each call's answer or exception, like `gather(return_exceptions=True)`, except that
    once one call has given an answer (or `answered`: one was at hand before), the others
    get `grace` seconds more; a call still running then is cancelled and its place holds
    `LeftOut`. Only the wait is cancelled: the cache's fetch is shielded and carries on,
    filling the entry for the next request. So a dashboard that hangs costs a combined
    answer `grace`, not FOREGROUND_TIMEOUT."""
    loop = asyncio.get_running_loop()
    tasks = [asyncio.ensure_future(call) for call in calls]
    first = loop.time() if answered else None
    pending: set[asyncio.Future[Answer]] = set(tasks)
    try:
        while pending:
            timeout = None if first is None else max(0.0, first + grace - loop.time())
            done, pending = await asyncio.wait(
                pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                break  # the grace is over
            if first is None and any(t.exception() is None for t in done):
                first = loop.time()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    left_out = LeftOut(
        f"no answer within {grace:g} s of the other dashboards' (the fetch goes on)",
        retry_after=RETRY_AFTER,
    )
    return [left_out if task in pending else (task.exception() or task.result()) for task in tasks]


class Everywhere:
    """`dashboard=all`: the user routes over every configured dashboard."""

    def __init__(
        self,
        services: list[HelperService],
        *,
        grace: float = 2.0,
        clock: Callable[[], float] = time.time,
    ):
        self._services = services
        self._grace = grace
        self._clock = clock
        self._memo = RenderMemo(2048)
        # "the Outreach Dashboard or the Wiki Education Dashboard" in a 404's detail
        self._where = " or the ".join(service.label for service in services)

    async def user(self, username: str, *, enrich: bool = False) -> Answer:
        key = ("user+enrich" if enrich else "user", username)
        return await self._combine(
            key, lambda service: service.user(username, enrich=enrich), merge_users,
            ("user", username), reusable=True,
        )  # fmt: skip

    async def status(self, username: str) -> Answer:
        return await self._combine(
            ("status", username), lambda service: service.status(username), merge_statuses,
            ("user", username), reusable=True,
        )  # fmt: skip

    async def active_staff(self, username: str, *, window: str) -> Answer:
        key = ("active-staff", window, username)
        return await self._combine(
            key, lambda service: service.active_staff(username, window=window),
            merge_active_staff, ("user", username), reusable=True,
        )  # fmt: skip

    async def statuses(self, names: NameList) -> Answer:
        key = ("batch", tuple(names.names), tuple(names.invalid), tuple(names.normalized))
        return await self._combine(key, lambda service: service.statuses(names), merge_batches)

    async def participants(self, names: list[str]) -> Answer:
        return await self._combine(
            ("participants", tuple(names)), lambda service: service.participants(names),
            merge_participants,
        )  # fmt: skip

    async def _combine(
        self,
        key: tuple[Any, ...],
        ask: Callable[[HelperService], Awaitable[Answer]],
        merge: Merge,
        missing_is: tuple[str, str] | None = None,
        *,
        reusable: bool = False,
    ) -> Answer:
        """Ask every dashboard at once; merge the answers of those that know the subject.
        `missing_is` (what, name): the subject of a 404 when no dashboard knows it.
        `reusable`: `key` is also each service's own key for this answer, so finished
        answers are taken at once and only the other dashboards are asked (gathering
        tasks for answers already finished cost about as much as a warm answer)."""
        results: list[object] = [
            service.reuse(key) if reusable else None for service in self._services
        ]
        pending = [index for index, result in enumerate(results) if result is None]
        if pending:
            answered = len(pending) < len(results)  # some were reused: the wait is on
            asked = await gather_with_grace(
                [ask(self._services[index]) for index in pending],
                grace=self._grace,
                answered=answered,
            )
            for index, result in zip(pending, asked, strict=True):
                results[index] = result
        found: list[tuple[str, Answer]] = []
        missing: list[NotFoundError] = []
        failed: list[tuple[str, UpstreamError]] = []
        for service, result in zip(self._services, results, strict=True):
            if isinstance(result, Answer):
                found.append((service.name, result))
            elif isinstance(result, NotFoundError):
                missing.append(result)
            elif isinstance(result, UpstreamError):
                failed.append((service.name, result))
            else:
                raise result  # type: ignore[misc]
        if not found:
            if failed:
                raise failed[0][1]
            assert missing_is is not None, "only user answers can be not found"
            what, name = missing_is
            retry_in = min(error.retry_in for error in missing)
            raise NotFoundError(what, name, retry_in=retry_in, where=self._where)
        return self._answer(key, found, missing, [name for name, _ in failed], merge)

    def _answer(
        self,
        key: tuple[Any, ...],
        found: list[tuple[str, Answer]],
        missing: list[NotFoundError],
        unavailable: list[str],
        merge: Merge,
    ) -> Answer:
        now = self._clock()
        answers = [answer for _, answer in found]
        changes = [answer.changes_at for answer in answers if answer.changes_at is not None]
        changes_at = min(changes, default=None)
        memo_key = (*key, *((name, answer.body.etag) for name, answer in found), *unavailable)
        hit = self._memo.get(memo_key, now)
        if hit is not None:
            body = hit[0]
        else:
            merged = merge([(name, orjson.loads(answer.body.content)) for name, answer in found])
            if unavailable:
                merged["unavailable"] = unavailable
            body = render(merged)
            self._memo.put(memo_key, body, math.inf if changes_at is None else changes_at)
        # As fresh as its least fresh part; a remembered 404 is a part too (it expires).
        fresh_until = min(
            [answer.fresh_until for answer in answers] + [now + m.retry_in for m in missing]
        )
        state = max((answer.state for answer in answers), key=SEVERITY.__getitem__)
        return Answer(
            body=body,
            now=now,
            fetched_at=min(answer.fetched_at for answer in answers),
            state=CacheState.MISS if unavailable and state is CacheState.FRESH else state,
            fresh_until=now if unavailable else fresh_until,
            changes_at=changes_at,
            grace=answers[0].grace,
        )


class Services(ByName[HelperService]):
    """The configured dashboards' services, the default first, and `dashboard=all`."""

    def __init__(
        self,
        services: list[HelperService],
        *,
        grace: float = 2.0,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(services, lambda service: service.name)
        self.everywhere = Everywhere(services, grace=grace, clock=clock)

    def pick(self, name: str, *, everywhere: bool) -> HelperService | Everywhere:
        """`dashboard=name`: one dashboard's service, or with `all` (where `everywhere`
        is allowed) all of them."""
        if name == ALL:
            if not everywhere:
                raise UnknownDashboard(
                    name, self.names, why="a course is on one dashboard: name it"
                )
            return self.everywhere
        return self.get(name)
