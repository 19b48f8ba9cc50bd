"""Staff sign-in in a real Chromium, JavaScript on and off: errors, sign-in, role pages, sign-out.

Runs on SQLite only (the browser path is the same on both databases; the database behaviour
is covered on both by tests/service).
"""

from __future__ import annotations

from typing import Any

import pytest

from accessibility.axe import run_axe
from tests.conftest import create_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@SQLITE_ONLY
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
async def test_staff_sign_in_and_out(db: Any, live_server: Any, browser: Any, javascript: bool):
    user, password = await create_staff("research_officer")
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    try:
        await page.goto(f"{live_server.url}/staff/users")  # admin-only, and not signed in
        assert "/staff/sign-in" in page.url

        await page.fill("#email", user.email)
        await page.fill("#password", "wrong password")
        await page.click("button:has-text('Sign in')")
        summary = page.locator(".govuk-error-summary")
        assert "Enter a correct email address and password" in await summary.inner_text()
        assert (await page.title()).startswith("Error:")
        await page.click(".govuk-error-summary a")
        if javascript:
            assert await page.evaluate("document.activeElement.id") == "email"

        await page.fill("#password", password)
        await page.click("button:has-text('Sign in')")
        await page.wait_for_url("**/staff/users")
        assert "You do not have access to this page" in await page.inner_text("h1")

        await page.goto(f"{live_server.url}/staff")
        nav = await page.inner_text(".govuk-service-navigation")
        assert "Surveys" in nav and "Staff accounts" not in nav and "Panel members" not in nav

        await page.click("button:has-text('Sign out')")
        await page.wait_for_url("**/staff/sign-in")
        await page.goto(f"{live_server.url}/staff")
        assert "/staff/sign-in" in page.url
    finally:
        await context.close()


@SQLITE_ONLY
async def test_service_pages_pass_axe_and_reflow_at_320px(db: Any, live_server: Any, browser: Any):
    user, password = await create_staff("admin")
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    problems: list[str] = []
    try:
        paths = ["/", "/privacy", "/accessibility", "/staff/sign-in", "/no-such-page"]
        for path in paths:
            await page.goto(f"{live_server.url}{path}")
            problems += await _page_problems(page, path)
        await page.goto(f"{live_server.url}/staff/sign-in")
        await page.fill("#email", user.email)
        await page.fill("#password", password)
        await page.click("button:has-text('Sign in')")
        await page.wait_for_url("**/staff")
        for path in ["/staff", "/staff/users"]:
            await page.goto(f"{live_server.url}{path}")
            problems += await _page_problems(page, path)
    finally:
        await context.close()
    assert not problems, "\n".join(problems)


async def _page_problems(page: Any, path: str) -> list[str]:
    found = []
    width = await page.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        found.append(f"{path}: scrolls sideways at 320 px ({width} px wide)")
    result = await run_axe(page)
    found += [f"{path}: axe {f.rule} at {f.selector}" for f in result.violations]
    return found
