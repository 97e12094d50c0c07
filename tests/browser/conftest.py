"""Fixtures: Debian's Chromium under Playwright, the service over the fake Dashboard (its
requests recorded; `both_service` over it and a second fake, the Wiki Education
Dashboard's world), the demo wiki on another origin, as a real wiki would be, and a real
MediaWiki 1.39 with the gadget installed (one per session: it takes a few seconds), whose
service answers for both fakes (the Outreach Dashboard the default)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

from outreach_helper.demo import wikiedu as we
from outreach_helper.demo.site import create_demo_site
from outreach_helper.settings import Settings
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    GadgetPage,
    RequestLog,
    Seen,
    ThreadServer,
)
from tests.browser.mediawiki import MediaWiki
from tests.browser.mediawiki import missing as mediawiki_missing
from tests.browser.wiki_content import (
    PATROLLER,
    PATROLLER_PASSWORD,
    TINKERER,
    TINKERER_PASSWORD,
    wiki_plan,
)
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer

# Assertions wait for the page up to this long: generous, so that a loaded machine slows
# the tests down rather than failing them.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module (a module scope also keeps Playwright's event loop
    from outliving the module, so the suite's asyncio tests are unaffected)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Service:
    """The real service over the fake Dashboard, remembering every request it receives."""

    def __init__(self, settings: Settings) -> None:
        self.log: list[Seen] = []
        self.server = AppServer(settings)
        self.server.app.add_middleware(RequestLog, seen=self.log)  # before it starts
        self.server.start()
        self.base_url = self.server.base_url

    def requests(self, method: str = "GET") -> list[Seen]:
        return [seen for seen in self.log if seen.method == method]


@pytest.fixture
def service(make_settings: Callable[..., Settings]) -> Iterator[Service]:
    running = Service(make_settings())
    yield running
    running.server.stop()


# --- two dashboards: the fake Outreach Dashboard and the fake Wiki Education Dashboard ---


@pytest.fixture(scope="session")
def wikiedu_server() -> Iterator[FakeDashboard]:
    """A second fake Dashboard serving the Wiki Education world, on a port of its own."""
    with FakeDashboard(we.build_wikiedu_dataset()) as server:
        yield server


@pytest.fixture
def wikiedu_fake(wikiedu_server: FakeDashboard) -> Iterator[FakeDashboard]:
    wikiedu_server.reset_knobs()
    wikiedu_server.reset()
    yield wikiedu_server
    wikiedu_server.reset_knobs()


def both_dashboards(wikiedu: FakeDashboard) -> str:
    """`DASHBOARDS` for the service over both fakes: outreach (OUTREACH_BASE_URL, the
    default) and wikiedu on its loopback port."""
    return f"outreach,wikiedu={wikiedu.base_url}"


@pytest.fixture
def both_service(
    make_settings: Callable[..., Settings], wikiedu_fake: FakeDashboard
) -> Iterator[Service]:
    """The real service answering for both fake Dashboards."""
    running = Service(make_settings(dashboards=both_dashboards(wikiedu_fake)))
    yield running
    running.server.stop()


@pytest.fixture
def serve_site() -> Iterator[Callable[[str], str]]:
    """Starts the demo wiki asking a given service; returns its base URL."""
    started: list[ThreadServer] = []

    def start(api_base: str) -> str:
        server = ThreadServer(create_demo_site(api_base)).start()
        started.append(server)
        return server.base_url

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def site(service: Service, serve_site: Callable[[str], str]) -> str:
    """The demo wiki whose gadget asks the running service."""
    return serve_site(service.base_url)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1100, "height": 720}, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def open_page(context: BrowserContext) -> Callable[..., GadgetPage]:
    """Opens a URL in a fresh tab, collecting errors from the start."""

    def open_(url: str) -> GadgetPage:
        gadget_page = GadgetPage(context.new_page())
        gadget_page.page.goto(url)
        return gadget_page

    return open_


# --- a real MediaWiki ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def wiki_service(fake_server: FakeDashboard, wikiedu_server: FakeDashboard) -> Iterator[Service]:
    """The service the real wiki's gadget asks, for the session: over both fake Dashboards,
    the Outreach Dashboard the default (what a gadget with today's settings asks)."""
    settings = Settings(
        _env_file=None, outreach_base_url=fake_server.base_url, contact="tests@example.org",
        redis_key_prefix=f"test-{uuid.uuid4().hex}:", redis_url=None, redis_host=None,
        dashboards=both_dashboards(wikiedu_server),
    )  # fmt: skip
    running = Service(settings)
    yield running
    running.server.stop()


@pytest.fixture(scope="session")
def wiki(wiki_service: Service) -> Iterator[MediaWiki]:
    """Debian's MediaWiki 1.39 with the gadget installed as the README says (see
    tests/browser/wiki_content.py for its accounts and pages)."""
    reason = mediawiki_missing()
    if reason:
        pytest.fail(f"{reason}: scripts/test installs mediawiki, php-cli and php-sqlite3")
    running = MediaWiki()
    try:
        running.install()
        running.apply(wiki_plan(wiki_service.base_url))
        running.serve()
        yield running
    finally:
        running.cleanup()


def logged_in(browser: Browser, wiki: MediaWiki, name: str, password: str) -> dict:
    """The storage state (cookies) of a session logged in through Special:UserLogin."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(wiki.url("Special:UserLogin"))
    page.fill("#wpName1", name)
    page.fill("#wpPassword1", password)
    page.click("#wpLoginAttempt")
    page.wait_for_function(
        "(name) => window.mw && mw.config.get('wgUserName') === name", arg=name
    )
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture(scope="module")
def patroller_state(browser: Browser, wiki: MediaWiki) -> dict:
    """The patroller enabled the gadget in their preferences and has no common.js."""
    return logged_in(browser, wiki, PATROLLER, PATROLLER_PASSWORD)


@pytest.fixture(scope="module")
def tinkerer_state(browser: Browser, wiki: MediaWiki) -> dict:
    """The tinkerer enabled the gadget and changes its settings in their common.js."""
    return logged_in(browser, wiki, TINKERER, TINKERER_PASSWORD)


def wiki_context(browser: Browser, state: dict, service: Service) -> BrowserContext:
    service.log.clear()  # each test counts its own requests
    return browser.new_context(
        # A laptop's screen: Vector 2022 collapses its main menu (and Tools) below 1200px.
        viewport={"width": 1100, "height": 720}, locale="en-US", storage_state=state
    )


@pytest.fixture
def patroller(
    browser: Browser, patroller_state: dict, wiki_service: Service
) -> Iterator[BrowserContext]:
    context = wiki_context(browser, patroller_state, wiki_service)
    yield context
    context.close()


@pytest.fixture
def tinkerer(
    browser: Browser, tinkerer_state: dict, wiki_service: Service
) -> Iterator[BrowserContext]:
    context = wiki_context(browser, tinkerer_state, wiki_service)
    yield context
    context.close()


@pytest.fixture
def open_wiki(patroller: BrowserContext, wiki: MediaWiki) -> Callable[..., GadgetPage]:
    """Opens a wiki page in a new tab of the patroller's session."""

    def open_(title: str, context: BrowserContext | None = None, **query: str) -> GadgetPage:
        gadget_page = GadgetPage((context or patroller).new_page())
        gadget_page.page.goto(wiki.url(title, **query))
        return gadget_page

    return open_
