"""The pure answer builders of views.py: status counts and staff of active courses."""

from __future__ import annotations

from datetime import UTC, datetime

from outreach_helper.domain.namelists import NameList
from outreach_helper.views import (
    Site,
    active_slugs,
    active_staff_view,
    batch_view,
    course_view,
    is_active,
    next_change,
    status_view,
    user_view,
)

NOW = datetime(2025, 11, 15, 12, tzinfo=UTC)
SITE = Site("outreach", "https://outreach.example", "courses_generic")
WIKIEDU = Site("wikiedu", "https://wikiedu.example", "courses")
BOTH = {
    "title": "Both",
    "start": "2025-11-01T00:00:00Z",
    "end": "2025-12-01T00:00:00Z",
    "timeline_start": "2025-11-15T00:00:00Z",
    "timeline_end": "2025-11-16T00:00:00Z",
}
TRACKING = {
    **BOTH,
    "title": "Tracking",
    "timeline_start": "2025-11-01T00:00:00Z",
    "timeline_end": "2025-11-02T00:00:00Z",
}
ENDED = {**TRACKING, "title": "Ended", "end": "2025-11-02T00:00:00Z"}
UNDATED = {"title": "Undated", "start": None, "end": None}


def record(*slugs: str) -> dict:
    return {
        "courses": [{"course_slug": s, "course_title": f"t {s}", "user_role": "Student"}
                    for s in slugs],
        "max_project": None,
    }  # fmt: skip


def test_is_active_per_window_and_unknowns_are_not_active() -> None:
    assert is_active(BOTH, "tracking", NOW) and is_active(BOTH, "event", NOW)
    assert is_active(TRACKING, "tracking", NOW) and not is_active(TRACKING, "event", NOW)
    assert not is_active(UNDATED, "tracking", NOW)
    assert not is_active(None, "tracking", NOW)


def test_status_counts_distinct_slugs() -> None:
    details = {"a": BOTH, "b": TRACKING, "c": ENDED, "d": None}
    body = status_view("Ada", record("a", "b", "a", "c", "d"), details, NOW)
    assert body == {
        "username": "Ada",
        "has_any_courses": True,
        "has_active_tracking": True,
        "has_active_event": True,
        "course_count": 4,
        "active_tracking_count": 2,
        "active_event_count": 1,
        "total_courses": 4,  # wmf-outreach's names for course_count and
        "tracked_count": 2,  # active_tracking_count
    }


def test_status_without_courses() -> None:
    body = status_view("Ada", record(), {}, NOW)
    assert not body["has_any_courses"] and body["course_count"] == 0
    assert not body["has_active_tracking"] and not body["has_active_event"]


def test_active_slugs_keep_enrollment_order() -> None:
    details = {"a": TRACKING, "b": BOTH, "c": ENDED}
    assert active_slugs(record("a", "c", "b"), details, "tracking", NOW) == ["a", "b"]
    assert active_slugs(record("a", "c", "b"), details, "event", NOW) == ["b"]


def test_active_staff_view() -> None:
    details = {"a": BOTH, "b": {**TRACKING, "title": None}, "c": ENDED}
    rosters = {
        "a": [{"username": "zed", "role": 1}, {"username": "Amy", "role": 2},
              {"username": "Pupil", "role": 0}],
        "b": [{"username": "amy", "role": 1}, {"username": "Zed", "role": 4}],
    }  # fmt: skip
    body = active_staff_view("Ada", record("a", "b", "c"), details, rosters, "tracking", NOW, SITE)
    # one-part slugs cannot be a course's page
    site = {"dashboard": "outreach", "dashboard_url": None}
    assert body == {
        "username": "Ada",
        "window": "tracking",
        "all_staff": ["Amy", "Zed"],
        "courses": [
            {"course_slug": "a", "course_title": "Both", "staff": ["Amy", "Zed"], **site},
            # no title in the details: the enrollment's title stands in
            {"course_slug": "b", "course_title": "t b", "staff": ["Amy", "Zed"], **site},
        ],
    }


def test_active_staff_with_an_unreadable_roster() -> None:
    body = active_staff_view("Ada", record("a"), {"a": BOTH}, {"a": None}, "event", NOW, SITE)
    assert body["courses"] == [{"course_slug": "a", "course_title": "Both", "staff": [],
                                "dashboard": "outreach", "dashboard_url": None}]  # fmt: skip
    assert body["all_staff"] == [] and body["window"] == "event"


def test_next_change_is_the_first_boundary_ahead() -> None:
    assert next_change([BOTH, TRACKING], NOW) == datetime(2025, 11, 16, tzinfo=UTC)
    assert next_change([BOTH], NOW, ("tracking",)) == datetime(2025, 12, 1, tzinfo=UTC)
    assert next_change([ENDED, UNDATED, None], NOW) is None
    assert next_change([], NOW) is None


def test_batch_view_items_in_order_with_invalid_names_last() -> None:
    names = NameList(
        names=["Ada", "Bob", "Cy"],
        invalid=[("A<b", "why")],
        normalized=[("ada", "Ada")],
    )
    outcomes = {
        "Ada": (200, {"username": "Ada"}),
        "Bob": (404, ("Not found", "no Bob")),
        "Cy": (503, ("Upstream unavailable", "down")),
    }
    body = batch_view(names, outcomes)
    assert [(u["username"], u["status"]) for u in body["users"]] == [
        ("Ada", 200), ("Bob", 404), ("Cy", 503), ("A<b", 400)
    ]  # fmt: skip
    assert body["users"][0] == {"username": "Ada", "status": 200,
                                "result": {"username": "Ada"}, "problem": None}  # fmt: skip
    assert body["users"][1]["problem"] == {
        "type": "about:blank", "title": "Not found", "status": 404, "detail": "no Bob"
    }  # fmt: skip
    assert body["users"][3]["problem"]["detail"] == "why"
    assert body["normalized"] == [{"from": "ada", "to": "Ada"}]


def test_ended_is_computed_when_answering_never_taken_from_the_record() -> None:
    """A course cached (with the Dashboard's `ended: false`) before its end says
    `ended: true` and `active: false` from the moment it ends, with no refetch."""
    course = {"start": "2025-11-01T00:00:00.000Z", "end": "2025-11-15T12:00:00.000Z",
              "ended": False}  # fmt: skip
    before = course_view(course, datetime(2025, 11, 15, 11, tzinfo=UTC), SITE, "S/T")
    after = course_view(course, datetime(2025, 11, 15, 13, tzinfo=UTC), SITE, "S/T")
    assert (before["ended"], before["active"]) == (False, True)
    assert (after["ended"], after["active"]) == (True, False)
    assert course_view({"end": None}, NOW, SITE, "S/T")["ended"] is None


def test_human_counts_are_text_with_an_approximate_number() -> None:
    body = course_view({"edit_count": "6.44K", "word_count": "2Q", "view_count": 873,
                        "references_count": "n/a"}, NOW, SITE, "S/T")  # fmt: skip
    assert (body["edit_count"], body["edit_count_approx"]) == ("6.44K", 6440)
    assert (body["word_count"], body["word_count_approx"]) == ("2Q", 2 * 10**15)
    assert (body["view_count"], body["view_count_approx"]) == ("873", 873)  # an old entry
    assert (body["references_count"], body["references_count_approx"]) == (None, None)


def test_user_role_is_named_one_way() -> None:
    data = {"courses": [{"course_slug": "a", "user_role": "Facilitator"},
                        {"course_slug": "b", "user_role": "Editor"},
                        {"course_slug": "c", "user_role": "Instructor"}],
            "max_project": None}  # fmt: skip
    body = user_view("Ada", data, NOW, SITE)
    assert [c["user_role"] for c in body["courses"]] == ["Instructor", "Student", "Instructor"]
    assert (body["is_instructor"], body["is_student"]) == (True, True)


def test_each_course_names_its_dashboard_and_its_own_words() -> None:
    """`role_name` is in the course's words: its details' `string_prefix` when the answer
    has them, else the dashboard's own (Wiki Education: classroom words)."""
    data = {"courses": [{"course_slug": "School/Course_1", "user_role": "Student"},
                        {"course_slug": "School/Course_2", "user_role": "Instructor"},
                        {"course_slug": "School/Course_3", "user_role": "Wiki Education Staff"}],
            "max_project": None}  # fmt: skip
    plain = user_view("Ada", data, NOW, SITE)
    assert [c["role_name"] for c in plain["courses"]] == [
        "Editor", "Facilitator", "Wiki Education Staff",
    ]  # fmt: skip
    assert {c["string_prefix"] for c in plain["courses"]} == {"courses_generic"}
    assert plain["courses"][0]["dashboard"] == "outreach"
    assert plain["courses"][0]["dashboard_url"] == (
        "https://outreach.example/courses/School/Course_1"
    )
    assert (plain["dashboards"], plain["dashboard_urls"]) == (
        ["outreach"], {"outreach": "https://outreach.example"},
    )  # fmt: skip
    classroom = {
        "School/Course_1": ({**BOTH, "string_prefix": "courses"}, None),
        "School/Course_2": ({**BOTH, "string_prefix": "courses_generic"}, None),
    }
    enriched = user_view("Ada", data, NOW, WIKIEDU, classroom)
    assert [(c["string_prefix"], c["role_name"]) for c in enriched["courses"]] == [
        ("courses", "Student"), ("courses_generic", "Facilitator"),
        ("courses", "Wiki Education Staff"),  # no details: Wiki Education's own words
    ]  # fmt: skip
    assert enriched["courses"][2]["dashboard"] == "wikiedu"


def test_site_links_are_encoded_like_the_dashboards_routes() -> None:
    assert SITE.course_url("Wiki Club/Edit-a-thon?2025") == (
        "https://outreach.example/courses/Wiki_Club/Edit-a-thon%3F2025"
    )
    assert SITE.course_url("no slash") is None
    assert SITE.user_url("Zoë Müller") == "https://outreach.example/users/Zo%C3%AB%20M%C3%BCller"
