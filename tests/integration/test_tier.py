"""The in-process tier over a real Redis, with two real worker processes.

Each worker is its own `outreach-helper serve` process on its own port (as gunicorn's
workers or Toolforge replicas are), so a test knows which one answered. Entries written
"by another worker" are written the way a worker's refresh writes them: through a
`TieredStore` of the test's own (which publishes the invalidation), or straight into Redis
(a lost invalidation).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from outreach_helper.cache.entry import Entry
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.components import build_store
from outreach_helper.settings import Settings
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import RedisServer
from tests.workers import Worker

BIN = Path(sys.executable).parent
ADA_PATH = "/api/users/Ada_Example"
ADA_KEY = f"user:{d.ADA}"


def _max_project(worker: Worker) -> str:
    response = worker.get(ADA_PATH)
    assert response.status_code == 200, response.text
    return response.json()["max_project"]


def _newer_entry(redis_url: str, prefix: str, marker: str) -> Entry:
    """Ada's stored entry, fetched a moment later, with `max_project` set to `marker`."""
    stored = redis.Redis.from_url(redis_url).get(prefix + ADA_KEY)
    assert stored is not None
    entry = Entry.from_json(stored)
    return Entry(time.time(), {**entry.data, "max_project": marker})


def _until_both_serve(workers: tuple[Worker, ...], marker: str, limit: float) -> float:
    """Seconds until every worker answers `marker` (fails after `limit`)."""
    started = time.monotonic()
    waiting = set(workers)
    while waiting:
        waiting = {w for w in waiting if _max_project(w) != marker}
        elapsed = time.monotonic() - started
        assert elapsed < limit, f"still the old entry after {elapsed:.1f} s"
        time.sleep(0.01)
    return time.monotonic() - started


def _warm(workers: tuple[Worker, ...]) -> str:
    """Each worker answers Ada once (one upstream request in all); the answer's marker."""
    markers = {_max_project(w) for w in workers}
    assert len(markers) == 1
    return markers.pop()


async def _write_as_a_worker(settings: Settings, entry: Entry) -> None:
    store = build_store(settings)
    try:
        assert await store.write(ADA_KEY, entry, None, 3600)
    finally:
        await store.aclose()


def test_a_write_in_one_worker_reaches_every_other_worker_by_invalidation(
    start_workers, redis_server: RedisServer, prefix: str, fake: FakeDashboard
) -> None:
    # A re-check interval far longer than the wait: only the invalidation can explain it.
    workers = start_workers(redis_server.url, tier_recheck_interval=60)
    _warm(workers)
    assert fake.counts["user_stats"] == 1
    settings = Settings(redis_url=redis_server.url, redis_key_prefix=prefix)
    for round_ in range(3):
        marker = f"written-{round_}"
        asyncio.run(_write_as_a_worker(settings, _newer_entry(redis_server.url, prefix, marker)))
        _until_both_serve(workers, marker, limit=10)
    assert fake.counts["user_stats"] == 1  # served from the new entry, never refetched


def test_a_lost_invalidation_is_bounded_by_the_recheck_interval(
    start_workers, redis_server: RedisServer, prefix: str
) -> None:
    workers = start_workers(redis_server.url, tier_recheck_interval=1)
    _warm(workers)
    # Written straight into Redis: nobody is told.
    entry = _newer_entry(redis_server.url, prefix, "unannounced")

    async def write() -> None:
        store = RedisStore(redis_server.url, prefix=prefix)
        try:
            assert await store.write(ADA_KEY, entry, None, 3600)
        finally:
            await store.aclose()

    asyncio.run(write())
    # 1 s of re-check interval, plus room for a loaded machine.
    _until_both_serve(workers, "unannounced", limit=6)


def test_a_purge_from_the_cli_reaches_every_worker(
    start_workers, redis_server: RedisServer, prefix: str, fake: FakeDashboard
) -> None:
    workers = start_workers(redis_server.url, tier_recheck_interval=60)
    _warm(workers)
    env = dict(os.environ, REDIS_URL=redis_server.url, REDIS_KEY_PREFIX=prefix,
               OUTREACH_BASE_URL=fake.base_url)  # fmt: skip
    env.pop("REDIS_HOST", None)
    for command in (["purge", "Ada_Example"], ["purge", "--all"]):
        marker = f"after {' '.join(command)}"
        fake.set_user(d.ADA, dict(fake.dataset.users[d.ADA], max_project=marker))
        result = subprocess.run(
            [str(BIN / "outreach-helper"), *command], env=env, capture_output=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
        _until_both_serve(workers, marker, limit=10)
    # Each purge cost one refetch across both workers (the lease), never one per request.
    assert 2 <= fake.counts["user_stats"] <= 1 + 2 * 2


def _answered_again_without_upstream(
    workers: tuple[Worker, Worker], fake: FakeDashboard, marker: str
) -> None:
    before = fake.total
    for _ in range(10):
        for worker in workers:
            assert _max_project(worker) == marker
        time.sleep(0.05)  # past the short re-check interval now and then
    assert fake.total == before, "a worker that had answered went upstream"


OUTAGE_SETTINGS = {
    "tier_recheck_interval": 0.1,
    "redis_timeout": 0.3,
    "redis_retry_interval": 0.5,
}


def test_redis_stopped_the_tier_answers(
    start_workers, own_redis: RedisServer, fake: FakeDashboard
) -> None:
    workers = start_workers(own_redis.url, **OUTAGE_SETTINGS)
    marker = _warm(workers)
    own_redis.stop()
    _answered_again_without_upstream(workers, fake, marker)
    own_redis.start()  # back, empty: the copies are still newer than nothing
    _answered_again_without_upstream(workers, fake, marker)


def test_redis_paused_the_tier_answers(
    start_workers, own_redis: RedisServer, fake: FakeDashboard
) -> None:
    workers = start_workers(own_redis.url, **OUTAGE_SETTINGS)
    marker = _warm(workers)
    own_redis.pause()
    try:
        _answered_again_without_upstream(workers, fake, marker)
    finally:
        own_redis.resume()
    _answered_again_without_upstream(workers, fake, marker)


def test_redis_squeezed_and_evicting_our_keys_the_tier_answers(
    start_workers, own_redis: RedisServer, fake: FakeDashboard, prefix: str
) -> None:
    workers = start_workers(own_redis.url, **OUTAGE_SETTINGS)
    marker = _warm(workers)
    client = redis.Redis.from_url(own_redis.url)
    client.config_set("maxmemory-policy", "allkeys-lru")
    client.config_set("maxmemory", "3mb")
    filler = b"x" * 2048
    for batch in range(20):  # about 20 MB of other tools' keys through 3 MB
        with client.pipeline(transaction=False) as pipe:
            for n in range(500):
                pipe.set(f"other-tool:{batch}:{n}", filler)
            pipe.execute()
    assert client.exists(prefix + ADA_KEY) == 0, "the squeeze did not evict our entry"
    _answered_again_without_upstream(workers, fake, marker)
