"""Shared objects, created once per application in `main.py`'s lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from outreach_helper.domain.slugs import normalize_segment
from outreach_helper.domain.usernames import normalize_username
from outreach_helper.service import HelperService


def get_service(request: Request) -> HelperService:
    return request.app.state.service


def username_param(
    username: Annotated[str, Path(description="A wiki username; `_` and ` ` are the same")],
) -> str:
    return normalize_username(username)


def school_param(
    school: Annotated[str, Path(description="The school part of the course slug")],
) -> str:
    return normalize_segment(school, part="school")


def title_param(
    title_slug: Annotated[str, Path(description="The title part of the course slug")],
) -> str:
    return normalize_segment(title_slug, part="title")


Service = Annotated[HelperService, Depends(get_service)]
Username = Annotated[str, Depends(username_param)]
School = Annotated[str, Depends(school_param)]
Title = Annotated[str, Depends(title_param)]
