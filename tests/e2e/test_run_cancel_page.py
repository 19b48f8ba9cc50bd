"""The site page an administrator sees with a run in progress (and its cancel button) has no
violations, and the button cancels the run in a real browser (issue 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accessibility import services
from accessibility.audit import SignIn
from accessibility.schemas import SiteIn
from tests.conftest import create_staff
from tests.e2e.test_own_pages_audit import SQLITE_ONLY, audit, violations

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]


@SQLITE_ONLY
async def test_the_cancel_button_is_accessible_and_cancels(
    db: Any, live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user, password = await create_staff("admin")
    monkeypatch.setenv("RV_AUDIT_SECRET_A11Y_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_A11Y_PASSWORD", password)
    site_id = await services.create_site(
        SiteIn(name="Council website", start_urls=["http://127.0.0.1:9/"])
    )
    run_id = await services.queue_run(site_id, background=False)
    page_url = f"{live_server.url}/staff/accessibility/sites/{site_id}"
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={
            "#email": "$RV_AUDIT_SECRET_A11Y_EMAIL",
            "#password": "$RV_AUDIT_SECRET_A11Y_PASSWORD",
        },
    )
    result = await audit([page_url], browser, signin)
    assert result.pages[0].audit.title.startswith("Council website")
    problems = violations(result)
    assert problems == [], "\n".join(problems)

    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{live_server.url}/staff/sign-in")
        await page.fill("#email", user.email)
        await page.fill("#password", password)
        await page.click("button[type=submit]")
        await page.goto(page_url)
        await page.screenshot(path=str(tmp_path / "site-with-cancel.png"), full_page=True)
        await page.get_by_role("button", name=f"Cancel run {run_id}").click()
        await page.wait_for_url(page_url)
        assert f"cancelled by {user.email}" in await page.content()
    finally:
        await context.close()
    assert (await services.get_run(run_id))["status"] == "cancelled"
