"""`/api/courses/{school}/{title_slug}[/users]`: course details and rosters."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from outreach_helper.api.deps import School, Service, Title
from outreach_helper.api.models import PROBLEM_RESPONSES, CourseAnswer, RosterAnswer
from outreach_helper.api.respond import json_answer

router = APIRouter(prefix="/api/courses", tags=["courses"])


@router.get(
    "/{school}/{title_slug}",
    response_model=CourseAnswer,
    responses=PROBLEM_RESPONSES,
    summary="Course details",
)
async def get_course(school: School, title_slug: Title, service: Service) -> Response:
    return json_answer(await service.course(school, title_slug))


@router.get(
    "/{school}/{title_slug}/users",
    response_model=RosterAnswer,
    responses=PROBLEM_RESPONSES,
    summary="Course roster: facilitators and participants",
)
async def get_roster(school: School, title_slug: Title, service: Service) -> Response:
    return json_answer(await service.roster(school, title_slug))
