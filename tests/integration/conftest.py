"""Fixtures of the tests that run worker processes over a Redis of their own."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.fakedash.server import FakeDashboard
from tests.servers import RedisServer
from tests.workers import Worker


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis for this test alone, which it may stop, pause or restart."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    return f"tier-{request.node.name[:40]}-{os.getpid()}:"


@pytest.fixture
def start_workers(
    fake: FakeDashboard, prefix: str
) -> Iterator[Callable[..., tuple[Worker, Worker]]]:
    """`start(redis_url, **settings)`: two `serve` processes over that Redis and the fake,
    the settings given as environment variables; stopped after the test."""
    started: list[Worker] = []

    def start(redis_url: str, **settings: object) -> tuple[Worker, Worker]:
        env = dict(os.environ, OUTREACH_BASE_URL=fake.base_url, REDIS_URL=redis_url,
                   REDIS_KEY_PREFIX=prefix, LOG_LEVEL="WARNING")  # fmt: skip
        env.pop("REDIS_HOST", None)
        env.update({name.upper(): str(value) for name, value in settings.items()})
        pair = (Worker(env), Worker(env))
        started.extend(pair)
        return pair

    yield start
    for worker in started:
        worker.stop()
