"""Allowing private addresses is an administrator's setting, recorded who and when (issue 9)."""

from __future__ import annotations

from typing import Any

import pytest

from accessibility import services
from accessibility.schemas import SiteIn
from tests.conftest import csrf_token, post_form

SITE = {"name": "Intranet", "start_urls": ["https://intranet.example/"]}


async def test_the_api_refuses_private_addresses_from_the_web_team(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "web_team")
    headers = {"x-csrftoken": await csrf_token(client)}
    refused = await client.post(
        "/api/accessibility/sites", json={**SITE, "allow_private": True}, headers=headers
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["path"] == "allow_private"
    assert await services.list_sites() == [], "nothing was stored"


async def test_an_administrator_allows_them_and_is_recorded(client: Any, staff_login: Any) -> None:
    admin = await staff_login(client, "admin")
    headers = {"x-csrftoken": await csrf_token(client)}
    created = await client.post(
        "/api/accessibility/sites", json={**SITE, "allow_private": True}, headers=headers
    )
    assert created.status_code == 201
    site = await services.get_site(created.json()["id"])
    assert site["allow_private"] and site["allow_private_by"] == admin.email
    assert site["allow_private_at"] is not None
    page = await client.get(f"/staff/accessibility/sites/{site['id']}")
    assert f'Allowed by <span class="rv-wrap">{admin.email}</span>' in page.text


async def test_the_form_refuses_it_from_the_web_team_and_hides_the_box(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "web_team")
    form = await client.get("/staff/accessibility/sites/new")
    assert 'name="allow_private"' not in form.text
    assert "Only an administrator can allow them" in form.text
    refused = await post_form(
        client,
        "/staff/accessibility/sites",
        {"name": "Intranet", "start_urls": "https://intranet.example/", "allow_private": "yes"},
    )
    assert refused.status_code == 400
    assert "Only an administrator can allow private network addresses" in refused.text
    assert 'href="#allow-private"' in refused.text
    assert await services.list_sites() == []


async def test_a_web_team_edit_keeps_the_administrators_choice(db: Any) -> None:
    admin = services.Actor("admin@council.example.gov.uk", "admin")
    web = services.Actor("web@council.example.gov.uk", "web_team")
    site_id = await services.create_site(SiteIn(**SITE, allow_private=True), admin)
    # The web team's form has no box: its edit says False, which must not undo the setting.
    await services.update_site(site_id, SiteIn(**SITE, max_pages=10), web)
    site = await services.get_site(site_id)
    assert site["allow_private"] and site["allow_private_by"] == admin.email
    assert site["max_pages"] == 10
    other = await services.create_site(SiteIn(**SITE), web)
    with pytest.raises(services.SiteError, match="Only an administrator"):
        await services.update_site(other, SiteIn(**SITE, allow_private=True), web)
    # An administrator turning it off clears the record.
    await services.update_site(site_id, SiteIn(**SITE), admin)
    cleared = await services.get_site(site_id)
    assert not cleared["allow_private"] and cleared["allow_private_by"] == ""
