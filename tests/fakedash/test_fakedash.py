"""Self-test of the fake Outreach Dashboard: if these fail, integration tests lie."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.fakedash import dataset as ds
from tests.fakedash.dataset import Dataset, build_dataset
from tests.fakedash.server import ENDPOINTS, FakeDashboard

ROOT = Path(__file__).resolve().parents[2]
JSON_TYPE = "application/json; charset=utf-8"


def course_path(slug: str, endpoint: str = "course.json") -> str:
    """The upstream path for a slug, each part percent-encoded as one segment."""
    school, title = slug.split("/")
    return f"/courses/{quote(school, safe='')}/{quote(title, safe='')}/{endpoint}"


@pytest.fixture(scope="module")
def fake() -> FakeDashboard:
    with FakeDashboard() as server:
        yield server


@pytest.fixture(autouse=True)
def clean(fake: FakeDashboard) -> None:
    """Each test starts with zero counters and no latency or failures."""
    fake.reset_knobs()
    fake.reset()


@pytest.fixture
def client(fake: FakeDashboard) -> httpx.Client:
    with httpx.Client(base_url=fake.base_url, timeout=5) as http:
        yield http


# --- the dataset -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(fake: FakeDashboard) -> Dataset:
    return fake.dataset


def test_enrollment_counts_match_the_docstring(data: Dataset) -> None:
    assert data.details_for(ds.NOBODY) == []
    assert data.slugs_for(ds.ZOE) == [ds.SLUG_ACTIVE]
    assert data.slugs_for(ds.ADA) == [ds.SLUG_ACTIVE, ds.SLUG_TRACKING]
    assert sorted(data.slugs_for(ds.FORTY)) == sorted(ds.FORTY_SLUGS)
    assert sorted(data.slugs_for(ds.TEN)) == sorted(ds.TEN_SLUGS)
    assert len(data.details_for(ds.FORTY)) == 40


def test_duplicated_enrollment_appears_twice(data: Dataset) -> None:
    rows = data.details_for(ds.OBRIEN)
    ampersand = [row["user_role"] for row in rows if row["course_slug"] == ds.SLUG_AMPERSAND]
    assert sorted(ampersand) == ["Instructor", "Student"]
    assert data.slugs_for(ds.OBRIEN) == [ds.SLUG_ACTIVE, ds.SLUG_AMPERSAND]


def test_private_courses_are_left_out_of_courses_details(data: Dataset) -> None:
    assert ds.OBRIEN in {row["username"] for row in data.roster(ds.SLUG_PRIVATE)}
    assert all(ds.SLUG_PRIVATE not in data.slugs_for(user) for user in data.users)
    assert ds.SLUG_PRIVATE in data.private


def test_roles_labels_and_counts_vary_like_upstream(data: Dataset) -> None:
    rows = [row for payload in data.users.values() for row in payload["courses_details"]]
    assert {row["user_role"] for row in rows} == set(ds.ROLE_LABELS.values())
    assert {type(row["user_count"]) for row in rows} == {int}  # course.user_count: exact
    course_ids = {course["course"]["id"] for course in data.courses.values()}
    assert not course_ids & {row["course_id"] for row in rows}  # enrollment ids, not course ids


def test_rosters_have_duplicates_blanks_and_sensitive_fields(data: Dataset) -> None:
    active = [row["username"] for row in data.roster(ds.SLUG_ACTIVE)]
    assert active.count(ds.ADA) == 2
    descriptions = {
        row["role_description"]
        for roster in data.rosters.values()
        for row in roster["course"]["users"]
    }
    assert {None, ""} <= descriptions
    elodie = next(row for row in data.roster(ds.SLUG_TRACKING) if row["username"] == ds.ELODIE)
    assert elodie["real_name"] and elodie["email"]
    assert data.facilitators_of(ds.SLUG_ACTIVE) == [ds.ADA, ds.CHIDI]
    assert ds.ADA not in data.participants_of(ds.SLUG_ACTIVE)  # highest role wins


def test_courses_keep_the_fields_the_service_must_strip(data: Dataset) -> None:
    for slug in data.courses:
        course = data.course(slug)
        assert course["passcode"] == "****"
        assert course["flags"]["update_logs"] and course["updates"] and course["course_stats"]
        assert {"canUploadSyllabus", "requestedAccounts", "survey_notifications"} <= course.keys()


def test_course_states_are_relative_to_now(data: Dataset) -> None:
    now = data.now

    def window(slug: str, start: str, end: str) -> tuple[datetime, datetime]:
        course = data.course(slug)
        return datetime.fromisoformat(course[start]), datetime.fromisoformat(course[end])

    start, end = window(ds.SLUG_ACTIVE, "start", "end")
    event_start, event_end = window(ds.SLUG_ACTIVE, "timeline_start", "timeline_end")
    assert start < now < end and event_start < now < event_end
    start, end = window(ds.SLUG_TRACKING, "start", "end")
    assert start < now < end and window(ds.SLUG_TRACKING, "timeline_start", "timeline_end")[1] < now
    assert window(ds.SLUG_ENDED, "start", "end")[1] < now and data.course(ds.SLUG_ENDED)["ended"]
    assert now < window(ds.SLUG_FUTURE, "start", "end")[0]
    undated = data.course(ds.SLUG_UNDATED)
    assert undated["timeline_start"] is None and "timeline_end" not in undated
    assert [data.is_active(slug) for slug in ds.FORTY_SLUGS[:4]] == [True, True, False, False]


def test_every_date_follows_now_even_in_another_year() -> None:
    now = datetime(2047, 3, 9, 15, 30, tzinfo=UTC)
    data = build_dataset(now)
    stamps = re.findall(rb'"(\d{4})-\d\d-\d\dT', _dump(data))
    assert stamps and all(abs(int(year) - 2047) <= 8 for year in stamps)  # registered_at: -7y
    assert data.is_active(ds.SLUG_ACTIVE) and not data.is_active(ds.SLUG_ENDED)


def _dump(data: Dataset) -> bytes:
    return orjson.dumps([data.users, data.courses, data.rosters])


# --- the endpoints ---------------------------------------------------------------------------


def test_user_stats_has_the_sample_shape(client: httpx.Client) -> None:
    response = client.get("/user_stats.json", params={"username": "Ada Example"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    assert set(body) == {
        "user_recent_uploads",
        "courses_details",
        "as_instructor",
        "by_students",
        "as_student",
        "max_project",
    }
    assert body["courses_details"][0]["course_slug"] == ds.SLUG_ACTIVE


@pytest.mark.parametrize("sent", ["Ada_Example", "Ada Example", "Ada+Example"])
def test_underscores_and_plus_read_as_spaces(client: httpx.Client, sent: str) -> None:
    response = client.get(f"/user_stats.json?username={quote(sent, safe='+')}")
    assert response.status_code == 200


@pytest.mark.parametrize("name", [ds.ZOE, ds.OBRIEN, ds.STAFFER, ds.NOBODY])
def test_unusual_usernames_are_found(client: httpx.Client, data: Dataset, name: str) -> None:
    response = client.get("/user_stats.json", params={"username": name.replace(" ", "_")})
    assert response.status_code == 200
    assert response.json()["courses_details"] == data.details_for(name)


@pytest.mark.parametrize("query", ["?username=Does_Not_Exist", "?username=", ""])
def test_unknown_or_missing_username_is_404_json(client: httpx.Client, query: str) -> None:
    response = client.get(f"/user_stats.json{query}")
    assert response.status_code == 404
    assert response.headers["content-type"] == JSON_TYPE
    assert response.json() == {"error": "User not found"}


def test_every_public_course_and_roster_answers(client: httpx.Client, data: Dataset) -> None:
    for slug in data.public_slugs:
        course = client.get(course_path(slug))
        roster = client.get(course_path(slug, "users.json"))
        assert course.status_code == roster.status_code == 200, slug
        assert course.headers["content-type"] == JSON_TYPE
        assert course.json()["course"]["slug"] == slug
        assert roster.json() == data.rosters[slug]


def test_percent_encoded_unicode_slug(client: httpx.Client, fake: FakeDashboard) -> None:
    raw = (
        "/courses/Biblioth%C3%A8que_d%27Exemple"
        "/Art%2BFeminism_%C3%89dit-a-thon_%282025%29/course.json"
    )
    response = client.get(raw)
    assert response.status_code == 200
    assert response.json()["course"]["title"] == "Art+Feminism Édit-a-thon"
    assert fake.requests[-1].raw_path == raw  # recorded exactly as sent


def test_unencoded_special_characters_work_too(client: httpx.Client) -> None:
    """httpx leaves ',', '(', "'", '&' and '+' alone in paths; the upstream accepts both."""
    for slug in (ds.SLUG_ENDED, ds.SLUG_AMPERSAND, ds.SLUG_TRACKING):
        assert client.get(f"/courses/{slug}/users.json").status_code == 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (course_path(ds.SLUG_PRIVATE), "not found"),
        (course_path(ds.SLUG_PRIVATE, "users.json"), "not found"),
        (course_path(ds.UNKNOWN_SLUG), f"Course {ds.UNKNOWN_SLUG} not found"),
        (course_path(ds.UNKNOWN_SLUG, "users.json"), f"Course {ds.UNKNOWN_SLUG} not found"),
        # The slug parameter is decoded once: an encoded slash is part of it.
        ("/courses/Misc_Events%2FUndated_Meetup_(TBD)/x/course.json",
         "Course Misc_Events/Undated_Meetup_(TBD)/x not found"),
    ],
)  # fmt: skip
def test_missing_and_private_courses_are_404_json(
    client: httpx.Client, path: str, message: str
) -> None:
    """RoutingError "Course SLUG not found" (course_helper.rb) or "not found"
    (protect_privacy), rendered as JSON for .json requests (lib/errors/rescue_errors.rb)."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == JSON_TYPE
    assert response.json() == {"message": message}


@pytest.mark.parametrize("path", ["/courses/Misc_Events/Undated_Meetup_(TBD)", "/anything/else"])
def test_odd_paths_are_404_html(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text


# --- Rails' own ways ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("username=Ann%252BBob", "Ann+Bob"),  # escaped twice: reaches Ann+Bob
        ("username=Ann%2BBob", "Ann Bob"),  # escaped once: the + is read as a space
        ("username=Ann+Bob", "Ann Bob"),
        ("username=100%2525%2BWiki", "100% Wiki"),
        ("username=x%252541y", "x%41y"),
        ("username=x%2541y", "xAy"),  # decoded twice: %41 is an A
        ("username=x%41y", "xAy"),
        ("username=A%2526B%253DC%253F", "A&B=C?"),
    ],
)
def test_username_is_decoded_twice(
    fake: FakeDashboard, client: httpx.Client, query: str, found: str
) -> None:
    """Rack decodes the query, then set_user runs CGI.unescape(...).tr('_', ' ')
    (user_profiles_controller.rb)."""
    names = ["Ann+Bob", "Ann Bob", "100% Wiki", "x%41y", "xAy", "A&B=C?"]
    template = fake.dataset.users[ds.NOBODY]
    try:
        for name in names:
            fake.set_user(name, {**template, "max_project": name})
        response = client.get(f"/user_stats.json?{query}")
        assert response.status_code == 200 and response.json()["max_project"] == found
        assert fake.requests[-1].target == found
    finally:
        for name in names:
            fake.set_user(name, None)


def test_a_broken_escape_is_400(client: httpx.Client) -> None:
    """Rack::QueryParser refuses `%` without two hex digits."""
    assert client.get("/user_stats.json?username=100%_Wiki").status_code == 400


@pytest.mark.parametrize(
    ("sent", "found"),
    [("ada_example", ds.ADA), ("ADA EXAMPLE", ds.ADA), ("Zoe_Muller", ds.ZOE),
     ("zoë müller", ds.ZOE), ("Elodie Martin", ds.ELODIE), ("Ngozi placeholder", ds.NGOZI)],
)  # fmt: skip
def test_users_are_found_ignoring_case_and_accents(
    client: httpx.Client, data: Dataset, sent: str, found: str
) -> None:
    """`User.find_by(username:)` on a utf8mb4_unicode_ci column (db/schema.rb)."""
    response = client.get("/user_stats.json", params={"username": sent})
    assert response.status_code == 200
    assert response.json()["courses_details"] == data.details_for(found)


def test_one_user_per_collation_class(fake: FakeDashboard) -> None:
    """The unique index on users.username: no `Ada example` beside `Ada Example`."""
    with pytest.raises(ValueError, match="collides"):
        fake.set_user("Ada example", {"courses_details": []})


def test_slugs_are_found_ignoring_case_and_accents(client: httpx.Client) -> None:
    """`Course.find_by(slug:)` (course_helper.rb), courses being utf8mb4_unicode_ci too."""
    for slug in (ds.SLUG_TRACKING.lower(), ds.SLUG_TRACKING.upper().replace("É", "E")):
        response = client.get(course_path(slug))
        assert response.status_code == 200, slug
        assert response.json()["course"]["slug"] == ds.SLUG_TRACKING
    assert client.get(course_path(ds.SLUG_PRIVATE.lower())).json() == {"message": "not found"}


def test_ended_is_computed_when_rendering(fake: FakeDashboard, client: httpx.Client) -> None:
    """`json.ended @course.end < Time.zone.now` (course.json.jbuilder)."""
    payload = fake.dataset.courses[ds.SLUG_UNDATED]
    course = payload["course"]
    try:
        for end, ended in (("2000-01-01T00:00:00.000Z", True), ("2999-01-01T00:00:00.000Z", False)):
            fake.set_course(ds.SLUG_UNDATED, {"course": {**course, "end": end, "ended": not ended}})
            assert client.get(course_path(ds.SLUG_UNDATED)).json()["course"]["ended"] is ended
    finally:
        fake.set_course(ds.SLUG_UNDATED, payload)


def test_human_counts_are_number_to_human_strings(client: httpx.Client) -> None:
    course = client.get(course_path(ds.SLUG_ACTIVE)).json()["course"]
    for name in ("edit_count", "word_count", "references_count", "view_count"):
        assert re.fullmatch(r"[0-9]+(\.[0-9]+)?[KMBTQ]?", course[name]), name
    for name in ("article_count", "student_count", "trained_count", "character_sum"):
        assert type(course[name]) is int, name


def test_duplicate_rows_of_one_person_repeat_the_user_ids(data: Dataset) -> None:
    """courses/_users.json.jbuilder: `json.call(cu.user, :id, :username, :global_id)`."""
    for roster in data.rosters.values():
        by_name: dict[str, set[tuple[int, int]]] = {}
        for row in roster["course"]["users"]:
            by_name.setdefault(row["username"], set()).add((row["id"], row["global_id"]))
        assert all(len(ids) == 1 for ids in by_name.values()), by_name
    assert [row["id"] for row in data.roster(ds.SLUG_ACTIVE)[:2]] == [700001, 700001]


def test_requests_are_counted_per_endpoint(client: httpx.Client, fake: FakeDashboard) -> None:
    client.get("/user_stats.json", params={"username": ds.ADA}, headers={"User-Agent": "T/1"})
    client.get(course_path(ds.SLUG_ACTIVE))
    client.get(course_path(ds.SLUG_PRIVATE, "users.json"))
    client.get("/courses/a%2Fb/c/course.json")
    client.get("/robots.txt")
    client.post("/user_stats.json")
    assert fake.counts == {**dict.fromkeys(ENDPOINTS, 0), "user_stats": 1, "course": 2,
                           "users": 1, "other": 2}  # fmt: skip
    first = fake.requests[0]
    assert first.headers["user-agent"] == "T/1"
    assert first.query_string == "username=Ada+Example"
    assert first.params == {"username": ds.ADA} and first.target == ds.ADA
    assert fake.requests_for("course")[0].target == ds.SLUG_ACTIVE
    assert [r.endpoint for r in fake.requests_for("users")] == ["users"]


def test_reset_keeps_the_knobs(fake: FakeDashboard, client: httpx.Client) -> None:
    fake.latency = 0.01
    client.get("/robots.txt")
    fake.reset()
    assert fake.counts["other"] == 0 and fake.requests == [] and fake.max_in_flight == 0
    assert fake.latency == 0.01
    fake.reset_knobs()
    assert fake.latency == 0 and fake.fail_mode is None


def test_data_can_change_while_running(fake: FakeDashboard, client: httpx.Client) -> None:
    payload = {**fake.dataset.users[ds.NOBODY], "max_project": "wikidata"}
    fake.set_user("New Person", payload)
    assert client.get("/user_stats.json?username=New_Person").json()["max_project"] == "wikidata"
    fake.set_user("New Person", None)
    assert client.get("/user_stats.json?username=New_Person").status_code == 404
    fake.set_private(ds.SLUG_PRIVATE, False)
    try:
        assert client.get(course_path(ds.SLUG_PRIVATE)).status_code == 200
    finally:
        fake.set_private(ds.SLUG_PRIVATE)
    fake.set_course("X/Y_(Z)", {"course": {"id": 1}})
    assert client.get("/courses/X/Y_(Z)/users.json").json() == {"course": {"users": []}}
    fake.set_course("X/Y_(Z)", None)
    assert client.get("/courses/X/Y_(Z)/course.json").status_code == 404


# --- latency and concurrency -----------------------------------------------------------------


async def test_latency_does_not_serialize_requests(fake: FakeDashboard) -> None:
    fake.latency = 0.2
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        started = time.monotonic()
        responses = await asyncio.gather(
            *(http.get(course_path(ds.SLUG_ACTIVE)) for _ in range(10))
        )
        elapsed = time.monotonic() - started
    assert all(r.status_code == 200 for r in responses)
    assert fake.max_in_flight == 10 and fake.in_flight == 0
    assert 0.2 <= elapsed < 1.0


async def test_a_hundred_concurrent_connections(fake: FakeDashboard) -> None:
    fake.latency = 0.3
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=fake.base_url, limits=limits, timeout=10) as http:
        started = time.monotonic()
        paths = [f"/user_stats.json?username={ds.FORTY}" for _ in range(100)]
        responses = await asyncio.gather(*(http.get(path) for path in paths))
        elapsed = time.monotonic() - started
    assert {r.status_code for r in responses} == {200}
    assert fake.max_in_flight == 100 and fake.counts["user_stats"] == 100
    assert elapsed < 3


def test_endpoint_latency_applies_to_one_endpoint(
    fake: FakeDashboard, client: httpx.Client
) -> None:
    fake.endpoint_latency["course"] = 0.3
    started = time.monotonic()
    client.get("/user_stats.json?username=Ada_Example")
    fast = time.monotonic() - started
    client.get(course_path(ds.SLUG_ACTIVE))
    slow = time.monotonic() - started - fast
    assert fast < 0.2 <= 0.3 <= slow


async def test_wait_for_requests_async(fake: FakeDashboard) -> None:
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        task = asyncio.create_task(http.get(course_path(ds.SLUG_ACTIVE, "users.json")))
        await fake.wait_for_requests_async(1, "users")
        await task
    with pytest.raises(TimeoutError, match="expected 2 users requests"):
        fake.wait_for_requests(2, "users", timeout=0.05)


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "status", "content_type"),
    [
        ("500", 500, "text/html"),
        ("503", 503, "text/html"),
        ("html", 200, "text/html"),
        ("bad_json", 200, JSON_TYPE),
        ("invalid_json", 200, JSON_TYPE),
    ],
)
def test_fail_modes(
    fake: FakeDashboard, client: httpx.Client, mode: str, status: int, content_type: str
) -> None:
    fake.fail_mode = mode
    for path in ("/user_stats.json?username=Ada_Example", course_path(ds.SLUG_ACTIVE)):
        response = client.get(path)
        assert response.status_code == status
        assert response.headers["content-type"].startswith(content_type)
        assert "retry-after" not in response.headers
    if mode == "bad_json":
        assert client.get(course_path(ds.SLUG_ACTIVE)).json() == {"unexpected": 1}
        assert client.get("/user_stats.json?username=Ada_Example").json() == []
    if mode == "invalid_json":
        with pytest.raises(ValueError):
            response.json()


@pytest.mark.parametrize("mode", ["500", "503"])
def test_retry_after(fake: FakeDashboard, client: httpx.Client, mode: str) -> None:
    fake.fail_mode, fake.retry_after = mode, 30
    assert client.get(course_path(ds.SLUG_ACTIVE)).headers["retry-after"] == "30"


def test_etag_and_304(fake: FakeDashboard, client: httpx.Client) -> None:
    path = course_path(ds.SLUG_ACTIVE)
    first = client.get(path)
    etag = first.headers["etag"]
    # Rack::ETag: W/" + the first 32 hex digits of the body's SHA-256.
    assert etag == f'W/"{hashlib.sha256(first.content).hexdigest()[:32]}"'
    assert "last-modified" not in first.headers
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    assert fake.not_modified == 1 and fake.counts["course"] == 3
    fake.set_course(ds.SLUG_ACTIVE, {**fake.dataset.courses[ds.SLUG_ACTIVE], "title": "New"})
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200
    fake.etags = False
    assert "etag" not in client.get(path).headers


@pytest.mark.parametrize("sent", ["{strong}", '{etag}, W/"x"', 'W/"x", {etag}', "*", "{etag},"])
def test_only_an_exactly_equal_if_none_match_is_304(
    fake: FakeDashboard, client: httpx.Client, sent: str
) -> None:
    """Rack::ConditionalGet compares the header with the ETag as strings: no lists, no
    `*`, no weak comparison."""
    path = course_path(ds.SLUG_TRACKING)
    etag = client.get(path).headers["etag"]
    header = sent.format(etag=etag, strong=etag.removeprefix("W/"))
    assert client.get(path, headers={"If-None-Match": header}).status_code == 200


def test_a_stats_run_changes_course_json_and_its_etag(
    fake: FakeDashboard, client: httpx.Client
) -> None:
    """course.json embeds flags.update_logs and updates.last_update: each stats run
    changes the body though no date or staff did."""
    path, roster = course_path(ds.SLUG_ACTIVE), course_path(ds.SLUG_ACTIVE, "users.json")
    before, before_roster = client.get(path), client.get(roster)
    updated = fake.update_stats()
    after, after_roster = client.get(path), client.get(roster)
    assert updated == sum(ds.STATES.index(s) < 2 or s == "undated"
                          for s in fake.dataset.states.values())  # fmt: skip
    assert before.headers["etag"] != after.headers["etag"]
    assert before_roster.headers["etag"] != after_roster.headers["etag"]
    old, new = before.json()["course"], after.json()["course"]
    assert len(new["flags"]["update_logs"]) == len(old["flags"]["update_logs"]) + 1
    assert (new["start"], new["end"], new["title"]) == (old["start"], old["end"], old["title"])
    ended = course_path(ds.SLUG_ENDED)
    etag = client.get(ended).headers["etag"]
    fake.update_stats()
    assert client.get(ended, headers={"If-None-Match": etag}).status_code == 304  # not updated


def test_stats_every_runs_on_the_fakes_clock(fake: FakeDashboard, client: httpx.Client) -> None:
    now = [time.time()]
    fake.clock = lambda: now[0]
    fake.stats_every = 3600
    path = course_path(ds.SLUG_TRACKING)
    etag = client.get(path).headers["etag"]
    now[0] += 1800
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    now[0] += 1800
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_last_modified_and_if_modified_since(fake: FakeDashboard, client: httpx.Client) -> None:
    fake.etags, fake.last_modified = False, "Wed, 01 Oct 2025 10:00:00 GMT"
    path = "/user_stats.json?username=Ada_Example"
    assert client.get(path).headers["last-modified"] == fake.last_modified
    later = {"If-Modified-Since": "Wed, 01 Oct 2025 11:00:00 GMT"}
    earlier = {"If-Modified-Since": "Wed, 01 Oct 2025 09:00:00 GMT"}
    assert client.get(path, headers=later).status_code == 304
    assert client.get(path, headers=earlier).status_code == 200


def test_errors_carry_no_validators(fake: FakeDashboard, client: httpx.Client) -> None:
    fake.fail_mode = "500"
    assert "etag" not in client.get(course_path(ds.SLUG_ACTIVE)).headers
    fake.fail_mode = None
    assert "etag" not in client.get(course_path(ds.UNKNOWN_SLUG)).headers


def test_fail_endpoints_limits_the_failure(fake: FakeDashboard, client: httpx.Client) -> None:
    fake.fail_mode, fake.fail_endpoints = "500", {"course"}
    assert client.get(course_path(ds.SLUG_ACTIVE)).status_code == 500
    assert client.get(course_path(ds.SLUG_ACTIVE, "users.json")).status_code == 200
    assert client.get("/user_stats.json?username=Ada_Example").status_code == 200


def test_bad_knob_values_are_refused(fake: FakeDashboard) -> None:
    with pytest.raises(ValueError, match="fail_mode"):
        fake.fail_mode = "timeout"
    with pytest.raises(ValueError, match="unknown endpoints"):
        fake.fail_endpoints = {"courses"}


def test_hang_lasts_until_the_knob_changes(fake: FakeDashboard, client: httpx.Client) -> None:
    fake.fail_mode = "hang"
    with pytest.raises(httpx.ReadTimeout):
        client.get(course_path(ds.SLUG_ACTIVE), timeout=0.3)
    threading.Timer(0.3, setattr, (fake, "fail_mode", None)).start()
    started = time.monotonic()
    assert client.get(course_path(ds.SLUG_ACTIVE)).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_stop_does_not_wait_for_hanging_or_slow_requests() -> None:
    fake = FakeDashboard().start()
    fake.fail_mode, fake.endpoint_latency = "hang", {"course": 30}
    for path in ("/user_stats.json?username=Ada_Example", course_path(ds.SLUG_ACTIVE)):
        threading.Thread(target=_get_quietly, args=(fake.base_url + path,), daemon=True).start()
    fake.wait_for_requests(2)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    assert fake.in_flight == 0


def _get_quietly(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server stops under it
        httpx.get(url, timeout=10)


def test_down_refuses_then_up_listens_on_the_same_port() -> None:
    with FakeDashboard() as fake:
        base_url = fake.base_url
        assert httpx.get(base_url + "/user_stats.json?username=Ada_Example").status_code == 200
        fake.down()
        assert not fake.is_up
        with pytest.raises(httpx.ConnectError):
            httpx.get(base_url + "/user_stats.json?username=Ada_Example")
        fake.up()
        assert fake.base_url == base_url
        assert httpx.get(base_url + "/user_stats.json?username=Ada_Example").status_code == 200
        assert fake.counts["user_stats"] == 2  # counters survive down/up


def test_main_module_serves_in_the_foreground() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakedash", "--port", "0", "--latency", "0.01"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        base_url = re.search(r"http://\S+", line).group(0)
        assert httpx.get(base_url + "/user_stats.json?username=Ada_Example").status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "'user_stats': 1" in output


# --- data that changes at known times (schedule / truth) -------------------------------------


def _courses_of(response: httpx.Response) -> list[tuple[str, int]]:
    return [(row["course_slug"], row["user_count"]) for row in response.json()["courses_details"]]


def test_a_scheduled_user_changes_at_the_given_instants() -> None:
    clock = {"now": 1000.0}
    with FakeDashboard() as fake:
        fake.clock = lambda: clock["now"]
        base = fake.dataset.users[ds.ADA]
        fewer = {**base, "courses_details": base["courses_details"][:1]}
        fake.schedule("user", ds.ADA, [(1010.0, fewer), (1020.0, None)])
        fake.dataset.users[ds.ADA]["max_project"] = "edited later"  # the base was copied
        url = fake.base_url + "/user_stats.json?username=Ada_Example"

        before = httpx.get(url)
        assert _courses_of(before) == _courses_of_payload(base)
        assert before.json()["max_project"] != "edited later"
        clock["now"] = 1010.0  # the instant itself already serves the new version
        assert _courses_of(httpx.get(url)) == _courses_of_payload(fewer)
        clock["now"] = 1020.5
        gone = httpx.get(url)
        assert gone.status_code == 404 and gone.json() == {"error": "User not found"}
        # Any spelling the collation finds reads the same timeline.
        assert httpx.get(fake.base_url + "/user_stats.json?username=ada_example").status_code == 404

        assert _courses_of_payload(fake.truth("user", ds.ADA, 1009.99)) == _courses_of(before)
        assert fake.truth("user", ds.ADA, 1015.0)["courses_details"] == fewer["courses_details"]
        assert fake.truth("user", ds.ADA, 5000.0) is None


def _courses_of_payload(payload: dict) -> list[tuple[str, int]]:
    return [(row["course_slug"], row["user_count"]) for row in payload["courses_details"]]


def test_a_scheduled_course_changes_its_course_json_and_etag_but_not_its_roster() -> None:
    clock = {"now": 50.0}
    with FakeDashboard() as fake:
        fake.clock = lambda: clock["now"]
        base = fake.dataset.courses[ds.SLUG_ACTIVE]
        grown = {"course": {**base["course"], "student_count": 43}}
        fake.schedule("course", ds.SLUG_ACTIVE, [(60.0, grown)])
        url = fake.base_url + course_path(ds.SLUG_ACTIVE)
        roster_url = fake.base_url + course_path(ds.SLUG_ACTIVE, "users.json")
        roster = httpx.get(roster_url).json()

        first = httpx.get(url)
        assert first.json()["course"]["student_count"] == base["course"]["student_count"]
        clock["now"] = 61.0
        second = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert second.status_code == 200  # changed: the old ETag no longer matches
        assert second.json()["course"]["student_count"] == 43
        assert "ended" in second.json()["course"]  # still rendered as the view does
        assert httpx.get(roster_url).json() == roster
        assert fake.truth("course", ds.SLUG_ACTIVE, 59.0)["course"]["student_count"] == 42


def test_schedule_refuses_unknown_kinds() -> None:
    fake = FakeDashboard()
    with pytest.raises(ValueError, match="kind"):
        fake.schedule("roster", ds.SLUG_ACTIVE, [])
