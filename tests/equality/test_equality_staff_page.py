"""The research officers' staff page for equalities evidence (both databases)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.equality.test_equality_cli import _responses

pytestmark = [pytest.mark.db]

URL = "/staff/surveys/equality-monitoring/equality/"


async def test_research_officer_sees_findings_and_downloads_the_report(
    client: Any, staff_login: Any
) -> None:
    await _responses(48)
    await staff_login(client, "research_officer")
    detail = await client.get("/staff/surveys/equality-monitoring")
    assert f'href="{URL}"' in detail.text
    empty = await client.get(URL)
    assert empty.status_code == 200 and 'name="outcome"' in empty.text
    page = await client.get(
        URL, params={"outcome": "long_term_condition=yes", "characteristics": "age,sex"}
    )
    assert page.status_code == 200, page.text
    assert "Summary of findings" in page.text and "25 to 34" in page.text
    download = await client.get(
        URL + "report.html",
        params={"outcome": "long_term_condition=yes", "characteristics": "age,sex"},
    )
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert "Equalities Impact Assessment" in download.text


async def test_bad_outcome_is_a_400_naming_the_field(client: Any, staff_login: Any) -> None:
    await _responses(12)
    await staff_login(client, "research_officer")
    page = await client.get(URL, params={"outcome": "nope=yes"})
    assert page.status_code == 400
    assert "There is a problem" in page.text and 'href="#outcome"' in page.text
    assert "outcome column &#39;nope&#39; is not in the data" in page.text


async def test_other_roles_cannot_see_it(client: Any, staff_login: Any) -> None:
    await _responses(12)
    await staff_login(client, "web_team")
    page = await client.get(URL, params={"outcome": "long_term_condition=yes"})
    assert page.status_code in (401, 403)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_staff_page_passes_our_auditor_and_is_screenshotted(
    db: Any, live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from accessibility.audit import SignIn
    from tests.conftest import create_staff
    from tests.e2e.test_own_pages_audit import audit, violations

    await _responses(48)
    user, password = await create_staff("research_officer")
    monkeypatch.setenv("RV_AUDIT_SECRET_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_PASSWORD", password)
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={"#email": "$RV_AUDIT_SECRET_EMAIL", "#password": "${RV_AUDIT_SECRET_PASSWORD}"},
    )
    base = f"{live_server.url}{URL}"
    with_result = f"{base}?outcome=long_term_condition%3Dyes&characteristics=age%2Csex"
    result = await audit([base, with_result, f"{base}?outcome=nope%3Dyes"], browser, signin)
    titles = [p.audit.title for p in result.pages]
    assert not any("Sign in" in t for t in titles), titles
    problems = violations(result)
    assert problems == [], "\n".join(problems)
    # a screenshot for the person reviewing the page
    context = await browser.new_context(viewport={"width": 1100, "height": 1400})
    page = await context.new_page()
    await page.goto(f"{live_server.url}/staff/sign-in")
    await page.fill("#email", user.email)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button:has-text('Sign in')")
    await page.goto(with_result)
    shot = tmp_path / "equality_staff_page.png"
    assert "Summary of findings" in await page.content()
    await page.screenshot(path=str(shot), full_page=True)
    await context.close()
    assert shot.stat().st_size > 10_000
    import os
    import shutil

    if os.environ.get("RV_SCREENSHOT_DIR"):
        shutil.copy(shot, os.environ["RV_SCREENSHOT_DIR"])
