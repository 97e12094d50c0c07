"""What MediaWiki would tell a gadget about a page: the demo's stand-in for `mw.config`.

Only the variables the gadget reads, computed from a title the way MediaWiki does, so the
demo exercises the gadget's own decisions (which pages it acts on, for which user).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NS_SPECIAL, NS_MAIN, NS_USER, NS_USER_TALK = -1, 0, 2, 3
_NAMESPACES = {"special": NS_SPECIAL, "user": NS_USER, "user talk": NS_USER_TALK}
_CANONICAL = {NS_SPECIAL: "Special", NS_MAIN: "", NS_USER: "User", NS_USER_TALK: "User_talk"}
# Special pages whose subpage names a user, as MediaWiki's relevant user.
_USER_SPECIAL_PAGES = {
    name.lower(): name for name in ("Contributions", "DeletedContributions", "Block", "EmailUser")
}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


@dataclass(frozen=True)
class WikiPage:
    """A page of the demo wiki: its display title and what `mw.config` says about it."""

    title: str  # with spaces, as shown in the heading
    namespace: int
    special_page: str | None  # canonical name, e.g. "Contributions"
    relevant_user: str | None

    @property
    def db_key(self) -> str:
        return self.title.replace(" ", "_")

    def config(self, user_language: str, article_path: str) -> dict[str, object]:
        """The `mw.config` values of this page (those the gadget and the stand-in read)."""
        values: dict[str, object] = {
            "wgPageName": self.db_key,
            "wgTitle": self.title.split(":", 1)[1] if self.namespace != NS_MAIN else self.title,
            "wgNamespaceNumber": self.namespace,
            "wgCanonicalNamespace": _CANONICAL[self.namespace],
            "wgCanonicalSpecialPageName": self.special_page or False,
            "wgUserLanguage": user_language,
            "wgContentLanguage": "en",
            "wgUserName": "Demo Viewer",
            "wgArticlePath": article_path,
            "wgServer": "",
        }
        if self.relevant_user:  # MediaWiki leaves the variable out when there is none
            values["wgRelevantUserName"] = self.relevant_user
        return values


def parse_title(raw: str) -> WikiPage:
    """``User:Ada_Example/Sandbox`` -> a User page whose relevant user is "Ada Example"."""
    title = " ".join(raw.replace("_", " ").split()) or "Main Page"
    prefix, colon, rest = title.partition(":")
    namespace = _NAMESPACES.get(prefix.lower()) if colon else None
    if namespace is None or not rest:
        return WikiPage(_ucfirst(title), NS_MAIN, None, None)
    rest = _ucfirst(rest.strip())
    prefix = _CANONICAL[namespace].replace("_", " ")
    if namespace == NS_SPECIAL:
        name, _, target = rest.partition("/")
        special = _USER_SPECIAL_PAGES.get(name.lower().replace(" ", ""))
        user = _ucfirst(target.strip()) if special and target.strip() else None
        display = f"{prefix}:{special or name}" + (f"/{target}" if target else "")
        return WikiPage(display, NS_SPECIAL, special or name, user)
    # On User: and User talk: pages (and their subpages) the root names the user.
    user = _ucfirst(rest.split("/", 1)[0].strip()) or None
    return WikiPage(f"{prefix}:{rest}", namespace, None, user)


def user_language(requested: str | None) -> str:
    """``?uselang=`` as MediaWiki accepts it (a plausible code), else English."""
    if requested and _LANGUAGE.match(requested.lower()):
        return requested.lower()
    return "en"


def _ucfirst(text: str) -> str:
    return text[:1].upper() + text[1:]
