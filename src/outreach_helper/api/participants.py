"""`/api/participants`: which of up to 50 names take part in a current course, for the
gadget's marks in lists; answered from the participants knowledge, never per name."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from outreach_helper.api.deps import (
    PARTICIPANT_NAMES_PATTERN,
    dashboard_parameter,
    service_for,
)
from outreach_helper.api.models import ParticipantsAnswer, answer_responses
from outreach_helper.api.respond import json_answer
from outreach_helper.api.routing import QuickRoute
from outreach_helper.domain.namelists import MAX_NAMES, parse_name_list
from outreach_helper.domain.usernames import InvalidUsername

router = APIRouter(route_class=QuickRoute, prefix="/api/participants", tags=["users"])
MAX_QUERY_LENGTH = 5000  # percent-decoded, as the batch route allows
# Declared here rather than as a FastAPI parameter, so that the quick route calls the
# endpoint directly (the gadget sends one such request per 50 names shown): the endpoint
# checks it itself, with the 422s FastAPI would give and the contract's 400s.
USERNAMES_PARAMETER = {
    "name": "usernames",
    "in": "query",
    "required": True,
    "description": f"1 to {MAX_NAMES} usernames separated by `|`, as the MediaWiki API "
    "takes them; spellings of one user are merged; an empty or invalid name is a 400; "
    f"at most {MAX_QUERY_LENGTH} characters",
    "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH,
               "pattern": PARTICIPANT_NAMES_PATTERN},
    "examples": {"names": {"value": "Ada_Example|Zoë Müller|Nobody Enrolled"}},
}  # fmt: skip


def _query_error(message: str, kind: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", "usernames"), "msg": message, "type": kind}])


def sent_usernames(request: Request) -> list[str]:
    """`request.query_params.getlist("usernames")`, decoded without parsing the whole query
    when it is `usernames=...` alone (the gadget's request), exactly as `parse_qsl` would:
    `+` is a space, then percent-decoding as UTF-8 with U+FFFD for bad bytes. `%7C` becomes
    `|` first: it does wherever it stands (a `%` always starts an escape of its own), and
    the standard library decodes escapes one by one in Python, 49 of them in 50 names."""
    query: bytes = request.scope["query_string"]
    if query.startswith(b"usernames=") and b"&" not in query:
        value = query[10:].decode("latin-1").replace("+", " ")
        return [unquote(value.replace("%7C", "|").replace("%7c", "|"), errors="replace")]
    return request.query_params.getlist("usernames")


def valid_names(raw: str) -> list[str]:
    """1 to 50 normalised names; any empty or invalid one is a 400 (nothing is fetched)."""
    items = raw.split("|")
    if "" in items or any(map(str.isspace, items)):  # what `not item.strip()` means
        raise InvalidUsername("usernames: 1 to 50 names separated by '|', none empty")
    names = parse_name_list(raw, spellings=False)  # the answer does not list spellings
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
    openapi_extra={"parameters": [USERNAMES_PARAMETER, dashboard_parameter(everywhere=True)]},
    description="For gadgets that mark course participants on Recent changes, watchlists "
    "and histories: one request per 50 names, answered from what the service knows of the "
    "current courses and their people (refreshed every PARTICIPANTS_TTL seconds), never "
    "with a Dashboard request per name. `state` is `event` when the event window of one of "
    "the person's current courses contains now, else `tracking`; `role` is `facilitator` "
    "when they facilitate any of them. A name that is not a key is in no current course "
    "(people with roles 2 to 4 only are not keys). Use `/api/users?usernames=` for past "
    "courses too.",
)
async def get_participants(request: Request) -> Response:
    sent = sent_usernames(request)
    if not sent:
        raise _query_error("Field required", "missing")
    if len(sent) > 1:
        raise _query_error("give usernames once, separated by '|'", "value_error")
    if len(sent[0]) > MAX_QUERY_LENGTH:
        raise _query_error(f"at most {MAX_QUERY_LENGTH} characters", "string_too_long")
    names = valid_names(sent[0])
    return json_answer(request, await service_for(request).participants(names))
