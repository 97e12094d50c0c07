"""`/stats.json` and `/stats`: the maintainer's history over 1 h, 24 h or 7 d.

Both read the recorder (`stats/recorder.py`), which answers from the shared history or,
when the store cannot be read, from this worker's own counts and says so. A range other
than the three is a 400 problem. `Server-Timing` tells how long the answer took here.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from outreach_helper import __version__
from outreach_helper.api.errors import problem
from outreach_helper.stats import history, page

router = APIRouter(tags=["stats"])
RANGE = Query(
    history.DEFAULT_RANGE,
    description="how far back: `1h` (1-minute steps), `24h` (5-minute steps) or `7d` (hourly)",
    # Documented as the enum it is; any other value is the contract's 400, not a 422.
    json_schema_extra={"enum": list(history.RANGES)},
)
# The history moves by the flush interval: a browser need not ask more often than that.
CACHE_CONTROL = "no-cache"
BAD_RANGE: dict[int | str, dict] = {
    400: {"description": "an unknown range", "content": {"application/problem+json": {}}}
}


async def _read(request: Request, range_name: str) -> dict | Response:
    try:
        history.step_of(range_name)
    except history.BadRange as error:
        return problem(400, str(error), title="Invalid input")
    stats = await request.app.state.stats.read(range_name)
    return {"generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **stats}


def _send(request: Request, body: bytes, media_type: str, started: float) -> Response:
    """gzip-encoded when the client accepts it (a day of 5-minute steps is some 300 KB
    of HTML or JSON before, some 30 KB after); `Server-Timing` says how long it took."""
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/stats.json",
    summary="History of answers, cache and Dashboard requests",
    description="Points per step, summed over every worker that shares the store: answers "
    "to `/api/*` by status class and route, Cache-Status states, p50/p95 latency, requests "
    "to the Dashboard by endpoint and outcome, the upstream state, Redis memory. No "
    "usernames, course names or client addresses.",
    responses=BAD_RANGE,
)
async def stats_json(request: Request, range: str = RANGE) -> Response:  # noqa: A002
    return await _answer(request, range, orjson.dumps, "application/json")


@router.get(
    "/stats",
    response_class=HTMLResponse,
    summary="The maintainer's page (HTML, no script)",
    description="Charts and tables over the same data as `/stats.json`.",
    responses=BAD_RANGE,
)
async def stats_page(request: Request, range: str = RANGE) -> Response:  # noqa: A002
    return await _answer(
        request, range, lambda stats: page.render(stats, version=__version__), "text/html"
    )


async def _answer(
    request: Request, range_name: str, body: Callable[[dict], bytes], media_type: str
) -> Response:
    """The history for `range_name` as `body` makes it, or the bad range's 400."""
    started = time.perf_counter()
    stats = await _read(request, range_name)
    if isinstance(stats, Response):
        return stats
    return _send(request, body(stats), media_type, started)
