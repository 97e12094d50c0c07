"""schemathesis against our own OpenAPI document, over HTTP against the real app.

Generated requests (valid and invalid) to every operation must never get a 5xx, and every
answer must match what the document says: status codes, content types, headers and body
schemas. The fake Dashboard is healthy, so any 5xx is our bug. Examples are derandomised
so that a run is repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

from outreach_helper.main import create_app
from outreach_helper.settings import Settings
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer


@pytest.fixture(scope="module")
def fuzzed_app(fake_server: FakeDashboard) -> Iterator[AppServer]:
    fake_server.reset_knobs()
    settings_ = Settings(
        _env_file=None,
        outreach_base_url=fake_server.base_url,
        contact="tests@example.org",
        redis_url=None,
        redis_host=None,
    )
    with AppServer(settings_) as server:
        yield server


# The document is built here, at collection, from the same code the server runs (the
# plugin's lazy `from_fixture` does not work with pytest 9); the test below checks that
# the server serves exactly this document.
DOCUMENT = create_app(Settings(_env_file=None)).openapi()
# Invalid input may also be refused for its size (414 over an 8 KiB request target, 431
# over 16 KiB of headers: `api/limits.py`) before it is validated.
REJECTED = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "414", "431"]
schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": REJECTED}}}
    ),
)


def test_the_server_serves_the_fuzzed_document(fuzzed_app: AppServer) -> None:
    served = httpx.get(f"{fuzzed_app.base_url}/openapi.json").json()
    assert served == orjson.loads(orjson.dumps(DOCUMENT))


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_openapi_document(
    case: schemathesis.Case, fuzzed_app: AppServer
) -> None:
    case.call_and_validate(base_url=fuzzed_app.base_url)
