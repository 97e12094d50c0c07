"""`GET /api/participants`: marks in lists without a Dashboard request per name, over the
real fake Dashboard (its bulk endpoints rendered like the Rails views), on the memory store
and on Redis; and across two real workers over one Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from outreach_helper.api.models import ParticipantsAnswer
from outreach_helper.domain.windows import parse_timestamp
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer, RedisServer

STRANGERS = [f"Passer By {n:02d}" for n in range(40)]
# People in a current course only with roles 2-4: the bulk list does not name them.
STAFF_ONLY = {d.CHIDI, d.STAFFER}
PEOPLE = [d.ADA, d.ZOE, d.OBRIEN, d.CHIDI, d.NGOZI, d.ELODIE, d.MARC, d.ANA, d.PAST,
          d.STAFFER]  # fmt: skip
DAY = 86400


async def participants(http: httpx.AsyncClient, names: list[str], **headers: str) -> dict:
    response = await http.get("/api/participants", params={"usernames": "|".join(names)},
                              headers=headers)  # fmt: skip
    assert response.status_code == 200, response.text
    return ParticipantsAnswer.model_validate(response.json()).model_dump(exclude_unset=True)


def current_courses(fake: FakeDashboard, now: float, lookahead: float) -> list[dict]:
    """What all_courses.json lists that has not ended and starts within `lookahead`."""
    listed = orjson.loads(httpx.get(f"{fake.base_url}/all_courses.json").content)["all_courses"]
    fake.reset()

    def at(value: str) -> float:
        moment = parse_timestamp(value)
        assert moment is not None
        return moment.timestamp()

    return [c for c in listed if at(c["end"]) >= now and at(c["start"]) <= now + lookahead]


async def test_fifty_cold_names_cost_no_request_per_name(
    client: httpx.AsyncClient, fake: FakeDashboard, app: AppServer
) -> None:
    settings = app.settings
    lookahead = settings.course_list_ttl + settings.participants_ttl
    current = current_courses(fake, app.clock(), lookahead)
    body = await participants(client, PEOPLE + STRANGERS)
    # One list, and each current course's details and roster: nothing per name.
    assert fake.counts["user_stats"] == 0
    assert fake.counts["all_courses"] == 1
    assert fake.counts["users"] == len(current) > 3
    assert fake.counts["course"] <= len(current)
    assert set(body["participants"]) == {d.ADA, d.ZOE, d.OBRIEN, d.NGOZI, d.ELODIE, d.MARC,
                                         d.ANA}  # fmt: skip
    ada = body["participants"][d.ADA]
    assert (ada["state"], ada["role"], ada["dashboards"]) == ("event", "facilitator", ["outreach"])
    assert sorted(ada["courses"]) == sorted([d.SLUG_TRACKING, d.SLUG_ACTIVE])
    assert body["participants"][d.ELODIE]["state"] == "tracking"
    assert body["participants"][d.ELODIE]["role"] == "facilitator"
    assert body["participants"][d.ZOE]["role"] == "editor"
    as_of = datetime.fromisoformat(body["as_of"])
    assert abs(as_of.timestamp() - app.clock()) < 60 and as_of.tzinfo == UTC
    fake.reset()
    # Other names, never asked before: still nothing asked of the Dashboard.
    again = await participants(client, [f"Someone Else {n}" for n in range(50)])
    assert again["participants"] == {} and fake.total == 0


async def test_it_agrees_with_status(client: httpx.AsyncClient, fake: FakeDashboard) -> None:
    body = (await participants(client, PEOPLE))["participants"]
    for name in PEOPLE:
        status = (await client.get(f"/api/users/{name}/status")).json()
        current = status["has_active_event"] or status["has_active_tracking"]
        if name in STAFF_ONLY:
            assert current and name not in body, name  # the documented difference
            continue
        assert (name in body) == current, name
        if name in body:
            assert (body[name]["state"] == "event") == status["has_active_event"], name


@pytest.mark.parametrize(
    ("usernames", "status"),
    [
        ("|".join(f"User {n}" for n in range(51)), 422),
        (f"{d.ADA}||{d.ZOE}", 400),
        ("", 400),
        (f"{d.ADA}|Bad#Name", 400),
        (f"{d.ADA}|a{{b", 400),
    ],
)
async def test_bad_input_is_refused_before_anything_is_fetched(
    client: httpx.AsyncClient, fake: FakeDashboard, usernames: str, status: int
) -> None:
    response = await client.get("/api/participants", params={"usernames": usernames})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    assert fake.total == 0


async def test_etag_cache_control_and_normalised_names(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    response = await client.get("/api/participants", params={"usernames": "ada_Example|Nobody"})
    assert response.status_code == 200
    assert list(response.json()["participants"]) == [d.ADA]
    assert "max-age=" in response.headers["cache-control"]
    assert response.headers["cache-status"].startswith("outreach-helper")
    again = await client.get("/api/participants", params={"usernames": "ada_Example|Nobody"},
                             headers={"If-None-Match": response.headers["etag"]})  # fmt: skip
    assert again.status_code == 304 and again.headers["etag"] == response.headers["etag"]


async def test_a_new_enrollment_is_known_after_the_next_refresh(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind, participants_ttl=600)
    newcomer = "Late Joiner"
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        await participants(http, [d.ADA])
        fake.enroll(d.SLUG_TRACKING, newcomer, 0)
        try:
            assert newcomer not in (await participants(http, [newcomer]))["participants"]
            fake.reset()
            app.clock.advance(601)  # stale: answered at once, refreshed in the background
            await participants(http, [newcomer])
            for _ in range(100):
                body = await participants(http, [newcomer])
                if newcomer in body["participants"]:
                    break
                await asyncio.sleep(0.05)
            assert body["participants"][newcomer]["courses"] == [d.SLUG_TRACKING]
            # The refresh read rosters again, not the day's list.
            assert fake.counts["all_courses"] == 0 and fake.counts["users"] > 0
        finally:
            fake.unenroll(d.SLUG_TRACKING, newcomer)


async def test_a_course_whose_end_passes_drops_its_people_at_once(
    make_app, fake: FakeDashboard
) -> None:
    app = make_app("memory", participants_ttl=10**7, course_list_ttl=10**7)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        assert d.ELODIE in (await participants(http, [d.ELODIE]))["participants"]
        end = parse_timestamp(fake.dataset.courses[d.SLUG_TRACKING]["course"]["end"])
        assert end is not None
        fake.reset()
        app.clock.advance(end.timestamp() - app.clock() + 1)
        assert (await participants(http, [d.ELODIE]))["participants"] == {}
        assert fake.total == 0  # dates compared at answer time, nothing refetched


@pytest.mark.parametrize("mode", ["truncated", "malformed", "empty", "500", "hang"])
async def test_a_bad_list_with_nothing_known_is_an_error_not_an_empty_answer(
    make_app, fake: FakeDashboard, mode: str
) -> None:
    app = make_app("memory", foreground_timeout=1, upstream_deadline=2, all_courses_deadline=2,
                   refresh_attempts=1)  # fmt: skip
    fake.fail_mode, fake.fail_endpoints = mode, {"all_courses"}
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        response = await http.get("/api/participants", params={"usernames": d.ADA})
        assert response.status_code in (502, 503, 504), response.text
        assert response.headers["content-type"] == "application/problem+json"
        if mode != "hang":
            health = (await http.get("/health")).json()
            endpoint = health["upstream"]["endpoints"]["all_courses"]
            assert endpoint["status"] == "down" and endpoint["last_error"]


async def test_a_bad_list_later_keeps_what_was_known(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind, participants_ttl=60, course_list_ttl=60, refresh_attempts=1)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        before = await participants(http, [d.ADA, d.ZOE])
        fake.fail_mode, fake.fail_endpoints = "truncated", {"all_courses"}
        app.clock.advance(DAY + 120)  # past stale-while-revalidate: refetched in the foreground
        response = await http.get("/api/participants",
                                  params={"usernames": f"{d.ADA}|{d.ZOE}"})  # fmt: skip
        assert response.status_code == 200
        # The list is kept (stale-if-error) and the knowledge rebuilt from it with the
        # rosters read afresh: the same people, a newer `as_of`, never an empty answer.
        assert response.json()["participants"] == before["participants"]
        assert response.json()["as_of"] > before["as_of"]
        assert fake.counts["all_courses"] >= 1 and fake.counts["users"] > 0
        health = (await http.get("/health")).json()
        assert health["upstream"]["endpoints"]["all_courses"]["status"] == "down"


async def test_a_refresh_whose_every_roster_fails_keeps_the_knowledge(
    make_app, fake: FakeDashboard
) -> None:
    app = make_app("redis", refresh_attempts=1)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
        before = await participants(http, PEOPLE)
        fake.fail_mode, fake.fail_endpoints = "500", {"users"}
        app.clock.advance(3600 + DAY + 1)  # past stale-while-revalidate: a foreground build
        response = await http.get("/api/participants", params={"usernames": "|".join(PEOPLE)})
        assert response.status_code == 200
        assert response.headers["cache-status"].endswith("detail=stale-if-error")
        assert response.json() == before  # the previous knowledge, `as_of` and all
        assert fake.counts["users"] > 0


async def test_a_refresh_by_another_worker_revalidates_the_rosters_it_did_not_read(
    make_app, fake: FakeDashboard
) -> None:
    """The second worker never decoded the knowledge, yet its rebuild sends each roster's
    ETag from it and keeps the people of every roster that answers 304."""
    prefix = f"test-revalidate-{id(fake)}:"
    one = make_app("redis", redis_key_prefix=prefix)
    two = make_app("redis", redis_key_prefix=prefix)
    async with httpx.AsyncClient(timeout=30) as http:
        names = {"usernames": "|".join(PEOPLE)}
        before = (await http.get(f"{one.base_url}/api/participants", params=names)).json()
        fake.reset()
        # Past stale-while-revalidate: the second worker rebuilds in the foreground.
        two.clock.advance(3600 + DAY + 1)
        after = (await http.get(f"{two.base_url}/api/participants", params=names)).json()
    rosters = fake.requests_for("users")
    assert rosters and all("if-none-match" in r.headers for r in rosters)
    assert fake.not_modified_by_endpoint["users"] == len(rosters)
    assert after["participants"] == before["participants"]
    assert after["as_of"] > before["as_of"]


async def test_two_workers_build_the_knowledge_once(
    own_redis: RedisServer, start_workers, fake: FakeDashboard
) -> None:
    one, two = start_workers(own_redis.url)
    fake.latency = 0.05
    async with httpx.AsyncClient(timeout=60) as http:
        names = "|".join(PEOPLE)
        answers = await asyncio.gather(*(
            http.get(f"{worker.base_url}/api/participants", params={"usernames": names})
            for worker in [one, two] * 10
        ))  # fmt: skip
        assert {a.status_code for a in answers} <= {200, 503, 504}
        for _ in range(100):
            last = [await http.get(f"{w.base_url}/api/participants", params={"usernames": names})
                    for w in (one, two)]  # fmt: skip
            if all(a.status_code == 200 for a in last):
                break
            await asyncio.sleep(0.1)
        assert last[0].json() == last[1].json()
        assert d.ADA in last[0].json()["participants"]
    assert fake.counts["all_courses"] == 1
    assert fake.counts["user_stats"] == 0
    # Every current course's roster read once, by one of the workers.
    rosters = [r.target for r in fake.requests_for("users")]
    assert len(rosters) == len(set(rosters))


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 422),
        ("usernames=Ada_Example&usernames=Zo%C3%AB", 422),
        ("usernames=" + "a" * 5001, 422),
    ],
)
async def test_the_query_is_checked_like_fastapi_would(
    client: httpx.AsyncClient, fake: FakeDashboard, query: str, status: int
) -> None:
    """The route reads `usernames` itself (so the quick route serves it): a missing,
    repeated or oversized one is still a 422 problem, and nothing is fetched."""
    response = await client.get(f"/api/participants?{query}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "usernames" in response.json()["detail"]
    assert fake.total == 0
