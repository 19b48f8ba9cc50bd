"""Structured request logs that never hold personal data.

A request is logged by its route template (`/s/{token:str}`), never its concrete path or query
string, so resident tokens, emails and answers cannot reach the logs.
"""

from __future__ import annotations

import logging
import sys
import time

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def configure_logging(level: str = "INFO") -> None:
    """JSON lines through the standard logging module, so operators can route them as usual."""
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level)
    # httpx logs every request line at INFO (full URLs, the crawler's included): too noisy.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def request_log_middleware(app: ASGIApp) -> ASGIApp:
    log = structlog.get_logger("request")

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            route = scope.get("path_template") or "(unmatched)"
            if not route.startswith(("/assets", "/static")):
                log.info(
                    "request",
                    method=scope.get("method"),
                    route=route,
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )

    return middleware
