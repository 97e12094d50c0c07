"""The fake Wiki Education Dashboard beside the fake Outreach Dashboard: two servers, two
ports, the second world's differences (classroom courses and their words, approval, role-4
staff, the users.json flags), and the people the two share."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from outreach_helper.demo import dataset as ds
from outreach_helper.demo import wikiedu as we
from outreach_helper.demo.rails import ROLE_NAMES
from tests.fakedash.server import FakeDashboard


def course_path(slug: str, document: str = "course.json") -> str:
    school, title = slug.split("/")
    return f"/courses/{quote(school, safe='')}/{quote(title, safe='')}/{document}"


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeDashboard, FakeDashboard]]:
    with FakeDashboard() as outreach, FakeDashboard(we.build_wikiedu_dataset()) as wikiedu:
        yield outreach, wikiedu


@pytest.fixture(scope="module")
def outreach(fakes: tuple[FakeDashboard, FakeDashboard]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fakes[0].base_url, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def wikiedu(fakes: tuple[FakeDashboard, FakeDashboard]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fakes[1].base_url, timeout=5) as client:
        yield client


def get(client: httpx.Client, path: str, **params: str) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def stats(client: httpx.Client, username: str) -> httpx.Response:
    return client.get("/user_stats.json", params={"username": username.replace(" ", "_")})


def roster(client: httpx.Client, slug: str) -> list[dict]:
    return get(client, course_path(slug, "users.json"))["course"]["users"]


def test_two_fakes_listen_on_two_ports(fakes: tuple[FakeDashboard, FakeDashboard]) -> None:
    assert fakes[0].port != fakes[1].port
    assert fakes[1].dataset.course_string_prefix == "courses"
    assert fakes[0].dataset.course_string_prefix == "courses_generic"


def test_classroom_courses_use_the_classroom_words(
    wikiedu: httpx.Client, outreach: httpx.Client, fakes: tuple[FakeDashboard, FakeDashboard]
) -> None:
    for slug in (we.SLUG_CLASSROOM, we.SLUG_ENDED, we.SLUG_SUBMITTED):
        course = get(wikiedu, course_path(slug))["course"]
        assert (course["type"], course["string_prefix"]) == ("ClassroomProgramCourse", "courses")
        assert course["timeline_enabled"] is True
        assert course["enroll_url"] == f"{we.BASE_URL}/courses/{slug}/enroll/"
    # The words belong to the course type: a visiting scholarship has the generic ones.
    scholars = get(wikiedu, course_path(we.SLUG_SCHOLARS))["course"]
    assert (scholars["type"], scholars["string_prefix"]) == ("VisitingScholarship",
                                                              "courses_generic")  # fmt: skip
    # The Outreach world is unchanged: every course keeps courses_generic.
    for slug in fakes[0].dataset.public_slugs:
        assert get(outreach, course_path(slug))["course"]["string_prefix"] == "courses_generic"


def test_submitted_and_published_follow_approval(
    wikiedu: httpx.Client, fakes: tuple[FakeDashboard, FakeDashboard]
) -> None:
    data = fakes[1].dataset
    in_campaigns = {slug for slugs in data.campaigns.values() for slug in slugs}
    for slug in data.public_slugs:
        course = get(wikiedu, course_path(slug))["course"]
        assert course["submitted"] is True
        # published is CampaignsCourses.exists?: approved courses only.
        assert course["published"] is (slug in in_campaigns), slug
    assert we.SLUG_SUBMITTED not in in_campaigns and we.SLUG_CLASSROOM in in_campaigns


def test_the_program_manager_is_role_4_in_every_approved_classroom_course(
    wikiedu: httpx.Client, fakes: tuple[FakeDashboard, FakeDashboard]
) -> None:
    data = fakes[1].dataset
    in_campaigns = {slug for slugs in data.campaigns.values() for slug in slugs}
    for slug in data.courses:
        rows = [r for r in data.roster(slug) if r["username"] == we.PROGRAM_MANAGER]
        classroom = data.course(slug)["type"] == "ClassroomProgramCourse"
        assert len(rows) == (1 if classroom and slug in in_campaigns else 0), slug
        assert all(r["role"] == 4 and r["program_manager"] and r["admin"] for r in rows)
    # So approved classroom courses have role >= 1 people beyond their instructor.
    assert data.facilitators_of(we.SLUG_CLASSROOM) == sorted(
        [we.INSTRUCTOR, we.PROGRAM_MANAGER, we.CONTENT_EXPERT]
    )
    assert data.facilitators_of(we.SLUG_SUBMITTED) == [we.NEW_INSTRUCTOR]
    assert data.facilitators_of(we.SLUG_SCHOLARS) == [we.SPONSOR]
    # Served as stored, with the flags users.json has (courses/_users.json.jbuilder).
    served = {r["username"]: r for r in roster(wikiedu, we.SLUG_CLASSROOM)}
    manager, expert = served[we.PROGRAM_MANAGER], served[we.CONTENT_EXPERT]
    assert (manager["role"], manager["program_manager"], manager["content_expert"]) == (
        4, True, False,
    )  # fmt: skip
    assert (expert["role"], expert["program_manager"], expert["content_expert"]) == (
        4, False, True,
    )  # fmt: skip


def test_users_json_rows_carry_the_flags_and_a_greeters_identity(wikiedu: httpx.Client) -> None:
    rows = roster(wikiedu, we.SLUG_CLASSROOM)
    assert [r["username"] for r in rows] == [
        we.INSTRUCTOR,
        we.PROGRAM_MANAGER,
        we.STUDENT,
        we.CLASSMATE,
        we.ZOE,
        we.CONTENT_EXPERT,
    ]  # the order the rows were created in
    for row in rows:
        assert {"content_expert", "program_manager", "admin", "role", "global_id"} <= set(row)
        greeter = row["content_expert"]
        # A greeter's real name and email are shown to anyone; nobody else's are.
        assert ("real_name" in row, "email" in row) == (greeter, greeter), row["username"]
        if row["role"] == 0:
            assert not row["content_expert"] and not row["program_manager"] and not row["admin"]


def test_user_stats_speaks_of_courses_and_users_role_labels(wikiedu: httpx.Client) -> None:
    student = stats(wikiedu, we.STUDENT).json()
    assert student["as_student"]["course_string_prefix"] == "courses"
    assert [(d["course_slug"], d["user_role"]) for d in student["courses_details"]] == [
        (we.SLUG_CLASSROOM, "Student")
    ]  # the private honors seminar is left out
    instructor = stats(wikiedu, we.INSTRUCTOR).json()
    assert instructor["as_instructor"]["course_string_prefix"] == "courses"
    assert instructor["as_instructor"]["courses_count"] == 2  # public ones only
    assert [(d["course_slug"], d["user_role"]) for d in instructor["courses_details"]] == [
        (we.SLUG_CLASSROOM, "Instructor"), (we.SLUG_ENDED, "Instructor"),
    ]  # fmt: skip
    manager = stats(wikiedu, we.PROGRAM_MANAGER).json()
    assert {d["user_role"] for d in manager["courses_details"]} == {"Wiki Education Staff"}
    assert {d["course_slug"] for d in manager["courses_details"]} == {
        we.SLUG_CLASSROOM, we.SLUG_ENDED,
    }  # fmt: skip
    # User#course_instructor? is a role-1 row: staff alone get no as_instructor block.
    assert "as_instructor" not in manager and "as_student" not in manager


def test_private_courses_are_404_and_left_out(wikiedu: httpx.Client) -> None:
    for document in ("course.json", "users.json"):
        response = wikiedu.get(course_path(we.SLUG_PRIVATE, document))
        assert (response.status_code, response.json()) == (404, {"message": "not found"})
    listed = get(wikiedu, "/all_courses.json")["all_courses"]
    assert we.SLUG_PRIVATE not in {item["slug"] for item in listed}
    users = get(wikiedu, f"/campaigns/{we.CAMPAIGN_CURRENT}/users.json")["users"]
    assert {u["course"] for u in users} == {we.SLUG_CLASSROOM}


def test_bulk_views_render_the_second_world_with_the_same_views(wikiedu: httpx.Client) -> None:
    items = {i["slug"]: i for i in get(wikiedu, "/all_courses.json")["all_courses"]}
    assert set(items) == {we.SLUG_CLASSROOM, we.SLUG_ENDED, we.SLUG_SCHOLARS, we.SLUG_SUBMITTED}
    active = items[we.SLUG_CLASSROOM]
    # facilitators are the instructors (role 1) only: Wiki Education staff are not listed.
    assert active["facilitators"] == [we.INSTRUCTOR]
    assert active["editors"] == [we.STUDENT, we.CLASSMATE, we.ZOE]
    assert active["campaign_slugs"] == [we.CAMPAIGN_CURRENT]
    assert items[we.SLUG_SUBMITTED]["campaign_slugs"] == []  # not approved yet
    assert active["home_wiki"] == "en.wikipedia.org"
    users = get(wikiedu, f"/campaigns/{we.CAMPAIGN_CURRENT}/users.json")["users"]
    # Campaign#users_to_json: CoursesUsers::ROLE_NAMES, on this Dashboard too.
    assert (we.PROGRAM_MANAGER, ROLE_NAMES[4]) in {(u["username"], u["role"]) for u in users}
    assert (we.STUDENT, "Editor") in {(u["username"], u["role"]) for u in users}
    assert wikiedu.get("/campaigns/no_such_campaign/users.json").status_code == 404
    wiki = get(wikiedu, "/courses_by_wiki/en.wikipedia.json")
    assert {c["slug"] for c in wiki["courses"]} == set(items) | {we.SLUG_PRIVATE}
    active_list = get(wikiedu, f"/campaigns/{we.CAMPAIGN_CURRENT}/active_courses.json")
    assert [c["slug"] for c in active_list["courses"]] == [we.SLUG_CLASSROOM]
    assert active_list["courses"][0]["instructor"] == we.INSTRUCTOR


def test_people_on_both_dashboards_are_one_global_account(
    outreach: httpx.Client, wikiedu: httpx.Client, fakes: tuple[FakeDashboard, FakeDashboard]
) -> None:
    def ids(data: ds.Dataset, name: str) -> set[tuple[int, int]]:
        return {(r["id"], r["global_id"]) for roster in data.rosters.values()
                for r in roster["course"]["users"] if r["username"] == name}  # fmt: skip

    for name in we.BOTH:
        assert stats(outreach, name).status_code == 200
        assert stats(wikiedu, name).status_code == 200
        ((here_id, here_global),) = ids(fakes[1].dataset, name)
        there = ids(fakes[0].dataset, name)
        assert {g for _, g in there} == {here_global}  # the same global account
        assert here_id not in {i for i, _ in there}  # numbered by each Dashboard
    zoe_here = stats(wikiedu, we.ZOE).json()["courses_details"]
    zoe_there = stats(outreach, we.ZOE).json()["courses_details"]
    assert [d["course_slug"] for d in zoe_here] == [we.SLUG_CLASSROOM]
    assert [d["course_slug"] for d in zoe_there] == [ds.SLUG_ACTIVE]
    # People of one Dashboard only.
    for name in (we.STUDENT, we.INSTRUCTOR, we.PROGRAM_MANAGER):
        assert stats(outreach, name).status_code == 404
    for name in (ds.ADA, ds.ELODIE, ds.PAST):
        response = stats(wikiedu, name)
        assert (response.status_code, response.json()) == (404, {"error": "User not found"})


def test_names_are_found_ignoring_case_and_accents(wikiedu: httpx.Client) -> None:
    assert stats(wikiedu, "sofia nunez").json() == stats(wikiedu, we.CLASSMATE).json()
    school, title = we.SLUG_CLASSROOM.lower().split("/")
    assert get(wikiedu, course_path(f"{school}/{title}"))["course"]["slug"] == we.SLUG_CLASSROOM


@pytest.mark.parametrize("now", [datetime(2026, 3, 1, 15, tzinfo=UTC),
                                 datetime(2031, 9, 30, 2, tzinfo=UTC)])  # fmt: skip
def test_dates_move_with_now(now: datetime) -> None:
    data = we.build_wikiedu_dataset(now)

    def window(slug: str, start: str, end: str) -> tuple[datetime, datetime]:
        course = data.course(slug)
        return datetime.fromisoformat(course[start]), datetime.fromisoformat(course[end])

    for slug in (we.SLUG_CLASSROOM, we.SLUG_SCHOLARS):
        start, end = window(slug, "start", "end")
        assert start <= now <= end and data.is_active(slug)
    # The classroom's timeline is its term (on now); the scholarship's is over.
    start, end = window(we.SLUG_CLASSROOM, "timeline_start", "timeline_end")
    assert start <= now <= end
    assert window(we.SLUG_SCHOLARS, "timeline_start", "timeline_end")[1] < now
    assert window(we.SLUG_ENDED, "start", "end")[1] < now and data.course(we.SLUG_ENDED)["ended"]
    assert window(we.SLUG_SUBMITTED, "start", "end")[0] > now
    assert data.states[we.SLUG_ENDED] == "ended" and data.states[we.SLUG_SUBMITTED] == "future"
    # Enrollments move along: the approval (the manager's row) comes before the term.
    manager = next(r for r in data.roster(we.SLUG_CLASSROOM)
                   if r["username"] == we.PROGRAM_MANAGER)  # fmt: skip
    term_start = window(we.SLUG_CLASSROOM, "start", "end")[0]
    assert term_start - timedelta(days=30) < datetime.fromisoformat(manager["enrolled_at"])
    assert datetime.fromisoformat(manager["enrolled_at"]) < term_start


def test_enrolling_on_the_second_dashboard_uses_its_words(
    fakes: tuple[FakeDashboard, FakeDashboard], wikiedu: httpx.Client, outreach: httpx.Client
) -> None:
    name, staff = "New Student (Test)", "New Staff (Test)"
    fakes[1].enroll(we.SLUG_CLASSROOM, name, 0)
    fakes[1].enroll(we.SLUG_CLASSROOM, staff, 4)
    try:
        body = stats(wikiedu, name).json()
        assert body["as_student"]["course_string_prefix"] == "courses"
        assert body["courses_details"][0]["user_role"] == "Student"
        assert stats(outreach, name).status_code == 404
        staff_body = stats(wikiedu, staff).json()
        assert staff_body["courses_details"][0]["user_role"] == "Wiki Education Staff"
        assert "as_instructor" not in staff_body  # no role-1 row, as in Rails
        fakes[1].enroll(we.SLUG_SCHOLARS, staff, 1)
        assert stats(wikiedu, staff).json()["as_instructor"]["course_string_prefix"] == "courses"
    finally:
        for who in (name, staff):
            fakes[1].unenroll(we.SLUG_CLASSROOM, who)
            fakes[1].unenroll(we.SLUG_SCHOLARS, who)
            fakes[1].set_user(who, None)


def test_main_module_serves_the_second_world() -> None:
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakedash", "--port", "0", "--world", "wikiedu"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        base_url = re.search(r"http://\S+", line).group(0)
        assert "wikiedu" in line
        path = f"/user_stats.json?username={quote(we.STUDENT)}"
        assert httpx.get(base_url + path).status_code == 200
        assert httpx.get(base_url + "/user_stats.json?username=Ada_Example").status_code == 404
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "'user_stats': 2" in output
