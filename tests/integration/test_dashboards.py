"""Two dashboards (`DASHBOARDS=outreach,wikiedu`), each a real fake Dashboard on its own
port: `dashboard=NAME` asks that one only, `dashboard=all` merges them, and one dashboard
down or hanging never fails or slows the other's answers."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx
import pytest

from outreach_helper.api.models import (
    ActiveStaffAnswer,
    BatchAnswer,
    ParticipantsAnswer,
    StatusAnswer,
    UserAnswer,
)
from outreach_helper.demo import wikiedu as we
from outreach_helper.demo.dataset import build_dataset
from outreach_helper.demo.wikiedu import build_wikiedu_dataset
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer, RedisServer
from tests.workers import Worker

# On the second fake, Zoë is unknown: she is on the Outreach Dashboard only.
ONLY_OUTREACH = d.ZOE


@pytest.fixture(scope="module")
def second_server() -> Iterator[FakeDashboard]:
    world = build_dataset()
    for slug in world.slugs_for(ONLY_OUTREACH):
        world.unenroll(slug, ONLY_OUTREACH)
    world.users.pop(ONLY_OUTREACH)
    with FakeDashboard(world) as server:
        yield server


@pytest.fixture
def second(second_server: FakeDashboard) -> Iterator[FakeDashboard]:
    second_server.reset_knobs()
    second_server.reset()
    yield second_server
    second_server.reset_knobs()


@pytest.fixture
def both(
    make_app: Callable[..., AppServer], store_kind: str, fake: FakeDashboard, second: FakeDashboard
) -> AppServer:
    return make_app(store_kind, dashboards=f"outreach,wikiedu={second.base_url}")


@pytest.fixture
async def http(both: AppServer) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=both.base_url, timeout=30) as client:
        yield client


def user_path(name: str, suffix: str = "") -> str:
    return f"/api/users/{quote(name)}{suffix}"


async def test_each_dashboard_is_asked_only_for_its_own_answers(
    http: httpx.AsyncClient, fake: FakeDashboard, second: FakeDashboard
) -> None:
    default = (await http.get(user_path(d.ADA))).json()
    assert (fake.counts["user_stats"], second.counts["user_stats"]) == (1, 0)
    named = (await http.get(user_path(d.ADA), params={"dashboard": "wikiedu"})).json()
    assert (fake.counts["user_stats"], second.counts["user_stats"]) == (1, 1)
    assert {c["dashboard"] for c in default["courses"]} == {"outreach"}
    assert {c["dashboard"] for c in named["courses"]} == {"wikiedu"}
    assert named["dashboard_urls"] == {"wikiedu": second.base_url}
    assert all(c["dashboard_url"].startswith(f"{second.base_url}/courses/")
               for c in named["courses"])  # fmt: skip
    # The other dashboard's own entries: asking again costs neither anything.
    await http.get(user_path(d.ADA), params={"dashboard": "wikiedu"})
    await http.get(user_path(d.ADA), params={"dashboard": "outreach"})
    assert (fake.counts["user_stats"], second.counts["user_stats"]) == (1, 1)


async def test_status_of_all_sums_and_keeps_each_dashboards_own(
    http: httpx.AsyncClient,
) -> None:
    one = (await http.get(user_path(d.ADA, "/status"))).json()
    response = await http.get(user_path(d.ADA, "/status"), params={"dashboard": "all"})
    assert response.status_code == 200
    body = StatusAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    assert body["course_count"] == 2 * one["course_count"]
    assert body["active_event_count"] == 2 * one["active_event_count"]
    assert body["has_active_event"] is one["has_active_event"]
    assert body["dashboards"] == ["outreach", "wikiedu"]
    assert set(body["by_dashboard"]) == {"outreach", "wikiedu"}
    assert body["by_dashboard"]["outreach"]["course_count"] == one["course_count"]
    assert "unavailable" not in body


async def test_a_user_known_to_one_dashboard_only(http: httpx.AsyncClient) -> None:
    body = (await http.get(user_path(ONLY_OUTREACH, "/status"), params={"dashboard": "all"})).json()
    assert body["dashboards"] == ["outreach"] and set(body["by_dashboard"]) == {"outreach"}
    assert (
        await http.get(user_path(ONLY_OUTREACH), params={"dashboard": "wikiedu"})
    ).status_code == 404
    nowhere = await http.get(user_path(d.UNKNOWN_USER, "/status"), params={"dashboard": "all"})
    assert nowhere.status_code == 404
    detail = nowhere.json()["detail"]
    assert "not on the Outreach Dashboard or the Wiki Education Dashboard" in detail


async def test_enriched_user_of_all_has_every_dashboards_courses_with_their_links(
    http: httpx.AsyncClient, fake: FakeDashboard, second: FakeDashboard
) -> None:
    response = await http.get(user_path(d.ADA), params={"dashboard": "all", "enrich": "true"})
    body = UserAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    dashboards = [c["dashboard"] for c in body["courses"]]
    assert dashboards == sorted(dashboards, key=["outreach", "wikiedu"].index)
    assert set(dashboards) == {"outreach", "wikiedu"}
    assert body["dashboard_urls"] == {"outreach": fake.base_url, "wikiedu": second.base_url}
    for course in body["courses"]:
        base = body["dashboard_urls"][course["dashboard"]]
        assert course["dashboard_url"].startswith(f"{base}/courses/")
        assert course["staff"] is not None
    staff = (await http.get(user_path(d.ADA, "/active-staff"), params={"dashboard": "all"})).json()
    staff = ActiveStaffAnswer.model_validate(staff).model_dump(exclude_unset=True)
    assert {c["dashboard"] for c in staff["courses"]} == {"outreach", "wikiedu"}
    assert staff["all_staff"] == sorted(set(staff["all_staff"]), key=staff["all_staff"].index)


async def test_batch_and_participants_of_all(http: httpx.AsyncClient) -> None:
    names = "|".join([d.ADA, ONLY_OUTREACH, d.UNKNOWN_USER])
    response = await http.get("/api/users", params={"usernames": names, "dashboard": "all"})
    batch = BatchAnswer.model_validate(response.json()).model_dump(by_alias=True,
                                                                  exclude_unset=True)  # fmt: skip
    ada, zoe, unknown = batch["users"]
    assert ada["result"]["dashboards"] == ["outreach", "wikiedu"]
    assert zoe["result"]["dashboards"] == ["outreach"]
    assert unknown["status"] == 404
    response = await http.get("/api/participants", params={"usernames": names, "dashboard": "all"})
    assert response.status_code == 200, response.text
    people = ParticipantsAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    assert people["participants"][d.ADA]["dashboards"] == ["outreach", "wikiedu"]
    assert people["participants"][ONLY_OUTREACH]["dashboards"] == ["outreach"]
    assert d.UNKNOWN_USER not in people["participants"]


@pytest.mark.parametrize(
    ("path", "query", "says"),
    [
        ("/api/users/Ada_Example", "dashboard=", "a dashboard's name is needed"),
        ("/api/users/Ada_Example", "dashboard=nope", "unknown dashboard"),
        ("/api/users/Ada_Example/status", "dashboard=outreach&dashboard=wikiedu", "once"),
        ("/api/participants", "usernames=Ada&dashboard=Outreach", "unknown dashboard"),
        (f"/api/courses/{d.SLUG_ACTIVE}", "dashboard=all", "a course is on one dashboard"),
        (f"/api/courses/{d.SLUG_ACTIVE}/users", "dashboard=all", "a course is on one dashboard"),
    ],
)
async def test_bad_dashboard_values_are_400s_that_list_the_configured_names(
    http: httpx.AsyncClient, fake: FakeDashboard, path: str, query: str, says: str
) -> None:
    response = await http.get(f"{path}?{query}")
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["title"] == "Invalid input" and says in problem["detail"]
    assert "the configured dashboards are outreach, wikiedu" in problem["detail"]
    assert fake.total == 0


async def test_a_course_of_the_second_dashboard(
    http: httpx.AsyncClient, fake: FakeDashboard, second: FakeDashboard
) -> None:
    response = await http.get(f"/api/courses/{d.SLUG_ACTIVE}", params={"dashboard": "wikiedu"})
    assert response.status_code == 200
    body = response.json()
    assert body["dashboard"] == "wikiedu"
    assert body["dashboard_url"].startswith(f"{second.base_url}/courses/")
    assert (fake.counts["course"], second.counts["course"]) == (0, 1)


async def test_one_dashboard_down_leaves_the_others_answers_whole(
    http: httpx.AsyncClient, second: FakeDashboard
) -> None:
    second.down()
    try:
        alone = await http.get(user_path(d.ADA, "/status"))
        assert alone.status_code == 200 and "unavailable" not in alone.json()
        response = await http.get(user_path(d.ADA, "/status"), params={"dashboard": "all"})
        assert response.status_code == 200
        body = response.json()
        assert body["unavailable"] == ["wikiedu"] and body["dashboards"] == ["outreach"]
        assert body["course_count"] == alone.json()["course_count"]
        # right for now, not to be kept: a retry may reach both
        assert response.headers["Cache-Control"].startswith("public, max-age=0,")
        # Known nowhere that answered while one is down: nothing can be said.
        unknown = await http.get(user_path(d.UNKNOWN_USER, "/status"), params={"dashboard": "all"})
        assert unknown.status_code in (502, 503, 504)
        health = (await http.get("/health")).json()
        assert health["dashboards"]["outreach"]["status"] == "ok"
        assert health["dashboards"]["wikiedu"]["status"] != "ok"
        assert health["status"] == "degraded"
    finally:
        second.up()


async def test_both_dashboards_with_two_workers_over_redis_one_hanging(
    fake: FakeDashboard, second: FakeDashboard, redis_server: RedisServer, prefix: str
) -> None:
    """Two real workers over one Redis. While Wiki Education hangs, cold Outreach answers
    keep their latency (each dashboard has its own client, in-flight cap and breakers),
    and `all` answers with what Outreach says once Wiki Education's wait is over."""
    env = {
        "OUTREACH_BASE_URL": fake.base_url,
        "DASHBOARDS": f"outreach,wikiedu={second.base_url}",
        "REDIS_URL": redis_server.url,
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": "WARNING",
        "FOREGROUND_TIMEOUT": "5",
        "ALL_DASHBOARDS_WAIT": "0.5",
    }
    os_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_HOST", "PORT")}
    workers = [Worker({**os_env, **env}), Worker({**os_env, **env})]
    try:
        second.latency = 60  # hangs: every request waits a minute
        async with httpx.AsyncClient(timeout=30) as client:
            hung = [
                asyncio.create_task(
                    client.get(
                        f"{w.base_url}{user_path(name, '/status')}", params={"dashboard": "wikiedu"}
                    )
                )  # fmt: skip
                for w in workers
                for name in (d.ADA, d.NGOZI, d.OBRIEN)
            ]
            await asyncio.sleep(0.2)  # the hanging requests are under way
            timings = []
            for index, name in enumerate([d.MARC, d.ELODIE, d.ANA, d.PAST]):
                worker = workers[index % 2]
                started = time.monotonic()
                response = await client.get(f"{worker.base_url}{user_path(name, '/status')}")
                timings.append(time.monotonic() - started)
                assert response.status_code == 200, response.text
            assert max(timings) < 1.0, timings
            # all: Outreach's part, Wiki Education named unavailable after its wait
            started = time.monotonic()
            response = await client.get(
                f"{workers[0].base_url}{user_path(d.MARC, '/status')}", params={"dashboard": "all"}
            )
            waited = time.monotonic() - started
            assert response.status_code == 200, response.text
            assert response.json()["unavailable"] == ["wikiedu"]
            # Outreach's answer, then half a second's grace: not FOREGROUND_TIMEOUT
            assert waited < 0.5 + 1.0, waited
            for task in hung:  # timed out, then refused by the open circuit
                assert (await task).status_code in (503, 504)
    finally:
        second.latency = 0
        for worker in workers:
            worker.stop()


# --- the Wiki Education world: its words, its staff, people on both ---------------------


@pytest.fixture(scope="module")
def wikiedu_server() -> Iterator[FakeDashboard]:
    with FakeDashboard(build_wikiedu_dataset()) as server:
        yield server


@pytest.fixture
async def two_programs(
    make_app: Callable[..., AppServer], fake: FakeDashboard, wikiedu_server: FakeDashboard
) -> httpx.AsyncClient:
    wikiedu_server.reset()
    app = make_app("redis", dashboards=f"wikiedu={wikiedu_server.base_url},outreach")
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as client:
        yield client


async def test_a_classroom_course_in_its_own_words(two_programs: httpx.AsyncClient) -> None:
    """English Wikipedia's order (`wikiedu,outreach`): Wiki Education is the default."""
    student = (await two_programs.get(user_path(we.STUDENT), params={"enrich": "true"})).json()
    (course,) = [c for c in student["courses"] if c["course_slug"] == we.SLUG_CLASSROOM]
    assert (course["dashboard"], course["string_prefix"], course["role_name"]) == (
        "wikiedu", "courses", "Student",
    )  # fmt: skip
    assert we.INSTRUCTOR in course["staff"] and we.PROGRAM_MANAGER in course["staff"]
    roster = (await two_programs.get(f"/api/courses/{we.SLUG_CLASSROOM}/users")).json()
    names = {m["username"]: m["role_name"] for m in roster["facilitators"]}
    assert names[we.INSTRUCTOR] == "Instructor"
    assert names[we.PROGRAM_MANAGER] == "Wiki Education Staff"
    assert {m["role_name"] for m in roster["participants"]} == {"Student"}
    # the sensitive fields Wiki Education shows of a content expert never pass
    assert "@" not in str(roster)


async def test_a_person_on_both_programs(two_programs: httpx.AsyncClient) -> None:
    body = (
        await two_programs.get(user_path(we.ZOE), params={"dashboard": "all", "enrich": "true"})
    ).json()
    assert body["dashboards"] == ["wikiedu", "outreach"]
    words = {(c["dashboard"], c["role_name"]) for c in body["courses"]}
    assert ("wikiedu", "Student") in words and ("outreach", "Editor") in words
    status = (await two_programs.get(user_path(we.ZOE, "/status"),
                                     params={"dashboard": "all"})).json()  # fmt: skip
    assert set(status["by_dashboard"]) == {"wikiedu", "outreach"}
    assert status["course_count"] == sum(s["course_count"] for s in status["by_dashboard"].values())
    marks = (await two_programs.get("/api/participants", params={
        "usernames": f"{we.ZOE}|{we.STUDENT}|{d.ADA}", "dashboard": "all"})).json()  # fmt: skip
    people = marks["participants"]
    assert people[we.ZOE]["dashboards"] == ["wikiedu", "outreach"]
    assert people[we.STUDENT]["dashboards"] == ["wikiedu"]
    assert people[d.ADA]["dashboards"] == ["outreach"]
