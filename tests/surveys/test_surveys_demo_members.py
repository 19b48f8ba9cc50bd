"""The surveys demo reads panel members through panel.services only (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from panel import demo as panel_demo
from panel.tables import Member
from surveys import demo

pytestmark = pytest.mark.db


async def test_demo_members_are_the_active_members_in_id_order(db: Any) -> None:
    await panel_demo.load_demo(lambda _line: None, "http://127.0.0.1:8000")
    first = await Member.select(Member.id).where(Member.status == "active").first()
    assert first is not None
    await Member.update({Member.status: "withdrawn"}).where(Member.id == first["id"])
    members = await demo._members()
    active = await Member.select(Member.id).where(Member.status == "active").order_by(Member.id)
    assert [m["id"] for m in members] == [r["id"] for r in active]
    assert {"reference", "age_band", "disability", "imd_quintile"} <= set(members[0])
    assert "email" not in members[0]
