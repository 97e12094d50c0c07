"""The fake Dashboard's bulk endpoints, over its real HTTP server: the Rails views' fields,
private courses where the views put them, roles as they give them, ETags, counts, faults,
and every mutation showing in every list. Also the demo's transport and the large world."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import orjson
import pytest

from outreach_helper.dashboard.all_courses import AllCoursesTrimmer, BadCourseList, CourseList
from outreach_helper.demo import rails
from outreach_helper.demo.upstream import demo_transport
from tests.fakedash import dataset as ds
from tests.fakedash.dataset import build_dataset, build_large_world
from tests.fakedash.server import FakeDashboard

ALL_COURSES_KEYS = [
    "id", "slug", "title", "institution", "term", "created_at", "start", "end", "home_wiki",
    "tracked_wikis", "facilitators", "editors", "campaign_slugs",
]  # fmt: skip
LIST_KEYS = [
    "id", "title", "slug", "description", "school", "term", "word_count",
    "recent_revision_count", "references_count", "view_sum", "user_count",
    "average_word_count", "trained_count", "human_references_count", "human_word_count",
    "human_view_sum", "creation_date", "instructor", "human_average_word_count",
]  # fmt: skip
BULK_PATHS = {
    "all_courses": "/all_courses.json",
    "campaign_users": f"/campaigns/{ds.CAMPAIGN_OUTREACH}/users.json",
    "campaign_active_courses": f"/campaigns/{ds.CAMPAIGN_OUTREACH}/active_courses.json",
    "courses_by_wiki": "/courses_by_wiki/en.wikipedia.org.json",
    "active_courses": "/active_courses.json",
}


@pytest.fixture
def fake() -> Iterator[FakeDashboard]:
    """A fresh fake (and dataset) per test: these tests change the data."""
    with FakeDashboard() as server:
        yield server


@pytest.fixture
def client(fake: FakeDashboard) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5) as http:
        yield http


def listed(client: httpx.Client) -> dict[str, dict]:
    response = client.get("/all_courses.json")
    assert response.status_code == 200
    return {item["slug"]: item for item in response.json()["all_courses"]}


def trimmed(client: httpx.Client, now: datetime, path: str = "/all_courses.json") -> CourseList:
    """The answer streamed into the trimmer in the chunks the socket gives."""
    trimmer = AllCoursesTrimmer(now=now, lookahead=timedelta(hours=1))
    with client.stream("GET", path) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            trimmer.feed(chunk)
    return trimmer.finish()


def campaign_rows(client: httpx.Client, campaign: str = ds.CAMPAIGN_OUTREACH) -> list[tuple]:
    response = client.get(f"/campaigns/{campaign}/users.json")
    assert response.status_code == 200
    return [(r["course"], r["role"], r["username"]) for r in response.json()["users"]]


# --- all_courses.json ------------------------------------------------------------------------


def test_all_courses_has_the_views_fields_and_leaves_private_courses_out(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    response = client.get("/all_courses.json")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    items = response.json()["all_courses"]
    assert all(list(item) == ALL_COURSES_KEYS for item in items)
    slugs = [item["slug"] for item in items]
    assert ds.SLUG_PRIVATE not in slugs
    assert sorted(slugs) == sorted(fake.dataset.public_slugs)
    ids = [item["id"] for item in items]
    assert ids == sorted(ids)  # no ORDER BY: the primary key's order
    active = {item["slug"]: item for item in items}[ds.SLUG_ACTIVE]
    course = fake.dataset.course(ds.SLUG_ACTIVE)
    assert active["institution"] == course["school"] and active["term"] == "November"
    assert (active["start"], active["end"]) == (course["start"], course["end"])
    assert active["home_wiki"] == "www.wikidata.org"
    assert active["tracked_wikis"] == ["www.wikidata.org", "yo.wikipedia.org"]
    assert active["campaign_slugs"] == [ds.CAMPAIGN_OUTREACH]


def test_all_courses_names_roles_one_and_zero_only(client: httpx.Client) -> None:
    items = listed(client)
    active = items[ds.SLUG_ACTIVE]
    # Ada is there twice (Instructor, then Student): one name per enrollment row.
    assert active["facilitators"] == [ds.ADA]
    assert active["editors"] == [ds.ADA, ds.ZOE, "O'Brien Test", ds.NGOZI]
    assert ds.CHIDI not in active["facilitators"] + active["editors"]  # role 2
    future = items[ds.SLUG_FUTURE]
    assert (future["facilitators"], future["editors"]) == ([], [ds.ANA])  # Staffer is role 4
    assert items[ds.SLUG_UNDATED]["facilitators"] == []  # Staffer is role 3 there
    # Ended courses are listed too: no date filter.
    assert items[ds.SLUG_ENDED]["facilitators"] == [ds.CHIDI]


def test_all_courses_streams_into_the_trimmer(client: httpx.Client, fake: FakeDashboard) -> None:
    now = datetime.now(UTC)
    result = trimmed(client, now)
    expected = [s for s in listed(client) if fake.dataset.is_active(s, now)]
    assert [c.slug for c in result.courses] == expected
    assert result.listed == len(fake.dataset.public_slugs) and result.skipped == 0
    by_slug = {c.slug: c for c in result.courses}
    assert by_slug[ds.SLUG_ACTIVE].facilitators == (ds.ADA,)
    assert by_slug[ds.SLUG_ACTIVE].editors == tuple(sorted([ds.ADA, ds.ZOE, ds.OBRIEN, ds.NGOZI]))


def test_admins_would_see_private_courses() -> None:
    data = build_dataset()
    slugs = {item["slug"] for item in rails.all_courses(data, admin=True)["all_courses"]}
    assert ds.SLUG_PRIVATE in slugs and len(slugs) == len(data.courses)


# --- campaigns/{slug}/users.json ----------------------------------------------------------------


def test_campaign_users_lists_every_role_as_a_string(client: httpx.Client) -> None:
    response = client.get(f"/campaigns/{ds.CAMPAIGN_OUTREACH}/users.json")
    body = response.json()
    assert list(body) == ["campaign", "users"] and body["campaign"] == ds.CAMPAIGN_OUTREACH
    assert all(list(row) == ["course", "role", "username"] for row in body["users"])
    rows = campaign_rows(client)
    assert rows[:3] == [
        (ds.SLUG_ACTIVE, "Facilitator", ds.ADA),
        (ds.SLUG_ACTIVE, "Editor", ds.ADA),
        (ds.SLUG_ACTIVE, "Campus Volunteer", ds.CHIDI),
    ]
    assert (ds.SLUG_ENDED, "Editor", ds.PAST) in rows  # whatever the dates
    # SLUG_PRIVATE is in the campaign too, and left out.
    public = {ds.SLUG_ACTIVE, ds.SLUG_TRACKING, ds.SLUG_ENDED, ds.SLUG_AMPERSAND}
    assert {course for course, _, _ in rows} == public
    assert {role for _, role, _ in rows} == {"Facilitator", "Editor", "Campus Volunteer"}


def test_campaign_users_has_the_online_volunteer_and_staff_strings(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    fake.set_campaign("staffers", [ds.SLUG_FUTURE, ds.SLUG_UNDATED])
    assert campaign_rows(client, "staffers") == [
        (ds.SLUG_FUTURE, "Wiki Education Staff", ds.STAFFER),
        (ds.SLUG_FUTURE, "Editor", ds.ANA),
        (ds.SLUG_UNDATED, "Online Volunteer", ds.STAFFER),
        (ds.SLUG_UNDATED, "Editor", ds.MARC),
    ]


def test_an_unknown_campaign_is_a_json_404_and_slugs_ignore_case(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    response = client.get(f"/campaigns/{ds.UNKNOWN_CAMPAIGN}/users.json")
    assert response.status_code == 404
    assert response.json() == {"message": "Campaign does not exist"}
    assert campaign_rows(client, ds.CAMPAIGN_OUTREACH.upper()) == campaign_rows(client)
    fake.set_campaign(ds.CAMPAIGN_DECADE, None)
    assert client.get(f"/campaigns/{ds.CAMPAIGN_DECADE}/users.json").status_code == 404
    assert fake.counts["campaign_users"] == 4


# --- courses_by_wiki and active_courses ---------------------------------------------------------


def test_courses_by_wiki_includes_private_courses_and_has_no_dates_or_people(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    body = client.get("/courses_by_wiki/en.wikipedia.org.json").json()
    assert list(body) == ["courses", "statistics", "wiki_domain"]
    assert body["wiki_domain"] == "en.wikipedia.org"
    courses = body["courses"]
    assert all(list(item) == LIST_KEYS for item in courses)
    slugs = [item["slug"] for item in courses]
    assert ds.SLUG_PRIVATE in slugs and ds.SLUG_ACTIVE not in slugs  # that one is wikidata's
    ids = [item["id"] for item in courses]
    assert ids == sorted(ids, reverse=True)
    amp = next(item for item in courses if item["slug"] == ds.SLUG_AMPERSAND)
    assert amp["instructor"] == ds.OBRIEN and amp["user_count"] == 6440
    assert amp["human_references_count"] == "6.44K"
    assert body["statistics"]["courses_count"] == str(len(courses))
    # `(.org)` is optional; multilingual projects; the same answer without the suffix.
    assert client.get("/courses_by_wiki/en.wikipedia.json").json() == body
    wikidata = client.get("/courses_by_wiki/www.wikidata.org.json").json()
    assert [c["slug"] for c in wikidata["courses"]] == [ds.SLUG_ACTIVE]
    assert wikidata["wiki_domain"] == "www.wikidata.org"
    assert fake.counts["courses_by_wiki"] == 3 and fake.created_wikis == []


def test_courses_by_wiki_year_filters_on_created_at(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    course = fake.dataset.course(ds.SLUG_AMPERSAND)
    year = int(course["created_at"][:4])
    this_year = client.get(f"/courses_by_wiki/en.wikipedia.json?year={year}").json()
    assert ds.SLUG_AMPERSAND in [c["slug"] for c in this_year["courses"]]
    other = client.get(f"/courses_by_wiki/en.wikipedia.json?year={year - 5}").json()
    assert other["courses"] == []


def test_asking_for_an_unknown_wiki_creates_it(client: httpx.Client, fake: FakeDashboard) -> None:
    response = client.get("/courses_by_wiki/xx.wikivoyage.org.json")
    assert response.status_code == 200 and response.json()["courses"] == []
    assert fake.created_wikis == ["xx.wikivoyage"]
    assert client.get("/courses_by_wiki/en.notawiki.org.json").status_code == 500
    assert fake.created_wikis == ["xx.wikivoyage"]


def test_active_courses_lists_only_courses_ending_within_three_days(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    now = datetime.now(UTC)
    assert client.get("/active_courses.json").json() == {"courses": []}  # none ends so soon
    fake.set_dates(ds.SLUG_TRACKING, end=now + timedelta(days=2))
    fake.set_dates(ds.SLUG_PRIVATE, end=now + timedelta(days=1))
    fake.set_dates(ds.SLUG_FUTURE, end=now + timedelta(days=1))  # not started: left out
    courses = client.get("/active_courses.json").json()["courses"]
    assert all(list(item) == LIST_KEYS for item in courses)
    # Private courses are not filtered out of this one.
    assert sorted(c["slug"] for c in courses) == sorted([ds.SLUG_TRACKING, ds.SLUG_PRIVATE])
    assert next(c for c in courses if c["slug"] == ds.SLUG_TRACKING)["instructor"] == ds.ELODIE


def test_campaign_active_courses_keeps_recent_and_future_public_courses(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    fake.set_campaign("mixed", [ds.SLUG_ACTIVE, ds.SLUG_ENDED, ds.SLUG_FUTURE, ds.SLUG_PRIVATE])
    courses = client.get("/campaigns/mixed/active_courses.json").json()["courses"]
    assert sorted(c["slug"] for c in courses) == sorted([ds.SLUG_ACTIVE, ds.SLUG_FUTURE])
    fake.set_dates(ds.SLUG_ENDED, end=datetime.now(UTC) - timedelta(days=29))
    courses = client.get("/campaigns/mixed/active_courses.json").json()["courses"]
    assert ds.SLUG_ENDED in [c["slug"] for c in courses]  # ended, but within UPDATE_LENGTH


# --- validators, counts, faults -------------------------------------------------------------


@pytest.mark.parametrize("endpoint", sorted(BULK_PATHS))
def test_weak_etags_and_304_like_rails(
    client: httpx.Client, fake: FakeDashboard, endpoint: str
) -> None:
    path = BULK_PATHS[endpoint]
    first = client.get(path)
    etag = first.headers["etag"]
    assert etag == rails.etag(first.content) and etag.startswith('W/"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert client.get(path, headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 200
    assert fake.counts[endpoint] == 3
    assert fake.not_modified_by_endpoint[endpoint] == 1
    assert fake.bytes_not_sent[endpoint] == len(first.content)
    assert [r.endpoint for r in fake.requests] == [endpoint] * 3


def test_a_mutation_changes_the_etag(client: httpx.Client, fake: FakeDashboard) -> None:
    etag = client.get("/all_courses.json").headers["etag"]
    fake.enroll(ds.SLUG_ACTIVE, "Newcomer Person")
    changed = client.get("/all_courses.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_latency_and_failures_apply_to_bulk_endpoints(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    fake.endpoint_latency = {"all_courses": 0.3}
    started = datetime.now(UTC)
    assert client.get("/all_courses.json").status_code == 200
    assert datetime.now(UTC) - started >= timedelta(seconds=0.3)
    fake.endpoint_latency = {}
    fake.fail_mode = "503"
    fake.fail_endpoints = {"all_courses", "campaign_users"}
    assert client.get("/all_courses.json").status_code == 503
    assert client.get(BULK_PATHS["campaign_users"]).status_code == 503
    assert client.get(BULK_PATHS["active_courses"]).status_code == 200
    assert client.get(f"/courses/{quote(ds.SLUG_ACTIVE)}/course.json").status_code == 200
    fake.fail_mode = "hang"
    with pytest.raises(httpx.ReadTimeout):
        client.get("/all_courses.json", timeout=0.3)


@pytest.mark.parametrize(
    ("mode", "match"),
    [
        ("truncated", "incomplete"),
        ("malformed", "not valid JSON"),
        ("invalid_json", "incomplete|not \\{"),
        ("bad_json", "not \\{"),
        ("empty", "lists no course"),
    ],
)
def test_all_courses_can_answer_truncated_malformed_wrong_or_empty(
    client: httpx.Client, fake: FakeDashboard, mode: str, match: str
) -> None:
    whole = client.get("/all_courses.json").content
    fake.fail_mode = mode
    fake.fail_endpoints = {"all_courses"}
    response = client.get("/all_courses.json")
    assert response.status_code == 200
    if mode in ("truncated", "malformed", "empty"):  # the real answer, spoiled: validated too
        assert response.headers["etag"] == rails.etag(response.content)
    if mode == "truncated":
        assert response.content == whole[: len(whole) // 2]
    if mode == "malformed":
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(response.content)
    with pytest.raises(BadCourseList, match=match):
        trimmed(client, datetime.now(UTC))
    # Only the endpoint asked for: the others answer as usual.
    assert client.get(BULK_PATHS["campaign_users"]).json()["users"]


# --- mutations ---------------------------------------------------------------------------------


def test_enroll_shows_everywhere(client: httpx.Client, fake: FakeDashboard) -> None:
    name = "Brand New Editor"
    assert client.get("/user_stats.json", params={"username": name}).status_code == 404
    fake.enroll(ds.SLUG_ACTIVE, name, 0)
    fake.enroll(ds.SLUG_ACTIVE, ds.ZOE, 1)  # a second row, as facilitator
    item = listed(client)[ds.SLUG_ACTIVE]
    assert item["editors"][-1] == name and item["facilitators"] == [ds.ADA, ds.ZOE]
    rows = campaign_rows(client)
    assert (ds.SLUG_ACTIVE, "Editor", name) in rows
    assert (ds.SLUG_ACTIVE, "Facilitator", ds.ZOE) in rows
    roster = client.get(f"/courses/{quote(ds.SLUG_ACTIVE)}/users.json").json()["course"]["users"]
    assert [r["role"] for r in roster if r["username"] == ds.ZOE] == [0, 1]
    zoe_ids = {(r["id"], r["global_id"]) for r in roster if r["username"] == ds.ZOE}
    assert len(zoe_ids) == 1  # the user's own ids on both rows
    stats = client.get("/user_stats.json", params={"username": name}).json()
    assert [(d["course_slug"], d["user_role"]) for d in stats["courses_details"]] == [
        (ds.SLUG_ACTIVE, "Student")
    ]
    assert stats["as_student"]["individual_courses_count"] == 1
    zoe = client.get("/user_stats.json", params={"username": ds.ZOE}).json()
    assert zoe["courses_details"][0]["user_role"] == "Instructor" and "as_instructor" in zoe


def test_enroll_in_a_private_course_stays_out_of_public_lists(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    fake.enroll(ds.SLUG_PRIVATE, "Hidden Person")
    assert ds.SLUG_PRIVATE not in listed(client)
    assert "Hidden Person" not in {u for _, _, u in campaign_rows(client)}
    assert client.get("/user_stats.json", params={"username": "Hidden Person"}).status_code == 404


def test_unenroll_shows_everywhere(client: httpx.Client, fake: FakeDashboard) -> None:
    assert fake.unenroll(ds.SLUG_ACTIVE, ds.ADA, 1) == 1
    item = listed(client)[ds.SLUG_ACTIVE]
    assert item["facilitators"] == [] and ds.ADA in item["editors"]
    assert (ds.SLUG_ACTIVE, "Facilitator", ds.ADA) not in campaign_rows(client)
    assert fake.unenroll(ds.SLUG_ACTIVE, ds.ZOE) == 1
    assert ds.ZOE not in listed(client)[ds.SLUG_ACTIVE]["editors"]
    zoe = client.get("/user_stats.json", params={"username": ds.ZOE}).json()
    assert zoe["courses_details"] == []
    assert fake.unenroll(ds.SLUG_ACTIVE, ds.ZOE) == 0


def test_changed_dates_show_in_all_courses_and_the_trimmer(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    now = datetime.now(UTC)
    assert ds.SLUG_ACTIVE in [c.slug for c in trimmed(client, now).courses]
    fake.set_dates(ds.SLUG_ACTIVE, end=now - timedelta(days=1))
    item = listed(client)[ds.SLUG_ACTIVE]
    assert item["end"] == fake.dataset.course(ds.SLUG_ACTIVE)["end"]
    assert datetime.fromisoformat(item["end"]) < now
    assert client.get(f"/courses/{quote(ds.SLUG_ACTIVE)}/course.json").json()["course"]["ended"]
    assert ds.SLUG_ACTIVE not in [c.slug for c in trimmed(client, now).courses]
    # Null and impossible dates are served as set: the trimmer skips and counts them.
    fake.set_dates(ds.SLUG_TRACKING, start=None)
    fake.set_dates(ds.SLUG_AMPERSAND, start="2026-13-45", end="soon")
    assert listed(client)[ds.SLUG_TRACKING]["start"] is None
    result = trimmed(client, now)
    assert result.skipped == 2
    assert {ds.SLUG_TRACKING, ds.SLUG_AMPERSAND}.isdisjoint(c.slug for c in result.courses)


def test_private_and_public_again(client: httpx.Client, fake: FakeDashboard) -> None:
    fake.set_private(ds.SLUG_AMPERSAND)
    assert ds.SLUG_AMPERSAND not in listed(client)
    assert ds.SLUG_AMPERSAND not in {c for c, _, _ in campaign_rows(client)}
    by_wiki = client.get("/courses_by_wiki/en.wikipedia.json").json()["courses"]
    assert ds.SLUG_AMPERSAND in [c["slug"] for c in by_wiki]  # private ones included
    assert client.get(f"/courses/{quote(ds.SLUG_AMPERSAND)}/course.json").status_code == 404
    fake.set_private(ds.SLUG_AMPERSAND, False)
    assert ds.SLUG_AMPERSAND in listed(client)
    assert ds.SLUG_AMPERSAND in {c for c, _, _ in campaign_rows(client)}


def test_set_course_adds_and_removes_listed_courses(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    payload = orjson.loads(orjson.dumps(fake.dataset.courses[ds.SLUG_ACTIVE]))
    new_slug = "New_School/New_Course_(Now)"
    payload["course"].update(slug=new_slug, id=99999, title="New Course")
    roster = {"course": {"users": [dict(fake.dataset.roster(ds.SLUG_ACTIVE)[0], role=1)]}}
    fake.set_course(new_slug, payload, roster)
    item = listed(client)[new_slug]
    assert (item["id"], item["facilitators"]) == (99999, [ds.ADA])
    fake.set_course(new_slug, None)
    assert new_slug not in listed(client)


# --- the demo and the large world --------------------------------------------------------------


def test_the_demo_serves_the_same_views_with_etags() -> None:
    data = build_dataset()
    with FakeDashboard(data) as fake, httpx.Client(base_url=fake.base_url) as http:
        demo = httpx.Client(transport=demo_transport(data), base_url="http://demo.invalid")
        for endpoint, path in BULK_PATHS.items():
            if endpoint == "active_courses":
                continue  # "now" differs by the time between the two requests
            assert demo.get(path).json() == http.get(path).json(), path
        first = demo.get("/all_courses.json")
        etag = first.headers["etag"]
        assert etag == rails.etag(first.content)
        assert demo.get("/all_courses.json", headers={"If-None-Match": etag}).status_code == 304
        data.enroll(ds.SLUG_ACTIVE, "Demo Newcomer")  # the demo's data is the dataset itself
        changed = demo.get("/all_courses.json", headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert "Demo Newcomer" in {
            name for item in changed.json()["all_courses"] for name in item["editors"]
        }
        assert demo.get(f"/campaigns/{ds.UNKNOWN_CAMPAIGN}/users.json").status_code == 404


def test_the_large_world_is_seeded_and_served() -> None:
    kwargs = dict(courses=300, people=1200, enrollments=1500, current=12, future=3, seed=7)
    now = datetime.now(UTC)
    world = build_large_world(now=now, **kwargs)
    assert rails.all_courses(build_large_world(now=now, **kwargs)) == rails.all_courses(world)
    assert rails.all_courses(build_large_world(now=now, **{**kwargs, "seed": 8})) != (
        rails.all_courses(world)
    )
    states = list(world.states.values())
    assert (len(states), states.count("future"), states.count("ended")) == (300, 3, 285)
    rows = [r for roster in world.rosters.values() for r in roster["course"]["users"]]
    assert len(rows) == 1500
    assert len({r["username"] for r in rows}) <= 1200
    with FakeDashboard(world) as fake, httpx.Client(base_url=fake.base_url, timeout=10) as http:
        result = trimmed(http, now)
        current = sorted(s for s, state in world.states.items() if state.startswith("active"))
        assert sorted(c.slug for c in result.courses) == current
        assert result.listed == 300
        slug = current[0]
        roster = http.get(f"/courses/{quote(slug)}/users.json").json()["course"]["users"]
        assert [r["role"] for r in roster].count(1) == 1
        course = http.get(f"/courses/{quote(slug)}/course.json").json()["course"]
        assert course["slug"] == slug and course["ended"] is False
        person = roster[-1]["username"]
        stats = http.get("/user_stats.json", params={"username": person}).json()
        assert slug in [d["course_slug"] for d in stats["courses_details"]]
        # Case-insensitive lookups stay exact at this size (the collation index).
        upper = http.get("/user_stats.json", params={"username": person.upper()})
        assert upper.json() == stats
        enrolled = {r["username"] for r in rows}
        nobody = next(f"{n}" for n in (f"Nobody {k}" for k in range(5)) if n not in enrolled)
        assert http.get("/user_stats.json", params={"username": nobody}).status_code == 404
        fake.enroll(slug, nobody)
        assert http.get("/user_stats.json", params={"username": nobody}).status_code == 200
        assert nobody in next(c for c in trimmed(http, now).courses if c.slug == slug).editors
