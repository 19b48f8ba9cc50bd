"""The demo site is created once, with a queued run; re-running adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from accessibility.demo import DEMO_SITE, load_demo
from accessibility.tables import AuditRun, Site

pytestmark = pytest.mark.db


async def test_demo_is_idempotent(db: Any) -> None:
    lines: list[str] = []
    await load_demo(lines.append, "http://127.0.0.1:8000")
    await load_demo(lines.append, "http://127.0.0.1:8000")
    assert await Site.count().where(Site.name == DEMO_SITE) == 1
    assert await AuditRun.count() == 1
    assert "queued" in lines[0] and "exists" in lines[1]
