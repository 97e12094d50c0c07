"""The gadget on a real MediaWiki 1.39 (Debian's package, default settings), installed as the
README says, in Debian's Chromium: on each of the five skins, the link with the right light
shows without opening any menu, for each kind of user, on User, User talk and
Special:Contributions pages; nothing (and no request) on an article or for users without
courses; no console error anywhere. The gadget is opt-in, so a patroller who enabled it in
their preferences is logged in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from outreach_helper.demo import dataset as ds
from tests.browser.conftest import Service
from tests.browser.harness import GadgetPage
from tests.browser.wiki_content import ARTICLE, USERS

SKINS = ["vector", "vector-2022", "monobook", "timeless", "minerva"]
PAGE_KINDS = ["User:{}", "User talk:{}", "Special:Contributions/{}"]
LABELS = {
    "event": "Outreach: event now",
    "tracking": "Outreach: active course",
    "inactive": "Outreach: no active course",
}


def cases() -> Iterator[tuple[str, str, str, str]]:
    """Every skin with every kind of user, the page kind rotating so that each kind of user
    is seen on each kind of page across the skins."""
    for s, skin in enumerate(SKINS):
        for u, (user, outcome) in enumerate(USERS.items()):
            kind = PAGE_KINDS[(s + u) % len(PAGE_KINDS)]
            yield skin, kind.format(user), user, outcome
        yield skin, ARTICLE, "", "skipped"


def status_requests(service: Service) -> list[str]:
    return [seen.path for seen in service.requests("GET")]


@pytest.mark.parametrize(("skin", "title", "user", "outcome"), list(cases()))
def test_the_light_shows_at_a_glance_on_every_skin(
    wiki_service: Service,
    open_wiki: Callable[..., GadgetPage],
    skin: str,
    title: str,
    user: str,
    outcome: str,
) -> None:
    gadget_page = open_wiki(title, useskin=skin)
    assert gadget_page.outcome() == outcome
    page = gadget_page.page
    link = page.locator("#t-outreach-helper a")
    if skin == "minerva":
        # Tools is in a closed menu (or missing): why the link is beside the title instead.
        expect(page.locator("#p-tb")).not_to_be_visible()
    if outcome in LABELS:
        expect(link).to_have_count(1)
        # Seen without opening any menu: visible, and inside the first screen.
        expect(link).to_be_visible()
        expect(link).to_be_in_viewport()
        expect(link).to_have_text(LABELS[outcome])
        assert user in link.get_attribute("title")
        expect(link.locator(f".outreach-helper-light-{outcome}")).to_be_visible()
        assert status_requests(wiki_service) == [f"/api/users/{user.replace(' ', '_')}/status"]
    else:
        expect(page.locator("[class*=outreach-helper], #t-outreach-helper")).to_have_count(0)
        expected = [] if outcome == "skipped" else [f"/api/users/{user.replace(' ', '_')}/status"]
        assert status_requests(wiki_service) == expected
    # ResourceLoader ran the gadget (no "JavaScript parse error"), and nothing else failed.
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    name = "".join(c if c.isascii() and c.isalnum() else "_" for c in title)
    gadget_page.screenshot(f"wiki-{skin}-{name}")


def test_the_dialog_opens_from_the_link_on_minerva_contributions(
    open_wiki: Callable[..., GadgetPage],
) -> None:
    """Minerva has no Tools menu on special pages: the link is beside the title instead."""
    gadget_page = open_wiki(f"Special:Contributions/{ds.ADA}", useskin="minerva")
    assert gadget_page.outcome() == "event"
    gadget_page.page.locator("#t-outreach-helper a").click()
    dialog = gadget_page.page.get_by_role("dialog", name=f"Outreach Dashboard courses of {ds.ADA}")
    expect(dialog.locator(".outreach-helper-course")).to_have_count(2)
    gadget_page.screenshot("wiki-minerva-dialog")
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
