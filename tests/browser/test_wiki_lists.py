"""Course participants marked in the real wiki's lists: Recent changes (also grouped, and
with live updates), the Watchlist, a page history, New pages and the log.

Each list asks `/api/participants` once for its distinct names (no Dashboard request per
name), skips IP addresses, marks only the names in a current course (with the light's
class, a title that says what it means, and the facilitator's class where it applies), and
a name already answered on the page is never asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import BrowserContext, expect

from outreach_helper.demo import dataset as ds
from tests.browser.conftest import Service
from tests.browser.harness import OUTCOME_TIMEOUT_MS, GadgetPage
from tests.browser.mediawiki import MediaWiki
from tests.browser.wiki_content import (
    ARTICLE,
    IP_EDITOR,
    IP_ONLY_ARTICLE,
    MARKS,
    later_edit,
)

TITLES = {
    "event": "is in an Outreach Dashboard event happening now",
    "tracking": "is in an active Outreach Dashboard course; no event is on right now",
    "inactive": "has Outreach Dashboard courses, none of them active",
}

# [name, the mark's light or "", the mark's title] for every username link in the content.
ROWS_JS = """() => Array.from(document.querySelectorAll('#mw-content-text a.mw-userlink'))
    .map((link) => {
        const next = link.nextElementSibling;
        const mark = next && next.classList.contains('outreach-helper-mark') ? next : null;
        const light = mark ?
            [...mark.classList].find((c) => /^outreach-helper-light-/.test(c)) : '';
        return [link.textContent.trim(), (light || '').replace('outreach-helper-light-', ''),
                mark ? mark.title : ''];
    })"""


def batches(service: Service) -> list[list[str]]:
    """The names of each batch request the service received, in order."""
    return [
        parse_qs(seen.query)["usernames"][0].split("|")
        for seen in service.requests("GET")
        if seen.path == "/api/participants"
    ]


def wait_for_marks(gadget_page: GadgetPage) -> None:
    """Until the gadget has applied an answered batch (the hook remembers a past firing)."""
    gadget_page.page.evaluate(
        """(timeout) => new Promise((resolve, reject) => {
            mw.hook('outreachHelper.marked').add(resolve);
            setTimeout(() => reject(new Error('no batch was answered')), timeout);
        })""",
        OUTCOME_TIMEOUT_MS,
    )


def check_rows(gadget_page: GadgetPage) -> set[str]:
    """Every row's mark is what its user's courses say; returns the account names listed
    (without the IP address, which is listed too)."""
    rows = gadget_page.page.evaluate(ROWS_JS)
    assert rows, "no username links on the page"
    for name, light, title in rows:
        assert name in MARKS, f"unexpected user {name}"
        assert light == MARKS[name], (name, light)
        if light:
            assert title == f"{name} {TITLES[light]}"
    return {name for name, _, _ in rows} - {IP_EDITOR}


def test_recent_changes_one_batch_and_only_enrolled_rows_marked(
    wiki_service: Service, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki("Special:RecentChanges", useskin="vector-2022")
    wait_for_marks(gadget_page)
    names = check_rows(gadget_page)
    page = gadget_page.page
    assert {ds.ADA, ds.NOBODY} <= names  # an enrolled and an unenrolled editor
    expect(page.locator(".outreach-helper-mark")).not_to_have_count(0)
    # The IP address's rows are listed, never asked about, never marked.
    expect(page.locator("a.mw-anonuserlink", has_text=IP_EDITOR)).not_to_have_count(0)
    [batch] = batches(wiki_service)
    assert sorted(batch) == sorted(names) and IP_EDITOR not in batch
    assert len(batch) == len(set(batch))  # each name once, however many rows
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    gadget_page.screenshot("wiki-recentchanges")


def test_grouped_recent_changes(
    wiki_service: Service, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki("Special:RecentChanges", useskin="vector-2022", enhanced="1")
    expect(gadget_page.page.locator("table.mw-enhanced-rc")).not_to_have_count(0)
    wait_for_marks(gadget_page)
    names = check_rows(gadget_page)
    [batch] = batches(wiki_service)
    assert sorted(batch) == sorted(names)
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    gadget_page.screenshot("wiki-recentchanges-grouped")


def test_live_updates_ask_only_about_new_names(
    wiki: MediaWiki, wiki_service: Service, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki("Special:RecentChanges", useskin="vector-2022")
    page = gadget_page.page
    wait_for_marks(gadget_page)
    first = batches(wiki_service)
    assert len(first) == 1
    page.locator(".mw-rcfilters-ui-liveUpdateButtonWidget").click()
    wiki.apply(later_edit(ds.ZOE, "'''Lagos''' is the largest city in Nigeria."))
    wiki.apply(later_edit(ds.ADA, "'''Lagos''' is the largest city in Nigeria!"))
    # The live update brings Zoë's edit (and Ada's, whose answer the page already has).
    zoe = page.locator("#mw-content-text a.mw-userlink", has_text=ds.ZOE)
    expect(zoe.first).to_be_visible(timeout=30_000)
    page.wait_for_function(
        """(name) => Array.from(document.querySelectorAll('a.mw-userlink')).some((link) =>
            link.textContent.trim() === name && link.nextElementSibling &&
            link.nextElementSibling.classList.contains('outreach-helper-mark'))""",
        arg=ds.ZOE,
        timeout=30_000,
    )
    check_rows(gadget_page)
    assert batches(wiki_service) == [*first, [ds.ZOE]]
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    gadget_page.screenshot("wiki-recentchanges-live")


@pytest.mark.parametrize(
    ("title", "query", "listed"),
    [
        ("Special:Watchlist", {}, {ds.ADA, ds.NOBODY}),
        (ARTICLE, {"action": "history"}, {ds.ADA, ds.NOBODY}),
        ("Special:NewPages", {}, {ds.ADA}),
        ("Special:Log", {}, {ds.ADA, ds.ELODIE, ds.PAST, ds.NOBODY}),
    ],
)
def test_other_lists_are_marked_too(
    wiki_service: Service,
    open_wiki: Callable[..., GadgetPage],
    title: str,
    query: dict[str, str],
    listed: set[str],
) -> None:
    gadget_page = open_wiki(title, useskin="vector-2022", **query)
    wait_for_marks(gadget_page)
    names = check_rows(gadget_page)
    assert listed <= names
    [batch] = batches(wiki_service)
    assert sorted(batch) == sorted(names)
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []
    gadget_page.screenshot(f"wiki-list-{title.replace(':', '_')}-{'-'.join(query.values())}")


def test_no_request_for_a_list_without_names(
    wiki_service: Service, open_wiki: Callable[..., GadgetPage]
) -> None:
    gadget_page = open_wiki(IP_ONLY_ARTICLE, useskin="vector-2022", action="history")
    page = gadget_page.page
    assert gadget_page.outcome() == "skipped"
    expect(page.locator("a.mw-anonuserlink")).not_to_have_count(0)
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 500))")  # idle work
    assert wiki_service.log == []
    expect(page.locator(".outreach-helper-mark")).to_have_count(0)


def test_marks_can_be_turned_off_and_the_portlet_chosen(
    wiki_service: Service, tinkerer: BrowserContext, open_wiki: Callable[..., GadgetPage]
) -> None:
    """The tinkerer's common.js sets { portlet: 'p-cactions', marks: false }; the gadget reads
    its settings after the user's scripts, so both count."""
    gadget_page = open_wiki("Special:RecentChanges", context=tinkerer, useskin="vector-2022")
    assert gadget_page.outcome() == "skipped"
    gadget_page.page.wait_for_load_state("networkidle")
    assert batches(wiki_service) == []
    expect(gadget_page.page.locator(".outreach-helper-mark")).to_have_count(0)

    user_page = open_wiki(f"User:{ds.ADA}", context=tinkerer, useskin="vector")
    assert user_page.outcome() == "event"
    expect(user_page.page.locator("#p-cactions #t-outreach-helper")).to_have_count(1)
    assert user_page.uncaught == [] and user_page.script_errors == []
