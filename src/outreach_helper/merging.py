"""`dashboard=all`: one answer from the answers of each dashboard. Pure: bodies in, body out.

Each function takes the bodies of the dashboards that answered, in configured order, as
(dashboard name, body) pairs. A username is one global account, so the same person's
courses on two dashboards are simply put side by side: every course object already names
its dashboard. Counts add up (a course is on one dashboard only), flags are true when any
dashboard's is.
"""

from __future__ import annotations

from typing import Any

from outreach_helper.domain.rosters import sort_usernames

Part = tuple[str, dict[str, Any]]

# Status counts that add up over dashboards, and flags that are true when any one's is.
STATUS_COUNTS = (
    "course_count",
    "active_tracking_count",
    "active_event_count",
    "total_courses",
    "tracked_count",
)
STATUS_FLAGS = ("has_any_courses", "has_active_tracking", "has_active_event")


def _names(parts: list[Part]) -> list[str]:
    return [name for name, _ in parts]


def merge_users(parts: list[Part]) -> dict[str, Any]:
    """A user's enrollments on every dashboard that knows them, in configured order."""
    first = parts[0][1]
    return {
        "username": first["username"],
        "courses": [course for _, body in parts for course in body["courses"]],
        "is_instructor": any(body["is_instructor"] for _, body in parts),
        "is_student": any(body["is_student"] for _, body in parts),
        "max_project": next(
            (body["max_project"] for _, body in parts if body.get("max_project") is not None),
            None,
        ),
        "dashboards": _names(parts),
        "dashboard_urls": {
            name: url for _, body in parts for name, url in body["dashboard_urls"].items()
        },
    }


def merge_statuses(parts: list[Part]) -> dict[str, Any]:
    """Counts summed, flags OR-ed, and each dashboard's own status in `by_dashboard`."""
    merged: dict[str, Any] = {"username": parts[0][1]["username"]}
    for flag in STATUS_FLAGS:
        merged[flag] = any(body[flag] for _, body in parts)
    for count in STATUS_COUNTS:
        merged[count] = sum(body[count] for _, body in parts)
    merged["dashboards"] = _names(parts)
    merged["by_dashboard"] = dict(parts)
    return merged


def merge_active_staff(parts: list[Part]) -> dict[str, Any]:
    """Active courses of every dashboard, and everyone who staffs any of them."""
    first = parts[0][1]
    everyone = {person for _, body in parts for person in body["all_staff"]}
    return {
        "username": first["username"],
        "window": first["window"],
        "all_staff": sort_usernames(everyone),
        "courses": [course for _, body in parts for course in body["courses"]],
        "dashboards": _names(parts),
    }


def merge_participants(parts: list[Part]) -> dict[str, Any]:
    """Per person: `event` when any dashboard says so, `facilitator` when they facilitate
    on any, their courses and dashboards side by side; `as_of` the oldest knowledge."""
    people: dict[str, dict[str, Any]] = {}
    for _, body in parts:
        for name, part in body["participants"].items():
            known = people.get(name)
            if known is None:
                people[name] = {**part, "courses": list(part["courses"]),
                                "dashboards": list(part["dashboards"])}  # fmt: skip
                continue
            if part["state"] == "event":
                known["state"] = "event"
            if part["role"] == "facilitator":
                known["role"] = "facilitator"
            known["courses"].extend(part["courses"])
            known["dashboards"].extend(part["dashboards"])
    # The timestamps have one format ("...Z"), so the least is the oldest.
    return {"as_of": min(body["as_of"] for _, body in parts), "participants": people}


def _merge_item(items: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One name of a batch: its combined status when any dashboard knows it; else the
    first failure (nothing can be said), else the first item (404 or 400 everywhere)."""
    known = [(name, item["result"]) for name, item in items if item["status"] == 200]
    if known:
        merged = merge_statuses(known)
        failed = [name for name, item in items if item["status"] >= 500]
        if failed:
            merged["unavailable"] = failed
        return {"username": items[0][1]["username"], "status": 200, "result": merged,
                "problem": None}  # fmt: skip
    for _, item in items:
        if item["status"] >= 500:
            return item
    return items[0][1]


def merge_batches(parts: list[Part]) -> dict[str, Any]:
    """Each name's combined status. Every dashboard was sent the same normalised names,
    so the items line up one for one."""
    first = parts[0][1]
    columns = zip(*(body["users"] for _, body in parts), strict=True)
    users = [_merge_item(list(zip(_names(parts), items, strict=True))) for items in columns]
    return {"users": users, "normalized": first["normalized"]}
