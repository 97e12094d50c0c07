"""`create_app(settings)` builds the application; `app` is the one servers import."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI

from outreach_helper import __version__
from outreach_helper.api import courses, health, users
from outreach_helper.api.errors import install_error_handlers
from outreach_helper.api.observe import ObserveMiddleware
from outreach_helper.components import Components
from outreach_helper.logs import configure_logging
from outreach_helper.settings import Settings

log = structlog.get_logger(__name__)


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
        app.state.client = parts.client
        app.state.cache = parts.cache
        app.state.service = parts.service
        log.info("starting", version=__version__, store=parts.store.name)
        try:
            yield
        finally:
            await parts.aclose()

    app = FastAPI(
        title="Outreach Dashboard Helper",
        version=__version__,
        summary="Fast, cached answers about Outreach Dashboard courses, for wiki gadgets.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(ObserveMiddleware)
    app.include_router(users.router)
    app.include_router(courses.router)
    app.include_router(health.router)
    return app


def _app_from_environment() -> FastAPI:
    """What `outreach_helper.main:app` is: configured from the environment, logging set up
    here because each server worker process imports this module on its own."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)


app = _app_from_environment()
