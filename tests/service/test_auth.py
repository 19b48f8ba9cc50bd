"""Staff sign-in, sessions, lock-out, CSRF and security headers, over real HTTP handling."""

from __future__ import annotations

from typing import Any

import pytest

from service.security import hash_token
from service.tables import SignInAttempt, StaffSession
from tests.conftest import create_staff, post_form, sign_in

pytestmark = pytest.mark.db


async def test_sign_in_sets_a_hardened_session_and_opens_staff_pages(client: Any):
    user, password = await create_staff("research_officer")
    response = await sign_in(client, user.email, password)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("rv_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over http in tests; Secure follows PUBLIC_URL https
    session_id = cookie.split(";")[0].split("=", 1)[1]
    stored = await StaffSession.select(StaffSession.key)
    assert [row["key"] for row in stored] == [hash_token(session_id)]

    home = await client.get("/staff", headers={"accept": "text/html"})
    assert home.status_code == 200
    assert "Research officer" in home.text


async def test_wrong_password_and_unknown_user_get_the_same_answer(client: Any):
    user, _ = await create_staff("admin")
    wrong = await sign_in(client, user.email, "not-the-password")
    unknown = await sign_in(client, "nobody@council.example.gov.uk", "whatever-password")
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        assert "Enter a correct email address and password" in response.text
    assert "rv_session=" not in " ".join(wrong.headers.get_list("set-cookie"))


async def test_account_locks_after_repeated_failures_even_with_the_right_password(
    client: Any, settings: Any
):
    user, password = await create_staff("web_team")
    for _ in range(settings.signin_max_failures_account):
        assert (await sign_in(client, user.email, "wrong-password")).status_code == 400
    locked = await sign_in(client, user.email, password)
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.text
    # Attempts are stored only as keyed hashes.
    rows = await SignInAttempt.select(SignInAttempt.account_hash)
    assert rows and all(user.email not in r["account_hash"] for r in rows)


async def test_unknown_accounts_lock_too_so_lockout_reveals_nothing(client: Any, settings: Any):
    for _ in range(settings.signin_max_failures_account):
        await sign_in(client, "ghost@council.example.gov.uk", "wrong-password")
    response = await sign_in(client, "ghost@council.example.gov.uk", "wrong-password")
    assert response.status_code == 429 and "locked" in response.text


async def test_sign_out_ends_the_session(client: Any):
    user, password = await create_staff("panel_manager")
    await sign_in(client, user.email, password)
    assert (await client.get("/staff")).status_code == 200
    out = await post_form(client, "/staff/sign-out", {})
    assert out.status_code == 303
    assert await StaffSession.count() == 0
    after = await client.get("/staff", headers={"accept": "text/html"})
    assert after.status_code == 303 and after.headers["location"].startswith("/staff/sign-in")


async def test_forms_without_a_csrf_token_are_refused(client: Any):
    user, password = await create_staff("admin")
    response = await client.post("/staff/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 403


@pytest.mark.parametrize("next_url", ["//evil.example/phish", "/\t/evil.example"])
async def test_after_sign_in_redirect_stays_on_site(client: Any, next_url: str):
    user, password = await create_staff("admin")
    response = await post_form(
        client, "/staff/sign-in", {"email": user.email, "password": password, "next": next_url}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"


async def test_security_headers_on_pages_errors_and_static_files(client: Any):
    for path in ("/", "/no-such-page", "/static/app/app.css"):
        response = await client.get(path, headers={"accept": "text/html"})
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_pages_have_no_inline_script(client: Any):
    import re

    for path in ("/", "/staff/sign-in", "/no-such-page"):
        html = (await client.get(path, headers={"accept": "text/html"})).text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
        assert scripts, "expected the js-enabled script tag"
        for attributes, body in scripts:
            assert "src=" in attributes and not body.strip(), f"inline script on {path}"


async def test_health_reports_the_database(client: Any):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_errors_are_govuk_pages_for_people_and_json_for_programs(client: Any):
    page = await client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "Page not found" in page.text and "govuk-heading-l" in page.text
    api = await client.get("/no-such-page", headers={"accept": "application/json"})
    assert api.status_code == 404 and api.json()["status_code"] == 404


async def test_anonymous_visitors_get_no_session_row(client: Any):
    await client.get("/")
    await client.get("/health")
    assert await StaffSession.count() == 0
