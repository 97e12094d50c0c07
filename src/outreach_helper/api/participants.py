"""`/api/participants`: which of up to 50 names take part in a current course, for the
gadget's marks in lists; answered from the participants knowledge, never per name."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from outreach_helper.api.deps import ParticipantNamesQuery, service_of
from outreach_helper.api.models import ParticipantsAnswer, answer_responses
from outreach_helper.api.respond import json_answer
from outreach_helper.api.routing import QuickRoute
from outreach_helper.domain.namelists import parse_name_list
from outreach_helper.domain.usernames import InvalidUsername

router = APIRouter(route_class=QuickRoute, prefix="/api/participants", tags=["users"])


def valid_names(raw: str) -> list[str]:
    """1 to 50 normalised names; any empty or invalid one is a 400 (nothing is fetched)."""
    if any(not item.strip() for item in raw.split("|")):
        raise InvalidUsername("usernames: 1 to 50 names separated by '|', none empty")
    names = parse_name_list(raw)
    if names.invalid:
        sent, why = names.invalid[0]
        raise InvalidUsername(f"usernames: {sent!r}: {why}")
    return names.names


@router.get(
    "",
    response_model=ParticipantsAnswer,
    responses=answer_responses(
        "The names that take part in a current course; any other is in none"
    ),
    summary="Which of up to 50 users are in a current course",
    description="For gadgets that mark course participants on Recent changes, watchlists "
    "and histories: one request per 50 names, answered from what the service knows of the "
    "current courses and their people (refreshed every PARTICIPANTS_TTL seconds), never "
    "with a Dashboard request per name. `state` is `event` when the event window of one of "
    "the person's current courses contains now, else `tracking`; `role` is `facilitator` "
    "when they facilitate any of them. A name that is not a key is in no current course "
    "(people with roles 2 to 4 only are not keys). Use `/api/users?usernames=` for past "
    "courses too.",
)
async def get_participants(request: Request, usernames: ParticipantNamesQuery) -> Response:
    names = valid_names(usernames)
    return json_answer(request, await service_of(request).participants(names))
