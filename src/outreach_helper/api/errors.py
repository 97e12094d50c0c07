"""Every error as RFC 9457 problem details (`application/problem+json`), never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from outreach_helper.api.cors import CORS_HEADERS
from outreach_helper.dashboard.outcomes import UpstreamError
from outreach_helper.domain.namelists import TooManyNames
from outreach_helper.domain.slugs import InvalidSlug
from outreach_helper.domain.usernames import InvalidUsername
from outreach_helper.service import NotFoundError
from outreach_helper.upstreams import UnknownDashboard

log = logging.getLogger(__name__)
PROBLEM_TYPE = "about:blank"
# Bad input stays bad: a browser need not ask again for a while.
INPUT_ERROR_CACHE = "public, max-age=3600"
# An upstream failure may be over in a moment.
NO_STORE = "no-store"


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    cache_control: str = NO_STORE,
) -> Response:
    headers = {"Cache-Control": cache_control, **(headers or {})}
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
    return problem(400, str(error), title="Invalid input", cache_control=INPUT_ERROR_CACHE)


async def _unknown_dashboard(_: Request, error: Exception) -> Response:
    # A deployment may add a dashboard: a browser should not keep this for long.
    return problem(400, str(error), title="Invalid input", cache_control="public, max-age=60")


async def _invalid_query(_: Request, error: Exception) -> Response:
    return problem(422, str(error), title="Invalid input", cache_control=INPUT_ERROR_CACHE)


async def _not_found(_: Request, error: Exception) -> Response:
    assert isinstance(error, NotFoundError)
    # As long as the 404 is remembered here, asking again gives the same answer.
    cache_control = f"public, max-age={int(error.retry_in)}"
    return problem(404, str(error), title="Not found", cache_control=cache_control)


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
    detail = "; ".join(messages) or "invalid request"
    return problem(422, detail, title="Invalid input", cache_control=INPUT_ERROR_CACHE)


async def _http(_: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    return problem(error.status_code, detail, headers=error.headers)


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    # Sent from outside every middleware, so it carries the CORS headers itself.
    return problem(
        500, "an unexpected error occurred; it has been logged", headers=dict(CORS_HEADERS)
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InvalidUsername, _invalid_input)
    app.add_exception_handler(InvalidSlug, _invalid_input)
    app.add_exception_handler(TooManyNames, _invalid_query)
    app.add_exception_handler(UnknownDashboard, _unknown_dashboard)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(UpstreamError, _upstream)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
