"""The `outreach-helper` command: serve, and the maintainers' warm/inspect/purge/check/stats.

Exit codes: 0 done; 1 something was unreachable or failed; 2 bad arguments or setup.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from outreach_helper import maintenance
from outreach_helper.logs import configure_logging
from outreach_helper.settings import Settings


def _usage_error(message: str) -> NoReturn:
    print(f"outreach-helper: {message}", file=sys.stderr)
    raise SystemExit(2)


def _port_default() -> int:
    """Toolforge tells the web service its port in $PORT."""
    raw = os.environ.get("PORT", "8000")
    if not raw.isdigit():
        _usage_error(f"PORT must be a number, got {raw!r}")
    return int(raw)


MAX_HEAD_BYTES = 256 * 1024  # request line and headers the server reads before the app


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "outreach_helper.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,  # ours (logs.py): structured, and without client addresses
        access_log=False,
        proxy_headers=True,
        # Only if httptools is missing: h11 refuses a head over 16 KiB with a bare 400,
        # before `api/limits.py` can answer 414/431 as problem details.
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
    return 0


def _items(args: argparse.Namespace) -> list[str]:
    items = list(args.items)
    if getattr(args, "file", None):
        try:
            items += Path(args.file).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            _usage_error(f"cannot read {args.file}: {error.strerror}")
    return items


def _warm(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(
        maintenance.warm(settings, _items(args), enrich=args.enrich, dashboard=args.dashboard)
    )


def _inspect(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(maintenance.inspect(settings, _items(args), dashboard=args.dashboard))


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(
        maintenance.purge(settings, _items(args), everything=args.all, dashboard=args.dashboard)
    )


def _check(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(maintenance.check(settings, args.username))


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(maintenance.stats(settings))


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from outreach_helper.demo.app import create_demo_app

    print(
        f"Demo wiki with the gadget: http://{args.host}:{args.port}/demo/\n"
        "Sample data only: nothing is fetched from the Outreach Dashboard. Ctrl-C stops it.",
        flush=True,
    )
    uvicorn.run(
        create_demo_app(), host=args.host, port=args.port, log_config=None, access_log=False
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outreach-helper",
        description="Cached JSON API in front of the Outreach Dashboard, and its upkeep.",
        epilog="Configuration comes from environment variables (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT or 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="processes (default 1)")
    serve.set_defaults(handler=_serve)

    item_help = "usernames, or course slugs SCHOOL/TITLE_(TERM)"
    warm = commands.add_parser("warm", help="fetch users or courses into the shared cache")
    warm.add_argument("items", nargs="*", metavar="ITEM", help=item_help)
    warm.add_argument("--file", help="read items from this file, one a line (# comments)")
    warm.add_argument("--enrich", action="store_true", help="also warm each user's courses")
    dashboard_help = "which dashboard's entries (a name in DASHBOARDS; default: the first)"
    warm.add_argument("--dashboard", help=dashboard_help)
    warm.set_defaults(handler=_warm)

    inspect = commands.add_parser("inspect", help="show cached entries: age, state, size")
    inspect.add_argument("items", nargs="+", metavar="ITEM", help=item_help)
    inspect.add_argument("--dashboard", help=dashboard_help)
    inspect.set_defaults(handler=_inspect)

    purge = commands.add_parser("purge", help="drop cached entries (never KEYS/SCAN)")
    purge.add_argument("items", nargs="*", metavar="ITEM", help=item_help)
    purge.add_argument(
        "--all", action="store_true", help="drop every entry of this service (all dashboards)"
    )
    purge.add_argument("--dashboard", help=dashboard_help)
    purge.set_defaults(handler=_purge)

    check = commands.add_parser("check", help="check configuration, Redis and the Dashboard")
    check.add_argument(
        "--username", default="Example", help="who to look up on the Dashboard (default Example)"
    )
    check.set_defaults(handler=_check)

    stats = commands.add_parser(
        "stats", help="the /stats summary of the last hour and day, from the shared history"
    )
    stats.set_defaults(handler=_stats)

    demo = commands.add_parser(
        "demo", help="run the service on sample data, with demo wiki pages for the gadget"
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=None, help="port (default $PORT or 8000)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "port", 0) is None:
        args.port = _port_default()
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"outreach-helper: bad configuration in the environment:\n{error}", file=sys.stderr)
        return 2
    # The server logs at the configured level; maintenance commands print their own
    # output and only show library warnings.
    level = settings.log_level if args.command in ("serve", "demo") else "WARNING"
    configure_logging(level)
    return args.handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
