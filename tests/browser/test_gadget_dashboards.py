"""The gadget's `dashboards` setting in Chromium, on demo wiki pages, against the real
service over two fake Dashboards (the Outreach Dashboard's world and the Wiki Education
Dashboard's, each on its own port): one request per page view with `dashboard=all`, the
link naming the program, the dialog listing each dashboard's courses apart in their own
words (Student and Instructor in a classroom course, Editor and Facilitator in an Outreach
event), and the ping leaving Wiki Education staff out of a classroom course's.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import BrowserContext, Locator, Route, expect

from outreach_helper.demo import dataset as ds
from outreach_helper.demo import wikiedu as we
from tests.browser.conftest import Service
from tests.browser.harness import GadgetPage
from tests.fakedash.server import FakeDashboard

LINK = "#p-tb #t-outreach-helper"
DIALOG = "dialog.outreach-helper-dialog"
ENWIKI = "window.outreachHelperConfig = { dashboards: [ 'wikiedu', 'outreach' ] };"


def wiki(site: str, title: str) -> str:
    return f"{site}/wiki/{quote(title.replace(' ', '_'), safe=':/')}"


def user_path(username: str) -> str:
    return f"/api/users/{username.replace(' ', '_')}"


def asked(service: Service) -> list[str]:
    return sorted(f"{seen.path}?{seen.query}" for seen in service.requests("GET"))


def facts(course: Locator) -> dict[str, str]:
    return dict(zip(course.locator("dt").all_inner_texts(),
                    course.locator("dd").all_inner_texts(), strict=True))  # fmt: skip


def course_url(base: str, slug: str) -> str:
    return f"{base}/courses/{slug}"


@pytest.fixture
def site(both_service: Service, serve_site: Callable[[str], str]) -> str:
    return serve_site(both_service.base_url)


@pytest.fixture
def enwiki(context: BrowserContext) -> BrowserContext:
    """A reader whose wiki asks both dashboards, Wiki Education's first (English Wikipedia)."""
    context.add_init_script(ENWIKI)
    return context


def open_dialog(gadget_page: GadgetPage) -> Locator:
    gadget_page.page.locator(f"{LINK} a").click()
    dialog = gadget_page.page.locator(DIALOG)
    expect(dialog).to_be_visible()
    expect(dialog.locator(".outreach-helper-course").first).to_be_visible()
    return dialog


def test_a_wiki_education_student_in_the_classroom_words(
    both_service: Service,
    site: str,
    fake: FakeDashboard,
    wikiedu_fake: FakeDashboard,
    enwiki: BrowserContext,
    open_page: Callable[..., GadgetPage],
) -> None:
    gadget_page = open_page(wiki(site, f"User:{we.STUDENT}"))
    assert gadget_page.outcome() == "event"
    link = gadget_page.page.locator(LINK)
    # Only the Wiki Education Dashboard has her: the link says which program.
    expect(link).to_have_text("Wiki Education: event now")
    assert link.locator("a").get_attribute("title") == (f"{we.STUDENT} – Wiki Education: event now")
    assert asked(both_service) == [f"{user_path(we.STUDENT)}/status?dashboard=all"]

    dialog = open_dialog(gadget_page)
    expect(dialog.locator("h2")).to_have_text(f"Dashboard courses of {we.STUDENT}")
    [section] = dialog.locator("section.outreach-helper-dashboard").all()
    expect(section.locator("h3")).to_have_text("Wiki Education Dashboard")
    [course] = section.locator(".outreach-helper-course").all()
    title = course.locator(".outreach-helper-course-title")
    expect(title).to_have_text(wikiedu_fake.dataset.course(we.SLUG_CLASSROOM)["title"])
    assert unquote(title.get_attribute("href")) == course_url(
        wikiedu_fake.base_url, we.SLUG_CLASSROOM
    )
    known = facts(course)
    assert known["Role"] == "Student"
    # The instructor under the classroom's word; the role-4 staff apart.
    assert known["Instructor"] == we.INSTRUCTOR
    assert "Wiki Education Staff" in known
    staff = course.locator("a.outreach-helper-staff")
    expect(staff).to_have_text(sorted([we.PROGRAM_MANAGER, we.STAFFER]))
    expect(course.locator("a.outreach-helper-facilitator")).to_have_text([we.INSTRUCTOR])
    ping = section.locator(".outreach-helper-ping")
    expect(ping.locator("> div").first).to_have_text("Ping the instructors of the active courses:")
    expect(ping.locator(".outreach-helper-ping-text")).to_have_value(
        f"{{{{ping|{we.INSTRUCTOR}}}}}"
    )
    profile = section.locator(".outreach-helper-footer a")
    expect(profile).to_have_text("Profile on the Wiki Education Dashboard")
    assert profile.get_attribute("href") == f"{wikiedu_fake.base_url}/users/{quote(we.STUDENT)}"
    gadget_page.screenshot("dialog-wikiedu-student")

    # The page view's status, the two details, and the roster that tells roles apart.
    school, course_title = we.SLUG_CLASSROOM.split("/")
    assert asked(both_service) == sorted([
        f"{user_path(we.STUDENT)}/status?dashboard=all",
        f"{user_path(we.STUDENT)}?enrich=true&dashboard=all",
        f"{user_path(we.STUDENT)}/active-staff?dashboard=all",
        f"/api/courses/{school}/{course_title}/users?dashboard=wikiedu",
    ])  # fmt: skip
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def test_a_person_on_both_dashboards_sees_each_dashboards_courses_apart(
    both_service: Service,
    site: str,
    fake: FakeDashboard,
    wikiedu_fake: FakeDashboard,
    enwiki: BrowserContext,
    open_page: Callable[..., GadgetPage],
) -> None:
    gadget_page = open_page(wiki(site, f"User:{ds.ZOE}"))
    assert gadget_page.outcome() == "event"
    # An event on now on both: both programs named, in the setting's order.
    expect(gadget_page.page.locator(LINK)).to_have_text("Wiki Education, Outreach: event now")
    dialog = open_dialog(gadget_page)
    sections = dialog.locator("section.outreach-helper-dashboard")
    expect(sections).to_have_count(2)
    wikiedu, outreach = sections.all()
    assert [wikiedu.get_attribute("data-dashboard"), outreach.get_attribute("data-dashboard")] == [
        "wikiedu", "outreach"
    ]  # fmt: skip
    expect(wikiedu.locator("h3")).to_have_text("Wiki Education Dashboard")
    expect(outreach.locator("h3")).to_have_text("Outreach Dashboard")

    [classroom] = wikiedu.locator(".outreach-helper-course").all()
    assert facts(classroom)["Role"] == "Student"
    assert facts(classroom)["Instructor"] == we.INSTRUCTOR
    [event] = outreach.locator(".outreach-helper-course").all()
    assert event.get_attribute("data-slug") == ds.SLUG_ACTIVE
    assert unquote(event.locator(".outreach-helper-course-title").get_attribute("href")) == (
        course_url(fake.base_url, ds.SLUG_ACTIVE)
    )
    assert facts(event)["Role"] == "Editor"
    assert facts(event)["Facilitators"] == ", ".join(fake.dataset.facilitators_of(ds.SLUG_ACTIVE))

    # Each dashboard's ping, each in its words, and each profile link to its own dashboard.
    expect(wikiedu.locator(".outreach-helper-ping-text")).to_have_value(
        f"{{{{ping|{we.INSTRUCTOR}}}}}"
    )
    staff = "|".join(fake.dataset.facilitators_of(ds.SLUG_ACTIVE))
    expect(outreach.locator(".outreach-helper-ping-text")).to_have_value(f"{{{{ping|{staff}}}}}")
    expect(outreach.locator(".outreach-helper-ping > div").first).to_have_text(
        "Ping the facilitators of the active courses:"
    )
    for section, base, text in [
        (wikiedu, wikiedu_fake.base_url, "Profile on the Wiki Education Dashboard"),
        (outreach, fake.base_url, "Profile on the Outreach Dashboard"),
    ]:
        profile = section.locator(".outreach-helper-footer a")
        expect(profile).to_have_text(text)
        assert profile.get_attribute("href") == f"{base}/users/{quote(ds.ZOE)}"
    gadget_page.screenshot("dialog-both-dashboards")
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def test_words_follow_the_course_not_the_dashboard(
    both_service: Service,
    site: str,
    enwiki: BrowserContext,
    open_page: Callable[..., GadgetPage],
) -> None:
    """A visiting scholarship on the Wiki Education Dashboard is a program: Editor and
    Facilitator there, and no roster is read for it (no role-4 staff to leave out)."""
    gadget_page = open_page(wiki(site, f"User:{we.SCHOLAR}"))
    assert gadget_page.outcome() in ("event", "tracking")
    dialog = open_dialog(gadget_page)
    scholars = dialog.locator(f'.outreach-helper-course[data-slug="{we.SLUG_SCHOLARS}"]')
    assert scholars.get_attribute("data-dashboard") == "wikiedu"
    assert facts(scholars)["Role"] == "Editor"
    assert facts(scholars)["Facilitator"] == we.SPONSOR
    assert not [path for path in asked(both_service) if path.startswith("/api/courses/")]


def test_a_roster_that_cannot_be_read_keeps_the_staff_together(
    both_service: Service,
    site: str,
    enwiki: BrowserContext,
    open_page: Callable[..., GadgetPage],
) -> None:
    gadget_page = open_page(wiki(site, f"User:{we.STUDENT}"))
    assert gadget_page.outcome() == "event"

    def fail(route: Route) -> None:
        route.fulfill(status=500, headers={"Access-Control-Allow-Origin": "*"}, body="{}")

    gadget_page.page.route("**/api/courses/**", fail)
    dialog = open_dialog(gadget_page)
    course = dialog.locator(".outreach-helper-course")
    everyone = sorted([we.INSTRUCTOR, we.PROGRAM_MANAGER, we.STAFFER])
    assert facts(course)["Instructors"] == ", ".join(everyone)
    assert "Wiki Education Staff" not in facts(course)
    expect(dialog.locator(".outreach-helper-ping-text")).to_have_value(
        f"{{{{ping|{'|'.join(everyone)}}}}}"
    )
    assert gadget_page.uncaught == []


@pytest.mark.parametrize(
    ("title", "outcome", "text"),
    [
        (f"User:{we.STUDENT}", "event", "Wiki Education: event now"),
        (f"User:{we.PAST_STUDENT}", "inactive", "Wiki Education: no active course"),
        (f"User:{ds.ADA}", "none", None),  # only on the Outreach Dashboard: not asked
    ],
)
def test_one_other_dashboard_alone(
    both_service: Service,
    site: str,
    context: BrowserContext,
    open_page: Callable[..., GadgetPage],
    title: str,
    outcome: str,
    text: str | None,
) -> None:
    context.add_init_script("window.outreachHelperConfig = { dashboards: [ 'wikiedu' ] };")
    gadget_page = open_page(wiki(site, title))
    assert gadget_page.outcome() == outcome
    [request] = both_service.requests("GET")
    assert request.query == "dashboard=wikiedu"
    link = gadget_page.page.locator("#t-outreach-helper")
    if text is None:
        expect(link).to_have_count(0)
    else:
        expect(link).to_have_text(text)
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
