"""`create_app(settings)` builds the application; `app` is the one servers import."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import structlog
from fastapi import FastAPI

from outreach_helper import __version__
from outreach_helper.api import courses, health, home, participants, stats, users
from outreach_helper.api.cors import GadgetCORS
from outreach_helper.api.deps import name_the_dashboards
from outreach_helper.api.errors import install_error_handlers
from outreach_helper.api.gadget import router as gadget_router
from outreach_helper.api.head import HeadAsGet
from outreach_helper.api.home import home_page
from outreach_helper.api.limits import RequestLimits
from outreach_helper.api.models import LIMIT_RESPONSES
from outreach_helper.api.observe import ObserveMiddleware
from outreach_helper.components import Components
from outreach_helper.logs import configure_logging
from outreach_helper.settings import Settings
from outreach_helper.upstreams import Upstreams

log = structlog.get_logger(__name__)

DESCRIPTION = """\
Cached answers about [Outreach Dashboard](https://outreachdashboard.wmflabs.org) users and
courses, for wiki gadgets calling from readers' browsers.

* **CORS**: every answer, errors included, carries `Access-Control-Allow-Origin: *`
  (never credentials); `OPTIONS` preflights allow the `Api-User-Agent` header.
* **Caching**: JSON answers carry a weak `ETag` (send it back in `If-None-Match` for a
  304), `Cache-Control` (`public, max-age, stale-while-revalidate, stale-if-error`, never
  past the next course window boundary when the answer has activity flags), `Age` and an
  RFC 9211 `Cache-Status`. Large answers are gzip-encoded when the client accepts it.
* **HEAD** works on every GET route. Unknown query parameters are ignored.
* **Errors** are RFC 9457 problem details (`application/problem+json`).
* **Limits**: a request target (path and query) over 8 KiB gets 414, request headers
  over 16 KiB in all get 431, before any other work.
* **Privacy**: no client IP addresses are stored or logged.
"""


def create_app(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """An application with its own client, store and cache (tests build their own)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        parts = Components.build(settings, transport=transport, clock=clock)
        app.state.settings = settings
        app.state.store = parts.store
        app.state.upstreams = parts.upstreams
        app.state.services = parts.services
        app.state.service = parts.service  # the default dashboard's
        app.state.home_page = home_page(settings.source_url)
        recorder = parts.recorder
        recorder.sample_state(lambda: worst_upstream_state(parts.upstreams))
        # ObserveMiddleware counts /api/* answers into it
        app.state.recorder = recorder if settings.stats_recording else None
        app.state.stats = recorder  # /stats reads it, recording or not
        flushing = asyncio.create_task(recorder.run(), name="stats-flush")
        log.info("starting", version=__version__, store=parts.store.name)
        try:
            yield
        finally:
            flushing.cancel()
            await asyncio.gather(flushing, return_exceptions=True)
            await parts.aclose()

    app = FastAPI(
        title="Outreach Dashboard Helper",
        version=__version__,
        summary="Fast, cached answers about Outreach Dashboard courses, for wiki gadgets.",
        description=DESCRIPTION,
        license_info={"name": "MIT", "identifier": "MIT"},
        lifespan=lifespan,
    )
    install_error_handlers(app)
    openapi = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            names = [config.name for config in settings.dashboard_configs]
            app.openapi_schema = name_the_dashboards(openapi(), names)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    # Outermost last: CORS headers go on everything, HEAD answers included; oversized
    # requests are refused before anything but the access log sees them.
    app.add_middleware(HeadAsGet)
    app.add_middleware(GadgetCORS)
    app.add_middleware(RequestLimits)
    app.add_middleware(ObserveMiddleware)
    routers = (home.router, users.router, participants.router, courses.router, health.router,
               stats.router, gadget_router)  # fmt: skip
    for router in routers:
        app.include_router(router, responses=LIMIT_RESPONSES)
    return app


async def worst_upstream_state(upstreams: Upstreams) -> str:
    """The worst `/health` status of the dashboards, as the stats history samples it."""
    states = [(await health.upstream_health(upstream))["status"] for upstream in upstreams]
    for state in ("down", "degraded"):
        if state in states:
            return state
    return "ok"


def _app_from_environment() -> FastAPI:
    """What `outreach_helper.main:app` is: configured from the environment, logging set up
    here because each server worker process imports this module on its own."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)


app = _app_from_environment()
