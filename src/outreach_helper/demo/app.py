"""`outreach-helper demo`: the real service over built-in sample data, plus the demo wiki."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI

from outreach_helper.demo.dataset import build_dataset
from outreach_helper.demo.site import create_demo_site
from outreach_helper.demo.upstream import routed_transport
from outreach_helper.demo.wikiedu import build_wikiedu_dataset
from outreach_helper.main import create_app
from outreach_helper.settings import Settings

# Never contacted: the demo transport answers every upstream request itself (`.invalid`
# never resolves, and DASHBOARDS allows plain http for it).
DEMO_UPSTREAM = "http://outreach.demo.invalid"
DEMO_WIKIEDU = "http://wikiedu.demo.invalid"
DEMO_DASHBOARDS = f"outreach={DEMO_UPSTREAM},wikiedu={DEMO_WIKIEDU}"
# What the demo wiki's gadget asks for (its `dashboards` setting).
GADGET_DASHBOARDS = ("outreach", "wikiedu")


def create_demo_app() -> FastAPI:
    """The service with the in-process memory store and the two sample Dashboards (no
    network, no Redis), and the demo wiki at ``/demo/`` asking it on the same origin."""
    settings = Settings(
        _env_file=None,
        outreach_base_url=DEMO_UPSTREAM,
        dashboards=DEMO_DASHBOARDS,
        redis_url=None,
        redis_host=None,
        contact="outreach-helper demo",
    )
    transport = routed_transport({
        _host(DEMO_UPSTREAM): build_dataset(),
        _host(DEMO_WIKIEDU): build_wikiedu_dataset(),
    })  # fmt: skip
    app = create_app(settings, transport=transport)
    app.mount("/demo", create_demo_site(dashboards=GADGET_DASHBOARDS))
    return app


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
