"""`/gadget/...`: the wiki gadget's files, so a wiki administrator can fetch them easily.

Wikis cannot load scripts from Toolforge (their Content-Security-Policy forbids it), so
these are for copying onto `MediaWiki:Gadget-...` pages, not for `<script src>`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from fastapi import APIRouter, Request
from starlette.responses import Response

from outreach_helper import gadget
from outreach_helper.api.routing import QuickRoute

router = APIRouter(route_class=QuickRoute, prefix="/gadget", tags=["gadget"])

# Short enough that a fixed gadget reaches administrators soon; the ETag makes it cheap.
_CACHE_CONTROL = "public, max-age=3600"


@dataclass(frozen=True)
class _File:
    body: bytes
    media_type: str
    etag: str


@cache
def _load(name: str) -> _File:
    """Read once per process: the files only change with a deployment."""
    body = gadget.read(name)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return _File(body, gadget.MEDIA_TYPES[name], etag)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _serve(name: str, request: Request) -> Response:
    file = _load(name)
    headers = {
        "ETag": file.etag,
        "Cache-Control": _CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match"), file.etag):
        return Response(status_code=304, headers=headers)
    return Response(file.body, media_type=file.media_type, headers=headers)


def _doc(media_type: str, what: str) -> dict:
    return {
        "response_class": Response,
        "summary": f"The gadget's {what}",
        "responses": {
            200: {"description": f"The gadget's {what}", "content": {media_type: {}}},
            304: {"description": "Not modified (the `If-None-Match` ETag matches)"},
        },
    }


@router.get("/outreach-helper.js", **_doc("text/javascript", "script"))
async def gadget_script(request: Request) -> Response:
    return _serve("outreach-helper.js", request)


@router.get("/outreach-helper.css", **_doc("text/css", "style sheet"))
async def gadget_styles(request: Request) -> Response:
    return _serve("outreach-helper.css", request)
