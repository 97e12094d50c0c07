"""`/api/users...`: a user's enrollments, status and active staff, and batches of users."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from outreach_helper.api.deps import (
    EnrichFlag,
    EventDatesFlag,
    UsernamePath,
    UsernamesQuery,
    dashboard_parameter,
    service_for,
    valid_username,
)
from outreach_helper.api.models import (
    ActiveStaffAnswer,
    BatchAnswer,
    StatusAnswer,
    UserAnswer,
    answer_responses,
)
from outreach_helper.api.respond import json_answer
from outreach_helper.api.routing import QuickRoute
from outreach_helper.domain.flags import parse_flag
from outreach_helper.domain.namelists import parse_name_list

router = APIRouter(route_class=QuickRoute, prefix="/api/users", tags=["users"])
# Every user route takes `dashboard=NAME` or `dashboard=all`.
EVERY_DASHBOARD = {"parameters": [dashboard_parameter(everywhere=True)]}


@router.get(
    "",
    openapi_extra=EVERY_DASHBOARD,
    response_model=BatchAnswer,
    responses=answer_responses(
        "The status of each name; each has its own `status`", problems=(400, 422)
    ),
    summary="Status of up to 50 users at once",
    description="For gadgets that mark course participants on Recent changes, watchlists "
    "and page histories: one request for a whole page. Each name has its own `status`, so "
    "one unknown or failing name does not fail the others. Answered from the cache in one "
    "store round trip for the users and one for their courses.",
)
async def get_users(request: Request, usernames: UsernamesQuery) -> Response:
    names = parse_name_list(usernames)
    return json_answer(request, await service_for(request).statuses(names))


@router.get(
    "/{username}",
    openapi_extra=EVERY_DASHBOARD,
    response_model=UserAnswer,
    responses=answer_responses("The user's enrollments"),
    summary="A user's courses",
    description="Every enrollment of the user, newest first. With `enrich=true` each course "
    "also gets its dates, whether it is active now, and its staff.",
)
async def get_user(request: Request, username: UsernamePath, enrich: EnrichFlag = None) -> Response:
    name = valid_username(request, username)
    answer = await service_for(request).user(name, enrich=parse_flag(enrich))
    return json_answer(request, answer)


@router.get(
    "/{username}/status",
    openapi_extra=EVERY_DASHBOARD,
    response_model=StatusAnswer,
    responses=answer_responses("Counts of the user's courses and of the active ones"),
    summary="Whether a user has courses, and active ones",
    description="One call per page view is enough for a gadget to decide whether to show "
    "anything: counts over the user's distinct courses, and of those whose tracking or "
    "event window contains now. Reads course details, never rosters.",
)
async def get_status(request: Request, username: UsernamePath) -> Response:
    name = valid_username(request, username)
    return json_answer(request, await service_for(request).status(name))


@router.get(
    "/{username}/active-staff",
    openapi_extra=EVERY_DASHBOARD,
    response_model=ActiveStaffAnswer,
    responses=answer_responses("Staff of the user's active courses"),
    summary="Staff of a user's active courses",
    description="The facilitators and other staff (role >= 1) of each of the user's courses "
    "active now: in the tracking window by default, in the event window with "
    "`use_event_dates=true`.",
)
async def get_active_staff(
    request: Request, username: UsernamePath, use_event_dates: EventDatesFlag = None
) -> Response:
    name = valid_username(request, username)
    window = "event" if parse_flag(use_event_dates) else "tracking"
    return json_answer(request, await service_for(request).active_staff(name, window=window))
