"""Accessibility of the gadget on the real wiki: the dialog works from the keyboard alone
(focus moves in, Tab and Shift+Tab stay inside, Escape closes and focus returns to the
link), the light is never colour alone, and the dialog is readable in dark mode.

1.39's Vector 2022 has no dark mode; newer releases mark it with a class on <html>
(`skin-theme-clientpref-night`, or `-os` to follow the system), which the tests add, with
Chromium emulating a dark colour scheme for the `-os` case.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from outreach_helper.demo import dataset as ds
from tests.browser.harness import GadgetPage
from tests.browser.mediawiki import MediaWiki

# For every text element of the open dialog: [what, its colour, the colour behind it].
COLOURS_JS = """() => {
    const dialog = document.querySelector('dialog.outreach-helper-dialog');
    const behind = (node) => {
        for (; node; node = node.parentElement) {
            const colour = getComputedStyle(node).backgroundColor;
            if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
        }
        return 'rgb(255, 255, 255)';
    };
    const texts = dialog.querySelectorAll(
        'h2, dt, dd, a, .outreach-helper-badge, .outreach-helper-school, ' +
        '.outreach-helper-ping-text, .outreach-helper-copy, .outreach-helper-ping > div');
    return Array.from(texts).filter((node) => node.offsetParent !== null).map((node) =>
        [node.className || node.tagName, getComputedStyle(node).color, behind(node)]);
}"""


def luminance(css: str) -> float:
    """WCAG relative luminance of an `rgb(...)`/`rgba(...)` colour."""
    values = [float(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    linear = [(c / 255 / 12.92) if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
              for c in values]  # fmt: skip
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def open_dialog_with_keyboard(gadget_page: GadgetPage) -> None:
    assert gadget_page.outcome() == "event"
    page = gadget_page.page
    page.focus("#t-outreach-helper a")
    page.keyboard.press("Enter")
    expect(page.locator("dialog.outreach-helper-dialog .outreach-helper-course")).to_have_count(2)


def focus_is_in_dialog(gadget_page: GadgetPage) -> bool:
    return gadget_page.page.evaluate(
        "() => document.querySelector('dialog.outreach-helper-dialog')"
        ".contains(document.activeElement)"
    )


@pytest.mark.parametrize("skin", ["vector-2022", "minerva"])
def test_the_dialog_works_from_the_keyboard(
    open_wiki: Callable[..., GadgetPage], skin: str
) -> None:
    gadget_page = open_wiki(f"User:{ds.ADA}", useskin=skin)
    open_dialog_with_keyboard(gadget_page)
    page = gadget_page.page
    assert focus_is_in_dialog(gadget_page)
    stops = page.evaluate(
        "() => document.querySelectorAll('dialog.outreach-helper-dialog a[href],"
        " dialog.outreach-helper-dialog button, dialog.outreach-helper-dialog input').length"
    )
    for key in ["Tab"] * (stops + 3) + ["Shift+Tab"] * (stops + 3):
        page.keyboard.press(key)
        assert focus_is_in_dialog(gadget_page), f"{key} left the dialog"
    page.keyboard.press("Escape")
    expect(page.locator("dialog.outreach-helper-dialog")).to_be_hidden()
    assert page.evaluate("() => document.activeElement.closest('#t-outreach-helper') !== null")
    assert gadget_page.uncaught == [] and gadget_page.script_errors == []


def test_the_close_button_returns_focus_too(open_wiki: Callable[..., GadgetPage]) -> None:
    gadget_page = open_wiki(f"Special:Contributions/{ds.ADA}", useskin="timeless")
    open_dialog_with_keyboard(gadget_page)
    page = gadget_page.page
    expect(page.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("dialog.outreach-helper-dialog")).to_be_hidden()
    assert page.evaluate("() => document.activeElement.closest('#t-outreach-helper') !== null")


def test_lights_differ_in_shape_not_only_colour(
    open_wiki: Callable[..., GadgetPage],
) -> None:
    gadget_page = open_wiki("Special:RecentChanges", useskin="vector-2022")
    page = gadget_page.page
    expect(page.locator(".outreach-helper-mark.outreach-helper-light-tracking")).not_to_have_count(0)
    # Lists mark people in a current course only: no grey marks.
    expect(page.locator(".outreach-helper-mark.outreach-helper-light-inactive")).to_have_count(0)
    shapes = page.evaluate(
        """() => Object.fromEntries(['event', 'tracking'].map((state) => {
            const style = getComputedStyle(
                document.querySelector('.outreach-helper-mark.outreach-helper-light-' + state));
            return [state, [style.backgroundImage, style.backgroundColor, style.borderTopWidth]];
        }))"""
    )
    # Full disc, half disc: not the same once colour is taken away.
    without_colour = {state: (image != "none", fill != "rgba(0, 0, 0, 0)", border)
                      for state, (image, fill, border) in shapes.items()}  # fmt: skip
    assert len(set(without_colour.values())) == 2, shapes
    # And each says what it means in words, to screen readers and on hover.
    for mark in page.locator(".outreach-helper-mark").all():
        assert mark.get_attribute("role") == "img"
        assert mark.get_attribute("aria-label") == mark.get_attribute("title") != ""


@pytest.mark.parametrize(
    ("theme", "scheme", "dark"),
    [
        ("skin-theme-clientpref-night", "light", True),  # newer releases, "dark" chosen
        ("skin-theme-clientpref-os", "dark", True),  # "automatic", with a dark system
        ("skin-theme-clientpref-os", "light", False),  # "automatic", with a light system
        ("", "dark", False),  # 1.39: no dark mode in the skin, so the dialog stays light
    ],
)
def test_the_dialog_is_readable_light_or_dark(
    wiki: MediaWiki,
    patroller: BrowserContext,
    theme: str,
    scheme: str,
    dark: bool,
) -> None:
    page = patroller.new_page()
    page.emulate_media(color_scheme=scheme)
    gadget_page = GadgetPage(page)
    page.goto(wiki.url(f"User:{ds.ADA}", useskin="vector-2022"))
    if theme:
        page.evaluate("(theme) => document.documentElement.classList.add(theme)", theme)
    open_dialog_with_keyboard(gadget_page)
    colours = page.evaluate(COLOURS_JS)
    assert len(colours) > 10
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('dialog.outreach-helper-dialog'))"
        ".backgroundColor"
    )
    assert (luminance(background) < 0.05) is dark, background
    poor = [(what, fg, bg, round(contrast(fg, bg), 2)) for what, fg, bg in colours
            if contrast(fg, bg) < 4.5]  # fmt: skip
    assert poor == [], "below WCAG AA contrast (4.5:1)"
    gadget_page.screenshot(f"wiki-dialog-{theme or 'plain'}-{scheme}")
