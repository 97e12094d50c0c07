"""The chaos soak (bench/soak.py) for 60 s, asserting its invariants, and its own checks.

The soak runs the real `serve --workers 2` over a private Redis while the fake Dashboard
flaps (down, 500, slow, hang, bad JSON) and Redis is paused, squeezed and restarted; see
bench/soak.py. It takes about 80 s, so the whole run is shared by the tests below.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from bench.soak import (
    Observation,
    SoakResult,
    Tally,
    Traffic,
    Truth,
    Window,
    classify_failures,
    report,
    run_soak,
)
from tests.fakedash import dataset as ds
from tests.fakedash.server import FakeDashboard

pytestmark = pytest.mark.timeout(300)  # whichever test comes first runs the soak

# --- the soak itself --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def soak() -> SoakResult:
    result = run_soak(60.0)
    print(report(result))  # shown with -s, and in the report of a failing test
    return result


def test_every_request_is_answered_within_the_client_timeout(soak: SoakResult) -> None:
    assert soak.answered > 1000, soak.by_status
    assert soak.unanswered == 0, soak.unanswered_examples


def test_no_5xx_while_a_usable_entry_existed_and_redis_was_healthy(soak: SoakResult) -> None:
    # The other failures must be there too, or the soak did not test anything.
    assert soak.failures.get("no usable entry", 0) > 0
    assert soak.five_xx_with_usable_entry == 0, soak.usable_examples


def test_no_answer_contradicts_the_dashboard(soak: SoakResult) -> None:
    assert soak.checked > 1000
    assert soak.wrong == 0, soak.wrong_examples


def test_every_fault_was_injected(soak: SoakResult) -> None:
    injected = {(kind, name) for kind, name, _, _ in soak.faults}
    assert injected == {
        ("dashboard", "down"), ("dashboard", "500"), ("dashboard", "slow"),
        ("dashboard", "hang"), ("dashboard", "bad_json"),
        ("redis", "pause"), ("redis", "squeeze"), ("redis", "restart"),
    }  # fmt: skip
    assert not soak.fault_errors
    assert soak.evicted > 0  # the squeeze did push our keys out
    assert all(end is not None for _, _, _, end in soak.faults)


def test_memory_and_tasks_stay_flat(soak: SoakResult) -> None:
    assert len(soak.start.rss_mib) == 2 and set(soak.end.rss_mib) == set(soak.start.rss_mib)
    for pid, before in soak.start.rss_mib.items():
        assert soak.end.rss_mib[pid] - before < 64, (soak.start, soak.end)
        assert soak.start.tasks[pid] > 0  # the gauge was read from that very worker
        assert soak.end.tasks[pid] <= soak.start.tasks[pid] + 10, (soak.start, soak.end)


def test_the_dashboard_recovers_and_is_asked(soak: SoakResult) -> None:
    assert all(soak.upstream_received[name] > 0 for name in ("user_stats", "course", "users"))
    # After the last fault, a few calm seconds: fresh data came back at least once.
    assert any(row.fresh_after is not None for row in soak.recoveries)


# --- the soak's checks, on answers made up here ----------------------------------------------


def _body(payload: dict) -> dict:
    return {"courses": [dict(row) for row in payload["courses_details"]]}


def test_the_checker_tells_a_stale_answer_from_a_wrong_one() -> None:
    fake = FakeDashboard()  # not started: only its timeline is used
    base = fake.dataset.users[ds.ADA]
    fewer = {**base, "courses_details": base["courses_details"][:1]}
    fake.schedule("user", ds.ADA, [(1000.0, fewer)])
    truth = Truth(fake, {("user", ds.ADA): [1000.0]})
    traffic = Traffic("http://127.0.0.1:9", [ds.ADA], [ds.SLUG_ACTIVE], truth, seed=1)

    def check(body: dict, status: int, sent: float, age: int, route: str = "user") -> int:
        obs = Observation(f"user:{ds.ADA}", status, sent, sent + 0.1, age)
        traffic._check_user(route, ds.ADA, status, body, obs)
        return traffic.tally.wrong

    assert check(_body(base), 200, 1010.0, age=15) == 0  # fetched before the change: stale
    assert check(_body(fewer), 200, 1010.0, age=3) == 0  # the new version
    assert check(_body(base), 200, 1010.0, age=0) == 1  # the old list claimed fresh: wrong
    assert check(_body(fewer), 200, 990.0, age=0) == 2  # the future, before it happened
    assert check({}, 404, 1010.0, age=0) == 3  # a 404 for a user the Dashboard has
    assert check({"course_count": 1}, 200, 1010.0, age=0, route="status") == 3
    assert check({"course_count": 2}, 200, 1010.0, age=0, route="status") == 4
    unknown = Observation("user:Nobody Here", 200, 5.0, 5.1, 0)
    traffic._check_user("user", "Nobody Here", 200, _body(base), unknown)
    assert traffic.tally.wrong == 5  # someone the Dashboard does not know, answered 200


def test_5xx_are_classified_by_what_was_stored() -> None:
    tally = Tally()
    tally.observe(Observation("user:Known", 200, 100.0, 100.1, age=0))
    tally.observe(Observation("user:Known", 503, 105.0, 105.1, age=None))
    tally.observe(Observation("user:Never", 503, 105.0, 105.1, age=None))
    # A remembered 404 with 3 s of NOT_FOUND_CACHE_TTL left (15 s, shortened by up to 10%).
    tally.observe(Observation("user:Gone", 404, 100.0, 100.1, age=None, max_age=3))
    tally.observe(Observation("user:Gone", 503, 101.0, 101.1, age=None))
    tally.observe(Observation("user:Gone", 503, 103.0, 103.1, age=None))

    counts, examples = classify_failures(tally, [], origin=0.0)
    assert counts == {"usable": 2, "no usable entry": 2}
    assert len(examples) == 2 and examples[0].startswith("user:Known: 503")

    paused = [Window("redis", "pause", 100.5, 104.5)]  # out of use until REDIS_TAIL after
    counts, _ = classify_failures(tally, paused, origin=0.0)
    assert counts == {"usable, out of reach": 2, "no usable entry": 2}
    squeezed_before = [Window("redis", "squeeze", 80.0, 85.0)]  # before the fetch: harmless
    counts, _ = classify_failures(tally, squeezed_before, origin=0.0)
    assert counts["usable"] == 2
    # Fetched while Redis was paused: only the fetching worker's tier ever held it.
    fetched_in_pause = [Window("redis", "pause", 97.0, 98.0)]
    counts, _ = classify_failures(tally, fetched_in_pause, origin=0.0)
    assert counts == {"usable, out of reach": 2, "no usable entry": 2}
    long_before = [Window("redis", "pause", 10.0, 11.0)]
    counts, _ = classify_failures(tally, long_before, origin=0.0)
    assert counts["usable"] == 2


# --- the task gauge the soak reads -------------------------------------------------------------


async def test_the_task_gauge_counts_this_workers_tasks(make_app, fake: FakeDashboard) -> None:
    # Room for all ten fetches at once (the default cap of 8 would hold two back until the
    # first ones end, and the count would be taken after most requests had finished).
    server = make_app(upstream_max_in_flight=16)
    fake.latency = 1.0

    def tasks(text: str) -> int:
        found = re.findall(r'^outreach_helper_asyncio_tasks\{worker="\d+"\} (\S+)$', text, re.M)
        assert len(found) == 1, text
        return int(float(found[0]))

    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        idle = tasks((await client.get("/metrics")).text)
        names = [f"Slow visitor {n}" for n in range(10)]
        pending = [asyncio.create_task(client.get(f"/api/users/{n}")) for n in names]
        await fake.wait_for_requests_async(10, "user_stats")
        busy = tasks((await client.get("/metrics")).text)
        await asyncio.gather(*pending)
        after = tasks((await client.get("/metrics")).text)
    assert busy >= idle + 10  # one task per request at least, while they wait upstream
    assert after <= idle + 2
