"""The gadget in the reader's language on the real MediaWiki 1.39 (ResourceLoader validating
scripts, the gadget installed from the README's pages, translations as JSON pages of the
package gadget): Arabic laid out right to left on the five skins without overlapping the
title; German with PLURAL and GENDER; Brazilian Portuguese falling back to Portuguese for
what it does not say itself; a language without a file falling back through MediaWiki's
chain (Egyptian Arabic to Arabic) or to English (Dutch); a user's own messages winning, an
emptied one passed over; no extra request, dates not in English, no console error.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from outreach_helper import gadget
from outreach_helper.demo import dataset as ds
from tests.browser.conftest import Service
from tests.browser.harness import GadgetPage
from tests.browser.mediawiki import MediaWiki
from tests.browser.wiki_content import (
    LOCAL_LINK_EVENT,
    readme_definition,
)

SKINS = ["vector", "vector-2022", "monobook", "timeless", "minerva"]
LINK = "#t-outreach-helper a"
DIALOG = "dialog.outreach-helper-dialog"
# How en-US writes a course date ("Nov 23, 2026"); German "23. Nov. 2026" is not it.
ENGLISH_DATE = re.compile(r"\b[A-Z][a-z]{2} \d{1,2}, \d{4}")
PREFIX = "outreach-helper-"


def text(code: str, key: str) -> str:
    """A message of a language file, as the reader sees it when it has no PLURAL/GENDER."""
    return str(gadget.messages(code)[PREFIX + key])


def before_param(code: str, key: str) -> str:
    """The text of a message up to its first $N: what a test can expect to see verbatim."""
    return re.split(r"\$\d", text(code, key))[0].strip()


def rect(page: Page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "(n) => { const r = n.getBoundingClientRect(); "
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"
    )


def heading_text_rect(page: Page) -> dict:
    """Where the title's letters are (not its block, which spans the whole width)."""
    return page.evaluate(
        """() => {
            const heading = document.getElementById('firstHeading');
            const range = document.createRange();
            range.selectNodeContents(heading);
            const r = range.getBoundingClientRect();
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
        }"""
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def open_dialog(gadget_page: GadgetPage) -> Page:
    page = gadget_page.page
    page.locator(LINK).click()
    expect(page.locator(f"{DIALOG} .outreach-helper-course")).to_have_count(2)
    return page


def no_errors(gadget_page: GadgetPage) -> None:
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def service_paths(service: Service) -> list[str]:
    return sorted(seen.path for seen in service.requests("GET"))


def test_the_readme_installs_every_translation() -> None:
    definition = readme_definition()
    assert "|package" in definition and "mediawiki.jqueryMsg" in definition
    for code in gadget.translations():
        assert f"|outreach-helper-i18n-{code}.json" in definition


@pytest.mark.parametrize("skin", SKINS)
def test_arabic_right_to_left_on_every_skin(
    wiki_service: Service, open_wiki: Callable[..., GadgetPage], skin: str
) -> None:
    gadget_page = open_wiki(f"User:{ds.ADA}", useskin=skin, uselang="ar")
    assert gadget_page.outcome() == "event"
    page = gadget_page.page
    link = page.locator(LINK)
    expect(link).to_have_text(text("ar", "link-event"))
    expect(link).to_be_in_viewport()
    assert ds.ADA in link.get_attribute("title")
    assert link.get_attribute("title").startswith("لدى")
    item = page.locator("#t-outreach-helper")
    assert item.get_attribute("dir") == "rtl" and item.get_attribute("lang") == "ar"
    assert link.evaluate("(a) => getComputedStyle(a).direction") == "rtl"
    # The light comes first in reading order: on the right.
    light, label = (
        rect(page, f"{LINK} .outreach-helper-light"),
        rect(page, f"{LINK} span:not(.outreach-helper-light)"),
    )
    assert light["left"] >= label["right"] - 1, (light, label)
    assert not overlap(rect(page, "#t-outreach-helper"), heading_text_rect(page))
    # Only the status on a page view: the translations came with the gadget's module.
    assert service_paths(wiki_service) == [f"/api/users/{ds.ADA.replace(' ', '_')}/status"]

    open_dialog(gadget_page)
    dialog = page.locator(DIALOG)
    assert dialog.evaluate("(d) => getComputedStyle(d).direction") == "rtl"
    assert dialog.get_attribute("lang") == "ar"
    heading = dialog.locator("h2")
    expect(heading).to_have_text(text("ar", "dialog-title").replace("$1", ds.ADA))
    expect(heading.locator("bdi")).to_have_text(ds.ADA)
    # The close button in the top left corner, the heading to its right.
    assert (
        rect(page, f"{DIALOG} .outreach-helper-close")["right"]
        <= rect(page, f"{DIALOG} h2")["left"] + 1
    )
    # Ping: the field first (right), then the button (left).
    field, button = (
        rect(page, f"{DIALOG} .outreach-helper-ping-text"),
        rect(page, f"{DIALOG} .outreach-helper-copy"),
    )
    assert button["right"] <= field["left"] + 1
    course = dialog.locator(".outreach-helper-course").first
    facts = dict(
        zip(
            course.locator("dt").all_inner_texts(),
            course.locator("dd").all_inner_texts(),
            strict=True,
        )
    )
    dates = facts[text("ar", "dates")]
    assert not re.search(r"[A-Za-z]", dates), dates  # Arabic month names and digits
    assert facts[text("ar", "role")] == "ميسّرة"  # {{GENDER:}}: Ada chose female
    assert "،" in facts["الميسّران"]  # PLURAL: the dual of the label; the Arabic comma
    expect(dialog.locator(".outreach-helper-count")).to_have_text("دورتان")  # PLURAL: two
    expect(course.locator(".outreach-helper-course-title")).to_have_attribute("dir", "auto")
    gadget_page.screenshot(f"wiki-{skin}-ar-dialog")
    no_errors(gadget_page)


def test_arabic_marks_in_a_list_sit_after_the_name(open_wiki: Callable[..., GadgetPage]) -> None:
    gadget_page = open_wiki("Special:RecentChanges", uselang="ar", hidebots="0", days="30")
    page = gadget_page.page
    mark = page.locator(".outreach-helper-mark").first
    expect(mark).to_be_visible()
    name = mark.evaluate("(m) => m.previousElementSibling.getBoundingClientRect().left")
    assert rect(page, ".outreach-helper-mark")["right"] <= name + 1
    title = mark.get_attribute("title")
    assert title.startswith("لدى") and "\u2068" in title  # the name isolated inside Arabic
    gadget_page.screenshot("wiki-vector-ar-recentchanges")
    no_errors(gadget_page)


def test_german_with_plural_and_gender(open_wiki: Callable[..., GadgetPage]) -> None:
    gadget_page = open_wiki(f"User:{ds.ADA}", uselang="de")
    assert gadget_page.outcome() == "event"
    page = gadget_page.page
    expect(page.locator(LINK)).to_have_text("Outreach: Veranstaltung läuft")
    assert page.locator("#t-outreach-helper").get_attribute("dir") == "ltr"
    open_dialog(gadget_page)
    dialog = page.get_by_role("dialog", name=f"Kurse von {ds.ADA} im Outreach Dashboard")
    expect(dialog.locator(".outreach-helper-count")).to_have_text("2 Kurse")
    courses = dialog.locator(".outreach-helper-course")
    first = dict(zip(courses.first.locator("dt").all_inner_texts(),
                     courses.first.locator("dd").all_inner_texts(), strict=True))  # fmt: skip
    assert first["Rolle"] == "Kursleiterin"
    assert not ENGLISH_DATE.search(first["Zeitraum"]), first["Zeitraum"]
    assert re.search(r"\d{1,2}\. \w", first["Zeitraum"]), first["Zeitraum"]  # "16. Nov. 2026"
    labels = courses.first.locator("dt").all_inner_texts()
    assert labels[-1] in {"Kursleitung", "Kursleitende"}
    expect(dialog.locator(".outreach-helper-badge").first).to_have_text("Veranstaltung läuft")
    expect(dialog.get_by_role("button", name="Kopieren")).to_be_visible()
    gadget_page.screenshot("wiki-vector-de-dialog")
    no_errors(gadget_page)


def test_brazilian_portuguese_falls_back_to_portuguese(
    open_wiki: Callable[..., GadgetPage],
) -> None:
    gadget_page = open_wiki(f"User:{ds.ADA}", useskin="vector-2022", uselang="pt-br")
    assert gadget_page.outcome() == "event"
    page = gadget_page.page
    expect(page.locator(LINK)).to_have_text(text("pt-br", "link-event"))  # its own
    assert PREFIX + "dates" not in gadget.messages("pt-br")  # so it must come from pt
    open_dialog(gadget_page)
    dialog = page.locator(DIALOG)
    course = dialog.locator(".outreach-helper-course").first
    labels = course.locator("dt").all_inner_texts()
    assert labels[:2] == [text("pt", "dates"), text("pt", "event-dates")]  # from pt.json
    dates = course.locator("dd").first.inner_text()
    assert not ENGLISH_DATE.search(dates) and " de " in dates, dates  # "16 de nov. de 2026"
    expect(dialog.locator(".outreach-helper-ping > div").first).to_have_text(
        text("pt-br", "ping-active")
    )
    gadget_page.screenshot("wiki-vector-2022-pt-br-dialog")
    no_errors(gadget_page)


@pytest.mark.parametrize(("uselang", "expected"), [("arz", "ar"), ("nl", "en"), ("pt", "pt")])
def test_a_language_without_its_own_file(
    open_wiki: Callable[..., GadgetPage], uselang: str, expected: str
) -> None:
    gadget_page = open_wiki(f"User:{ds.ELODIE}", uselang=uselang)
    assert gadget_page.outcome() == "tracking"
    expect(gadget_page.page.locator(LINK)).to_have_text(text(expected, "link-tracking"))
    no_errors(gadget_page)


def test_a_users_own_messages_win_and_an_emptied_one_is_passed_over(
    tinkerer: BrowserContext, open_wiki: Callable[..., GadgetPage]
) -> None:
    """The tinkerer's common.js sets the event link's text, and empties the tracking one."""
    event = open_wiki(f"User:{ds.ADA}", context=tinkerer, uselang="de")
    assert event.outcome() == "event"
    expect(event.page.locator(LINK)).to_have_text(LOCAL_LINK_EVENT)
    tracking = open_wiki(f"User:{ds.ELODIE}", context=tinkerer, uselang="de")
    assert tracking.outcome() == "tracking"
    expect(tracking.page.locator(LINK)).to_have_text("Outreach: aktiver Kurs")
    no_errors(event)
    no_errors(tracking)


def test_a_broken_translation_falls_back_to_english(
    patroller: BrowserContext, wiki: MediaWiki
) -> None:
    """What ResourceLoader sends is changed on the way, as a wiki's broken page would be: the
    Arabic event link emptied, its tooltip without $1, the count's PLURAL unclosed."""

    def breaking(route: Route) -> None:
        body = route.fetch().text()
        for key, broken in [
            ("link-event", ""),
            ("tooltip-event", "فعالية جارية"),
            ("course-count", "{{PLURAL:$1|دورة|$2 دورات"),
        ]:
            body, count = re.subn(
                rf'("{PREFIX}{key}":)"(?:[^"\\]|\\.)*"',
                lambda m, broken=broken: m.group(1) + f'"{broken}"',
                body,
                count=1,
            )
            assert count == 1, key
        route.fulfill(body=body, headers={"content-type": "text/javascript; charset=utf-8"})

    gadget_page = GadgetPage(patroller.new_page())
    page = gadget_page.page
    # Before the first page: ResourceLoader keeps modules in localStorage after it.
    page.route(re.compile(r"/load\.php\?.*outreach-helper"), breaking)
    page.goto(wiki.url(f"User:{ds.ADA}", uselang="ar"))
    assert gadget_page.outcome() == "event"
    link = page.locator(LINK)
    expect(link).to_have_text(gadget.messages("en")[PREFIX + "link-event"])
    assert link.get_attribute("title").startswith("\u2068" + ds.ADA)  # the English tooltip
    open_dialog(gadget_page)
    expect(page.locator(f"{DIALOG} .outreach-helper-count")).to_have_text("2 courses")
    heading = text("ar", "dialog-title").replace("$1", ds.ADA)
    expect(page.locator(f"{DIALOG} h2")).to_have_text(heading)  # the rest stays Arabic
    warnings = [
        m.text for m in gadget_page.console if m.type == "warning" and "passed over" in m.text
    ]
    assert len(warnings) == 3, warnings
    gadget_page.screenshot("wiki-vector-ar-broken-translation")
    no_errors(gadget_page)


# What ResourceLoader sent for the gadget's module with uselang=ar before the translations
# (2026-12-07: 24,039 bytes, 6,979 gzipped, script and style sheet); the budget is
# less than 12 KB more, gzipped.
BEFORE_GZIPPED = 6979
BUDGET_GZIPPED = BEFORE_GZIPPED + 12 * 1024


def test_what_the_reader_downloads_stays_small(wiki: MediaWiki) -> None:
    url = f"{wiki.base_url}/load.php"
    query = {"lang": "ar", "modules": "ext.gadget.outreach-helper", "skin": "vector"}
    body = httpx.get(url, params=query, headers={"Accept-Encoding": "identity"}, timeout=30).content
    assert b'"outreach-helper-i18n-ar.json"' in body and b"mw.loader.implement" in body
    assert b"JavaScript parse error" not in body
    gzipped = len(gzip.compress(body, 9))
    print(f"ResourceLoader, uselang=ar: {len(body)} bytes, {gzipped} gzipped")  # for the README
    assert gzipped < BUDGET_GZIPPED
