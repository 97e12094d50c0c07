"""Every error as RFC 9457 problem details (`application/problem+json`), never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from outreach_helper.dashboard.outcomes import UpstreamError
from outreach_helper.domain.slugs import InvalidSlug
from outreach_helper.domain.usernames import InvalidUsername
from outreach_helper.service import NotFoundError

log = logging.getLogger(__name__)
PROBLEM_TYPE = "about:blank"


def problem(
    status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    body = {
        "type": PROBLEM_TYPE,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


async def _invalid_input(_: Request, error: Exception) -> Response:
    return problem(400, str(error), title="Invalid input")


async def _not_found(_: Request, error: Exception) -> Response:
    return problem(404, str(error), title="Not found")


async def _upstream(_: Request, error: Exception) -> Response:
    assert isinstance(error, UpstreamError)
    headers = {"Retry-After": str(int(error.retry_after))} if error.retry_after else None
    return problem(error.status, error.detail, title=error.title, headers=headers)


async def _validation(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    messages = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
        for e in error.errors()
    ]
    return problem(422, "; ".join(messages) or "invalid request", title="Invalid input")


async def _http(_: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    return problem(error.status_code, detail, headers=error.headers)


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return problem(500, "an unexpected error occurred; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InvalidUsername, _invalid_input)
    app.add_exception_handler(InvalidSlug, _invalid_input)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(UpstreamError, _upstream)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
