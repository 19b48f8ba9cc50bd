"""Unhandled errors are logged with their traceback, and without personal data.

Before: the log said only `"error": "ValueError"` and the route, so an operator could not
find the failing line. The exception's message is left out on purpose: messages quote
values (an email address, a resident's answer), tracebacks quote only our code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from service.auth import PUBLIC_OPT, public
from service.logs import safe_traceback

PERSONAL = "ada.lovelace@example.org"


def _fail_deep(value: str) -> None:
    raise ValueError(f"cannot parse {value}")


def _records(caplog: Any, logger: str) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == logger]


@get("/test-only/boom", guards=[public], opt=PUBLIC_OPT, include_in_schema=False)
async def boom() -> None:
    try:
        _fail_deep(PERSONAL)
    except ValueError as error:
        raise RuntimeError(f"while handling {PERSONAL}") from error


@pytest.mark.db
async def test_an_unhandled_error_is_logged_with_its_traceback(
    db: Any, settings: Any, caplog: Any
) -> None:
    from service.app import create_app

    app = create_app(settings, run_worker=False)
    app.register(boom)
    caplog.set_level("INFO")
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/test-only/boom")
    assert response.status_code == 500
    assert PERSONAL not in response.text
    (entry,) = [e for e in _records(caplog, "errors") if e["event"] == "unhandled"]
    assert entry["route"] == "/test-only/boom"
    assert entry["error"] == "RuntimeError"
    trace = entry["traceback"]
    assert "test_error_logging.py" in trace and "in _fail_deep" in trace and "in boom" in trace
    assert "builtins.ValueError" in trace and "builtins.RuntimeError" in trace
    assert PERSONAL not in json.dumps(entry)
    assert all(PERSONAL not in r.getMessage() for r in caplog.records)


async def test_a_failed_job_is_logged_with_its_traceback(db: Any, caplog: Any) -> None:
    from service.jobs import run_one
    from service.tables import Job

    async def failing(**payload: Any) -> None:
        _fail_deep(payload["email"])

    caplog.set_level("INFO")
    await Job(name="test.failing", payload={"email": PERSONAL}).save()
    assert await run_one({"test.failing": failing})
    (entry,) = [e for e in _records(caplog, "jobs") if e["event"] == "job failed"]
    assert "in _fail_deep" in entry["traceback"] and "in failing" in entry["traceback"]
    assert PERSONAL not in json.dumps(entry)


def test_safe_traceback_keeps_frames_and_drops_messages() -> None:
    try:
        _fail_deep(PERSONAL)
    except ValueError as error:
        text = safe_traceback(error)
    assert text.startswith("Traceback (most recent call last):")
    assert "in _fail_deep" in text and 'raise ValueError(f"cannot parse {value}")' in text
    assert PERSONAL not in text
