"""The gadget in Debian's Chromium, on demo wiki pages, against the real service over the
fake Dashboard (and against a service that is down, failing or hanging).

Waits are on events (the gadget's `outreachHelper.ready` hook, elements appearing), never
on fixed sleeps, so a slow machine makes the tests slower, not flaky.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, unquote, urlparse

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from outreach_helper.demo import dataset as ds
from tests.browser.conftest import Service
from tests.browser.harness import GadgetPage, ThreadServer, broken_service
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer, free_port

LINK = "#p-tb #t-outreach-helper"
ORIGINAL_TOOLS = 3  # the demo skin's own Tools entries on a user page


def wiki(site: str, title: str, query: str = "") -> str:
    return f"{site}/wiki/{quote(title.replace(' ', '_'), safe=':/')}{query}"


def status_path(username: str) -> str:
    return f"/api/users/{username.replace(' ', '_')}/status"


def screenshot_name(title: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in title).strip("_")


def en_date(iso: str) -> str:
    """How Intl.DateTimeFormat('en', {day, month: 'short', year}) writes a UTC date."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return f"{moment:%b} {moment.day}, {moment.year}"


def open_dialog(gadget_page: GadgetPage) -> None:
    assert gadget_page.outcome() in ("event", "tracking", "inactive")
    gadget_page.page.locator(f"{LINK} a").click()
    expect(gadget_page.page.locator("dialog.outreach-helper-dialog")).to_be_visible()


# --- the link and its light ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "username", "light", "text"),
    [
        (f"User:{ds.ADA}", ds.ADA, "event", "Outreach: event now"),
        (f"User talk:{ds.ELODIE}", ds.ELODIE, "tracking", "Outreach: active course"),
        (f"User:{ds.PAST}", ds.PAST, "inactive", "Outreach: no active course"),
        (f"Special:Contributions/{ds.ZOE}", ds.ZOE, "event", "Outreach: event now"),
        (f"Special:DeletedContributions/{ds.MARC}", ds.MARC, "tracking", "Outreach: active course"),
        (f"User:{ds.ADA}/Sandbox", ds.ADA, "event", "Outreach: event now"),
    ],
)
def test_link_shows_the_right_light_once_after_one_request(
    service: Service,
    site: str,
    open_page: Callable[..., GadgetPage],
    title: str,
    username: str,
    light: str,
    text: str,
) -> None:
    gadget_page = open_page(wiki(site, title))
    assert gadget_page.outcome() == light
    link = gadget_page.page.locator(LINK)
    expect(link).to_have_count(1)
    expect(link).to_have_text(text)
    expect(link.locator(f".outreach-helper-light.outreach-helper-light-{light}")).to_be_visible()
    assert username in link.locator("a").get_attribute("title")
    assert [seen.path for seen in service.requests("GET")] == [status_path(username)]
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    gadget_page.screenshot(f"link-{light}-{screenshot_name(title)}")


@pytest.mark.parametrize(
    ("title", "outcome", "asks"),
    [
        (f"User:{ds.NOBODY}", "none", True),  # known to the Dashboard, no course
        (f"User:{ds.UNKNOWN_USER}", "none", True),  # unknown: the service answers 404
        ("Lagos", "skipped", False),  # an article
        (f"Talk:{ds.ADA}", "skipped", False),
        (f"Special:Block/{ds.ADA}", "skipped", False),  # has a relevant user, not ours
        ("User:192.0.2.7", "skipped", False),  # an IP address cannot enrol
    ],
)
def test_no_link_where_there_is_nothing_to_show(
    service: Service,
    site: str,
    open_page: Callable[..., GadgetPage],
    title: str,
    outcome: str,
    asks: bool,
) -> None:
    gadget_page = open_page(wiki(site, title))
    assert gadget_page.outcome() == outcome
    expect(gadget_page.page.locator("#t-outreach-helper")).to_have_count(0)
    assert len(service.requests("GET")) == (1 if asks else 0)
    if not asks:
        assert service.log == []  # not even a preflight
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    gadget_page.screenshot(f"nolink-{outcome}-{screenshot_name(title)}")


def test_one_request_without_credentials_and_with_api_user_agent(
    service: Service, site: str, context: BrowserContext, open_page: Callable[..., GadgetPage]
) -> None:
    # A cookie the browser would send if the gadget let it.
    context.add_cookies([{"name": "session", "value": "secret", "url": service.base_url}])
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}"))
    assert gadget_page.outcome() == "event"
    gadget_page.page.wait_for_load_state("networkidle")
    [request] = service.requests("GET")
    assert request.path == status_path(ds.ADA)
    assert request.headers["api-user-agent"].startswith("outreach-helper-gadget/")
    assert "cookie" not in request.headers
    # Besides the GET, at most the CORS preflight that Api-User-Agent asks for.
    assert {seen.method for seen in service.log} <= {"GET", "OPTIONS"}
    assert len(service.requests("OPTIONS")) <= 1


def test_loaded_twice_acts_once(
    service: Service, site: str, open_page: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}"))
    page = gadget_page.page
    page.evaluate(
        "() => { window.outcomes = []; mw.hook('outreachHelper.ready').add("
        "(outcome) => window.outcomes.push(outcome)); }"
    )
    assert gadget_page.outcome() == "event"
    # As when a wiki loads it as a gadget and a user imports it again in common.js.
    page.add_script_tag(url=f"{site}/gadget/outreach-helper.js")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.outcomes") == ["event"]
    expect(page.locator("#t-outreach-helper")).to_have_count(1)
    assert len(service.requests("GET")) == 1


@pytest.mark.parametrize(
    ("dashboards", "query", "warned"),
    [
        (None, "", False),  # the default, ['outreach']: today's URLs, nothing added
        ("['outreach']", "", False),
        ("['wikiedu']", "dashboard=wikiedu", False),
        ("'wikiedu'", "dashboard=wikiedu", False),  # one name as a string
        ("['wikiedu', 'outreach', 'wikiedu']", "dashboard=all", False),
        ("[]", "", True),  # shapes it cannot use: the default, and a warning
        ("['Wiki Ed']", "", True),
        ("42", "", True),
    ],
)
def test_the_dashboards_setting_decides_what_is_asked(
    service: Service,
    site: str,
    context: BrowserContext,
    open_page: Callable[..., GadgetPage],
    dashboards: str | None,
    query: str,
    warned: bool,
) -> None:
    if dashboards is not None:
        context.add_init_script(f"window.outreachHelperConfig = {{ dashboards: {dashboards} }};")
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}"))
    gadget_page.outcome()
    [request] = service.requests("GET")  # still one request per page view
    assert (request.path, request.query) == (status_path(ds.ADA), query)
    warnings = [m.text for m in gadget_page.console
                if m.type == "warning" and "setting dashboards" in m.text]  # fmt: skip
    assert len(warnings) == (1 if warned else 0), warnings
    assert gadget_page.uncaught == []


# --- the dialog ------------------------------------------------------------------------------


def test_dialog_lists_courses_dates_roles_and_facilitators(
    service: Service, site: str, fake: FakeDashboard, open_page: Callable[..., GadgetPage]
) -> None:
    data = fake.dataset
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}"))
    open_dialog(gadget_page)
    page = gadget_page.page
    dialog = page.get_by_role("dialog", name=f"Outreach Dashboard courses of {ds.ADA}")
    courses = dialog.locator(".outreach-helper-course")
    expect(courses).to_have_count(2)
    gadget_page.screenshot("dialog-Ada_Example")

    expected = [  # the event on now first, then the active course
        (ds.SLUG_ACTIVE, "Event on now", "Facilitator"),
        (ds.SLUG_TRACKING, "Active", "Editor"),
    ]
    for course, (slug, badge, role) in zip(courses.all(), expected, strict=True):
        details = data.course(slug)
        title = course.locator(".outreach-helper-course-title")
        expect(title).to_have_text(details["title"])
        # The course's page on the Dashboard the service read it from (its dashboard_url).
        assert unquote(title.get_attribute("href")) == f"{fake.base_url}/courses/{slug}"
        expect(course.locator(".outreach-helper-badge")).to_have_text(badge)
        facts = dict(zip(course.locator("dt").all_inner_texts(),
                         course.locator("dd").all_inner_texts(), strict=True))  # fmt: skip
        assert facts["Dates"] == f"{en_date(details['start'])} – {en_date(details['end'])}"
        event = f"{en_date(details['timeline_start'])} – {en_date(details['timeline_end'])}"
        assert facts["Event"] == event
        assert facts["Role"] == role
        links = course.locator("a.outreach-helper-facilitator")
        expect(links).to_have_text(data.facilitators_of(slug))
        for link, name in zip(links.all(), data.facilitators_of(slug), strict=True):
            href = link.evaluate("(a) => a.href")
            assert href.startswith(site)
            assert unquote(urlparse(href).path) == f"/wiki/User_talk:{name.replace(' ', '_')}"

    ping = dialog.locator(".outreach-helper-ping-text")
    expect(ping).to_have_value(f"{{{{ping|{ds.ADA}|{ds.CHIDI}|{ds.ELODIE}}}}}")
    # Today's dialog for the default dashboard alone: no heading naming it, one ping, and
    # the user's page on the Dashboard the answer names (its dashboard_urls).
    expect(dialog.locator("h3")).to_have_count(0)
    profile = dialog.locator(".outreach-helper-footer a")
    expect(profile).to_have_text("Profile on the Outreach Dashboard")
    assert profile.get_attribute("href") == f"{fake.base_url}/users/{quote(ds.ADA)}"
    # One status request on load, then the two detail requests on click.
    paths = sorted(f"{seen.path}?{seen.query}" for seen in service.requests("GET"))
    user = ds.ADA.replace(" ", "_")
    assert paths == sorted(
        [f"/api/users/{user}/status?", f"/api/users/{user}?enrich=true",
         f"/api/users/{user}/active-staff?"]
    )  # fmt: skip

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.locator(f"{LINK} a").click()  # opens again without asking the service again
    expect(courses).to_have_count(2)
    assert len(service.requests("GET")) == 3
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def test_dialog_for_ended_courses_pings_their_facilitators(
    service: Service, site: str, open_page: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_page(wiki(site, f"User:{ds.PAST}"))
    open_dialog(gadget_page)
    dialog = gadget_page.page.locator("dialog.outreach-helper-dialog")
    expect(dialog.locator(".outreach-helper-course")).to_have_count(1)
    expect(dialog.locator(".outreach-helper-badge")).to_have_text("Not active")
    expect(dialog.locator(".outreach-helper-ping")).to_contain_text("facilitators of these courses")
    expect(dialog.locator(".outreach-helper-ping-text")).to_have_value(f"{{{{ping|{ds.CHIDI}}}}}")
    gadget_page.screenshot("dialog-Past_Participant")


def test_dialog_merges_a_double_enrollment(
    service: Service, site: str, open_page: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_page(wiki(site, f"Special:Contributions/{ds.OBRIEN}"))
    open_dialog(gadget_page)
    dialog = gadget_page.page.locator("dialog.outreach-helper-dialog")
    expect(dialog.locator(".outreach-helper-course")).to_have_count(2)
    both = dialog.locator(f'.outreach-helper-course[data-slug="{ds.SLUG_AMPERSAND}"]')
    roles = both.locator("dd").nth(2).inner_text()
    assert sorted(roles.split(", ")) == ["Editor", "Facilitator"]


def test_dialog_dates_follow_the_user_language(
    service: Service, site: str, fake: FakeDashboard, open_page: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}", "?uselang=de"))
    open_dialog(gadget_page)
    dates = gadget_page.page.locator(".outreach-helper-course dd").first
    start = datetime.fromisoformat(fake.dataset.course(ds.SLUG_ACTIVE)["start"])
    expect(dates).to_contain_text(f"{start.day}. ")  # German: "16. Nov. 2026"
    expect(dates).not_to_contain_text(en_date(fake.dataset.course(ds.SLUG_ACTIVE)["start"]))
    gadget_page.screenshot("dialog-Ada_Example-de")


def test_copy_button_puts_the_ping_on_the_clipboard(
    service: Service, site: str, context: BrowserContext, open_page: Callable[..., GadgetPage]
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}"))
    open_dialog(gadget_page)
    page = gadget_page.page
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".outreach-helper-copy-status")).to_have_text("Copied to the clipboard.")
    clipboard = page.evaluate("() => navigator.clipboard.readText()")
    assert clipboard == "{{ping|Ada Example|Chidi Sample|Élodie Martin}}"


def test_dialog_says_unavailable_when_details_fail_then_retries(
    service: Service, site: str, open_page: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_page(wiki(site, f"User:{ds.ADA}"))
    page = gadget_page.page
    assert gadget_page.outcome() == "event"

    def fail(route: Route) -> None:
        route.fulfill(
            status=500,
            headers={"Access-Control-Allow-Origin": "*"},
            content_type="application/problem+json",
            body='{"type": "about:blank", "title": "Internal Server Error", "status": 500}',
        )

    page.route("**/active-staff*", fail)
    page.locator(f"{LINK} a").click()
    dialog = page.locator("dialog.outreach-helper-dialog")
    expect(dialog.locator(".outreach-helper-unavailable")).to_have_text(
        "The course data is unavailable right now. Please try again later."
    )
    gadget_page.screenshot("dialog-unavailable")
    page.unroute("**/active-staff*")
    page.keyboard.press("Escape")
    page.locator(f"{LINK} a").click()  # a failure is not remembered: this asks again
    expect(dialog.locator(".outreach-helper-course")).to_have_count(2)
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


# --- a failing service -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["down", "500", "hang", "dashboard down"])
def test_failing_service_leaves_the_page_alone(
    mode: str,
    make_app: Callable[..., AppServer],
    fake: FakeDashboard,
    context: BrowserContext,
    serve_site: Callable[[str], str],
    open_page: Callable[..., GadgetPage],
) -> None:
    broken: ThreadServer | None = None
    if mode == "down":
        api_base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    elif mode == "dashboard down":
        fake.down()  # the real service, with no Dashboard behind it and nothing cached
        api_base = make_app().base_url
    else:
        broken = ThreadServer(broken_service(mode)).start()
        api_base = broken.base_url
    # A short timeout so that "hang" is over quickly; the other modes fail at once.
    context.add_init_script("window.outreachHelperConfig = { timeout: 1000 };")
    try:
        gadget_page = open_page(wiki(serve_site(api_base), f"User:{ds.ADA}"))
        assert gadget_page.outcome() == "unavailable"
        page = gadget_page.page
        expect(page.locator("#t-outreach-helper")).to_have_count(0)
        expect(page.locator("#p-tb li")).to_have_count(ORIGINAL_TOOLS)
        expect(page.locator("[class*=outreach-helper]")).to_have_count(0)
        assert gadget_page.uncaught == []
        assert gadget_page.script_errors == []
        gadget_page.screenshot(f"failing-service-{mode.replace(' ', '-')}")
    finally:
        if broken is not None:
            broken.stop()
        fake.up()
