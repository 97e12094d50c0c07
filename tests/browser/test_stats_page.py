"""`/stats` in Chromium: the charts are drawn from real traffic (the service over the fake
Dashboard, an upstream outage included), the range switch works, nothing is asked of
another origin, the console stays clean, and with JavaScript off the page reads the same,
tables included. Screenshots go to artifacts/screenshots/stats-*.png."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, expect

from outreach_helper.settings import Settings
from tests.browser.conftest import Service
from tests.browser.harness import GadgetPage
from tests.fakedash.server import FakeDashboard

USERS = ["Ada_Example", "Ten_Courses", "Nobody_Known", "Ada_Example?enrich=true"]


@pytest.fixture
def traffic(make_settings: Callable[..., Settings], fake: FakeDashboard) -> Iterator[dict]:
    """The service, after answers from the cache, misses, 404s and an upstream outage."""
    running = Service(make_settings(stats_flush_interval=0.2))
    base = running.base_url
    answered = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(5):
            for user in USERS:
                client.get(f"/api/users/{user}")
                answered += 1
        fake.fail_mode = "503"
        for n in range(3):
            assert client.get(f"/api/users/Cold_User_{n}").status_code >= 500
            answered += 1
        time.sleep(0.5)  # a flush or two sample the upstream as down
        fake.reset_knobs()
        deadline = time.monotonic() + 10
        while client.get("/stats.json?range=1h").json()["summary"]["answers"].split()[0] != str(
            answered
        ):
            assert time.monotonic() < deadline, "the history did not catch up"
            time.sleep(0.1)
    yield {"base": base, "answered": answered}
    running.server.stop()


def _same_origin_only(page: GadgetPage, base: str, seen: list[str]) -> None:
    origin = urlsplit(base)[:2]
    assert seen, "no request seen"
    assert [url for url in seen if urlsplit(url)[:2] != origin] == []
    assert page.uncaught == [] and [m for m in page.console if m.type == "error"] == []


def test_charts_from_real_traffic_and_the_range_switch(browser: Browser, traffic: dict) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page = GadgetPage(context.new_page())
    page.page.goto(f"{traffic['base']}/stats?range=1h")
    figures = page.page.locator("figure")
    expect(figures).to_have_count(8)
    summary = figures.nth(0).locator(".summary")
    expect(summary).to_contain_text(f"{traffic['answered']} answers over 1 h")
    expect(figures.nth(1).locator(".summary")).to_contain_text("hit ratio")
    expect(figures.nth(0).locator("svg path.bar").first).to_be_visible()
    assert figures.nth(3).locator("svg path.bar").count() > 0  # requests to the Dashboard
    expect(page.page.locator("svg path.state.down").first).to_be_visible()  # the outage
    expect(figures.nth(4).locator(".summary")).to_contain_text("upstream down for")
    expect(page.page.locator("#numbers tr").first).to_be_visible()
    page.screenshot("stats-1h")
    page.page.get_by_role("link", name="24h").click()
    expect(page.page).to_have_url(f"{traffic['base']}/stats?range=24h")
    expect(page.page.locator("nav strong")).to_have_text("24h")
    expect(summary).to_contain_text(f"{traffic['answered']} answers over 24 h")
    page.page.get_by_role("link", name="7d").click()
    expect(page.page.locator("nav strong")).to_have_text("7d")
    expect(summary).to_contain_text(f"{traffic['answered']} answers over 7 d")
    _same_origin_only(page, traffic["base"], seen)
    context.close()


def test_the_page_reads_the_same_with_javascript_off(browser: Browser, traffic: dict) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page = GadgetPage(context.new_page())
    page.page.goto(f"{traffic['base']}/stats?range=1h")
    expect(page.page.locator("figure svg")).to_have_count(8)
    expect(page.page.locator("figure").nth(0).locator(".summary")).to_contain_text(
        f"{traffic['answered']} answers"
    )
    rows = page.page.locator("#numbers tr")
    assert rows.count() >= 2  # the header and at least one step with traffic
    answered = sum(
        int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(1, rows.count())
    )
    assert answered == traffic["answered"]
    page.page.get_by_role("link", name="7d").click()
    expect(page.page.locator("nav strong")).to_have_text("7d")
    _same_origin_only(page, traffic["base"], seen)
    context.close()
