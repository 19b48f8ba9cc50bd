"""The panel's member-handling staff pages in a real Chromium: applicants, imports (upload,
dry run, import), data protection (find, subject access, erasure) and the access log. Each page
has zero axe-core violations at 320 CSS px; screenshots go to $RV_SCREENSHOTS
(default /tmp/rv-members-screenshots). SQLite only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from panel import signup
from panel.tables import Member
from tests.conftest import create_staff
from tests.e2e.test_survey_pages import Auditor
from tests.panel.test_data_protection import member_with_history
from tests.panel.test_import_pages import csv_bytes
from tests.panel.test_imports import person

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-members-screenshots"))


@SQLITE_ONLY
async def test_member_staff_pages(db: Any, live_server: Any, browser: Any, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    member_id, reference = await member_with_history()
    await signup.apply(
        signup.Application(
            first_name="Phone",
            last_name="Only",
            preferred_contact="phone",
            consents={"membership", "contact:phone"},
            phone="07700 900765",
        )
    )
    user, password = await create_staff("admin")
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    scratch_context = await browser.new_context(viewport={"width": 320, "height": 640})
    audit = Auditor(await scratch_context.new_page(), live_server.url)

    async def look(name: str) -> None:
        await audit(page, name)
        await page.screenshot(path=str(SHOTS / f"staff-{name}.png"), full_page=True)

    try:
        await page.goto(f"{live_server.url}/staff/panel/applicants")
        await page.fill("#email", user.email)
        await page.fill("#password", password)
        await page.click("button:has-text('Sign in')")
        await page.wait_for_url("**/staff/panel/applicants")
        await look("applicants")
        async with page.expect_navigation():
            await page.click("button:has-text('Confirm')")
        assert "now an active member" in await page.inner_text("main")

        await page.goto(f"{live_server.url}/staff/panel/imports")
        await look("imports")
        upload = tmp_path / "members.csv"
        upload.write_bytes(csv_bytes([person(1), person(2, postcode="NOT A CODE")]))
        await page.set_input_files("#file", str(upload))
        async with page.expect_navigation():
            await page.click("button:has-text('Check file')")
        assert "1 with problems" in await page.inner_text("main")
        await look("imports-report")
        async with page.expect_navigation():
            await page.click("button:has-text('Import members')")
        assert "Imported 1 members" in await page.inner_text("main")
        await look("imports-done")

        await page.goto(f"{live_server.url}/staff/panel/data-protection")
        await look("data-protection")
        await page.fill("#reference", reference)
        async with page.expect_navigation():
            await page.click("button:has-text('Find member')")
        assert reference in await page.inner_text("h1")
        await look("subject-access")
        async with page.expect_navigation():
            await page.click("text=Erase this member’s personal data")
        await look("erase")
        await page.check("#confirm")
        async with page.expect_navigation():
            await page.click("button:has-text('Erase personal data')")
        assert "has been erased" in await page.inner_text("main")
        await page.goto(f"{live_server.url}/staff/audit")
        await look("staff-audit-log")
    finally:
        await context.close()
        await scratch_context.close()
    assert audit.problems == [], "\n".join(audit.problems)
    assert (await Member.select(Member.status).where(Member.id == member_id).first())[
        "status"
    ] == "erased"
