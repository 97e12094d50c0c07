"""Fixtures: the fake Dashboard, a private Redis, and our app served over real HTTP."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from outreach_helper.settings import Settings
from tests.fakedash.server import FakeDashboard
from tests.servers import CLIENT_IP, AppServer, FakeClock, RedisServer


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{record.msg} {record.args} {record.__dict__}")


@pytest.fixture(scope="session", autouse=True)
def no_client_address_in_logs() -> Iterator[None]:
    """Fails the run if any log record of the whole suite carries the client's address."""
    recorder = _Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    yield
    root.removeHandler(recorder)
    leaks = [text for text in recorder.texts if CLIENT_IP in text]
    # Unit tests alone log nothing; a run that served the app must have logged something.
    served = AppServer.started > 0
    assert recorder.texts or not served, "no log records were seen; the check would prove nothing"
    assert not leaks, f"client address in {len(leaks)} log records, e.g. {leaks[0]}"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeDashboard]:
    with FakeDashboard() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeDashboard) -> Iterator[FakeDashboard]:
    """The fake Dashboard with zeroed counters and default knobs for each test."""
    fake_server.reset_knobs()
    fake_server.reset()
    yield fake_server
    fake_server.reset_knobs()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def toolforge_redis() -> Iterator[RedisServer]:
    """A Redis that refuses KEYS, SCAN, FLUSHDB, FLUSHALL and CONFIG, as Toolforge's does."""
    server = RedisServer(toolforge=True).start()
    yield server
    server.cleanup()


@pytest.fixture
def make_settings(fake: FakeDashboard, redis_server: RedisServer) -> Callable[..., Settings]:
    """Settings pointing at the fake; `store="redis"` uses the private Redis under a
    prefix of the test's own."""

    def build(store: str = "memory", **overrides: object) -> Settings:
        values: dict[str, object] = {
            "outreach_base_url": fake.base_url,
            "contact": "tests@example.org",
            "redis_key_prefix": f"test-{uuid.uuid4().hex}:",
            "redis_url": None,
            "redis_host": None,
        }
        if store == "redis":
            values["redis_url"] = redis_server.url
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
def make_app(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., AppServer]]:
    """Starts app servers on demand; all are stopped at the end of the test."""
    started: list[AppServer] = []

    def build(store: str = "memory", clock: FakeClock | None = None, **overrides) -> AppServer:
        server = AppServer(make_settings(store, **overrides), clock).start()
        started.append(server)
        return server

    yield build
    for server in started:
        server.stop()


@pytest.fixture(params=["memory", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(make_app: Callable[..., AppServer], store_kind: str) -> AppServer:
    """Our app on the memory store and on Redis (each test runs on both)."""
    return make_app(store_kind)


@pytest.fixture
async def client(app: AppServer) -> httpx.AsyncClient:
    headers = {"X-Forwarded-For": CLIENT_IP}
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30, headers=headers) as http:
        yield http
