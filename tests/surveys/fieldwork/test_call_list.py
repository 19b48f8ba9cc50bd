"""Members who prefer a phone call go on the fieldwork page's call list; marking one called
shows their link to read out, and records the call as a contact."""

from __future__ import annotations

from typing import Any

import pytest

from panel.tables import ContactEvent
from service.tables import AuditEvent
from surveys.services import fieldwork
from surveys.tables import SurveyInvitation, SurveyLink
from tests.conftest import post_form
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_draw, add_member

SLUG = "resident-satisfaction"
PAGE = f"/staff/surveys/{SLUG}/fieldwork"

pytestmark = pytest.mark.db


async def test_phone_members_are_called_not_skipped(
    client: Any, staff_login: Any, smtp: Any
) -> None:
    await store_bank(SLUG)
    caller = await add_member(channel="phone", first_name="Grace")
    emailed = await add_member()
    result = await fieldwork.invite(SLUG, draw_id=await add_draw([caller, emailed]))
    assert result.invited == {"phone": 1, "email": 1} and result.skipped == []

    manager = await staff_login(client, "panel_manager")
    page = (await client.get(PAGE)).text
    calls = page.split('id="calls"', 1)[1].split("Letters to post", 1)[0]
    assert "Grace Lovelace" in calls and "07700 9" in calls
    # The call list shows a name and phone number: the view is in the staff audit log.
    [view] = await AuditEvent.select().where(AuditEvent.action == "view")
    assert view["subject"] == f"panel member {caller}" and view["staff_email"] == manager.email
    assert view["detail"] == f"fieldwork call list ({SLUG})"
    [invitation] = await SurveyInvitation.select().where(SurveyInvitation.member == caller)
    assert invitation["state"] == "to_call"
    assert await ContactEvent.count().where(ContactEvent.member == caller) == 0

    done = await post_form(client, f"{PAGE}/calls/{invitation['id']}", {})
    assert done.status_code == 200, done.text
    link = done.text.split("Read out this link", 1)[1].split("/s/", 1)[1].split("<", 1)[0]
    opened = await client.get(f"/s/{link}")
    assert opened.status_code == 200
    assert "Call recorded for Grace Lovelace" in done.text
    shown = await AuditEvent.select(AuditEvent.detail).where(AuditEvent.action == "view")
    assert {"detail": f"fieldwork call made ({SLUG})"} in shown
    assert "Nobody is waiting for a call." in done.text  # off the list once called
    [after] = await SurveyInvitation.select().where(SurveyInvitation.member == caller)
    assert after["state"] == "sent" and after["link"] is not None
    assert await SurveyLink.count().where(SurveyLink.member == caller) == 1
    [contact] = await ContactEvent.select().where(ContactEvent.member == caller)
    assert contact["kind"] == "invitation" and contact["channel"] == "phone"

    # Marking the same member again is refused, naming the call list; nothing more written.
    again = await post_form(client, f"{PAGE}/calls/{invitation['id']}", {})
    assert again.status_code == 400 and 'href="#calls"' in again.text
    assert await ContactEvent.count().where(ContactEvent.member == caller) == 1
