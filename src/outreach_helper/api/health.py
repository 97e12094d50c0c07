"""`/health`: is the service alive, and how are its store and the Dashboard doing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from outreach_helper import __version__, metrics
from outreach_helper.api.models import HealthAnswer
from outreach_helper.cache.store import StoreError

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthAnswer, summary="Liveness and dependencies")
async def health(request: Request) -> HealthAnswer:
    state = request.app.state
    store_error = None
    try:
        await state.store.ping()
    except StoreError as error:
        store_error = str(error)
    client = state.client
    circuits = {name: str(breaker.state) for name, breaker in client.breakers.items()}
    upstream_degraded = any(circuit != "closed" for circuit in circuits.values())
    body = {
        "status": "degraded" if store_error or upstream_degraded else "ok",
        "version": __version__,
        "store": {
            "backend": state.store.name,
            "status": "degraded" if store_error else "ok",
            "error": store_error,
        },
        "upstream": {
            "base_url": state.settings.outreach_base_url,
            "status": "degraded" if upstream_degraded else "ok",
            "circuits": circuits,
            "last_success_at": client.last_success_at,
            "last_failure_at": client.last_failure_at,
            "last_error": client.last_error,
        },
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
