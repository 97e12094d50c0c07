"""Logging: one structured line per event on stdout, JSON unless stdout is a terminal.

Our modules log through structlog with key-value pairs; records from libraries (uvicorn,
gunicorn, httpx) go through the same renderer. Server access logs are switched off: they
carry client IP addresses, which the Wikimedia Cloud Services terms restrict; our own
request line (api/access_log.py) has no address.
"""

from __future__ import annotations

import logging
import sys

import orjson
import structlog

# Loggers whose records name the client's address.
ACCESS_LOGGERS = ("uvicorn.access", "gunicorn.access")


def _drop_color_message(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
    """uvicorn adds an ANSI-coloured copy of its message; the plain one is enough."""
    event.pop("color_message", None)
    return event


def _dumps(value: object, **_: object) -> str:
    return orjson.dumps(value, default=str).decode()


def configure_logging(level: str = "INFO", *, json: bool | None = None) -> None:
    """Idempotent; `json=None` means JSON unless stdout is a terminal."""
    if json is None:
        json = not sys.stdout.isatty()
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn and gunicorn install handlers of their own; let ours print everything once.
    for name in ("uvicorn", "uvicorn.error", "gunicorn", "gunicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).disabled = True
    # httpx logs every request with its full URL at INFO; our client logs its own line.
    logging.getLogger("httpx").setLevel(logging.WARNING)
