"""`/api/users/...`: a user's Outreach Dashboard enrollments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from outreach_helper.api.deps import Service, Username
from outreach_helper.api.models import (
    PROBLEM_RESPONSES,
    ActiveStaffAnswer,
    StatusAnswer,
    UserAnswer,
)
from outreach_helper.api.respond import json_answer

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get(
    "/{username}",
    response_model=UserAnswer,
    responses=PROBLEM_RESPONSES,
    summary="A user's courses",
)
async def get_user(
    username: Username,
    service: Service,
    enrich: Annotated[
        bool, Query(description="Add each course's dates, activity and staff")
    ] = False,
) -> Response:
    return json_answer(await service.user(username, enrich=enrich))


@router.get(
    "/{username}/status",
    response_model=StatusAnswer,
    responses=PROBLEM_RESPONSES,
    summary="Whether a user has courses, and active ones",
)
async def get_status(username: Username, service: Service) -> Response:
    return json_answer(await service.status(username))


@router.get(
    "/{username}/active-staff",
    response_model=ActiveStaffAnswer,
    responses=PROBLEM_RESPONSES,
    summary="Staff of a user's active courses",
)
async def get_active_staff(
    username: Username,
    service: Service,
    use_event_dates: Annotated[
        bool, Query(description="Use the event window instead of the tracking window")
    ] = False,
) -> Response:
    window = "event" if use_event_dates else "tracking"
    return json_answer(await service.active_staff(username, window=window))
