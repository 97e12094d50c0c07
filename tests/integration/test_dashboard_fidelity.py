"""What the real Dashboard does, and the service must get right (issue 9).

Each test runs against the fake Dashboard, which behaves like the Rails application in
these respects (tests/fakedash checks that): the username decoded twice, users found
ignoring case and accents, `ended` rendered once, `number_to_human` counts, the Outreach
role wording, and the user's ids repeated on duplicate roster rows.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import orjson
import pytest
import redis

from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import CLIENT_IP, AppServer, FakeClock, RedisServer


def user_payload(name: str, *, courses: list[dict] | None = None, upload: bool = True) -> dict:
    """A user_stats.json payload; with `upload`, one upload naming the account exactly."""
    uploads = [{"id": 1, "uploaded_at": "2025-11-01T00:00:00.000Z", "usage_count": 0,
                "url": "u", "thumburl": "t", "file_name": "f.jpg", "uploader": name}]  # fmt: skip
    return {
        "user_recent_uploads": uploads if upload else [],
        "courses_details": courses if courses is not None else [],
        "max_project": None,
    }


def enrolment(slug: str, title: str, role: str = "Student", count: int = 42) -> dict:
    return {"course_id": 1, "course_title": title, "course_school": "S", "course_term": "T",
            "user_count": count, "user_role": role, "course_slug": slug}  # fmt: skip


@pytest.fixture
def added_users(fake: FakeDashboard) -> Iterator[Callable[[str, dict], None]]:
    """Adds users to the fake for one test."""
    names: list[str] = []

    def add(name: str, payload: dict) -> None:
        fake.set_user(name, payload)
        names.append(name)

    yield add
    for name in names:
        fake.set_user(name, None)


def path(username: str, route: str = "") -> str:
    return f"/api/users/{quote(username, safe='')}{route}"


# --- 1. the username survives the Dashboard's two decodings ------------------------------

SPECIAL_NAMES = ["Ann+Bob", "Ann Bob", "100% Wiki", "A&B=C?", "O'Brien", "X%41y", "XAy",
                 'Say "hi"', "Zoë+Müller", "Semi;colon,comma~*", "Dollar$@!"]  # fmt: skip


async def test_every_special_name_gets_its_own_courses_with_one_lookup(
    client: httpx.AsyncClient, fake: FakeDashboard, added_users: Callable[[str, dict], None]
) -> None:
    for name in SPECIAL_NAMES:
        added_users(name, user_payload(name, courses=[enrolment(d.SLUG_ACTIVE, f"of {name}")]))
    for name in SPECIAL_NAMES:
        response = await client.get(path(name))
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert (body["username"], body["courses"][0]["course_title"]) == (name, f"of {name}")
    assert fake.counts["user_stats"] == len(SPECIAL_NAMES)
    assert [r.target for r in fake.requests_for("user_stats")] == SPECIAL_NAMES


async def test_a_name_with_a_slash_reaches_the_dashboard_unchanged(
    client: httpx.AsyncClient, fake: FakeDashboard, added_users: Callable[[str, dict], None]
) -> None:
    """A `/` cannot be sent in a path segment here (an encoded slash is refused), but a
    batch carries it; escaped once it would still arrive, escaped twice it must too."""
    name = "Slash/Name%2F+1"
    added_users(name, user_payload(name, courses=[enrolment(d.SLUG_ACTIVE, "x")]))
    body = (await client.get("/api/users", params={"usernames": name})).json()
    assert body["users"][0]["status"] == 200 and body["users"][0]["result"]["course_count"] == 1
    assert [r.target for r in fake.requests_for("user_stats")] == [name]


# --- 2. another account's courses are never attributed -----------------------------------


@pytest.mark.parametrize(
    ("impostor", "genuine"),
    [("Zoe Muller", d.ZOE),  # told apart by the upload's uploader
     ("Zoë müller", d.ZOE),
     ("Ngozi placeholder", d.NGOZI),  # told apart by the course's roster
     ("Ngozi Placeholdér", d.NGOZI)],
)  # fmt: skip
async def test_a_spelling_of_another_account_is_an_unknown_user_on_every_route(
    client: httpx.AsyncClient, fake: FakeDashboard, impostor: str, genuine: str
) -> None:
    for route in (
        "",
        "?enrich=true",
        "/status",
        "/active-staff",
        "/active-staff?use_event_dates=1",
    ):
        response = await client.get(path(impostor, route))
        assert response.status_code == 404, (route, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    batch = await client.get("/api/users", params={"usernames": f"{impostor}|{genuine}"})
    items = {item["username"]: item for item in batch.json()["users"]}
    assert items[impostor]["status"] == 404 and items[impostor]["result"] is None
    assert items[genuine]["status"] == 200 and items[genuine]["result"]["has_any_courses"]
    # The mismatch is remembered as a 404: asking again costs the Dashboard nothing.
    fake.reset()
    assert (await client.get(path(impostor, "/status"))).status_code == 404
    assert fake.total == 0


async def test_the_genuine_users_answers_are_unchanged(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    """Asking for the impostor first changes nothing for the enrolled user."""
    assert (await client.get(path("Ngozi placeholder"))).status_code == 404
    body = (await client.get(path(d.NGOZI))).json()
    added = ("string_prefix", "role_name", "dashboard", "dashboard_url")
    assert [{k: v for k, v in c.items() if k not in added} for c in body["courses"]] == (
        fake.dataset.details_for(d.NGOZI)
    )
    assert [(c["role_name"], c["dashboard"]) for c in body["courses"]] == [("Editor", "outreach")]
    assert body == {
        "username": d.NGOZI,
        "courses": body["courses"],
        "is_instructor": False,
        "is_student": True,
        "max_project": fake.dataset.users[d.NGOZI]["max_project"],
        "dashboards": ["outreach"],
        "dashboard_urls": {"outreach": fake.base_url},
    }
    status = (await client.get(path(d.NGOZI, "/status"))).json()
    assert status["course_count"] == 1 and status["has_active_event"]


async def test_upstream_cost_of_the_check_cold_and_warm(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    """What the README states: an upload confirms for free; else one roster, shared by the
    course's other participants (and by enrich and active-staff); warm costs nothing."""
    await client.get(path(d.ZOE, "/status"))
    assert (fake.counts["user_stats"], fake.counts["users"]) == (1, 0)  # her upload
    await client.get(path(d.NGOZI, "/status"))
    assert (fake.counts["user_stats"], fake.counts["users"]) == (2, 1)  # ACTIVE's roster
    await client.get(path(d.OBRIEN, "/status"))  # in ACTIVE too: its roster is cached
    assert (fake.counts["user_stats"], fake.counts["users"]) == (3, 1)
    await client.get(path(d.NGOZI, "/active-staff"))  # the roster confirmed her is reused
    assert fake.counts["users"] == 1
    assert fake.counts["user_stats"] == 3
    for _ in range(2):
        fake.reset()
        for name in (d.ZOE, d.NGOZI, d.OBRIEN):
            for route in ("", "/status", "?enrich=true"):
                assert (await client.get(path(name, route))).status_code == 200
    # (The first round read O'Brien's other roster, for enrich; the second read nothing.)
    assert fake.counts["user_stats"] == fake.counts["users"] == 0


async def test_the_smallest_course_confirms(client: httpx.AsyncClient, fake: FakeDashboard) -> None:
    """O'Brien: ACTIVE (42) and AMPERSAND (6440 participants): the small roster is read."""
    await client.get(path(d.OBRIEN))
    assert [r.target for r in fake.requests_for("users")] == [d.SLUG_ACTIVE]


async def test_when_no_roster_can_be_read_the_answer_is_an_error_not_a_guess(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.fail_mode, fake.fail_endpoints = "500", {"users"}
    response = await client.get(path(d.NGOZI))
    assert response.status_code == 502  # never her courses unconfirmed, never a 404
    assert fake.counts["user_stats"] == 1


async def test_a_user_without_public_courses_attributes_nothing(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    """Nobody Enrolled has no courses and no uploads: nothing to confirm, nothing shown."""
    body = (await client.get(path("Nobody enrolled"))).json()
    assert body["courses"] == [] and body["is_instructor"] is body["is_student"] is False
    assert fake.counts["users"] == 0


async def test_a_roster_cached_before_the_enrolment_is_read_again(
    client: httpx.AsyncClient, fake: FakeDashboard, added_users: Callable[[str, dict], None]
) -> None:
    await client.get(f"/api/courses/{d.SLUG_ENDED}/users")  # cached without the newcomer
    roster = copy.deepcopy(fake.dataset.rosters[d.SLUG_ENDED])
    newcomer = {**roster["course"]["users"][0], "id": 1, "global_id": 2,
                "username": "Newcomer Here", "role": 0}  # fmt: skip
    added_users("Newcomer Here", user_payload(
        "x", upload=False, courses=[enrolment(d.SLUG_ENDED, "Photo Walk")]
    ))  # fmt: skip
    original = fake.dataset.rosters[d.SLUG_ENDED]
    fake.dataset.rosters[d.SLUG_ENDED] = {
        "course": {"users": [*roster["course"]["users"], newcomer]}
    }
    try:
        assert (await client.get(path("Newcomer Here"))).status_code == 200
        assert fake.counts["users"] == 2
    finally:
        fake.dataset.rosters[d.SLUG_ENDED] = original


# --- 3. ended is computed when answering --------------------------------------------------


async def test_a_course_that_ends_while_cached_says_ended_without_a_refetch(
    make_app: Callable[..., AppServer], fake: FakeDashboard, store_kind: str
) -> None:
    slug = "Soon_Over/Short_Course_(Now)"
    course = copy.deepcopy(fake.dataset.course(d.SLUG_UNDATED))
    end = datetime.now(UTC) + timedelta(hours=1)
    course.update(slug=slug, end=end.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    fake.set_course(slug, {"course": course})
    clock = FakeClock()
    app = make_app(store_kind, clock=clock)
    try:
        async with httpx.AsyncClient(
            base_url=app.base_url, headers={"X-Forwarded-For": CLIENT_IP}
        ) as http:
            before = (await http.get(f"/api/courses/{slug}")).json()
            clock.advance(2 * 3600)  # fresh for a day
            after = (await http.get(f"/api/courses/{slug}")).json()
    finally:
        fake.set_course(slug, None)
    assert (before["ended"], before["active"]) == (False, True)
    assert (after["ended"], after["active"]) == (True, False)
    assert fake.counts["course"] == 1


# --- 4. number_to_human counts -----------------------------------------------------------


async def test_human_counts_are_not_passed_off_as_exact(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/api/courses/{d.SLUG_ACTIVE}")).json()
    assert (body["edit_count"], body["edit_count_approx"]) == ("21.6K", 21600)
    assert (body["word_count"], body["word_count_approx"]) == ("1.4M", 1_400_000)
    assert body["article_count"] == 1702  # exact in course.json, exact here


async def test_counts_up_to_q_are_kept(client: httpx.AsyncClient, fake: FakeDashboard) -> None:
    slug = "Huge/Counts_(Q)"
    course = {**fake.dataset.course(d.SLUG_ACTIVE), "slug": slug, "view_count": "1.23Q",
              "word_count": "4.5T", "edit_count": "1230Q"}  # fmt: skip
    fake.set_course(slug, {"course": course})
    try:
        body = (await client.get(f"/api/courses/{slug}")).json()
    finally:
        fake.set_course(slug, None)
    assert (body["view_count"], body["view_count_approx"]) == ("1.23Q", 123 * 10**13)
    assert (body["word_count"], body["word_count_approx"]) == ("4.5T", 45 * 10**11)
    assert body["edit_count_approx"] == 1230 * 10**15


# --- 5. roles ------------------------------------------------------------------------------


async def test_outreach_role_labels_are_recognised_and_named_one_way(
    client: httpx.AsyncClient, added_users: Callable[[str, dict], None]
) -> None:
    added_users("Label Test", user_payload("Label Test", courses=[
        enrolment(d.SLUG_ACTIVE, "a", role="Editor"),
        enrolment(d.SLUG_TRACKING, "b", role="Facilitator"),
    ]))  # fmt: skip
    body = (await client.get(path("Label Test"))).json()
    assert [c["user_role"] for c in body["courses"]] == ["Student", "Instructor"]
    assert (body["is_instructor"], body["is_student"]) == (True, True)
    roster = (await client.get(f"/api/courses/{d.SLUG_ACTIVE}/users")).json()
    # A roster names roles in the course's own words (an editathon: courses_generic).
    assert {m["role_name"] for m in roster["facilitators"]} == {"Facilitator", "Campus Volunteer"}
    assert {m["role_name"] for m in roster["participants"]} == {"Editor"}
    assert [c["role_name"] for c in body["courses"]] == ["Editor", "Facilitator"]


async def test_editor_alone_is_a_participant(
    client: httpx.AsyncClient, added_users: Callable[[str, dict], None]
) -> None:
    added_users("Just Editing", user_payload("Just Editing", courses=[
        enrolment(d.SLUG_ACTIVE, "a", role="Editor")
    ]))  # fmt: skip
    body = (await client.get(path("Just Editing"))).json()
    assert (body["is_instructor"], body["is_student"]) == (False, True)


# --- 6. duplicate roster rows ------------------------------------------------------------


async def test_roster_rows_are_merged_by_user_id(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    slug = "Two/Accounts_(One_Name)"
    row = fake.dataset.roster(d.SLUG_ACTIVE)[0]
    rows = [{**row, "id": 1, "global_id": 11, "username": "Same Name", "role": 1},
            {**row, "id": 1, "global_id": 11, "username": "Same Name", "role": 0},
            {**row, "id": 2, "global_id": 22, "username": "Same Name", "role": 0}]  # fmt: skip
    fake.set_course(slug, {"course": {**fake.dataset.course(d.SLUG_ACTIVE), "slug": slug}},
                    {"course": {"users": rows}})  # fmt: skip
    try:
        body = (await client.get(f"/api/courses/{slug}/users")).json()
    finally:
        fake.set_course(slug, None)
    assert [m["role"] for m in body["facilitators"]] == [1]  # user 1, once
    assert [m["role"] for m in body["participants"]] == [0]  # user 2: another person


async def test_an_entry_stored_before_the_check_is_checked_again(
    make_app: Callable[..., AppServer], fake: FakeDashboard, redis_server: RedisServer
) -> None:
    """Entries written by a version without the check (no `identity`) are not trusted."""
    app = make_app("redis")
    stale_lie = {"courses": [enrolment(d.SLUG_ACTIVE, "someone else's")], "max_project": None}
    with redis.Redis.from_url(redis_server.url) as plain:
        key = f"{app.settings.redis_key_prefix}user:Ngozi placeholder"
        plain.set(key, orjson.dumps({"fetched_at": time.time(), "data": stale_lie}), ex=600)
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        response = await http.get(path("Ngozi placeholder"))
        again = await http.get(path("Ngozi placeholder", "/status"))
        batch = await http.get("/api/users", params={"usernames": "Ngozi placeholder"})
    assert response.status_code == again.status_code == 404
    assert batch.json()["users"][0]["status"] == 404
    assert fake.counts["user_stats"] == 1  # checked once, then remembered
