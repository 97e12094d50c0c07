"""The rules of /api/participants: who counts now, in which state and role."""

from __future__ import annotations

import math

from outreach_helper.domain.participation import Index, build_index, next_change, participation

DAY = 86400.0
NOW = 1_800_000_000.0
# slug, start, end, event start, event end
RUNNING = ("S/Running", NOW - 10 * DAY, NOW + 10 * DAY, NOW - DAY, NOW + DAY)
TRACKING_ONLY = ("S/Tracking", NOW - 10 * DAY, NOW + 10 * DAY, NOW + 2 * DAY, NOW + 3 * DAY)
ENDED = ("S/Ended", NOW - 10 * DAY, NOW - DAY, NOW - 9 * DAY, NOW - 8 * DAY)
FUTURE = ("S/Future", NOW + DAY, NOW + 9 * DAY, None, None)
NO_DATES = ("S/Undated", None, None, None, None)


def index() -> Index:
    return build_index(
        [RUNNING, TRACKING_ONLY, ENDED, FUTURE, NO_DATES, ("S/Empty", NOW, NOW, None, None)],
        {
            "S/Running": [("Ada", 0), ("Fac", 1), ("Staff", 4)],
            "S/Tracking": [("Bo", 0), ("Ada", 1)],
            "S/Ended": [("Old", 0), ("Bo", 1)],
            "S/Future": [("Soon", 0)],
            "S/Undated": [("Nodate", 0)],
        },
    )


def test_state_role_and_courses() -> None:
    built = index()
    assert participation(built, "Ada", NOW) == {
        "state": "event", "role": "facilitator", "courses": ["S/Running", "S/Tracking"],
    }  # fmt: skip
    assert participation(built, "Fac", NOW) == {
        "state": "event", "role": "facilitator", "courses": ["S/Running"],
    }  # fmt: skip
    # Bo facilitates an ended course only: an editor of the current one.
    assert participation(built, "Bo", NOW) == {
        "state": "tracking", "role": "editor", "courses": ["S/Tracking"],
    }  # fmt: skip


def test_who_is_not_a_key() -> None:
    built = index()
    for name in ("Old", "Soon", "Nodate", "Staff", "Nobody"):
        assert participation(built, name, NOW) is None, name
    assert "Staff" not in built.people  # roles 2-4 are not keys
    assert [row[0] for row in built.courses] == [
        "S/Running", "S/Tracking", "S/Ended", "S/Future", "S/Undated",
    ]  # fmt: skip  (a course without people is left out)


def test_dates_are_compared_at_answer_time() -> None:
    built = index()
    assert participation(built, "Soon", FUTURE[1]) == {
        "state": "tracking", "role": "editor", "courses": ["S/Future"],
    }  # fmt: skip
    assert participation(built, "Soon", FUTURE[2]) is not None  # the end is inclusive
    assert participation(built, "Soon", FUTURE[2] + 1) is None
    # Ada's event ends; her tracking windows go on.
    assert participation(built, "Ada", RUNNING[4] + 1)["state"] == "tracking"  # type: ignore[index]


def test_next_change_is_the_first_boundary_of_the_names_courses() -> None:
    built = index()
    assert next_change(built, ["Ada"], NOW) == math.nextafter(RUNNING[4], math.inf)
    assert next_change(built, ["Soon"], NOW) == FUTURE[1]
    assert next_change(built, ["Nobody"], NOW) is None


def test_the_json_form_round_trips() -> None:
    built = index()
    again = Index.from_json(built.to_json())
    assert again == built
    for name in ("Ada", "Bo", "Soon"):
        assert participation(again, name, NOW) == participation(built, name, NOW)
