"""`create_app(settings)` builds the application; `app` is the one servers import."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from outreach_helper import __version__
from outreach_helper.api import courses, health, home, users
from outreach_helper.api.cors import GadgetCORS
from outreach_helper.api.errors import install_error_handlers
from outreach_helper.api.gadget import router as gadget_router
from outreach_helper.api.head import HeadAsGet
from outreach_helper.api.home import home_page
from outreach_helper.cache.engine import SWRCache, Windows
from outreach_helper.cache.fallback import FallbackStore
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.cache.store import Store
from outreach_helper.dashboard.client import DashboardClient
from outreach_helper.service import HelperService
from outreach_helper.settings import Settings

log = logging.getLogger(__name__)

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
* **Privacy**: no client IP addresses are stored or logged.
"""


def build_store(settings: Settings) -> Store:
    """Redis when configured (falling back to memory while it is down), else memory."""
    memory = MemoryStore(settings.memory_max_entries)
    url = settings.effective_redis_url
    if url is None:
        return memory
    redis = RedisStore(url, prefix=settings.redis_key_prefix, timeout=settings.redis_timeout)
    return FallbackStore(redis, memory)


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
        store = build_store(settings)
        client = DashboardClient(settings, transport=transport)
        windows = Windows(
            stale_while_revalidate=settings.stale_while_revalidate_ttl,
            stale_if_error=settings.stale_if_error_ttl,
            not_found_ttl=settings.not_found_cache_ttl,
        )
        cache = SWRCache(
            store, windows, foreground_timeout=settings.foreground_timeout, clock=clock
        )
        app.state.settings = settings
        app.state.store = store
        app.state.client = client
        app.state.cache = cache
        app.state.service = HelperService(settings, cache, client, clock=clock)
        app.state.home_page = home_page(settings.source_url)
        log.info("outreach-helper %s using the %s store", __version__, store.name)
        try:
            yield
        finally:
            await cache.aclose()
            await client.aclose()
            await store.aclose()

    app = FastAPI(
        title="Outreach Dashboard Helper",
        version=__version__,
        summary="Fast, cached answers about Outreach Dashboard courses, for wiki gadgets.",
        description=DESCRIPTION,
        license_info={"name": "MIT", "identifier": "MIT"},
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # Outermost last: CORS headers go on everything, HEAD answers included.
    app.add_middleware(HeadAsGet)
    app.add_middleware(GadgetCORS)
    app.include_router(home.router)
    app.include_router(users.router)
    app.include_router(courses.router)
    app.include_router(health.router)
    app.include_router(gadget_router)
    return app


app = create_app()
