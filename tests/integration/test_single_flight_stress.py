"""Single flight across real workers: 50 concurrent cold requests for one user over
`serve --workers 2` and a real Redis make exactly one upstream request, every time.

As in the report it guards against: a few hundred mixed requests first, 300 ms upstream
latency on user_stats, 30 repetitions with a fresh user each. Every other repetition
follows a Redis stall just longer than `REDIS_TIMEOUT`, as a busy machine causes now and
then: that was the window (a worker that had seen one Redis command time out took its
leases in memory for `REDIS_RETRY_INTERVAL` seconds, and fetched on its own).
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import RedisServer
from tests.workers import Workers

REPETITIONS = 30
CONCURRENT = 50
LATENCY = 0.3  # seconds, on user_stats only
REDIS_TIMEOUT = 0.4  # short, so that a stall is short; long enough for a busy machine
FRESH = {"Connection": "close"}  # a new connection each: both workers take some


@pytest.fixture
def workers(fake: FakeDashboard, own_redis: RedisServer) -> Iterator[Workers]:
    env = {
        "OUTREACH_BASE_URL": fake.base_url,
        "REDIS_URL": own_redis.url,
        "REDIS_KEY_PREFIX": f"stress-{uuid.uuid4().hex}:",
        "REDIS_TIMEOUT": str(REDIS_TIMEOUT),
        "CONTACT": "tests@example.org",
        "LOG_LEVEL": "ERROR",
    }
    with Workers(env, workers=2) as server:
        yield server


@pytest.fixture
def fresh_users(fake: FakeDashboard) -> Iterator[list[str]]:
    """Known users nobody asked for yet, one per repetition (their own upload says who
    they are, so no roster is read)."""
    names = [f"Stress Reader {uuid.uuid4().hex[:8]}" for _ in range(REPETITIONS)]
    for name in names:
        payload = copy.deepcopy(fake.dataset.users[d.TEN])
        payload["user_recent_uploads"] = [{"id": 1, "file_name": "f.jpg", "uploader": name}]
        fake.set_user(name, payload)
    yield names
    for name in names:
        fake.set_user(name, None)


async def other_traffic(client: httpx.AsyncClient) -> None:
    """A few hundred mixed requests for other users and courses."""
    paths = [
        f"/api/users/{d.ADA}", f"/api/users/{d.ZOE}", "/api/users/Nobody_Known_Here",
        f"/api/users/{d.TEN}?enrich=1", f"/api/users?usernames={d.ADA}|{d.CHIDI}|{d.MARC}",
        f"/api/courses/{d.SLUG_TRACKING}", f"/api/users/{d.ADA}/status",
        "/api/users/Unknown_{n}",
    ]  # fmt: skip
    requests = [p.replace("{n}", str(n)) for n in range(40) for p in paths]
    answers = await asyncio.gather(*(client.get(path, headers=FRESH) for path in requests))
    assert {a.status_code for a in answers} <= {200, 404}


async def redis_stall(client: httpx.AsyncClient, redis: RedisServer, tag: int) -> None:
    """Redis stops answering for a moment, long enough for a command of each worker to
    time out; the requests meanwhile are answered all the same."""
    redis.pause()
    try:
        paths = [f"/api/users/Stall_{tag}_{n}" for n in range(6)]
        answers = await asyncio.gather(*(client.get(p, headers=FRESH) for p in paths))
        assert {a.status_code for a in answers} == {404}
    finally:
        redis.resume()


@pytest.mark.timeout(180)
async def test_fifty_concurrent_cold_requests_make_one_upstream_request_every_time(
    fake: FakeDashboard, workers: Workers, own_redis: RedisServer, fresh_users: list[str]
) -> None:
    limits = httpx.Limits(max_connections=CONCURRENT * 2, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=workers.base_url, timeout=30, limits=limits) as client:
        await other_traffic(client)
        fake.endpoint_latency = {"user_stats": LATENCY}
        upstream: list[int] = []
        for repetition, name in enumerate(fresh_users):
            if repetition % 2:
                await redis_stall(client, own_redis, repetition)
            answers = await asyncio.gather(
                *(client.get(f"/api/users/{name}", headers=FRESH) for _ in range(CONCURRENT))
            )
            assert [a.status_code for a in answers] == [200] * CONCURRENT
            assert len({a.json()["max_project"] for a in answers}) == 1
            upstream.append(sum(r.target == name for r in fake.requests_for("user_stats")))
    assert upstream == [1] * REPETITIONS, f"upstream requests per repetition: {upstream}"
