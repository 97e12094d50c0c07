"""The four routes over real HTTP, against the fake Dashboard, on memory and on Redis."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import httpx
import pytest

from outreach_helper.api.models import CourseAnswer, RosterAnswer, UserAnswer
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard

SENSITIVE_WORDS = ("passcode", "****", "email", "real_name", "update_logs", "sentry",
                   "survey_notifications", "requestedAccounts", "canUploadSyllabus")  # fmt: skip


def course_url(slug: str, suffix: str = "") -> str:
    school, title = slug.split("/", 1)
    return f"/api/courses/{quote(school, safe='')}/{quote(title, safe='')}{suffix}"


def assert_nothing_sensitive(text: str) -> None:
    for word in SENSITIVE_WORDS:
        assert word not in text, word


# --- users ---------------------------------------------------------------------------


async def test_user_answer_has_the_seed_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/Ada_Example")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = UserAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    assert body["username"] == "Ada Example"
    assert body["is_instructor"] is True and body["is_student"] is True
    assert body["max_project"] == "wikidata"
    assert [c["course_slug"] for c in body["courses"]] == [d.SLUG_ACTIVE, d.SLUG_TRACKING]
    first = response.json()["courses"][0]
    assert set(first) == {"course_id", "course_title", "course_school", "course_term",
                          "user_count", "user_role", "course_slug", "string_prefix",
                          "role_name", "dashboard", "dashboard_url"}  # fmt: skip
    assert first["course_id"] == 512334 and first["user_role"] == "Instructor"
    # The Outreach Dashboard's own words for an editathon's roles (courses_generic).
    assert (first["string_prefix"], first["role_name"]) == ("courses_generic", "Facilitator")
    school, title = d.SLUG_ACTIVE.split("/")
    assert first["dashboard"] == "outreach"
    # the fake Dashboard's base URL, then the course's two segments as the Dashboard routes them
    assert first["dashboard_url"].startswith("http://127.0.0.1:")
    assert first["dashboard_url"].endswith(
        f"/courses/{quote(school, safe='')}/{quote(title, safe='')}"
    )
    assert body["dashboards"] == ["outreach"] and set(body["dashboard_urls"]) == {"outreach"}


async def test_student_only_and_no_courses(client: httpx.AsyncClient) -> None:
    zoe = (await client.get(f"/api/users/{quote(d.ZOE)}")).json()
    assert (zoe["is_instructor"], zoe["is_student"]) == (False, True)
    nobody = (await client.get("/api/users/Nobody_Enrolled")).json()
    assert nobody["courses"] == [] and nobody["is_student"] is False
    assert nobody["is_instructor"] is False


async def test_duplicate_enrollment_is_passed_on_and_counts_both_roles(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get(f"/api/users/{quote(d.OBRIEN)}")).json()
    ampersand = [c["user_role"] for c in body["courses"] if c["course_slug"] == d.SLUG_AMPERSAND]
    assert sorted(ampersand) == ["Instructor", "Student"]
    assert body["is_instructor"] and body["is_student"]
    assert d.SLUG_PRIVATE not in {c["course_slug"] for c in body["courses"]}


async def test_spellings_of_one_name_share_one_entry_and_one_lookup(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    for spelling in ("ada_Example", "Ada Example", "%20Ada_Example%20", "Ada__Example"):
        response = await client.get(f"/api/users/{spelling}")
        assert response.status_code == 200, spelling
        assert response.json()["username"] == "Ada Example"
    assert fake.counts["user_stats"] == 1
    (request,) = fake.requests_for("user_stats")
    assert request.query_string == "username=Ada%2BExample"  # CGI-escaped, then encoded
    assert request.target == "Ada Example"


async def test_second_request_makes_no_upstream_request(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    first = await client.get(f"/api/users/{quote(d.CHIDI)}")
    fake.reset()
    second = await client.get(f"/api/users/{quote(d.CHIDI)}")
    assert first.json() == second.json()
    assert fake.total == 0
    assert first.headers["cache-status"].endswith("fwd=miss; stored")
    assert second.headers["cache-status"] == "outreach-helper; hit"


async def test_fifty_concurrent_first_requests_make_one_upstream_request(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.latency = 0.2
    responses = await asyncio.gather(*(client.get("/api/users/Ngozi_Placeholder")
                                       for _ in range(50)))  # fmt: skip
    assert {r.status_code for r in responses} == {200}
    assert fake.counts["user_stats"] == 1


async def test_unknown_user_is_404_problem_and_remembered(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    for _ in range(3):
        response = await client.get("/api/users/Does_Not_Exist")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert set(problem) == {"type", "title", "status", "detail"}
        assert problem["status"] == 404 and "Does Not Exist" in problem["detail"]
    assert fake.counts["user_stats"] == 1


@pytest.mark.parametrize(
    "raw",
    ["A%23b", "A%3Cb", "A%3Eb", "A%5Bb", "A%5Db", "A%7Cb", "A%7Bb", "A%7Db", "%20%20",
     "A%00b", "A%0Ab", "A%7F", "x" * 256, "___"],
)  # fmt: skip
async def test_invalid_usernames_are_400_before_any_upstream_request(
    client: httpx.AsyncClient, fake: FakeDashboard, raw: str
) -> None:
    response = await client.get(f"/api/users/{raw}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid input"
    assert fake.total == 0


async def test_username_cannot_change_the_upstream_request(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    response = await client.get("/api/users/Ada%3Fusername%3DOther%26x%3D..%25")
    assert response.status_code == 404
    (request,) = fake.requests
    assert request.raw_path == "/user_stats.json"
    assert request.query_string == "username=Ada%253Fusername%253DOther%2526x%253D..%2525"
    assert request.target == "Ada?username=Other&x=..%"


async def test_enrich_adds_dates_activity_and_staff(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/Ada_Example", params={"enrich": "true"})
    assert response.status_code == 200
    body = UserAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    active, tracking = body["courses"]
    assert (active["active"], active["active_event"]) == (True, True)
    assert active["staff"] == ["Ada Example", "Chidi Sample"]
    assert (tracking["active"], tracking["active_event"]) == (True, False)
    assert tracking["staff"] == ["Élodie Martin"]
    for field in ("start", "end", "timeline_start", "timeline_end"):
        assert active[field], field


async def test_enrich_of_ended_future_and_undated_courses(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/api/users/{quote(d.MARC)}?enrich=1")).json()
    by_slug = {c["course_slug"]: c for c in body["courses"]}
    assert by_slug[d.SLUG_ENDED]["active"] is False
    assert by_slug[d.SLUG_UNDATED]["active"] is True
    assert by_slug[d.SLUG_UNDATED]["active_event"] is None
    ana = (await client.get(f"/api/users/{quote(d.ANA)}?enrich=true")).json()
    future = next(c for c in ana["courses"] if c["course_slug"] == d.SLUG_FUTURE)
    assert (future["active"], future["active_event"]) == (False, False)
    assert future["staff"] == ["Staffer (Wiki Ed), Test"]


async def test_enrich_survives_a_course_that_fails(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.fail_mode, fake.fail_endpoints = "500", {"course"}
    body = (await client.get("/api/users/Ada_Example?enrich=true")).json()
    assert all(c["active"] is None and c["start"] is None for c in body["courses"])
    assert body["courses"][0]["staff"] == ["Ada Example", "Chidi Sample"]


async def test_enriching_forty_courses_cold_is_concurrent_and_capped(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.latency = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await client.get("/api/users/Forty_Courses?enrich=true")
    elapsed = loop.time() - started
    assert response.status_code == 200
    assert len(response.json()["courses"]) == 40
    assert fake.counts["course"] == 40 and fake.counts["users"] == 40
    # Concurrent up to the cap, never past it.
    assert fake.max_in_flight == 8
    # 1 + 80 requests, 8 at a time, 0.2 s each: about 2.2 s (bench/ops.py measures it);
    # one after another would take 16.2 s. The bound here only has to tell the two apart
    # on a loaded machine (2.5 s and 4 s were seen to fail under load).
    assert elapsed < 8, f"took {elapsed:.2f} s"


# --- courses -------------------------------------------------------------------------


async def test_course_details_are_trimmed(client: httpx.AsyncClient) -> None:
    response = await client.get(course_url(d.SLUG_ACTIVE))
    assert response.status_code == 200
    assert_nothing_sensitive(response.text)
    body = CourseAnswer.model_validate(response.json())
    assert body.slug == d.SLUG_ACTIVE and body.id == 31877
    assert (body.active, body.active_event) == (True, True)
    assert body.dashboard_url.endswith(
        "/courses/Example_Wikimedians_User_Group%2C_Lagos/Wikidata_Days_2025_%28November%29"
    )


async def test_course_with_unicode_apostrophe_and_ampersand(client: httpx.AsyncClient) -> None:
    for slug in (d.SLUG_TRACKING, d.SLUG_ENDED, d.SLUG_AMPERSAND):
        response = await client.get(course_url(slug))
        assert response.status_code == 200, slug
        assert response.json()["slug"] == slug


async def test_school_and_title_accept_spaces_for_underscores(client: httpx.AsyncClient) -> None:
    response = await client.get(course_url(d.SLUG_ACTIVE.replace("_", " ")))
    assert response.status_code == 200
    assert response.json()["slug"] == d.SLUG_ACTIVE


@pytest.mark.parametrize("slug", [d.UNKNOWN_SLUG, d.SLUG_PRIVATE])
async def test_unknown_and_private_courses_are_404(
    client: httpx.AsyncClient, fake: FakeDashboard, slug: str
) -> None:
    for suffix in ("", "/users", "", "/users"):
        response = await client.get(course_url(slug, suffix))
        assert response.status_code == 404
        assert response.json()["status"] == 404
    assert (fake.counts["course"], fake.counts["users"]) == (1, 1)


async def test_roster_is_split_and_deduplicated(client: httpx.AsyncClient) -> None:
    response = await client.get(course_url(d.SLUG_ACTIVE, "/users"))
    assert response.status_code == 200
    body = RosterAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    assert [m["username"] for m in body["facilitators"]] == ["Ada Example", "Chidi Sample"]
    # In the course's words (an editathon: courses_generic), as the Dashboard names them.
    assert [m["role_name"] for m in body["facilitators"]] == ["Facilitator", "Campus Volunteer"]
    assert {m["role_name"] for m in body["participants"]} == {"Editor"}
    assert (body["dashboard"], body["string_prefix"]) == ("outreach", "courses_generic")
    assert [m["username"] for m in body["participants"]] == [
        "Ngozi Placeholder", "O'Brien Test", "Zoë Müller",
    ]  # fmt: skip


async def test_roster_never_passes_on_real_names_or_email(client: httpx.AsyncClient) -> None:
    response = await client.get(course_url(d.SLUG_TRACKING, "/users"))
    assert response.status_code == 200
    assert_nothing_sensitive(response.text)
    assert "@" not in response.text


@pytest.mark.parametrize(
    "path",
    ["/api/courses/..%2F/x", "/api/courses/%2E%2E/x", "/api/courses/x/..",
     "/api/courses/x/%2E%2E/users", "/api/courses/%20/x", "/api/courses/x/a%5Cb",
     "/api/courses/x/a%00b", "/api/courses/x/" + "t" * 256],
)  # fmt: skip
async def test_bad_course_segments_never_reach_the_dashboard(
    client: httpx.AsyncClient, fake: FakeDashboard, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fake.total == 0


async def test_course_input_is_one_encoded_segment_upstream(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    response = await client.get("/api/courses/A%3Fq%3D1/B%23frag%25")
    assert response.status_code == 404
    (request,) = fake.requests
    assert request.raw_path == "/courses/A%3Fq%3D1/B%23frag%25/course.json"


# --- upstream manners ----------------------------------------------------------------


async def test_upstream_requests_identify_us(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    await client.get("/api/users/Ada_Example")
    headers = fake.requests[0].headers
    assert headers["user-agent"].startswith("outreach-helper/")
    assert "(tests@example.org) httpx/" in headers["user-agent"]
    assert headers["accept-language"] == "en"


# --- failure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "status"), [("500", 502), ("html", 502), ("bad_json", 502), ("down", 503)]
)
async def test_upstream_failure_with_nothing_cached_is_a_problem(
    client: httpx.AsyncClient, fake: FakeDashboard, mode: str, status: int
) -> None:
    if mode == "down":
        fake.down()
    else:
        fake.fail_mode = mode
    try:
        response = await client.get("/api/users/Ada_Example")
    finally:
        fake.up()
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json()["upstream"]["last_error"]


async def test_hanging_upstream_answers_504_within_the_foreground_budget(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind, foreground_timeout=0.5, upstream_deadline=5)
    fake.fail_mode = "hang"
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        loop = asyncio.get_running_loop()
        started = loop.time()
        response = await http.get("/api/users/Ada_Example")
        assert loop.time() - started < 2
        assert response.status_code == 504
        assert response.headers["retry-after"]
        # The fetch goes on; when the Dashboard answers, it fills the cache.
        fake.fail_mode = None
        await asyncio.sleep(0.3)
        assert (await http.get("/api/users/Ada_Example")).status_code == 200


async def test_slow_fetch_fills_the_cache_for_the_next_caller(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind, foreground_timeout=0.3)
    fake.latency = 0.8
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        assert (await http.get("/api/users/Ada_Example")).status_code == 504
        await fake_wait(fake, 1.0)
        response = await http.get("/api/users/Ada_Example")
        assert response.status_code == 200
        assert response.headers["cache-status"] == "outreach-helper; hit"
    assert fake.counts["user_stats"] == 1


async def fake_wait(fake: FakeDashboard, seconds: float) -> None:
    await asyncio.sleep(seconds)
    assert fake.in_flight == 0


async def test_stale_is_answered_at_once_and_refreshed_once(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind)
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        await http.get("/api/users/Ada_Example")
        app.clock.advance(3601)
        # The refresh hangs until released: every answer arriving proves none waited for
        # it, with no timing bound to trip over on a busy machine.
        fake.fail_mode = "hang"
        responses = await asyncio.gather(*(http.get("/api/users/Ada_Example") for _ in range(20)))
        assert {r.headers["cache-status"] for r in responses} == {"outreach-helper; hit; fwd=stale"}
        assert int(responses[0].headers["age"]) >= 3601
        assert fake.in_flight == 1
        fake.fail_mode = None
        for _ in range(500):  # until the refreshed entry is stored (10 s at most)
            fresh = await http.get("/api/users/Ada_Example")
            if fresh.headers["cache-status"] == "outreach-helper; hit":
                break
            await asyncio.sleep(0.02)
        assert fresh.headers["cache-status"] == "outreach-helper; hit"
        assert fake.counts["user_stats"] == 2


async def test_stale_entry_is_served_when_the_dashboard_fails(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind, stale_while_revalidate_ttl=0)
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        await http.get("/api/users/Ada_Example")
        app.clock.advance(7200)
        fake.fail_mode = "500"
        response = await http.get("/api/users/Ada_Example")
        assert response.status_code == 200
        assert response.headers["cache-status"].endswith("detail=stale-if-error")
        assert int(response.headers["age"]) >= 7200


# --- what is stored ------------------------------------------------------------------


async def test_redis_holds_trimmed_entries_with_expiries(
    make_app, redis_server, fake: FakeDashboard
) -> None:
    import redis

    app = make_app("redis")
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        assert (await http.get("/api/users/Ada_Example?enrich=true")).status_code == 200
        assert (await http.get("/api/users/Does_Not_Exist")).status_code == 404
    prefix = app.settings.redis_key_prefix
    r = redis.Redis.from_url(redis_server.url)
    every_key = sorted(k.decode() for k in r.scan_iter(match=prefix + "*"))
    for key in every_key:  # entries, their meta and the purge index alike
        assert r.pttl(key) > 0, key
    bookkeeping = ("meta:", "lease:", "backoff:", "index", "upstream:")
    keys = [k for k in every_key if not k.removeprefix(prefix).startswith(bookkeeping)]
    assert keys == sorted(
        [f"{prefix}user:Ada Example", f"{prefix}user:Does Not Exist"]
        + [f"{prefix}{kind}:{slug}" for kind in ("course", "roster")
           for slug in (d.SLUG_ACTIVE, d.SLUG_TRACKING)]
    )  # fmt: skip
    for key in keys:
        assert r.pttl(key) > 0, key
        entry = json.loads(r.get(key))
        assert set(entry) == {"fetched_at", "data"}
        assert_nothing_sensitive(json.dumps(entry))
        assert "@" not in json.dumps(entry)
    assert json.loads(r.get(f"{prefix}user:Does Not Exist"))["data"] is None


# --- health --------------------------------------------------------------------------


async def test_health(client: httpx.AsyncClient, store_kind: str) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store"] == {"backend": store_kind, "status": "ok", "error": None}
    assert body["upstream"]["last_success_at"] is None


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
