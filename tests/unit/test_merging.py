"""`dashboard=all` answers merged from each dashboard's (merging.py, pure)."""

from __future__ import annotations

from typing import Any

from outreach_helper.merging import (
    merge_active_staff,
    merge_batches,
    merge_participants,
    merge_statuses,
    merge_users,
)


def status(course_count: int, tracking: int, event: int) -> dict[str, Any]:
    return {
        "username": "Ada",
        "has_any_courses": course_count > 0,
        "has_active_tracking": tracking > 0,
        "has_active_event": event > 0,
        "course_count": course_count,
        "active_tracking_count": tracking,
        "active_event_count": event,
        "total_courses": course_count,
        "tracked_count": tracking,
    }


def test_statuses_add_up_and_keep_each_dashboards_own() -> None:
    outreach, wikiedu = status(2, 0, 0), status(1, 1, 1)
    merged = merge_statuses([("outreach", outreach), ("wikiedu", wikiedu)])
    assert merged == {
        "username": "Ada",
        "has_any_courses": True,
        "has_active_tracking": True,
        "has_active_event": True,
        "course_count": 3,
        "active_tracking_count": 1,
        "active_event_count": 1,
        "total_courses": 3,
        "tracked_count": 1,
        "dashboards": ["outreach", "wikiedu"],
        "by_dashboard": {"outreach": outreach, "wikiedu": wikiedu},
    }


def test_one_dashboards_status_is_that_status_with_its_name() -> None:
    alone = status(1, 1, 0)
    merged = merge_statuses([("wikiedu", alone)])
    assert {k: merged[k] for k in alone} == alone
    assert merged["by_dashboard"] == {"wikiedu": alone} and merged["dashboards"] == ["wikiedu"]


def user(dashboard: str, *slugs: str, instructor: bool, project: str | None) -> dict[str, Any]:
    return {
        "username": "Ada",
        "courses": [{"course_slug": slug, "dashboard": dashboard} for slug in slugs],
        "is_instructor": instructor,
        "is_student": not instructor,
        "max_project": project,
        "dashboards": [dashboard],
        "dashboard_urls": {dashboard: f"https://{dashboard}.example"},
    }


def test_users_courses_side_by_side_in_configured_order() -> None:
    merged = merge_users([
        ("outreach", user("outreach", "A/1", "A/2", instructor=True, project=None)),
        ("wikiedu", user("wikiedu", "B/1", instructor=False, project="wikipedia")),
    ])  # fmt: skip
    assert [(c["dashboard"], c["course_slug"]) for c in merged["courses"]] == [
        ("outreach", "A/1"), ("outreach", "A/2"), ("wikiedu", "B/1"),
    ]  # fmt: skip
    assert (merged["is_instructor"], merged["is_student"]) == (True, True)
    assert merged["max_project"] == "wikipedia"  # the first dashboard that says one
    assert merged["dashboards"] == ["outreach", "wikiedu"]
    assert merged["dashboard_urls"] == {
        "outreach": "https://outreach.example", "wikiedu": "https://wikiedu.example",
    }  # fmt: skip


def test_active_staff_is_everyone_once_sorted() -> None:
    def staff(dashboard: str, *people: str) -> dict[str, Any]:
        courses = [{"course_slug": f"{dashboard}/c", "staff": list(people)}]
        return {"username": "Ada", "window": "event", "all_staff": list(people),
                "courses": courses}  # fmt: skip

    merged = merge_active_staff([("a", staff("a", "Zed", "Amy")), ("b", staff("b", "Amy", "Bo"))])
    assert merged["all_staff"] == ["Amy", "Bo", "Zed"]
    assert [c["course_slug"] for c in merged["courses"]] == ["a/c", "b/c"]
    assert merged["window"] == "event" and merged["dashboards"] == ["a", "b"]


def test_participants_take_the_strongest_state_and_role() -> None:
    outreach = {"as_of": "2026-12-07T10:00:00Z", "participants": {
        "Ada": {"state": "tracking", "role": "facilitator", "courses": ["A/1"],
                "dashboards": ["outreach"]},
        "Bo": {"state": "event", "role": "editor", "courses": ["A/2"], "dashboards": ["outreach"]},
    }}  # fmt: skip
    wikiedu = {"as_of": "2026-12-07T09:30:00Z", "participants": {
        "Ada": {"state": "event", "role": "editor", "courses": ["B/1"], "dashboards": ["wikiedu"]},
        "Cy": {"state": "tracking", "role": "editor", "courses": ["B/2"],
               "dashboards": ["wikiedu"]},
    }}  # fmt: skip
    merged = merge_participants([("outreach", outreach), ("wikiedu", wikiedu)])
    assert merged["as_of"] == "2026-12-07T09:30:00Z"  # the oldest knowledge
    assert merged["participants"]["Ada"] == {
        "state": "event", "role": "facilitator", "courses": ["A/1", "B/1"],
        "dashboards": ["outreach", "wikiedu"],
    }  # fmt: skip
    assert merged["participants"]["Bo"]["dashboards"] == ["outreach"]
    assert merged["participants"]["Cy"]["dashboards"] == ["wikiedu"]
    # the parts are left as they were (they are memoised bodies' data)
    assert outreach["participants"]["Ada"]["courses"] == ["A/1"]


def item(name: str, code: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    problem = None if code == 200 else {"status": code, "detail": f"{name} {code}"}
    return {"username": name, "status": code, "result": result, "problem": problem}


def test_batches_merge_name_by_name() -> None:
    normalized = [{"from": "ada", "to": "Ada"}]
    outreach = {
        "users": [
            item("Ada", 200, status(1, 1, 0)),
            item("Bo", 404),
            item("Cy", 503),
            item("Di", 404),
            item("A<", 400),
        ],
        "normalized": normalized,
    }
    wikiedu = {"users": [item("Ada", 200, status(2, 0, 0)), item("Bo", 200, status(1, 0, 0)),
                         item("Cy", 404), item("Di", 404), item("A<", 400)],
               "normalized": normalized}  # fmt: skip
    merged = merge_batches([("outreach", outreach), ("wikiedu", wikiedu)])
    ada, bo, cy, di, bad = merged["users"]
    assert ada["status"] == 200 and ada["result"]["course_count"] == 3
    assert set(ada["result"]["by_dashboard"]) == {"outreach", "wikiedu"}
    assert bo["status"] == 200 and bo["result"]["dashboards"] == ["wikiedu"]
    # known nowhere that answered, and one dashboard failing: nothing can be said
    assert cy["status"] == 503
    assert di["status"] == 404 and bad["status"] == 400
    assert merged["normalized"] == normalized


def test_a_batch_name_known_on_one_while_another_fails_says_which_is_missing() -> None:
    outreach = {"users": [item("Ada", 200, status(1, 1, 0))], "normalized": []}
    wikiedu = {"users": [item("Ada", 504)], "normalized": []}
    (ada,) = merge_batches([("outreach", outreach), ("wikiedu", wikiedu)])["users"]
    assert ada["status"] == 200 and ada["result"]["unavailable"] == ["wikiedu"]
