"""`/stats.json` and `/stats` over real workers, a real Redis and the fake Dashboard: the
sums in the history equal the requests made, whichever worker answers; a bad range is a
400 problem; with Redis down the page still answers, from this worker's counts, and says
that the shared history is unavailable; once Redis is back, empty, the history is whole
again (each worker adds back what it counted)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer, RedisServer
from tests.workers import Worker

FLUSH = 0.3  # STATS_FLUSH_INTERVAL of the workers under test
# Names and course titles that must never appear in the history.
PRIVATE = ["Ada", "Zo", "Ten_Courses", "Ten Courses", "Lagos", "127.0.0.1"]


def sums(worker: Worker, range_name: str = "1h") -> dict:
    response = worker.get(f"/stats.json?range={range_name}")
    assert response.status_code == 200, response.text
    body = response.json()
    status: Counter[str] = Counter()
    endpoints: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for point in body["points"]:
        status.update(point["status"])
        for endpoint, counts in point["upstream"]["endpoints"].items():
            for outcome, n in counts.items():
                outcomes[outcome] += n
                if outcome != "refused":
                    endpoints[endpoint] += n
    return {
        "shared": body["shared"],
        "requests": sum(p["requests"] for p in body["points"]),
        "status": {k: v for k, v in status.items() if v},
        "upstream": sum(p["upstream"]["requests"] for p in body["points"]),
        "endpoints": dict(endpoints),
        "outcomes": dict(outcomes),
        "text": response.text,
    }


def wait_for(probe: Callable[[], dict], check: Callable[[dict], bool], timeout: float = 15):
    deadline = time.monotonic() + timeout
    while True:
        seen = probe()
        if check(seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


def test_sums_equal_the_requests_made_whichever_worker_answers(
    start_workers: Callable[..., tuple[Worker, Worker]],
    own_redis: RedisServer,
    fake: FakeDashboard,
    prefix: str,
) -> None:
    one, two = start_workers(own_redis.url, stats_flush_interval=FLUSH)
    made: Counter[str] = Counter()
    paths = [
        "/api/users/Ada_Example", "/api/users/Ada_Example?enrich=true",
        "/api/users/Nobody_Known_1", "/api/users/Ten_Courses/status",
        "/api/users/" + quote("bad#name", safe=""), "/api/nothing-here",
        f"/api/courses/{d.SLUG_ACTIVE}", "/api/users/Ada_Example",
    ]  # fmt: skip
    for index, path in enumerate(paths * 3):
        worker = (one, two)[index % 2]
        made[f"{worker.get(path).status_code // 100}xx"] += 1
    fake.fail_mode = "503"  # cold users now fail upstream: 5xx answers
    for n in range(4):
        made[f"{(one, two)[n % 2].get(f'/api/users/Cold_User_{n}').status_code // 100}xx"] += 1
    fake.reset_knobs()
    assert made["5xx"] > 0 and made["4xx"] > 0 and made["2xx"] > 0
    sent = {endpoint: n for endpoint, n in fake.counts.items() if n}

    expected = {"requests": sum(made.values()), "status": dict(made),
                "upstream": sum(sent.values()), "endpoints": sent}  # fmt: skip
    for worker in (one, two):
        seen = wait_for(lambda w=worker: sums(w), lambda s: s["requests"] >= expected["requests"])
        assert seen["shared"] is True
        assert {k: seen[k] for k in expected} == expected
        assert seen["outcomes"].get("unavailable", 0) > 0  # the 503s, counted as failures
        for word in PRIVATE:
            assert word not in seen["text"]
    # every range reads the same sums from its own resolution
    for range_name in ("24h", "7d"):
        assert {k: sums(one, range_name)[k] for k in expected} == expected
    page = two.get("/stats?range=1h")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"{expected['requests']} answers over 1 h" in page.text
    assert "<script" not in page.text and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    for word in PRIVATE:
        assert word not in page.text
    # the same summary in the terminal
    env = dict(os.environ, REDIS_URL=own_redis.url, REDIS_KEY_PREFIX=prefix)
    env.pop("REDIS_HOST", None)
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "outreach-helper"), "stats"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    assert f"{expected['requests']} answers over 1 h" in printed.stdout
    assert f"{expected['requests']} answers over 24 h" in printed.stdout
    assert f"{expected['upstream']} requests to the Dashboard over 24 h" in printed.stdout


def test_with_redis_down_the_page_answers_from_this_workers_counts_then_heals(
    start_workers: Callable[..., tuple[Worker, Worker]], own_redis: RedisServer
) -> None:
    one, two = start_workers(own_redis.url, stats_flush_interval=FLUSH, redis_timeout=0.2)
    for worker, times in ((one, 3), (two, 2)):
        for _ in range(times):
            assert worker.get("/api/users/Ada_Example").status_code == 200
    assert wait_for(lambda: sums(one), lambda s: s["requests"] == 5)["requests"] == 5
    own_redis.stop()
    started = time.monotonic()
    for _ in range(5):
        assert one.get("/api/users/Ada_Example").status_code == 200  # from the tier
    assert time.monotonic() - started < 5  # recording never waits for Redis
    seen = wait_for(lambda: sums(one), lambda s: not s["shared"] and s["requests"] == 8)
    assert seen["shared"] is False and seen["requests"] == 8, seen  # this worker's own
    body = one.get("/stats.json?range=1h").json()
    assert body["source"] == "this worker" and body["shared_error"]
    page = one.get("/stats")
    assert page.status_code == 200 and "Shared history unavailable" in page.text

    own_redis.start()  # empty: each worker adds back what it counted
    for worker in (two, one):
        seen = wait_for(lambda w=worker: sums(w), lambda s: s["shared"] and s["requests"] == 10)
        assert seen["shared"] is True and seen["requests"] == 10, seen
    time.sleep(FLUSH * 4)  # and only once
    assert sums(one, "24h")["requests"] == sums(two, "7d")["requests"] == 10


@pytest.mark.parametrize("path", ["/stats.json", "/stats"])
@pytest.mark.parametrize("bad", ["2d", "", "1H", "24h%00"])
def test_a_bad_range_is_a_400_problem(
    make_settings: Callable[..., object], path: str, bad: str
) -> None:
    with AppServer(make_settings()) as server:
        response = httpx.get(f"{server.base_url}{path}?range={bad}", timeout=10)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and "1h, 24h, 7d" in problem["detail"]


def test_the_participants_knowledge_is_drawn_once_read(
    make_settings: Callable[..., object],
) -> None:
    with AppServer(make_settings(stats_flush_interval=0.2)) as server:
        http = httpx.Client(base_url=server.base_url, timeout=30)
        before = http.get("/stats.json?range=1h").json()
        assert not any(p["gauges"] for p in before["points"])
        assert http.get("/api/participants?usernames=Ada_Example").status_code == 200
        server.clock.advance(90)  # the knowledge ages; the next step holds the new sample

        def gauges() -> dict:
            points = http.get("/stats.json?range=1h").json()["points"]
            merged: dict = {}
            for point in points:
                merged.update(point["gauges"])
            return merged

        seen = wait_for(gauges, lambda g: g.get("participants_age_s:outreach", 0) >= 90)
        assert seen["participants_courses:outreach"] > 0
        assert seen["participants_people:outreach"] > 0
        page = http.get("/stats?range=1h").text
        assert "current courses and" in page and "people known" in page
