"""`outreach-helper demo` as shipped, in Chromium: every demo page does what its index
entry says, on the service's own origin, with the built-in data. Screenshots of each page
go to artifacts/screenshots/demo-*.png for people to look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from outreach_helper.demo import dataset as ds
from outreach_helper.demo.app import create_demo_app
from outreach_helper.demo.site import DEMO_PAGES
from tests.browser.harness import GadgetPage, ThreadServer

OUTCOMES = {
    f"User:{ds.ADA}": "event",
    f"User talk:{ds.ELODIE}": "tracking",
    f"User:{ds.PAST}": "inactive",
    f"Special:Contributions/{ds.OBRIEN}": "event",
    f"User:{ds.NOBODY}": "none",
    f"User:{ds.UNKNOWN_USER}": "none",
    "Lagos": "skipped",
}


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    server = ThreadServer(create_demo_app(), lifespan="on").start()
    yield f"{server.base_url}/demo"
    server.stop()


def page_url(demo: str, title: str) -> str:
    return f"{demo}/wiki/{quote(title.replace(' ', '_'), safe=':/')}"


def test_every_demo_page_is_covered() -> None:
    assert {title for title, _ in DEMO_PAGES} == set(OUTCOMES)


def test_the_index(demo: str, open_page: Callable[..., GadgetPage]) -> None:
    gadget_page = open_page(f"{demo}/")
    expect(gadget_page.page.locator(".demo-pages dt a")).to_have_count(len(DEMO_PAGES))
    gadget_page.screenshot("demo-index")


@pytest.mark.parametrize(("title", "outcome"), OUTCOMES.items(), ids=list(OUTCOMES))
def test_demo_page(
    demo: str, open_page: Callable[..., GadgetPage], title: str, outcome: str
) -> None:
    gadget_page = open_page(page_url(demo, title))
    assert gadget_page.outcome() == outcome
    link = gadget_page.page.locator("#p-tb #t-outreach-helper")
    expect(link).to_have_count(1 if outcome in ("event", "tracking", "inactive") else 0)
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    name = "".join(c if c.isascii() and c.isalnum() else "_" for c in title)
    gadget_page.screenshot(f"demo-{name}")


def test_demo_dialog(demo: str, open_page: Callable[..., GadgetPage]) -> None:
    gadget_page = open_page(page_url(demo, f"User:{ds.ADA}"))
    assert gadget_page.outcome() == "event"
    gadget_page.page.locator("#t-outreach-helper a").click()
    expect(gadget_page.page.locator(".outreach-helper-course")).to_have_count(2)
    gadget_page.screenshot("demo-dialog-Ada_Example")
