"""Staff data-protection pages: subject access and erasure need a panel role and are logged;
the access log is for admins only."""

from __future__ import annotations

from typing import Any

import pytest

from panel import self_service
from panel.tables import Member
from service.tables import AuditEvent
from tests.conftest import post_form
from tests.panel.test_data_protection import member_with_history

pytestmark = pytest.mark.db


async def test_subject_access_and_erasure_by_staff_are_logged(
    client: Any, staff_login: Any
) -> None:
    member_id, reference = await member_with_history()
    await self_service.request_erasure(member_id)
    assert (
        await client.get(f"/staff/panel/data-protection/members/{member_id}")
    ).status_code == 401
    user = await staff_login(client, "research_officer")
    assert (
        await client.get(f"/staff/panel/data-protection/members/{member_id}")
    ).status_code == 403
    user = await staff_login(client, "panel_manager")

    index = await client.get("/staff/panel/data-protection")
    assert index.status_code == 200 and reference in index.text  # the open erasure request
    found = await client.get(f"/staff/panel/data-protection?reference={reference.lower()}")
    assert found.status_code == 303
    missing = await client.get("/staff/panel/data-protection?reference=P-NOTHERE")
    assert "No member has the reference P-NOTHERE" in missing.text

    page = await client.get(found.headers["location"])
    assert page.status_code == 200 and "rhian.price@example.org" in page.text
    download = await client.get(f"/staff/panel/data-protection/members/{member_id}/data.json")
    assert download.json()["reference"] == reference

    ask = await client.get(f"/staff/panel/data-protection/members/{member_id}/erase")
    assert "cannot be undone" in ask.text and "What it keeps" in ask.text
    unconfirmed = await post_form(
        client, f"/staff/panel/data-protection/members/{member_id}/erase", {}
    )
    assert unconfirmed.status_code == 303 and "error=confirm" in unconfirmed.headers["location"]
    assert (await Member.select(Member.status).first())["status"] == "active"
    erased = await post_form(
        client, f"/staff/panel/data-protection/members/{member_id}/erase", {"confirm": "yes"}
    )
    assert erased.status_code == 303
    assert (await Member.select(Member.status).first())["status"] == "erased"

    log = await AuditEvent.select().order_by(AuditEvent.id)
    assert [(e["action"], e["staff_email"]) for e in log] == [
        ("view", user.email),
        ("export", user.email),
        ("erase", user.email),
    ]
    assert (await client.get("/staff/audit")).status_code == 403
    await staff_login(client, "admin")
    listing = await client.get("/staff/audit")
    assert listing.status_code == 200 and user.email in listing.text
