"""Where a warm answer's time goes: the app driven in-process, profiled by pyinstrument.

    .venv/bin/python bench/profile.py [--requests 5000] [--redis] [PATH ...]

Builds the app (`create_app`) against the fake Dashboard and, with `--redis`, a private
Redis, warms each path, then calls the ASGI app directly (no sockets, no HTTP parsing) for
`--requests` requests per path, printing microseconds per request for each path and the
pyinstrument call tree of the last one. `{new}` in a path stands for 45 names no request
had before (made before the clock starts, with underscores, as bench/capacity.py's wrk
script sends them) and 5 known names; `--new-names` adds such a `/api/participants` path.
Logging is configured as in production (JSON lines, here to /dev/null), so the log line's
cost is part of the picture.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import uvloop  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from bench.run import BATCH, KNOWN  # noqa: E402
from outreach_helper.logs import configure_logging  # noqa: E402
from outreach_helper.main import create_app  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

PATHS = [
    "/healthz",
    "/api/users/Ten_Courses",
    "/api/users/Ten_Courses?enrich=true",
    "/api/users/Ten_Courses/status",
    BATCH,
]
NEW_PARTICIPANTS = "/api/participants?usernames={new}"
_fresh = 0


def fresh(path: str) -> str:
    """`path` with `{new}` replaced by 45 names never sent before and 5 known ones."""
    global _fresh
    if "{new}" not in path:
        return path
    _fresh += 1
    names = [f"Never_Asked_{_fresh}_{i}" for i in range(1, 46)]
    names += [quote(n.replace(" ", "_"), safe="") for n in KNOWN[_fresh % 8 : _fresh % 8 + 5]]
    return path.replace("{new}", "%7C".join(names))


async def call(app, path: str) -> int:
    """One request through the whole ASGI stack (middleware included); the status."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": raw_path, "raw_path": raw_path.encode(),
        "query_string": query.encode(), "root_path": "", "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    status = 0

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(settings: Settings, paths: list[str], requests: int, show_all: bool) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for path in paths:
            assert await call(app, fresh(path)) == 200, path  # warm
        profiler = None
        for index, path in enumerate(paths):
            if index == len(paths) - 1:
                profiler = Profiler(interval=0.001, async_mode="disabled")
                profiler.start()
            sent = [fresh(path) for _ in range(requests)]
            started = time.perf_counter()
            for one in sent:
                await call(app, one)
            took = time.perf_counter() - started
            print(f"{took / requests * 1e6:8.1f} us/request  {path[:70]}")
        assert profiler is not None
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=show_all))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--redis", action="store_true", help="a private Redis, not memory")
    parser.add_argument("--show-all", action="store_true", help="library frames too")
    parser.add_argument(
        "--new-names", action="store_true", help=f"add {NEW_PARTICIPANTS} (names never sent before)"
    )
    parser.add_argument("paths", nargs="*", default=PATHS)
    args = parser.parse_args()
    if args.new_names:
        args.paths = [*args.paths, NEW_PARTICIPANTS]
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    redis_server = RedisServer().start() if args.redis else None
    try:
        with FakeDashboard() as fake:
            settings = Settings(
                outreach_base_url=fake.base_url,
                redis_url=redis_server.url if redis_server else None,
                redis_key_prefix="profile:",
            )
            # Log lines go to /dev/null; the figures to the real stdout.
            os.dup2(devnull, 1)
            configure_logging("INFO", json=True)
            out = os.fdopen(os.dup(saved), "w", buffering=1)
            real_stdout, sys.stdout = sys.stdout, out
            try:
                uvloop.run(drive(settings, args.paths, args.requests, args.show_all))
            finally:
                sys.stdout = real_stdout
                os.dup2(saved, 1)
    finally:
        if redis_server:
            redis_server.cleanup()


if __name__ == "__main__":
    main()
