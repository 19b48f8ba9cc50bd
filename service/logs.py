"""Structured logs that never hold personal data.

A request is logged by its route template (`/s/{token:str}`), never its concrete path or query
string, so resident tokens, emails and answers cannot reach the logs. Errors are logged with
their traceback (`safe_traceback`): every frame's file, line, function and source line, and the
exception's type, but not its message or any local variable, because those quote data (an
email address, a resident's answer) while the frames quote only our code.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback

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


def _qualified(error: BaseException) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"


def safe_traceback(error: BaseException) -> str:
    """The traceback of `error` (and the exceptions it came from), without messages or locals."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for item in reversed(chain):
        frames = traceback.StackSummary.extract(
            traceback.walk_tb(item.__traceback__), capture_locals=False
        )
        parts.append(
            "Traceback (most recent call last):\n"
            + "".join(frames.format())
            + f"{_qualified(item)} (message not logged: it may hold personal data)"
        )
    return "\n\nwhich led to:\n\n".join(parts)


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


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ()-]{7,}\d")
_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{20,}\b")


def scrub(text: str) -> str:
    """`text` with email addresses, UK postcodes, phone numbers and token-like strings replaced.

    For messages we must keep (a job's last error, shown to administrators at `/staff/jobs`
    so they can tell a full mailbox from a mail server that is down) but that may quote what
    a resident gave us: "recipient refused: <jane@example.org>" keeps its meaning as
    "recipient refused: <[email]>".
    """
    text = _EMAIL.sub("[email]", text)
    text = _TOKEN.sub("[token]", text)
    text = _POSTCODE.sub("[postcode]", text)
    return _PHONE.sub("[phone]", text)


def job_error(error: BaseException) -> str:
    """A failed job's error as it is stored and shown: `Type: message`, scrubbed, ≤ 2,000 chars."""
    message = str(error)
    text = f"{type(error).__name__}: {scrub(message)}" if message else type(error).__name__
    return text[:2000]
