"""Route parameters (documented for OpenAPI), their validation, and the shared service.

The routes call these helpers themselves instead of declaring FastAPI dependencies:
resolving each dependency cost about a tenth of a warm answer. The service only ever
sees validated, normalised input.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request

from outreach_helper.combined import ALL, Everywhere, Services
from outreach_helper.domain.flags import FlagText
from outreach_helper.domain.namelists import (
    MAX_NAMES,
    NAME_LIST_PATTERN,
)
from outreach_helper.domain.slugs import MAX_SEGMENT_LENGTH, InvalidSlug, normalize_segment
from outreach_helper.domain.usernames import (
    MAX_USERNAME_LENGTH,
    InvalidUsername,
    normalize_username_cached,
)
from outreach_helper.service import HelperService
from outreach_helper.upstreams import UnknownDashboard

# What the OpenAPI document promises about path segments, for clients and for schemathesis:
# every string matching these is accepted by the normalisers below (tests/unit/
# test_patterns.py checks it). They are documentation only; the normalisers decide, with
# a 400 that says why.
_NEVER = r"/\\\u0000-\u001f\u007f-\u009f"
_NOT_IN_USERNAMES = _NEVER + r"#<>\[\]|{}\ufffd"
_SPACES = r"_\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_U = _NOT_IN_USERNAMES
USERNAME_PATTERN = rf"^[^{_U}]*[^{_U}{_SPACES}][^{_U}]*$"
SEGMENT_PATTERN = rf"^[^{_NEVER}]*[^{_NEVER}\s.][^{_NEVER}]*$"
# `/api/participants` refuses a list with an empty or invalid name (400): the document
# promises 1 to 50 names of at most 201 characters each, each with a visible character.
_NAME_ITEM = rf"[^{_U}]{{0,100}}[^{_U}{_SPACES}][^{_U}]{{0,100}}"
PARTICIPANT_NAMES_PATTERN = rf"^{_NAME_ITEM}(\|{_NAME_ITEM}){{0,{MAX_NAMES - 1}}}$"


def service_of(request: Request) -> HelperService:
    """The default dashboard's service, created once in `main.py`'s lifespan."""
    return request.app.state.service


# `dashboard=` is read by the endpoints themselves (its values are configured, not a
# `Literal`), so the quick route still calls them directly; this documents it.
def dashboard_parameter(*, everywhere: bool) -> dict[str, object]:
    also = f" or `{ALL}` for every configured dashboard in one answer" if everywhere else ""
    return {
        "name": "dashboard",
        "in": "query",
        "required": False,
        "description": f"Which dashboard to ask: a name from `DASHBOARDS`{also}; the "
        "default is the first configured. An unknown name is a 400 that lists the "
        "configured ones.",
        "schema": {"type": "string", "pattern": r"^[a-z0-9]{1,32}$"},
        "examples": {"one": {"value": "outreach"}, **({"all": {"value": ALL}} if everywhere
                                                     else {})},
    }  # fmt: skip


def name_the_dashboards(document: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The OpenAPI document with `dashboard=`'s values the configured names (and `all`
    where it is allowed): they are known only once the settings are."""
    for operation in (op for path in document.get("paths", {}).values() for op in path.values()):
        for parameter in operation.get("parameters", ()):
            if parameter.get("name") == "dashboard" and parameter.get("in") == "query":
                everywhere = "all" in parameter.get("examples", {})
                parameter["schema"] = {
                    "type": "string",
                    "enum": [*names, *([ALL] if everywhere else [])],
                }
    return document


def service_for(request: Request, *, everywhere: bool = True) -> HelperService | Everywhere:
    """The service `dashboard=` names (the default one without it): empty, repeated or
    unknown is a 400 listing the configured names, as is `all` where not allowed."""
    services: Services = request.app.state.services
    # Most requests name no dashboard: skip parsing their query (50 names cost ~10 us).
    if b"dashboard" not in request.scope.get("query_string", b""):
        return services.default
    sent = request.query_params.getlist("dashboard")
    if not sent:
        return services.default
    if len(sent) > 1:
        raise UnknownDashboard(",".join(sent), services.names, why="give dashboard= once")
    if not sent[0]:
        raise UnknownDashboard("", services.names, why="a dashboard's name is needed")
    return services.pick(sent[0], everywhere=everywhere)


def _has_encoded_separator(request: Request) -> bool:
    """`%2F` (or `%5C`) in the raw path: a decoded `/` would change which route matches,
    so a segment may never contain one."""
    raw = request.scope.get("raw_path") or b""
    lowered = raw.lower()
    return b"%2f" in lowered or b"%5c" in lowered


UsernamePath = Annotated[
    str,
    Path(
        description="A wiki username, as MediaWiki spells it or with `_` for spaces; "
        "the first letter is upper-cased, the rest is case-sensitive. Percent-encode it "
        "as one path segment.",
        examples=["Ada_Example"],
        json_schema_extra={"pattern": USERNAME_PATTERN, "maxLength": MAX_USERNAME_LENGTH},
    ),
]


def valid_username(request: Request, username: str) -> str:
    """The normalised username, or InvalidUsername (a 400)."""
    if _has_encoded_separator(request):
        raise InvalidUsername("username must not contain '/' or '\\'")
    return normalize_username_cached(username)


SchoolPath = Annotated[
    str,
    Path(
        description="The school part of the course slug (before the `/`), "
        "percent-encoded as one path segment; spaces may be sent for `_`",
        examples=["Example_Wikimedians_User_Group,_Lagos"],
        json_schema_extra={"pattern": SEGMENT_PATTERN, "maxLength": MAX_SEGMENT_LENGTH},
    ),
]
TitlePath = Annotated[
    str,
    Path(
        description="The title part of the course slug (after the `/`), "
        "percent-encoded as one path segment; spaces may be sent for `_`",
        examples=["Wikidata_Days_2025_(November)"],
        json_schema_extra={"pattern": SEGMENT_PATTERN, "maxLength": MAX_SEGMENT_LENGTH},
    ),
]


def valid_course(request: Request, school: str, title: str) -> tuple[str, str]:
    """The normalised (school, title), or InvalidSlug (a 400)."""
    if _has_encoded_separator(request):
        raise InvalidSlug("school and title must not contain an encoded '/' or '\\'")
    return normalize_segment(school, part="school"), normalize_segment(title, part="title")


EnrichFlag = Annotated[
    FlagText | None,
    Query(
        description="`true` or `1`: add each course's dates, activity and staff "
        "(`false` or `0`, the default: enrollments only)",
        examples=["true"],
    ),
]
EventDatesFlag = Annotated[
    FlagText | None,
    Query(
        description="`true` or `1`: courses active in the event window "
        "(timeline_start..timeline_end); `false` or `0`, the default: the tracking "
        "window (start..end)",
        examples=["true"],
    ),
]


UsernamesQuery = Annotated[
    str,
    Query(
        description=f"Up to {MAX_NAMES} usernames separated by `|`, as the MediaWiki "
        "API takes them; spellings of one user are merged, empty items skipped (so "
        "`usernames=` is an empty answer); at most 5000 characters",
        # Percent-encoded, 5000 characters stay within what the HTTP server parses.
        max_length=5000,
        pattern=NAME_LIST_PATTERN,
        examples=["Ada_Example|Zoë Müller|Does Not Exist"],
    ),
]
