"""Both dashboards on the real MediaWiki 1.39, as English Wikipedia would have them: a
patroller whose common.js sets `dashboards: [ 'wikiedu', 'outreach' ]` (the README's
example), the real service over two fake Dashboards (the Outreach Dashboard's world and the
Wiki Education Dashboard's). A Wiki Education student's course reads "Student" and
"Instructor", an Outreach participant's "Editor" and "Facilitator"; each page view is one
request with `dashboard=all`, and Recent changes one per 50 names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, expect

from outreach_helper.demo import dataset as ds
from outreach_helper.demo import wikiedu as we
from tests.browser.conftest import Service, logged_in, wiki_context
from tests.browser.harness import OUTCOME_TIMEOUT_MS, GadgetPage
from tests.browser.mediawiki import MediaWiki
from tests.browser.test_wiki_lists import ROWS_JS
from tests.browser.wiki_content import ENWIKI_PATROLLER, ENWIKI_PATROLLER_PASSWORD

LINK = "#t-outreach-helper a"
DIALOG = "dialog.outreach-helper-dialog"


@pytest.fixture(scope="module")
def enwiki_state(browser: Browser, wiki: MediaWiki) -> dict:
    return logged_in(browser, wiki, ENWIKI_PATROLLER, ENWIKI_PATROLLER_PASSWORD)


@pytest.fixture
def enwiki(browser: Browser, enwiki_state: dict, wiki_service: Service) -> Iterator[BrowserContext]:
    context = wiki_context(browser, enwiki_state, wiki_service)
    yield context
    context.close()


def facts(course: Locator) -> dict[str, str]:
    return dict(zip(course.locator("dt").all_inner_texts(),
                    course.locator("dd").all_inner_texts(), strict=True))  # fmt: skip


def open_dialog(gadget_page: GadgetPage) -> Locator:
    gadget_page.page.locator(LINK).click()
    dialog = gadget_page.page.locator(DIALOG)
    expect(dialog.locator(".outreach-helper-course").first).to_be_visible()
    return dialog


def test_a_wiki_education_students_course_says_student_and_instructor(
    wiki_service: Service, enwiki: BrowserContext, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki(f"User:{we.STUDENT}", context=enwiki)
    assert gadget_page.outcome() == "event"
    page = gadget_page.page
    expect(page.locator(LINK)).to_have_text("Wiki Education: event now")
    expect(page.locator(LINK)).to_be_in_viewport()
    [status] = wiki_service.requests("GET")
    assert (status.path, status.query) == (
        f"/api/users/{we.STUDENT.replace(' ', '_')}/status",
        "dashboard=all",
    )
    dialog = open_dialog(gadget_page)
    section = dialog.locator('section[data-dashboard="wikiedu"]')
    expect(section.locator("h3")).to_have_text("Wiki Education Dashboard")
    course = section.locator(f'.outreach-helper-course[data-slug="{we.SLUG_CLASSROOM}"]')
    known = facts(course)
    assert known["Role"] == "Student"
    assert known["Instructor"] == we.INSTRUCTOR
    assert we.PROGRAM_MANAGER in known["Wiki Education Staff"]
    # The instructor is asked about the student; Wiki Education's staff are listed apart.
    expect(section.locator(".outreach-helper-ping-text")).to_have_value(
        f"{{{{ping|{we.INSTRUCTOR}}}}}"
    )
    expect(dialog.locator('section[data-dashboard="outreach"]')).to_have_count(0)
    gadget_page.screenshot("wiki-vector-dashboards-wikiedu-student")
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def test_an_outreach_participants_courses_say_editor_and_facilitator(
    wiki_service: Service, enwiki: BrowserContext, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki(f"User:{ds.ADA}", context=enwiki)
    assert gadget_page.outcome() == "event"
    # Only the Outreach Dashboard has her: its own words, as on any other wiki.
    expect(gadget_page.page.locator(LINK)).to_have_text("Outreach: event now")
    dialog = open_dialog(gadget_page)
    section = dialog.locator('section[data-dashboard="outreach"]')
    expect(section.locator("h3")).to_have_text("Outreach Dashboard")
    tracking = facts(section.locator(f'.outreach-helper-course[data-slug="{ds.SLUG_TRACKING}"]'))
    assert tracking["Role"] == "Editor"
    assert tracking["Facilitator"] == ds.ELODIE
    event = facts(section.locator(f'.outreach-helper-course[data-slug="{ds.SLUG_ACTIVE}"]'))
    assert event["Role"] == "Facilitator"
    assert "Facilitators" in event
    expect(dialog.locator('section[data-dashboard="wikiedu"]')).to_have_count(0)
    gadget_page.screenshot("wiki-vector-dashboards-outreach-participant")
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def test_recent_changes_one_request_for_both_dashboards(
    wiki_service: Service, enwiki: BrowserContext, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki("Special:RecentChanges", context=enwiki)
    gadget_page.page.evaluate(
        """(timeout) => new Promise((resolve, reject) => {
            mw.hook('outreachHelper.marked').add(resolve);
            setTimeout(() => reject(new Error('no batch was answered')), timeout);
        })""",
        OUTCOME_TIMEOUT_MS,
    )
    [batch] = [seen for seen in wiki_service.requests("GET") if seen.path == "/api/participants"]
    query = parse_qs(batch.query)
    assert query["dashboard"] == ["all"]
    assert {we.STUDENT, ds.ADA} <= set(query["usernames"][0].split("|"))
    titles = {name: title for name, light, title in gadget_page.page.evaluate(ROWS_JS) if light}
    # A Wiki Education student named with her program; an Outreach participant as always.
    assert titles[we.STUDENT] == f"{we.STUDENT} – Wiki Education: event now"
    assert titles[ds.ADA] == f"{ds.ADA} is in an Outreach Dashboard event happening now"
    gadget_page.screenshot("wiki-vector-dashboards-recentchanges")
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
