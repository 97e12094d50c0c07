"""An answer as an HTTP response: 200 with its body (gzip when large and accepted), or 304."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from outreach_helper import metrics
from outreach_helper.api.headers import accepts_gzip, answer_headers, not_modified
from outreach_helper.service import Answer


def json_answer(request: Request, answer: Answer) -> Response:
    """Everything here was computed once per body (see rendering.py) except the headers
    that depend on the moment: Age and Cache-Control."""
    headers = answer_headers(answer)
    metrics.answer_age_seconds.observe(max(0.0, answer.now - answer.fetched_at))
    body = answer.body
    if body.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if not_modified(request.headers.get("if-none-match"), body.etag):
        return Response(status_code=304, headers=headers)
    if body.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type="application/json", headers=headers)
    return Response(body.content, media_type="application/json", headers=headers)
