"""One `Upstream` per configured dashboard, owning everything that is per dashboard.

An `Upstream` holds its `DashboardClient` (own httpx client, in-flight cap and breakers),
its `UpstreamMarks` in the shared store, its `SWRCache` over the shared store (single
flight, leases, backoff and the in-process tier all follow from the keys), its
participants knowledge (`participants.py`), and its `Kind`s, which are the key namespace:
the `outreach` dashboard keeps the bare names it always had (`user:Ada`,
`upstream:user_stats`), so its warm entries survive; any other dashboard has its name in
front (`wikiedu:user:Ada`, `upstream:wikiedu:user_stats`). One dashboard's trouble
therefore stays its own.

`Upstreams` is the ordered collection: the default (the first configured), a lookup by
name whose error lists the configured names, and `aclose()`. It does no I/O itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from outreach_helper.cache.engine import Kind, Policy, SWRCache, Windows
from outreach_helper.cache.store import Store
from outreach_helper.cache.upstream_marks import UpstreamMarks
from outreach_helper.dashboard.client import DashboardClient
from outreach_helper.dashboard.config import DashboardConfig
from outreach_helper.dashboard.reports import Reports, UpstreamReports
from outreach_helper.dashboard.urls import ENDPOINTS
from outreach_helper.participants import ParticipantsKnowledge
from outreach_helper.settings import Settings

T = TypeVar("T")
# The dashboard whose keys have no namespace (it predates the others).
BARE_NAMESPACE = "outreach"


class UnknownDashboard(LookupError):
    """`dashboard=` names no configured dashboard."""

    def __init__(self, name: str, configured: list[str], *, why: str = "unknown dashboard"):
        self.name = name
        self.configured = configured
        super().__init__(
            f"dashboard={name}: {why}; the configured dashboards are {', '.join(configured)}"
        )


@dataclass(frozen=True, slots=True)
class Kinds:
    """The entry families of one dashboard, named in its key namespace."""

    user: Kind
    course: Kind
    roster: Kind
    current_courses: Kind

    @classmethod
    def of(cls, namespace: str, settings: Settings) -> Kinds:
        return cls(
            user=Kind(f"{namespace}user", settings.user_cache_ttl, "user_stats"),
            course=Kind(f"{namespace}course", settings.course_cache_ttl, "course"),
            roster=Kind(f"{namespace}roster", settings.course_users_cache_ttl, "users"),
            current_courses=Kind(
                f"{namespace}current-courses", settings.participants_ttl, "all_courses"
            ),
        )


def namespace_of(config: DashboardConfig) -> str:
    return "" if config.name == BARE_NAMESPACE else f"{config.name}:"


@dataclass
class Upstream:
    """Everything that is per dashboard."""

    config: DashboardConfig
    settings: Settings
    clock: Callable[[], float]
    client: DashboardClient
    marks: UpstreamMarks
    cache: SWRCache
    kinds: Kinds
    # The same entries, for work that may wait long (the participants knowledge's build).
    patient_cache: SWRCache
    participants: ParticipantsKnowledge = field(init=False)

    def __post_init__(self) -> None:
        self.participants = ParticipantsKnowledge(self, self.settings, clock=self.clock)

    @property
    def name(self) -> str:
        return self.config.name

    @classmethod
    def build(
        cls,
        config: DashboardConfig,
        settings: Settings,
        store: Store,
        *,
        windows: Windows,
        policy: Policy,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        listeners: tuple[UpstreamReports, ...] = (),
    ) -> Upstream:
        namespace = namespace_of(config)
        marks = UpstreamMarks(store, endpoints=ENDPOINTS, namespace=namespace, clock=clock)
        client = DashboardClient(
            settings, config, transport=transport, clock=clock,
            reports=Reports(marks, *listeners),
        )  # fmt: skip
        # A backed-off key may be the probe this worker's circuit is waiting for.
        marks.probe_due = lambda endpoint: client.breakers[endpoint].probe_due

        def cache(foreground_timeout: float) -> SWRCache:
            return SWRCache(
                store, windows, foreground_timeout=foreground_timeout, policy=policy,
                clock=clock, marks=marks,
            )  # fmt: skip

        return cls(
            config, settings, clock, client, marks, cache(settings.foreground_timeout),
            Kinds.of(namespace, settings), cache(settings.all_courses_deadline + 30),
        )  # fmt: skip

    async def aclose(self) -> None:
        await self.cache.aclose()
        await self.patient_cache.aclose()
        await self.client.aclose()


class ByName(Generic[T]):
    """Per-dashboard objects in configured order (the first is the default), found by
    name; an unknown name is an error that lists the configured ones."""

    def __init__(self, items: list[T], name_of: Callable[[T], str]):
        if not items:
            raise ValueError("at least one dashboard is needed")
        self._by_name = {name_of(item): item for item in items}

    @property
    def default(self) -> T:
        return next(iter(self._by_name.values()))

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self) -> Iterator[T]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> T:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownDashboard(name, self.names) from None


class Upstreams(ByName[Upstream]):
    """The configured dashboards' upstreams."""

    def __init__(self, upstreams: list[Upstream]):
        super().__init__(upstreams, lambda upstream: upstream.name)

    async def aclose(self) -> None:
        for upstream in self:
            await upstream.aclose()
