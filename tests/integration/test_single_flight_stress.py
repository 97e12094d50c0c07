"""Single flight across real workers: 50 concurrent cold requests for one user over
`serve --workers 2` and a real Redis make exactly one upstream request, every time.

The race it guards against needed "other traffic" first (warm event loops, connections
and tier copies in both workers) and a slow upstream (300 ms), so both are here.
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


@pytest.fixture
def workers(fake: FakeDashboard, redis_server: RedisServer) -> Iterator[Workers]:
    env = {
        "OUTREACH_BASE_URL": fake.base_url,
        "REDIS_URL": redis_server.url,
        "REDIS_KEY_PREFIX": f"stress-{uuid.uuid4().hex}:",
        "CONTACT": "tests@example.org",
        "LOG_LEVEL": "WARNING",
    }
    with Workers(env, workers=2) as server:
        yield server


def add_users(fake: FakeDashboard, names: list[str]) -> None:
    for name in names:
        payload = copy.deepcopy(fake.dataset.users[d.TEN])
        payload["user_recent_uploads"] = [{"id": 1, "file_name": "f.jpg", "uploader": name}]
        fake.set_user(name, payload)


async def other_traffic(client: httpx.AsyncClient) -> None:
    """A few hundred mixed requests for other users and courses, on fresh connections so
    that both workers take some."""
    paths = [
        f"/api/users/{d.ADA}", f"/api/users/{d.ZOE}", "/api/users/Nobody_Known_Here",
        f"/api/users/{d.TEN}?enrich=1", f"/api/users?usernames={d.ADA}|{d.CHIDI}|{d.MARC}",
        f"/api/courses/{d.SLUG_TRACKING}", f"/api/users/{d.ADA}/status",
        "/api/users/Unknown_{n}",
    ]  # fmt: skip
    requests = [p.replace("{n}", str(n)) for n in range(40) for p in paths]
    await asyncio.gather(*(client.get(path, headers={"Connection": "close"}) for path in requests))


@pytest.mark.timeout(120)
async def test_fifty_concurrent_cold_requests_make_one_upstream_request_every_time(
    fake: FakeDashboard, workers: Workers
) -> None:
    names = [f"Stress Reader {uuid.uuid4().hex[:8]}" for _ in range(REPETITIONS)]
    add_users(fake, names)
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=0)
    try:
        async with httpx.AsyncClient(
            base_url=workers.base_url, timeout=30, limits=limits
        ) as client:
            await other_traffic(client)
            fake.endpoint_latency = {"user_stats": LATENCY}
            upstream: list[int] = []
            for name in names:
                before = len(fake.requests_for("user_stats"))
                answers = await asyncio.gather(
                    *(client.get(f"/api/users/{name}") for _ in range(CONCURRENT))
                )
                assert [a.status_code for a in answers] == [200] * CONCURRENT
                made = [r for r in fake.requests_for("user_stats")[before:]]
                upstream.append(len(made))
            assert upstream == [1] * REPETITIONS, upstream
    finally:
        for name in names:
            fake.set_user(name, None)
