"""Personal API tokens: made on the account page, shown once, hashed, scoped, revocable."""

from __future__ import annotations

import json
import re
from typing import Any

from service.security import hash_token
from service.tables import ApiToken, StaffUser
from surveys.bank import load_bank
from surveys.tables import SurveyVersion
from tests.conftest import csrf_token, post_form


async def _make(client: Any, name: str = "Satisfaction notebook") -> str:
    made = await post_form(client, "/staff/account/tokens", {"token_name": name})
    assert made.status_code == 201, made.text
    match = re.search(r'<code class="rv-wrap" id="new-token">([^<]+)</code>', made.text)
    assert match, "the new token is not on the page"
    return match.group(1)


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_token_is_shown_once_stored_hashed_and_acts_as_its_owner(
    client: Any, staff_login: Any
) -> None:
    owner = await staff_login(client, "research_officer")
    token = await _make(client)
    assert token.startswith("rv_") and len(token) >= 40
    [row] = await ApiToken.select()
    assert row["token_hash"] == hash_token(token) and token not in str(row)
    page = await client.get("/staff/account")
    assert "Satisfaction notebook" in page.text and token not in page.text
    assert row["prefix"] in page.text and "Never" in page.text
    client.cookies.clear()  # from here on, only the token
    listed = await client.get("/api/surveys", headers=_bearer(token))
    assert listed.status_code == 200, listed.text
    used = await ApiToken.select(ApiToken.last_used_at).first()
    assert used is not None and used["last_used_at"] is not None
    # The owner's role guards apply: a research officer may not read the audit log.
    assert (await client.get("/api/audit", headers=_bearer(token))).status_code == 403
    # Only the JSON API takes tokens: staff pages still need a session.
    assert (await client.get("/staff/account", headers=_bearer(token))).status_code != 200
    assert owner.role == "research_officer"


async def test_wrong_revoked_and_out_of_role_tokens_are_refused(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "research_officer")
    token = await _make(client)
    other = await _make(client, "Second")
    assert (await client.get("/api/surveys", headers=_bearer(token + "x"))).status_code == 401
    assert (await client.get("/api/surveys", headers=_bearer("nonsense"))).status_code == 401
    ids = [r["id"] for r in await ApiToken.select(ApiToken.id).order_by(ApiToken.id)]
    revoked = await post_form(client, f"/staff/account/tokens/{ids[0]}/revoke", {})
    assert revoked.status_code == 303
    page = await client.get("/staff/account?revoked=true")
    assert "Token revoked" in page.text and "Revoked" in page.text
    # A revoked token is refused even beside a valid session cookie.
    assert (await client.get("/api/surveys", headers=_bearer(token))).status_code == 401
    client.cookies.clear()
    assert (await client.get("/api/surveys", headers=_bearer(other))).status_code == 200
    # A role change retires the token rather than carrying it over.
    await StaffUser.update({StaffUser.role: "admin"}).where(StaffUser.role == "research_officer")
    assert (await client.get("/api/surveys", headers=_bearer(other))).status_code == 401


async def test_a_token_of_a_role_without_access_is_forbidden(client: Any, staff_login: Any) -> None:
    await staff_login(client, "web_team")
    token = await _make(client, "Audit script")
    client.cookies.clear()
    assert (await client.get("/api/surveys", headers=_bearer(token))).status_code == 403


async def test_one_cannot_revoke_someone_elses_token_and_names_are_checked(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "research_officer")
    await _make(client)
    [row] = await ApiToken.select(ApiToken.id)
    client.cookies.clear()
    await staff_login(client, "research_officer")
    refused = await post_form(client, f"/staff/account/tokens/{row['id']}/revoke", {})
    assert refused.status_code == 404
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is None  # type: ignore[index]
    blank = await post_form(client, "/staff/account/tokens", {"token_name": "  "})
    assert blank.status_code == 400 and "Enter a name" in blank.text
    assert await ApiToken.count() == 1


async def test_csrf_guards_cookie_sessions_but_not_token_only_requests(
    client: Any, staff_login: Any
) -> None:
    """A bearer token is no ambient credential, so a token-only POST needs no CSRF header;
    a POST carrying the session cookie (with or without a token) still does."""
    await staff_login(client, "research_officer")
    token = await _make(client)
    data = json.dumps(load_bank("customer-satisfaction")).encode()
    json_body = {"content-type": "application/json"}
    # Cookie session, no CSRF header: refused before anything is written.
    by_cookie = await client.post("/api/surveys", content=data, headers=json_body)
    assert by_cookie.status_code == 403, by_cookie.text
    # Both a cookie and a token: the cookie could be ambient, so CSRF still applies.
    both = await client.post("/api/surveys", content=data, headers={**json_body, **_bearer(token)})
    assert both.status_code == 403, both.text
    assert await SurveyVersion.count() == 0
    # With the header, the cookie session may post.
    with_header = {**json_body, "x-csrftoken": await csrf_token(client), **_bearer(token)}
    assert (await client.post("/api/surveys", content=data, headers=with_header)).status_code == 201
    # The token alone, no cookies at all, no CSRF header: allowed.
    client.cookies.clear()
    again = dict(load_bank("customer-satisfaction"), slug="token-made")
    made = await client.post(
        "/api/surveys", content=json.dumps(again).encode(), headers={**json_body, **_bearer(token)}
    )
    assert made.status_code == 201, made.text
    assert await SurveyVersion.count() == 2
    # A wrong token without a cookie is still a 401, not a way round CSRF.
    wrong = await client.post(
        "/api/surveys", content=data, headers={**json_body, **_bearer(token + "x")}
    )
    assert wrong.status_code == 401
