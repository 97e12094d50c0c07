"""`/health` is read from the shared upstream marks: two real worker processes
(`outreach-helper serve`, one each, so a test knows which answered) over a real Redis and
the fake Dashboard give the same answer, right after either one's call failed or
succeeded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from tests.fakedash.server import FakeDashboard
from tests.servers import RedisServer
from tests.workers import Worker


@pytest.fixture
def two_workers(
    start_workers: Callable[..., tuple[Worker, Worker]], redis_server: RedisServer
) -> Callable[..., tuple[Worker, Worker]]:
    """Two `serve` processes over the session's Redis (`start_workers`)."""
    return lambda **settings: start_workers(redis_server.url, **settings)


def upstream(worker: Worker) -> dict:
    response = worker.get("/health")
    assert response.status_code == 200
    return response.json()["upstream"]


def test_down_right_after_any_workers_failure_and_ok_right_after_a_success(
    two_workers: Callable[..., tuple[Worker, Worker]], fake: FakeDashboard
) -> None:
    one, two = two_workers()
    assert [upstream(w)["status"] for w in (one, two)] == ["ok", "ok"]
    assert one.get("/api/users/Nobody_Known_1").status_code == 404  # answered: a success
    first = [upstream(w) for w in (one, two)]
    assert [h["status"] for h in first] == ["ok", "ok"]
    assert first[0]["last_success_at"] == first[1]["last_success_at"] is not None

    fake.fail_mode = "500"
    assert one.get("/api/users/Nobody_Known_2").status_code == 502
    down = [upstream(w) for w in (one, two)]
    assert [h["status"] for h in down] == ["down", "down"]
    assert down[0]["last_error"] == down[1]["last_error"] == (
        "user_stats: the Dashboard answered 500"  # the endpoint named once
    )
    assert down[0]["last_failure_at"] == down[1]["last_failure_at"] > first[0]["last_success_at"]
    assert down[1]["endpoints"]["user_stats"]["status"] == "down"
    assert down[1]["endpoints"]["course"]["status"] == "ok"

    fake.reset_knobs()
    assert two.get("/api/users/Nobody_Known_3").status_code == 404  # the other worker
    back = [upstream(w) for w in (one, two)]
    assert [h["status"] for h in back] == ["ok", "ok"]
    assert back[0]["last_success_at"] == back[1]["last_success_at"] > down[0]["last_failure_at"]
    assert back[0]["last_error"] == down[0]["last_error"]  # kept, with its time


def test_an_open_circuit_is_settled_by_a_success_in_the_other_worker(
    two_workers: Callable[..., tuple[Worker, Worker]], fake: FakeDashboard
) -> None:
    one, two = two_workers(breaker_failures=2, breaker_first_cooldown=60, breaker_cooldown=60)
    fake.down()
    try:
        for index in range(3):
            assert one.get(f"/api/users/Nobody_Known_{index}").status_code == 503
        health = upstream(one)
        assert health["status"] == "down" and health["circuits"]["user_stats"] == "open"
        assert health["last_error"] == "user_stats: ConnectError"
        assert upstream(two)["status"] == "down"
    finally:
        fake.up()
    assert two.get("/api/users/Nobody_Known_9").status_code == 404
    # Worker one's circuit has not probed yet, but another worker saw the endpoint answer.
    assert [upstream(w)["status"] for w in (one, two)] == ["ok", "ok"]
    # And its next call goes through at once, not after its 60 s cool-down.
    assert one.get("/api/users/Nobody_Known_0").status_code == 404
    assert upstream(one)["circuits"]["user_stats"] == "closed"


async def test_degraded_while_stale_if_error_answers_are_served(
    make_app: Callable[..., object], fake: FakeDashboard
) -> None:
    app = make_app("redis", refresh_attempts=1)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:

        async def status() -> str:
            return (await http.get("/health")).json()["upstream"]["status"]

        assert (await http.get("/api/users/Ada_Example")).status_code == 200
        app.clock.advance(3601)  # stale
        fake.fail_mode = "500"
        assert (await http.get("/api/users/Ada_Example")).status_code == 200  # stale
        await wait_until_async(lambda: status(), "down")

        async def served_as() -> str:
            answer = await http.get("/api/users/Ada_Example")
            assert answer.status_code == 200
            return answer.headers["cache-status"].rpartition("detail=")[2]

        # While the key backs off (full jitter: its first delay may already be over, and
        # then the answer is plain stale with another failing refresh behind it).
        await wait_until_async(served_as, "stale-if-error")
        fake.reset_knobs()
        assert (await http.get("/api/users/Nobody_Known")).status_code == 404
        assert await status() == "degraded"  # the Dashboard answers; stale was just served
        app.clock.advance(61)
        assert (await http.get("/api/users/Nobody_Known_2")).status_code == 404
        assert await status() == "ok"


async def wait_until_async(probe, expected: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (value := await probe()) != expected:
        assert time.monotonic() < deadline, f"still {value!r}"
        await asyncio.sleep(0.05)
