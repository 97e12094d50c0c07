"""The fields the wmf-outreach gadget reads (github bovlb/wmf-outreach,
`static/outreach-staff-gadget.js`), so that wikis running it can point it at this service.

That gadget cannot be vendored; the lists below are what its code reads from each answer
(checked by hand against its source, commit 738c3d7). Its own names `total_courses`,
`tracked_count` and `active_tracking` are documented aliases of ours, with the same values.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from tests.fakedash import dataset as d

# status: tooltip ("N course(s)") and the all-courses view
STATUS_FIELDS = {
    "has_any_courses": bool,
    "has_active_event": bool,
    "has_active_tracking": bool,
    "active_event_count": int,
    "tracked_count": int,
    "total_courses": int,
}
# ?enrich=true: sorting, badges ("● Active", "○ Tracking") and the meta line
ENRICHED_FIELDS = ("course_slug", "course_title", "course_term", "user_count", "user_role",
                   "active_event", "active_tracking", "timeline_end", "end")  # fmt: skip
# /active-staff: whether to show the tab, and the staff lists
STAFF_FIELDS = ("username", "all_staff", "courses")
STAFF_COURSE_FIELDS = ("course_slug", "course_title", "staff")


async def get(client: httpx.AsyncClient, path: str) -> dict:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def test_status_has_the_names_wmf_outreach_reads(client: httpx.AsyncClient) -> None:
    for username, courses, tracking in [(d.ADA, 2, 2), (d.MARC, 3, 2), (d.PAST, 1, 0)]:
        body = await get(client, f"/api/users/{quote(username)}/status")
        for name, kind in STATUS_FIELDS.items():
            assert type(body.get(name)) is kind, (username, name, body)
        assert body["total_courses"] == body["course_count"] == courses
        assert body["tracked_count"] == body["active_tracking_count"] == tracking


async def test_enriched_courses_have_active_tracking(client: httpx.AsyncClient) -> None:
    body = await get(client, f"/api/users/{quote(d.MARC)}?enrich=true")
    seen = set()
    for course in body["courses"]:
        assert set(ENRICHED_FIELDS) <= course.keys(), course
        assert course["active_tracking"] is course["active"]
        seen.add(course["active_tracking"])
    assert seen == {True, False}  # Marc has active and ended courses: both values occur


async def test_active_staff_has_what_wmf_outreach_reads(client: httpx.AsyncClient) -> None:
    body = await get(client, f"/api/users/{quote(d.ADA)}/active-staff")
    assert set(STAFF_FIELDS) <= body.keys()
    assert body["all_staff"] and body["courses"]
    for course in body["courses"]:
        assert set(STAFF_COURSE_FIELDS) <= course.keys()
