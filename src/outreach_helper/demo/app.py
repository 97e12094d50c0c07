"""`outreach-helper demo`: the real service over built-in sample data, plus the demo wiki."""

from __future__ import annotations

from fastapi import FastAPI

from outreach_helper.demo.dataset import build_dataset
from outreach_helper.demo.site import create_demo_site
from outreach_helper.demo.upstream import demo_transport
from outreach_helper.main import create_app
from outreach_helper.settings import Settings

# Never contacted: the demo transport answers every upstream request itself.
DEMO_UPSTREAM = "http://dashboard.demo.invalid"


def create_demo_app() -> FastAPI:
    """The service with the in-process memory store and the sample Dashboard (no network,
    no Redis), and the demo wiki at ``/demo/`` asking it on the same origin."""
    settings = Settings(
        _env_file=None,
        outreach_base_url=DEMO_UPSTREAM,
        redis_url=None,
        redis_host=None,
        contact="outreach-helper demo",
    )
    app = create_app(settings, transport=demo_transport(build_dataset()))
    app.mount("/demo", create_demo_site())
    return app
