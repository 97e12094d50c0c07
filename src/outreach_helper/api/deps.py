"""Parameters and shared objects of the routes: validated and normalised here, so the
service only ever sees good input."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from outreach_helper.domain.flags import FlagText, parse_flag
from outreach_helper.domain.namelists import MAX_NAMES, NameList, parse_name_list
from outreach_helper.domain.slugs import InvalidSlug, normalize_segment
from outreach_helper.domain.usernames import (
    MAX_USERNAME_LENGTH,
    InvalidUsername,
    normalize_username,
)
from outreach_helper.service import HelperService

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
            "API takes them; spellings of one user are merged, empty items skipped",
            max_length=MAX_NAMES * (MAX_USERNAME_LENGTH + 1),
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
