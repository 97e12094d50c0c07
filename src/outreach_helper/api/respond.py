"""Serialising answers once, with orjson, plus their freshness headers."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from outreach_helper.api.headers import freshness_headers
from outreach_helper.service import Answer


def json_answer(answer: Answer) -> Response:
    return Response(
        orjson.dumps(answer.body),
        media_type="application/json",
        headers=freshness_headers(answer.lookup, answer.now),
    )
