"""Trimming raw upstream payloads: allow-listed fields only, tolerant of odd shapes."""

from __future__ import annotations

import copy
import json

import pytest

from outreach_helper.dashboard.outcomes import UpstreamBadResponse
from outreach_helper.dashboard.records import (
    safe_enroll_url,
    trim_course,
    trim_roster,
    trim_user_stats,
)
from outreach_helper.demo.dataset import SAMPLES_DIR

SAMPLES = SAMPLES_DIR  # the upstream's shapes, shipped with the demo data
SENSITIVE = ("passcode", "email", "real_name", "flags", "updates", "course_stats",
             "canUploadSyllabus", "requestedAccounts", "survey_notifications")  # fmt: skip


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def all_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


def test_user_stats_keeps_enrollments_max_project_and_uploaders_only() -> None:
    record = trim_user_stats(sample("user_stats.json"))
    assert set(record) == {"courses", "max_project", "uploaders"}
    assert record["uploaders"] == ["Ada Example"]
    assert record["max_project"] == "wikidata"
    assert record["courses"][0] == {
        "course_id": 512334,
        "course_title": "Wikidata Days 2025",
        "course_school": "Example Wikimedians User Group, Lagos",
        "course_term": "November",
        "user_count": 42,
        "user_role": "Instructor",
        "course_slug": "Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)",
    }


def test_user_stats_missing_fields() -> None:
    """`user_count` is an exact integer (`course.user_count`); anything else is unknown,
    never an approximation passed off as exact."""
    record = trim_user_stats(
        {"courses_details": [{"course_slug": "A/B", "user_count": "1.4K"}, "junk"],
         "user_recent_uploads": [{"uploader": "X"}, {"uploader": 5}, "junk", {"uploader": "X"}]}
    )  # fmt: skip
    assert record["max_project"] is None
    assert record["uploaders"] == ["X"]
    assert record["courses"] == [
        {"course_id": None, "course_title": None, "course_school": None, "course_term": None,
         "user_count": None, "user_role": None, "course_slug": "A/B"}
    ]  # fmt: skip


@pytest.mark.parametrize("payload", [[], {"unexpected": 1}, {"courses_details": "x"}, None])
def test_user_stats_of_the_wrong_shape_is_a_bad_response(payload: object) -> None:
    with pytest.raises(UpstreamBadResponse):
        trim_user_stats(payload)


def test_course_drops_every_sensitive_and_operational_field() -> None:
    raw = sample("course.json")
    raw["course"]["passcode"] = "hunter2"
    raw["course"]["enroll_url"] += "hunter2"
    record = trim_course(raw)
    assert not all_keys(record) & set(SENSITIVE)
    assert "hunter2" not in json.dumps(record)
    assert record["enroll_url"].endswith("/enroll/")
    assert record["id"] == 31877
    assert record["slug"] == "Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)"
    assert record["timeline_start"] == "2025-11-15T00:00:00.000Z"
    assert record["home_wiki"] == {"language": None, "project": "wikidata"}
    assert record["wikis"][1] == {"language": "yo", "project": "wikipedia"}
    assert record["word_count"] == "1.4M"  # number_to_human: kept as the text it is
    assert record["edit_count"] == "21.6K" and record["view_count"] == "5.45K"
    assert record["student_count"] == 42
    assert record["closed"] is False
    assert "ended" not in record  # rendered for one moment: computed when answering


def test_course_tolerates_missing_optional_fields() -> None:
    record = trim_course({"course": {"slug": "A/B"}})
    assert record["slug"] == "A/B"
    assert record["start"] is None and record["wikis"] == [] and record["home_wiki"] is None


@pytest.mark.parametrize("payload", [{}, {"course": []}, {"course": {"title": "no slug"}}, "x"])
def test_course_of_the_wrong_shape_is_a_bad_response(payload: object) -> None:
    with pytest.raises(UpstreamBadResponse):
        trim_course(payload)


def test_roster_is_one_row_per_person_without_private_fields() -> None:
    raw = sample("users.json")
    leaky = copy.deepcopy(raw["course"]["users"][2])
    leaky.update(real_name="Secret Name", email="secret@example.org", role=0)
    raw["course"]["users"].append(leaky)
    rows = trim_roster(raw)
    assert "secret" not in json.dumps(rows).lower()
    assert [row["username"] for row in rows] == [
        "Ada Example", "Chidi Sample", "Ngozi Placeholder", "O'Brien Test", "Zoë Müller",
    ]  # fmt: skip
    ada = rows[0]
    assert ada == {"username": "Ada Example", "role": 1, "role_description": None,
                   "enrolled_at": "2025-10-20T09:12:44.000Z"}  # fmt: skip
    assert rows[1]["role"] == 2  # the campus volunteer row beats the later student row


def test_roster_rows_merge_by_user_id_and_ids_are_not_stored() -> None:
    raw = sample("users.json")
    first = raw["course"]["users"][0]
    renamed = {**first, "username": "Ada_Example", "role": 0}  # same user id
    stranger = {**first, "id": 123, "global_id": 456, "role": 0}  # same name, another id
    raw["course"]["users"] += [renamed, stranger]
    rows = trim_roster(raw)
    ada = [row for row in rows if row["username"] == "Ada Example"]
    assert [row["role"] for row in ada] == [1, 0]  # Ada merged; the other account apart
    assert not {"id", "global_id"} & {key for row in rows for key in row}


@pytest.mark.parametrize("payload", [{}, {"course": {}}, {"course": {"users": {}}}])
def test_roster_of_the_wrong_shape_is_a_bad_response(payload: object) -> None:
    with pytest.raises(UpstreamBadResponse):
        trim_roster(payload)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://d.org/courses/A/B/enroll/", "https://d.org/courses/A/B/enroll/"),
        ("https://d.org/courses/A/B/enroll/secret", "https://d.org/courses/A/B/enroll/"),
        ("https://d.org/courses/A/B", "https://d.org/courses/A/B"),
        (None, None),
    ],
)
def test_safe_enroll_url(url: str | None, expected: str | None) -> None:
    assert safe_enroll_url(url) == expected
