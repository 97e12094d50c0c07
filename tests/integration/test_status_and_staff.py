"""`/status` and `/active-staff`, the two calls a gadget makes on a user page."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from outreach_helper.api.models import ActiveStaffAnswer, StatusAnswer
from tests.fakedash import dataset as d
from tests.fakedash.server import ENDPOINTS, FakeDashboard


async def status_of(client: httpx.AsyncClient, username: str) -> dict:
    response = await client.get(f"/api/users/{quote(username)}/status")
    assert response.status_code == 200, response.text
    return StatusAnswer.model_validate(response.json()).model_dump(exclude_unset=True)


async def staff_of(client: httpx.AsyncClient, username: str, query: str = "") -> dict:
    response = await client.get(f"/api/users/{quote(username)}/active-staff{query}")
    assert response.status_code == 200, response.text
    body = ActiveStaffAnswer.model_validate(response.json()).model_dump(exclude_unset=True)
    # Every course names its dashboard and links to its page there; the tests below
    # compare the rest.
    for course in body["courses"]:
        assert course.pop("dashboard") == "outreach"
        school, title = course["course_slug"].split("/")
        assert course.pop("dashboard_url").endswith(
            f"/courses/{quote(school, safe='')}/{quote(title, safe='')}"
        )
    return body


# --- status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "courses", "tracking", "event"),
    [
        (d.ADA, 2, 2, 1),  # ACTIVE (both windows), TRACKING (tracking only)
        (d.MARC, 3, 2, 0),  # UNDATED (no event dates), TRACKING, ENDED
        (d.STAFFER, 2, 1, 0),  # FUTURE, UNDATED; PRIVATE is not listed upstream
        (d.OBRIEN, 2, 2, 2),  # ACTIVE, AMPERSAND twice: counted once
        (d.FORTY, 40, 20, 10),  # the state cycle: 10 of each state
    ],
)
async def test_status_counts_distinct_courses_and_active_ones(
    client: httpx.AsyncClient, username: str, courses: int, tracking: int, event: int
) -> None:
    body = await status_of(client, username)
    assert body == {
        "username": username,
        "has_any_courses": True,
        "has_active_tracking": tracking > 0,
        "has_active_event": event > 0,
        "course_count": courses,
        "active_tracking_count": tracking,
        "active_event_count": event,
        "total_courses": courses,
        "tracked_count": tracking,
    }


async def test_status_of_a_user_without_courses(client: httpx.AsyncClient) -> None:
    body = await status_of(client, d.NOBODY)
    assert body["has_any_courses"] is False and body["course_count"] == 0
    assert not body["has_active_tracking"] and not body["has_active_event"]


async def test_status_reads_details_but_never_rosters(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    await status_of(client, d.ADA)
    assert fake.counts == {**dict.fromkeys(ENDPOINTS, 0), "user_stats": 1, "course": 2}
    await status_of(client, "ada_Example")
    assert fake.total == 3


async def test_status_counts_an_unreadable_course_as_not_active(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.fail_mode, fake.fail_endpoints = "500", {"course"}
    body = await status_of(client, d.ADA)
    assert body["course_count"] == 2
    assert body["active_tracking_count"] == 0 and body["active_event_count"] == 0


async def test_status_of_an_unknown_user_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/users/{quote(d.UNKNOWN_USER)}/status")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


# --- active staff --------------------------------------------------------------------


async def test_active_staff_in_the_tracking_window_by_default(client: httpx.AsyncClient) -> None:
    body = await staff_of(client, "Ada_Example")
    assert body["username"] == d.ADA and body["window"] == "tracking"
    assert body["courses"] == [
        {"course_slug": d.SLUG_ACTIVE, "course_title": "Wikidata Days 2025",
         "staff": [d.ADA, d.CHIDI]},
        {"course_slug": d.SLUG_TRACKING, "course_title": "Art+Feminism Édit-a-thon",
         "staff": [d.ELODIE]},
    ]  # fmt: skip
    assert body["all_staff"] == [d.ADA, d.CHIDI, d.ELODIE]


@pytest.mark.parametrize("flag", ["true", "1"])
async def test_active_staff_in_the_event_window(client: httpx.AsyncClient, flag: str) -> None:
    body = await staff_of(client, d.ADA, f"?use_event_dates={flag}")
    assert body["window"] == "event"
    assert [c["course_slug"] for c in body["courses"]] == [d.SLUG_ACTIVE]
    assert body["all_staff"] == [d.ADA, d.CHIDI]


async def test_active_staff_fetches_rosters_of_active_courses_only(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    body = await staff_of(client, d.MARC)  # UNDATED and TRACKING active, ENDED not
    assert [c["course_slug"] for c in body["courses"]] == [d.SLUG_UNDATED, d.SLUG_TRACKING]
    assert body["all_staff"] == [d.STAFFER, d.ELODIE]  # case-folded code point order
    assert fake.counts["course"] == 3 and fake.counts["users"] == 2
    assert d.SLUG_ENDED not in {r.target for r in fake.requests_for("users")}


async def test_active_staff_when_no_course_has_staff_or_none_is_active(
    client: httpx.AsyncClient,
) -> None:
    ten = await staff_of(client, d.TEN)
    assert len(ten["courses"]) == 6  # sessions 1, 2, 5, 6, 9, 10
    assert all(c["staff"] == [] for c in ten["courses"]) and ten["all_staff"] == []
    nobody = await staff_of(client, d.NOBODY, "?use_event_dates=true")
    assert nobody == {"username": d.NOBODY, "window": "event", "all_staff": [], "courses": []}


async def test_active_staff_lists_a_course_whose_roster_fails_with_no_staff(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    """Zoë is confirmed by her upload, so her user entry needs no roster."""
    fake.fail_mode, fake.fail_endpoints = "500", {"users"}
    body = await staff_of(client, d.ZOE)
    assert body["courses"] == [
        {"course_slug": d.SLUG_ACTIVE, "course_title": "Wikidata Days 2025", "staff": []}
    ]


async def test_active_staff_of_an_unknown_user_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/Does_Not_Exist/active-staff")
    assert response.status_code == 404
