"""What each role's export carries: contact details, sensitive answers, panel references.

The equality questions promise that answers "are only reported as totals, so no one can be
identified"; these tests hold the export routes to `surveys.services.export_policy`.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from service.tables import AuditEvent
from surveys.services import definitions_store
from tests.surveys.conftest import new_member
from tests.surveys.test_survey_http import _api

SLUG = "wellbeing-check"
DEFINITION = {
    "slug": SLUG,
    "version": 1,
    "languages": ["en"],
    "title": {"en": "Wellbeing check"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {
                    "id": "park_use",
                    "type": "single_choice",
                    "text": {"en": "Do you use the park?"},
                    "options": [
                        {"code": "yes", "label": {"en": "Yes"}},
                        {"code": "no", "label": {"en": "No"}},
                    ],
                },
                {
                    "id": "religion",
                    "type": "single_choice",
                    "sensitive": True,
                    "prefer_not_to_say": True,
                    "text": {"en": "What is your religion?"},
                    "options": [
                        {"code": "none", "label": {"en": "No religion"}},
                        {"code": "buddhist", "label": {"en": "Buddhist"}},
                    ],
                },
            ],
        }
    ],
}
URL = f"/api/surveys/{SLUG}/export"


async def _respond(client: Any, staff_login: Any) -> None:
    """A panel member's phone response (with a sensitive answer), entered by a panel manager."""
    await definitions_store.save_definition(DEFINITION)
    await new_member("P-SENS0001")
    await staff_login(client, "panel_manager")
    made = await _api(
        client,
        "POST",
        f"/api/surveys/{SLUG}/responses",
        {
            "mode": "phone",
            "member_reference": "P-SENS0001",
            "answers": {"park_use": "yes", "religion": "buddhist"},
        },
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()


async def _as_panel_manager(client: Any, staff_login: Any) -> list[dict[str, str]]:
    """The panel manager's fieldwork list, then signed back in as a research officer."""
    client.cookies.clear()
    await staff_login(client, "panel_manager")
    rows = _rows(await client.get(URL))
    client.cookies.clear()
    await staff_login(client, "research_officer")
    return rows


def _rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_research_officer_gets_sensitive_answers_only_beside_a_keyed_pseudonym(
    client: Any, staff_login: Any
) -> None:
    await _respond(client, staff_login)
    await staff_login(client, "research_officer")
    [row] = _rows(await client.get(URL))
    assert row["religion"] == "buddhist" and row["park_use"] == "yes"
    assert row["respondent_id"].startswith("R-") and "P-SENS0001" not in row.values()
    assert "email" not in row and "first_name" not in row
    # Coarsened against re-identification: no join key with the panel manager's fieldwork list
    # (plain response_id beside the panel reference), dates not times, no ward of one.
    [fieldwork_row] = await _as_panel_manager(client, staff_login)
    assert row["response_id"].startswith("S-")
    assert row["response_id"] != fieldwork_row["response_id"]
    assert len(row["submitted_at"]) == 10 and "T" in fieldwork_row["submitted_at"]
    assert row["panel_ward"] == "" and fieldwork_row["panel_ward"] != ""
    again = _rows(await client.get(URL))[0]["respondent_id"]
    assert again == row["respondent_id"]  # stable, so waves still link up
    codebook = json.loads((await client.get(URL + "?format=codebook")).content)
    by_name = {v["name"]: v for v in codebook["variables"]}
    assert by_name["religion"]["sensitive"] is True and "sensitive" not in by_name["park_use"]
    refused = await client.get(URL + "?include_sensitive=true&reason=for my own curiosity")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["path"] == "include_sensitive"
    assert (await client.get(URL + "?include_personal=true")).status_code == 403
    staff_page = await client.get(f"/staff/surveys/{SLUG}/export?include_personal=true")
    assert staff_page.status_code == 403
    events = await AuditEvent.select(AuditEvent.role, AuditEvent.detail, AuditEvent.reason)
    assert len(events) == 2 and all(e["role"] == "research_officer" for e in events)
    assert "sensitive answers, keyed pseudonyms" in events[0]["detail"]


async def test_panel_manager_gets_a_fieldwork_list_with_contacts_and_no_answers(
    client: Any, staff_login: Any
) -> None:
    await _respond(client, staff_login)
    await staff_login(client, "panel_manager")
    [plain] = _rows(await client.get(URL))
    assert plain["respondent_id"] == "P-SENS0001" and plain["mode"] == "phone"
    assert "religion" not in plain and "park_use" not in plain and "email" not in plain
    [contacts] = _rows(await client.get(URL + "?include_personal=true"))
    assert contacts["email"] == "p-sens0001@example.org" and contacts["first_name"] == "Ada"
    assert "religion" not in contacts
    staff = _rows(await client.get(f"/staff/surveys/{SLUG}/export?include_personal=true"))
    assert staff[0]["email"] == "p-sens0001@example.org"
    refused = await client.get(URL + "?include_sensitive=true&reason=chasing non-responders")
    assert refused.status_code == 403
    codebook = json.loads((await client.get(URL + "?format=codebook")).content)
    assert "religion" not in {v["name"] for v in codebook["variables"]}
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
    assert [e["action"] for e in events] == ["export", "export"]  # the two contact exports
    assert all("names and contact details" in e["detail"] for e in events)


async def test_admin_gets_sensitive_beside_references_only_with_a_recorded_reason(
    client: Any, staff_login: Any
) -> None:
    await _respond(client, staff_login)
    admin = await staff_login(client, "admin")
    [ordinary] = _rows(await client.get(URL))
    assert ordinary["respondent_id"].startswith("R-") and ordinary["religion"] == "buddhist"
    [contacts] = _rows(await client.get(URL + "?include_personal=true"))
    assert contacts["respondent_id"] == "P-SENS0001" and contacts["email"]
    assert "religion" not in contacts  # contact details never beside sensitive answers, unasked
    no_reason = await client.get(URL + "?include_sensitive=true")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["path"] == "reason"
    reason = "Subject access request 2026-114 from the resident"
    [full] = _rows(await client.get(URL, params={"include_sensitive": "true", "reason": reason}))
    assert full["respondent_id"] == "P-SENS0001" and full["religion"] == "buddhist"
    last = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    assert last is not None
    assert last["staff_user"] == admin.id and last["staff_email"] == admin.email
    assert last["reason"] == reason and last["subject"] == f"survey {SLUG}"
    assert "sensitive answers, panel references" in last["detail"]
    assert await AuditEvent.count() == 3  # ordinary (sensitive), contacts, sensitive: not the 400
