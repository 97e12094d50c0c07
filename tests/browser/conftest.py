"""Fixtures: Debian's Chromium under Playwright, the service over the fake Dashboard (its
requests recorded), and the demo wiki on another origin, as a real wiki would be."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

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
