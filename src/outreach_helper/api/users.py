"""`/api/users/...`: a user's Outreach Dashboard enrollments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from outreach_helper.api.deps import Service, Username
from outreach_helper.api.models import PROBLEM_RESPONSES, UserAnswer
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
