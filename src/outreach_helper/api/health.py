"""`/health`: is the service alive, and how are its store and the Dashboard doing.

What it says about the Dashboard comes from the shared upstream marks
(`cache/upstream_marks.py`), so every worker gives the same answer: `down` when the most
recent call of any worker failed and none has succeeded since. `degraded` adds what only
this worker knows: a circuit not closed (unless another worker has seen its endpoint
answer since it opened) or stale-if-error answers served in the last minute.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from outreach_helper import __version__, metrics
from outreach_helper.api.models import HealthAnswer
from outreach_helper.api.routing import QuickRoute
from outreach_helper.cache.mark import Mark
from outreach_helper.cache.store import StoreError
from outreach_helper.dashboard.breaker import CircuitState
from outreach_helper.upstreams import Upstream, Upstreams

router = APIRouter(route_class=QuickRoute, tags=["health"])
# Stale-if-error answers this recent make the upstream `degraded`.
STALE_IF_ERROR_RECENT = 60.0


def overall(marks: dict[str, Mark]) -> Mark:
    """The endpoints' marks as one: the latest success, the latest failure and its error."""
    result = Mark()
    for mark in marks.values():
        result = result.merged(mark)
    return result


async def upstream_health(upstream: Upstream) -> dict[str, Any]:
    """One dashboard's part of `/health`, from its shared marks and this worker's circuits."""
    client, marks_of = upstream.client, upstream.marks
    marks = await marks_of.read()
    latest = overall(marks)
    circuits = {name: str(breaker.state) for name, breaker in client.breakers.items()}
    unsettled = [
        name for name, breaker in client.breakers.items()
        if breaker.state is not CircuitState.CLOSED
        and not (breaker.opened_at is not None and marks[name].succeeded_after(breaker.opened_at))
    ]  # fmt: skip
    stale_at = upstream.cache.stale_if_error_at
    serving_stale = stale_at is not None and marks_of.now() - stale_at < STALE_IF_ERROR_RECENT
    if latest.down:
        status = "down"
    elif unsettled or serving_stale:
        status = "degraded"
    else:
        status = "ok"
    return {
        "base_url": upstream.config.base_url,
        "status": status,
        "circuits": circuits,
        "last_success_at": latest.last_success_at,
        "last_failure_at": latest.last_failure_at,
        "last_error": latest.last_error,
        "endpoints": {
            name: {
                "status": "down" if mark.down else "ok",
                "last_success_at": mark.last_success_at,
                "last_failure_at": mark.last_failure_at,
                "last_error": mark.last_error,
            }
            for name, mark in marks.items()
        },
    }


@router.get("/health", response_model=HealthAnswer, summary="Liveness and dependencies")
async def health(request: Request) -> HealthAnswer:
    state = request.app.state
    store_error = None
    try:
        await state.store.ping()
    except StoreError as error:
        store_error = str(error)
    upstreams: Upstreams = state.upstreams
    parts = await asyncio.gather(*(upstream_health(upstream) for upstream in upstreams))
    dashboards = dict(zip(upstreams.names, parts, strict=True))
    any_not_ok = any(part["status"] != "ok" for part in parts)
    body = {
        "status": "degraded" if store_error or any_not_ok else "ok",
        "version": __version__,
        "store": {
            "backend": state.store.name,
            "status": "degraded" if store_error else "ok",
            "error": store_error,
        },
        "upstream": dashboards[upstreams.default.name],
        "dashboards": dashboards,
    }
    return HealthAnswer.model_validate(body)


@router.get("/healthz", summary="Cheap liveness", response_class=PlainTextResponse)
async def healthz() -> PlainTextResponse:
    """Touches neither Redis nor the Dashboard: for platform probes every few seconds."""
    return PlainTextResponse("ok")


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def prometheus_metrics() -> Response:
    metrics.count_tasks()
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
