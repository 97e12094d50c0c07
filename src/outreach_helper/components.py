"""The long-lived objects of one process: store, one upstream per dashboard, service,
and the stats recorder that hears of every answer and upstream request.

Built once per application (in main.py's lifespan) and once per maintenance command
(cli.py), so both use exactly the same wiring.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from outreach_helper.cache.backoff import BackoffPolicy
from outreach_helper.cache.engine import Policy, SWRCache, Windows
from outreach_helper.cache.invalidations import Invalidations
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.cache.store import Store
from outreach_helper.cache.tier import TieredStore
from outreach_helper.combined import Services
from outreach_helper.dashboard.client import DashboardClient
from outreach_helper.dashboard.reports import UpstreamReports
from outreach_helper.service import HelperService
from outreach_helper.settings import Settings
from outreach_helper.stats.recorder import CounterStore, Recorder
from outreach_helper.upstreams import Upstream, Upstreams


def build_store(settings: Settings) -> Store:
    """Redis with this process's tier in front when Redis is configured, else memory
    alone (it is already in the process: no second copy)."""
    url = settings.effective_redis_url
    if url is None:
        return MemoryStore(settings.memory_max_entries)
    redis = RedisStore(
        url,
        prefix=settings.redis_key_prefix,
        timeout=settings.redis_timeout,
        max_connections=settings.redis_max_connections,
    )
    store: TieredStore
    invalidations = Invalidations(
        url,
        prefix=settings.redis_key_prefix,
        timeout=settings.redis_timeout,
        retry_interval=settings.redis_retry_interval,
        on_message=lambda kind, key: store.invalidated(kind, key),
        on_subscribed=lambda: store.resubscribed(),
    )
    store = TieredStore(
        redis,
        invalidations,
        max_entries=settings.memory_max_entries,
        recheck_interval=settings.tier_recheck_interval,
        retry_interval=settings.redis_retry_interval,
    )
    return store


def shared_counters(store: Store) -> CounterStore | None:
    """Where the stats history every worker adds into lives: Redis when configured; with
    the memory store, nowhere shared (the recorder's own copy is the whole history)."""
    return store.shared if isinstance(store, TieredStore) else None


def build_recorder(settings: Settings, store: Store, *, clock: Callable[[], float]) -> Recorder:
    """The recorder over `store`; the upstream state and gauges are given it by the app.
    Tier hits are sampled from the tier when there is one."""
    tier = store if isinstance(store, TieredStore) else None
    return Recorder(
        MemoryStore(),
        shared_counters(store),
        flush_interval=settings.stats_flush_interval,
        clock=clock,
        counters=(lambda: {"tier_hits": tier.hits}) if tier is not None else None,
    )


def knowledge_gauges(upstreams: Upstreams, now: float) -> dict[str, int]:
    """Age (s), courses and people of each dashboard's participants knowledge as this
    worker holds it (nothing for a dashboard whose knowledge it has not read yet)."""
    gauges = {}
    for upstream in upstreams:
        known = upstream.participants.known
        if known is not None:
            gauges[f"participants_age_s:{upstream.name}"] = int(now - known.as_of)
            gauges[f"participants_courses:{upstream.name}"] = len(known.index.courses)
            gauges[f"participants_people:{upstream.name}"] = len(known.index.people)
    return gauges


def build_policy(settings: Settings) -> Policy:
    return Policy(
        lease_ttl=settings.fetch_lease_ttl,
        backoff=BackoffPolicy(base=settings.backoff_base, cap=settings.backoff_cap),
        early_refresh_beta=settings.early_refresh_beta,
        expiry_jitter=settings.expiry_jitter,
    )


def build_windows(settings: Settings) -> Windows:
    return Windows(
        stale_while_revalidate=settings.stale_while_revalidate_ttl,
        stale_if_error=settings.stale_if_error_ttl,
        not_found_ttl=settings.not_found_cache_ttl,
    )


@dataclass
class Components:
    settings: Settings
    store: Store
    upstreams: Upstreams
    services: Services
    recorder: Recorder

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        listeners: tuple[UpstreamReports, ...] = (),
    ) -> Components:
        """Call inside a running event loop (the clients and the store bind to it).
        `listeners` hear of every upstream request besides the shared marks and, when
        `STATS_RECORDING` is on, the stats recorder (which only the app flushes)."""
        store = build_store(settings)
        recorder = build_recorder(settings, store, clock=clock)
        if settings.stats_recording:
            listeners = (*listeners, recorder)
        windows, policy = build_windows(settings), build_policy(settings)
        upstreams = Upstreams([
            Upstream.build(
                config, settings, store, windows=windows, policy=policy,
                transport=transport, clock=clock, listeners=listeners,
            )
            for config in settings.dashboard_configs
        ])  # fmt: skip
        recorder.sample_gauges(lambda: knowledge_gauges(upstreams, clock()))
        services = Services(
            [HelperService(settings, upstream, clock=clock) for upstream in upstreams],
            grace=settings.all_dashboards_wait,
            clock=clock,
        )
        return cls(settings, store, upstreams, services, recorder)

    @property
    def service(self) -> HelperService:
        """The default dashboard's service."""
        return self.services.default

    @property
    def client(self) -> DashboardClient:
        """The default dashboard's client."""
        return self.upstreams.default.client

    @property
    def cache(self) -> SWRCache:
        """The default dashboard's cache."""
        return self.upstreams.default.cache

    async def aclose(self) -> None:
        await self.upstreams.aclose()
        await self.store.aclose()
