"""The `outreach-helper` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from outreach_helper.settings import Settings


def _port_default() -> int:
    """Toolforge tells the web service its port in $PORT."""
    raw = os.environ.get("PORT", "8000")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"outreach-helper: PORT must be a number, got {raw!r}")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        "outreach_helper.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        # Access logs would carry client addresses; we never log those.
        access_log=False,
        proxy_headers=True,
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    import uvicorn

    from outreach_helper.demo.app import create_demo_app

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(
        f"Demo wiki with the gadget: http://{args.host}:{args.port}/demo/\n"
        "Sample data only: nothing is fetched from the Outreach Dashboard. Ctrl-C stops it.",
        flush=True,
    )
    uvicorn.run(create_demo_app(), host=args.host, port=args.port, access_log=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outreach-helper", description="Cached JSON API in front of the Outreach Dashboard."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=_port_default(), help="port (default $PORT or 8000)"
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(handler=_serve)
    demo = commands.add_parser(
        "demo", help="run the service on sample data, with demo wiki pages for the gadget"
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    demo.add_argument(
        "--port", type=int, default=_port_default(), help="port (default $PORT or 8000)"
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        build_parser().error("--workers must be at least 1")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
