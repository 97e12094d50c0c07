"""Faults injected into the Dashboard and into Redis, and what the service does about them.

Redis here is a real redis-server that refuses what Toolforge's refuses (KEYS, SCAN,
FLUSHDB, FLUSHALL, CONFIG); the Dashboard is the fake, with its fault knobs. Bounds on
time are generous (a busy 2-core machine) and conditions are polled, never slept for.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import redis as sync_redis
import stamina

from outreach_helper.cache.engine import CacheState, Kind, Policy, SWRCache, Windows
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.cache.upstream_marks import UpstreamMarks
from outreach_helper.components import build_policy
from outreach_helper.dashboard.client import DashboardClient
from outreach_helper.dashboard.outcomes import Found, UpstreamBadResponse
from outreach_helper.service import HelperService
from outreach_helper.settings import Settings
from outreach_helper.upstreams import Kinds, Upstream
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
USERS = [d.ADA, d.ZOE, d.CHIDI]


def user_path(name: str) -> str:
    return f"/api/users/{quote(name.replace(' ', '_'))}"


async def poll(predicate: Callable[[], Any], timeout: float, what: str) -> None:
    """Wait for an (async or plain) predicate, checking every 50 ms."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


async def timed_get(http: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await http.get(path)
    return response, time.monotonic() - started


@pytest.fixture
def shared_prefix() -> str:
    return f"test-{uuid.uuid4().hex}:"


@pytest.fixture
def redis_app(
    make_app: Callable[..., AppServer], toolforge_redis: RedisServer
) -> Callable[..., AppServer]:
    """An app on the Toolforge-like Redis (each with its own clock, client and cache)."""

    def build(**overrides: Any) -> AppServer:
        return make_app("redis", redis_url=toolforge_redis.url, **overrides)

    return build


# --- one upstream fetch across worker processes -----------------------------------------


@pytest.fixture
def two_workers(
    fake: FakeDashboard, toolforge_redis: RedisServer, tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    """`outreach-helper serve --workers 2` (uvicorn's process manager), this worktree's
    code, sharing the Toolforge-like Redis; yields its base URL and its log file."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "OUTREACH_"))},
        "PYTHONPATH": str(ROOT / "src"),
        "OUTREACH_BASE_URL": fake.base_url,
        "REDIS_URL": toolforge_redis.url,
        "REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex}:",
        "CONTACT": "tests@example.org",
        "FOREGROUND_TIMEOUT": "30",
        "LOG_LEVEL": "INFO",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "outreach_helper.cli", "serve", "--port", str(port),
             "--workers", "2"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        started = 0
        while started < 2:  # both workers have run their lifespan
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("serve did not start:\n" + log_path.read_text())
            started = log_path.read_text().count("Application startup complete")
            time.sleep(0.1)
        yield base_url, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


async def test_hundred_cold_requests_over_two_workers_make_one_upstream_request(
    two_workers: tuple[str, Path], fake: FakeDashboard
) -> None:
    base_url, log_path = two_workers
    fake.latency = 1.0  # the fetch is in flight while all 100 requests arrive
    # A connection per request, so that both worker processes accept some.
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        responses = await asyncio.gather(*(http.get(user_path(d.ADA)) for _ in range(100)))
    assert [r.status_code for r in responses] == [200] * 100
    assert len({r.content for r in responses}) == 1
    assert fake.counts["user_stats"] == 1
    # The worker that did not hold the lease waited for the other's entry.
    log = log_path.read_text()
    assert "user:Ada Example is being fetched by another worker; waiting for it" in log, log


async def test_waiting_for_another_worker_is_bounded_then_503_never_a_second_fetch(
    redis_app: Callable[..., AppServer], fake: FakeDashboard, shared_prefix: str
) -> None:
    """Two apps sharing one Redis behave as two worker processes."""
    one = redis_app(redis_key_prefix=shared_prefix, foreground_timeout=0.5)
    two = redis_app(redis_key_prefix=shared_prefix, foreground_timeout=0.5)
    fake.latency = 3.0
    async with (
        httpx.AsyncClient(base_url=one.base_url, timeout=30) as http_one,
        httpx.AsyncClient(base_url=two.base_url, timeout=30) as http_two,
    ):
        first = asyncio.create_task(timed_get(http_one, user_path(d.ADA)))
        await fake.wait_for_requests_async(1, "user_stats")  # worker one holds the lease
        waiter, waited = await timed_get(http_two, user_path(d.ADA))
        assert waiter.status_code == 503, waiter.text
        assert waiter.headers["content-type"] == "application/problem+json"
        assert int(waiter.headers["retry-after"]) > 0
        assert "another worker" in waiter.json()["detail"]
        assert waited < 3.0
        slow, _ = await first
        assert slow.status_code == 504  # its caller gave up; its fetch goes on
        await poll(lambda: fake.in_flight == 0, 10, "the fetch is over")
        for http in (http_one, http_two):
            await poll(
                lambda http=http: _status(http, user_path(d.ADA), 200), 10, "the entry is shared"
            )
    assert fake.counts["user_stats"] == 1


async def _status(http: httpx.AsyncClient, path: str, status: int) -> bool:
    return (await http.get(path)).status_code == status


async def test_stale_is_refreshed_once_across_workers_and_served_while_waiting(
    redis_app: Callable[..., AppServer], fake: FakeDashboard, shared_prefix: str
) -> None:
    one = redis_app(redis_key_prefix=shared_prefix, foreground_timeout=0.5)
    two = redis_app(redis_key_prefix=shared_prefix, foreground_timeout=0.5)
    async with (
        httpx.AsyncClient(base_url=one.base_url, timeout=30) as http_one,
        httpx.AsyncClient(base_url=two.base_url, timeout=30) as http_two,
    ):
        assert (await http_one.get(user_path(d.ADA))).status_code == 200
        # Stale (within the stale-while-revalidate window) in both workers.
        one.clock.advance(3601)
        two.clock.advance(3601)
        fake.latency = 1.0
        responses = await asyncio.gather(
            *(http.get(user_path(d.ADA)) for http in (http_one, http_two) for _ in range(20))
        )
        assert {r.status_code for r in responses} == {200}
        assert {r.headers["cache-status"] for r in responses} == {"outreach-helper; hit; fwd=stale"}
        await fake.wait_for_requests_async(2, "user_stats")
        await poll(lambda: fake.in_flight == 0, 10, "the refresh is over")
        # The Dashboard has answered, but the worker may not have stored it yet: until it
        # has, a request joins that refresh and is answered as a miss. Both must see the
        # refreshed entry fresh (asking while it is still stale starts no other fetch).
        for _ in range(200):
            seen = await asyncio.gather(
                http_one.get(user_path(d.ADA)), http_two.get(user_path(d.ADA))
            )
            if all(r.headers["cache-status"] == "outreach-helper; hit" for r in seen):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the refreshed entry was never stored")
        # Too old to answer at once (past the stale-while-revalidate window): one worker
        # fetches, the other waits, both answer the stale entry when the fetch is slow.
        one.clock.advance(3601 + 86400)
        two.clock.advance(3601 + 86400)
        fake.latency = 3.0
        both = await asyncio.gather(http_one.get(user_path(d.ADA)), http_two.get(user_path(d.ADA)))
        for response in both:
            assert response.status_code == 200
            status = response.headers["cache-status"]
            assert status.endswith("detail=stale-if-error"), status
            assert int(response.headers["age"]) >= 3601 + 86400
    assert fake.counts["user_stats"] == 3  # the first fetch, one refresh, one re-fetch


# --- the Dashboard failing -------------------------------------------------------------


def break_dashboard(fake: FakeDashboard, mode: str) -> None:
    if mode == "down":
        fake.down()
    else:
        fake.fail_mode = mode


@pytest.fixture
def dashboard_restored(fake: FakeDashboard) -> Iterator[None]:
    yield
    fake.reset_knobs()
    fake.up()


@pytest.mark.parametrize("window", ["stale", "past-revalidate"])
@pytest.mark.parametrize("mode", ["down", "hang", "500", "html"])
async def test_with_a_cached_entry_every_request_is_answered_from_stale(
    redis_app: Callable[..., AppServer],
    fake: FakeDashboard,
    dashboard_restored: None,
    mode: str,
    window: str,
) -> None:
    app = redis_app(foreground_timeout=1.0, upstream_deadline=2.0)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        for name in USERS:
            assert (await http.get(user_path(name))).status_code == 200
        aged = 3601 if window == "stale" else 3601 + 86400
        app.clock.advance(aged)
        fake.reset()
        break_dashboard(fake, mode)
        results = []
        for _ in range(4):  # waves of concurrent requests, over backoff and breaker
            results += await asyncio.gather(
                *(timed_get(http, user_path(name)) for name in USERS for _ in range(5))
            )
    for response, elapsed in results:
        assert response.status_code == 200, response.text
        assert response.headers["cache-status"].startswith("outreach-helper; hit; fwd=stale")
        assert int(response.headers["age"]) >= aged
        assert elapsed < 1.0 + 3.0  # the foreground budget, with room for a busy machine
    assert len(results) == 60
    # 60 requests cost at most 3 attempts for each of the 3 users (down is not counted
    # by the fake: nothing listens).
    assert fake.counts["user_stats"] <= 9


@pytest.mark.parametrize(
    ("mode", "status"), [("down", 503), ("hang", 504), ("500", 502), ("html", 502)]
)
async def test_without_a_cached_entry_a_problem_within_the_deadline(
    redis_app: Callable[..., AppServer],
    fake: FakeDashboard,
    dashboard_restored: None,
    mode: str,
    status: int,
) -> None:
    app = redis_app(foreground_timeout=1.0, upstream_deadline=2.0)
    break_dashboard(fake, mode)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        for _ in range(3):  # the first fetch fails; the next may replay it while backing off
            response, elapsed = await timed_get(http, user_path(d.ADA))
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == status
            assert elapsed < 1.0 + 3.0
        if status != 502:
            assert int(response.headers["retry-after"]) > 0


async def test_an_open_circuit_fails_fast_then_one_probe_closes_it(
    redis_app: Callable[..., AppServer], fake: FakeDashboard
) -> None:
    app = redis_app(breaker_failures=3, breaker_cooldown=30)
    fake.fail_mode = "500"
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        for name in USERS:
            assert (await http.get(user_path(name))).status_code == 502
        refused = await http.get(user_path(d.NGOZI))
        assert refused.status_code == 503
        assert 0 < int(refused.headers["retry-after"]) <= 30
        assert "cools down" in refused.json()["detail"]
        assert fake.counts["user_stats"] == 3
        health = (await http.get("/health")).json()
        assert health["status"] == "degraded"
        assert health["upstream"]["circuits"]["user_stats"] == "open"
        assert health["upstream"]["circuits"]["course"] == "closed"
        # Cool-down over: one probe goes through and closes the circuit.
        app.clock.advance(30)
        fake.fail_mode = None
        assert (await http.get("/health")).json()["upstream"]["circuits"]["user_stats"] == (
            "half-open"
        )
        assert (await http.get(user_path(d.NGOZI))).status_code == 200
        health = (await http.get("/health")).json()
        assert health["status"] == "ok" and health["upstream"]["circuits"]["user_stats"] == "closed"
    assert fake.counts["user_stats"] == 4


async def test_retries_and_probes_keep_to_the_in_flight_cap(
    redis_app: Callable[..., AppServer], fake: FakeDashboard
) -> None:
    app = redis_app(upstream_max_in_flight=3, breaker_failures=1000)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        assert (await http.get("/api/users/Ten_Courses?enrich=true")).status_code == 200
        assert fake.total == 21  # the user, 10 courses, 10 rosters
        app.clock.advance(86401)  # all 21 entries stale
        fake.reset()
        fake.fail_mode, fake.retry_after, fake.latency = "503", 0, 0.1
        response = await http.get("/api/users/Ten_Courses?enrich=true")
        assert response.status_code == 200
        # 21 background refreshes, each tried 3 times, never more than 3 at once.
        await fake.wait_for_requests_async(63, timeout=60)
        await poll(lambda: fake.in_flight == 0, 10, "the refreshes are over")
    assert fake.total == 63
    assert fake.max_in_flight <= 3


@pytest.mark.parametrize("validator", ["etag", "last-modified"])
async def test_revalidation_extends_freshness_without_a_download(
    redis_app: Callable[..., AppServer], fake: FakeDashboard, validator: str
) -> None:
    if validator == "last-modified":
        fake.etags, fake.last_modified = False, "Wed, 01 Oct 2025 10:00:00 GMT"
    app = redis_app()
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        first = await http.get(user_path(d.ADA))
        app.clock.advance(3601)
        stale = await http.get(user_path(d.ADA))
        assert stale.headers["cache-status"] == "outreach-helper; hit; fwd=stale"
        await poll(lambda: fake.not_modified == 1, 10, "a 304")
        await poll(
            lambda: _header(http, user_path(d.ADA), "cache-status", "outreach-helper; hit"),
            10,
            "fresh again",
        )
        fresh = await http.get(user_path(d.ADA))
        assert int(fresh.headers["age"]) < 60
        assert fresh.content == first.content
    header = "if-none-match" if validator == "etag" else "if-modified-since"
    assert header in fake.requests_for("user_stats")[1].headers
    assert fake.counts["user_stats"] == 2


async def _header(http: httpx.AsyncClient, path: str, name: str, value: str) -> bool:
    return (await http.get(path)).headers[name] == value


# --- a simulated hour of a dead Dashboard ----------------------------------------------


class SimClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("mode", ["down", "500"])
async def test_an_hour_of_dead_dashboard_costs_a_bounded_number_of_attempts(
    make_settings: Callable[..., Settings], fake: FakeDashboard, dashboard_restored: None, mode: str
) -> None:
    """Ten hot users, each asked for every simulated second for an hour while the
    Dashboard is dead: every answer comes from stale, and the Dashboard sees about one
    probe per breaker cool-down, not 36,000 requests (or 108,000 with retries)."""
    settings = make_settings()  # defaults: breaker 5 / 1..30 s, backoff 2..60 s, 3 attempts
    clock = SimClock()
    store = MemoryStore(clock=clock)
    marks = UpstreamMarks(store, clock=clock)
    client = DashboardClient(settings, clock=clock, reports=marks)
    marks.probe_due = lambda endpoint: client.breakers[endpoint].probe_due
    windows = Windows(settings.stale_while_revalidate_ttl, settings.stale_if_error_ttl,
                      settings.not_found_cache_ttl)  # fmt: skip
    cache = SWRCache(store, windows, foreground_timeout=5, marks=marks,
                     policy=build_policy(settings), clock=clock)  # fmt: skip
    upstream = Upstream(client.config, settings, clock, client, marks, cache,
                        Kinds.of("", settings), cache)  # fmt: skip
    service = HelperService(settings, upstream, clock=clock)
    users = [d.ADA, d.ZOE, d.NGOZI, d.OBRIEN, d.CHIDI, d.STAFFER, d.ELODIE, d.MARC, d.ANA,
             d.NOBODY]  # fmt: skip

    async def settle() -> None:
        while cache.in_flight:
            await asyncio.sleep(0.001)

    def attempts() -> int:
        return client.sent["user_stats"]

    try:
        for name in users:
            await service.user(name)
        clock.now += settings.user_cache_ttl + 1  # all stale
        before = attempts()
        break_dashboard(fake, mode)
        states: dict[CacheState, int] = {}
        # stamina's testing mode: no real sleeping between attempts (the clock is
        # simulated), but still up to 3 attempts per refresh.
        with stamina.set_testing(True, attempts=3, cap=True):
            for _ in range(3600):
                for name in users:
                    state = (await service.user(name)).state
                    states[state] = states.get(state, 0) + 1
                await settle()
                clock.now += 1
            dead_hour = attempts() - before
            fake.reset_knobs()
            fake.up()
            recovered_after = None
            for second in range(1, 181):
                clock.now += 1
                for name in users:
                    await service.user(name)
                await settle()
                fresh = [(await service.user(n)).state for n in users]
                if set(fresh) == {CacheState.FRESH}:
                    recovered_after = second
                    break
    finally:
        await cache.aclose()
        await client.aclose()
    requests = sum(states.values())
    print(
        f"\nsimulated hour, Dashboard {mode}: {requests} requests for {len(users)} users, "
        f"all answered ({states}); {dead_hour} upstream attempts "
        f"(one every {3600 / max(dead_hour, 1):.0f} s); recovered {recovered_after} s "
        "after the Dashboard came back"
    )
    assert requests == 36000
    assert set(states) <= {CacheState.STALE, CacheState.STALE_IF_ERROR}
    # To trip, the breaker lets through 5 failures in a row, and what was already queued
    # under the in-flight cap (8) before the 5th came back; then probes at an eighth of
    # the outage's age for its first 30 s, doubling after that up to one per 30 s: the
    # issue's bound is 150.
    assert dead_hour <= 150
    assert dead_hour >= 3600 // 60  # but it keeps probing, so recovery is noticed
    # Back within a cool-down: the first probe's success ends every key's backoff.
    assert recovered_after is not None and recovered_after <= settings.breaker_cooldown + 3


# --- a slow refresh losing a race, and failures shared between workers -------------------


async def test_a_refresh_that_loses_a_race_does_not_overwrite_the_newer_entry(
    toolforge_redis: RedisServer, shared_prefix: str
) -> None:
    """Worker one's slow fetch outlives its lease (here: the lease is lost, as after a
    stall or an eviction); worker two fetches and writes a newer entry meanwhile."""
    raw = sync_redis.Redis.from_url(toolforge_redis.url)
    kind = Kind("user", ttl=3600, endpoint="user_stats")
    windows = Windows(86400, 604800, 600)
    stores = [RedisStore(toolforge_redis.url, prefix=shared_prefix) for _ in range(2)]
    one, two = (SWRCache(s, windows, foreground_timeout=10) for s in stores)
    release_one = asyncio.Event()

    async def slow_old(_: object) -> Found:
        await release_one.wait()
        return Found({"version": "old"})

    async def quick_new(_: object) -> Found:
        return Found({"version": "new"})

    try:
        slow = asyncio.create_task(one.get(kind, "Ada Example", slow_old))
        lease = f"{shared_prefix}lease:user:Ada Example"
        await poll(lambda: raw.exists(lease), 5, "worker one holds the lease")
        raw.delete(lease)
        newer = await two.get(kind, "Ada Example", quick_new)
        assert (newer.state, newer.data) == (CacheState.MISS, {"version": "new"})
        release_one.set()
        lost = await slow
        assert lost.data == {"version": "new"}  # it answers what is stored, not its own
        stored = (await stores[0].read("user:Ada Example")).entry
        assert stored is not None and stored == newer.entry
    finally:
        for cache in (one, two):
            await cache.aclose()
        for store in stores:
            await store.aclose()


async def test_a_failure_in_one_worker_holds_back_the_others(
    toolforge_redis: RedisServer, shared_prefix: str
) -> None:
    kind = Kind("user", ttl=3600, endpoint="user_stats")
    windows = Windows(86400, 604800, 600)
    stores = [RedisStore(toolforge_redis.url, prefix=shared_prefix) for _ in range(2)]
    policy = Policy()
    one, two = (SWRCache(s, windows, foreground_timeout=10, policy=policy,
                         rand=lambda: 0.5) for s in stores)  # fmt: skip
    calls = []

    async def failing(_: object) -> Found:
        calls.append(1)
        raise UpstreamBadResponse("the Dashboard answered 500")

    try:
        # A cold key's first failure holds nothing back; its second one holds every
        # worker back.
        for _ in range(2):
            with pytest.raises(UpstreamBadResponse):
                await one.get(kind, "Ada Example", failing)
        with pytest.raises(UpstreamBadResponse) as replayed:
            await two.get(kind, "Ada Example", failing)  # backing off: 2 s (0.5 * 4)
        assert replayed.value.retry_after == 2
        assert len(calls) == 2
    finally:
        for cache in (one, two):
            await cache.aclose()
        for store in stores:
            await store.aclose()


# --- Redis failing ---------------------------------------------------------------------


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, to stop and start (Toolforge-like)."""
    server = RedisServer(toolforge=True).start()
    yield server
    server.cleanup()


class Load:
    """Requests for warm and cold users in waves, recording every answer and its time."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.results: list[tuple[int, float]] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Load:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task

    async def _run(self) -> None:
        names = [d.ADA, d.ZOE, d.CHIDI, d.NGOZI, d.OBRIEN, d.ELODIE, d.MARC, d.ANA]
        while not self._stop.is_set():
            waves = await asyncio.gather(*(timed_get(self.http, user_path(name)) for name in names))
            self.results += [(r.status_code, elapsed) for r, elapsed in waves]
            await asyncio.sleep(0.02)


async def test_redis_stopped_mid_run_then_restarted(
    make_app: Callable[..., AppServer], fake: FakeDashboard, own_redis: RedisServer
) -> None:
    app = make_app("redis", redis_url=own_redis.url, redis_timeout=0.5, redis_retry_interval=1)
    raw = sync_redis.Redis.from_url(own_redis.url)
    prefix = app.settings.redis_key_prefix
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        for name in USERS:
            assert (await http.get(user_path(name))).status_code == 200
        async with Load(http) as load:
            await poll(lambda: len(load.results) >= 16, 10, "load runs")
            own_redis.stop()
            await poll(lambda: _health_is(http, "degraded"), 10, "/health says degraded")
            health = (await http.get("/health")).json()
            assert health["store"]["status"] == "degraded"
            assert "redis" in health["store"]["error"]
            during = len(load.results)
            await poll(lambda: len(load.results) >= during + 40, 20, "answers without Redis")
            own_redis.start()  # same port, empty
            await poll(lambda: _health_is(http, "ok"), 15, "/health says ok again")
            after = len(load.results)
            await poll(lambda: len(load.results) >= after + 16, 10, "answers with Redis")
        assert {status for status, _ in load.results} == {200}
        assert max(elapsed for _, elapsed in load.results) < 5.0
        # Redis is used again: a new entry lands there.
        assert (await http.get(user_path(d.STAFFER))).status_code == 200
        assert raw.exists(f"{prefix}user:{d.STAFFER}")


async def _health_is(http: httpx.AsyncClient, status: str) -> bool:
    return (await http.get("/health")).json()["store"]["status"] == status


async def test_a_hung_redis_cannot_hang_a_request(
    make_app: Callable[..., AppServer], fake: FakeDashboard, own_redis: RedisServer
) -> None:
    app = make_app("redis", redis_url=own_redis.url, redis_timeout=0.5, redis_retry_interval=1)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        assert (await http.get(user_path(d.ADA))).status_code == 200
        own_redis.pause()
        try:
            results = []
            for _ in range(3):
                results += await asyncio.gather(
                    *(timed_get(http, user_path(name)) for name in USERS)
                )
            assert {r.status_code for r, _ in results} == {200}
            # One bounded Redis timeout (0.5 s) or a few, never a hang.
            assert max(elapsed for _, elapsed in results) < 4.0
            assert (await http.get("/health")).json()["status"] == "degraded"
        finally:
            own_redis.resume()
        await poll(lambda: _health_is(http, "ok"), 15, "/health says ok again")


async def test_a_dropped_redis_connection_is_replaced_without_degrading(
    make_app: Callable[..., AppServer], fake: FakeDashboard, own_redis: RedisServer
) -> None:
    app = make_app("redis", redis_url=own_redis.url)
    raw = sync_redis.Redis.from_url(own_redis.url)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        assert (await http.get(user_path(d.ADA))).status_code == 200
        assert raw.client_kill_filter(_type="normal", skipme=True) >= 1
        again = await http.get(user_path(d.ADA))
        assert again.status_code == 200
        # A hit: served from Redis (the memory store never saw this entry).
        assert again.headers["cache-status"] == "outreach-helper; hit"
        assert (await http.get("/health")).json()["status"] == "ok"
    assert fake.counts["user_stats"] == 1
