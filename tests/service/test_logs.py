"""Request logs name the route template, never the concrete path, so tokens never leak."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.db


async def test_request_logs_hold_no_personal_data(client: Any, caplog: Any):
    caplog.set_level("INFO")
    secret = "Resident-Token-abc123"
    await client.get(f"/staff/sign-in?next=/s/{secret}")
    await client.get(f"/no-such/{secret}", headers={"accept": "text/html"})
    caplog.set_level("INFO")
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "piccolo"))]
    logged = "\n".join(r.getMessage() for r in ours)
    assert '"route": "/staff/sign-in"' in logged
    assert secret not in logged
