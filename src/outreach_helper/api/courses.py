"""`/api/courses/{school}/{title_slug}[/users]`: course details and rosters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from outreach_helper.api.deps import (
    SchoolPath,
    TitlePath,
    dashboard_parameter,
    service_for,
    valid_course,
)
from outreach_helper.api.models import CourseAnswer, RosterAnswer, answer_responses
from outreach_helper.api.respond import json_answer
from outreach_helper.api.routing import QuickRoute

router = APIRouter(route_class=QuickRoute, prefix="/api/courses", tags=["courses"])
_PROBLEMS = (400, 404, 422, 502, 503, 504)
# A course is on one dashboard: `dashboard=NAME`, never `all`.
ONE_DASHBOARD = {"parameters": [dashboard_parameter(everywhere=False)]}


@router.get(
    "/{school}/{title_slug}",
    openapi_extra=ONE_DASHBOARD,
    response_model=CourseAnswer,
    responses=answer_responses("The course's trimmed details", problems=_PROBLEMS),
    summary="Course details",
    description="A course addressed by its slug's two parts, e.g. "
    "`/api/courses/Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)`, "
    "with `active`/`active_event` computed now.",
)
async def get_course(request: Request, school: SchoolPath, title_slug: TitlePath) -> Response:
    parts = valid_course(request, school, title_slug)
    return json_answer(request, await service_for(request, everywhere=False).course(*parts))


@router.get(
    "/{school}/{title_slug}/users",
    openapi_extra=ONE_DASHBOARD,
    response_model=RosterAnswer,
    responses=answer_responses("The roster, one row a person", problems=_PROBLEMS),
    summary="Course roster: facilitators and participants",
    description="Everyone enrolled, split into facilitators (role >= 1) and participants; "
    "a person enrolled twice appears once, with their highest role.",
)
async def get_roster(request: Request, school: SchoolPath, title_slug: TitlePath) -> Response:
    parts = valid_course(request, school, title_slug)
    return json_answer(request, await service_for(request, everywhere=False).roster(*parts))
