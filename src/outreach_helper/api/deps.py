"""Parameters and shared objects of the routes: validated and normalised here, so the
service only ever sees good input."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from outreach_helper.domain.flags import FlagText, parse_flag
from outreach_helper.domain.namelists import (
    MAX_NAMES,
    NAME_LIST_PATTERN,
    NameList,
    parse_name_list,
)
from outreach_helper.domain.slugs import MAX_SEGMENT_LENGTH, InvalidSlug, normalize_segment
from outreach_helper.domain.usernames import (
    MAX_USERNAME_LENGTH,
    InvalidUsername,
    normalize_username,
)
from outreach_helper.service import HelperService

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

# Dependencies are `async def` on purpose: FastAPI runs plain `def` ones in a thread pool,
# which costs more than everything else a warm answer does.


async def get_service(request: Request) -> HelperService:
    return request.app.state.service


def _has_encoded_separator(request: Request) -> bool:
    """`%2F` (or `%5C`) in the raw path: a decoded `/` would change which route matches,
    so a segment may never contain one."""
    raw = request.scope.get("raw_path") or b""
    lowered = raw.lower()
    return b"%2f" in lowered or b"%5c" in lowered


async def username_param(
    request: Request,
    username: Annotated[
        str,
        Path(
            description="A wiki username, as MediaWiki spells it or with `_` for spaces; "
            "the first letter is upper-cased, the rest is case-sensitive. Percent-encode it "
            "as one path segment.",
            examples=["Ada_Example"],
            json_schema_extra={"pattern": USERNAME_PATTERN, "maxLength": MAX_USERNAME_LENGTH},
        ),
    ],
) -> str:
    if _has_encoded_separator(request):
        raise InvalidUsername("username must not contain '/' or '\\'")
    return normalize_username(username)


async def school_param(
    request: Request,
    school: Annotated[
        str,
        Path(
            description="The school part of the course slug (before the `/`), "
            "percent-encoded as one path segment; spaces may be sent for `_`",
            examples=["Example_Wikimedians_User_Group,_Lagos"],
            json_schema_extra={"pattern": SEGMENT_PATTERN, "maxLength": MAX_SEGMENT_LENGTH},
        ),
    ],
) -> str:
    if _has_encoded_separator(request):
        raise InvalidSlug("school and title must not contain an encoded '/' or '\\'")
    return normalize_segment(school, part="school")


async def title_param(
    title_slug: Annotated[
        str,
        Path(
            description="The title part of the course slug (after the `/`), "
            "percent-encoded as one path segment; spaces may be sent for `_`",
            examples=["Wikidata_Days_2025_(November)"],
            json_schema_extra={"pattern": SEGMENT_PATTERN, "maxLength": MAX_SEGMENT_LENGTH},
        ),
    ],
) -> str:
    return normalize_segment(title_slug, part="title")


async def enrich_param(
    enrich: Annotated[
        FlagText | None,
        Query(
            description="`true` or `1`: add each course's dates, activity and staff "
            "(`false` or `0`, the default: enrollments only)",
            examples=["true"],
        ),
    ] = None,
) -> bool:
    return parse_flag(enrich)


async def event_dates_param(
    use_event_dates: Annotated[
        FlagText | None,
        Query(
            description="`true` or `1`: courses active in the event window "
            "(timeline_start..timeline_end); `false` or `0`, the default: the tracking "
            "window (start..end)",
            examples=["true"],
        ),
    ] = None,
) -> bool:
    return parse_flag(use_event_dates)


async def usernames_param(
    usernames: Annotated[
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
    ],
) -> NameList:
    return parse_name_list(usernames)


Service = Annotated[HelperService, Depends(get_service)]
Username = Annotated[str, Depends(username_param)]
School = Annotated[str, Depends(school_param)]
Title = Annotated[str, Depends(title_param)]
Enrich = Annotated[bool, Depends(enrich_param)]
UseEventDates = Annotated[bool, Depends(event_dates_param)]
Usernames = Annotated[NameList, Depends(usernames_param)]
