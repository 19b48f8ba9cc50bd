"""Uploading a survey definition from the staff pages, in a real Chromium.

A research officer signs in, adds a survey from a YAML file with a fault in its routing, sees
the fault with its path in the error summary (the file's text now in the text box), corrects
it there and sees version 1 listed; then uploads a changed definition for the next version.
axe-core must find nothing on the upload page (with and without errors) and the versions
page, and neither may scroll sideways at 320 CSS px. SQLite only: tests/surveys covers both
databases over HTTP.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from accessibility.axe import run_axe
from surveys.services import definitions_store, responses
from tests.conftest import create_staff
from tests.surveys.test_staff_definitions import PARKS, PARKS_TYPO, TYPO_PATH

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-survey-screenshots"))


async def _problems(page: Any, where: str) -> list[str]:
    found = [f"{where}: axe {v.rule} at {v.selector}" for v in (await run_axe(page)).violations]
    if await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append(f"{where}: scrolls sideways at {page.viewport_size['width']} px")
    return found


async def _submit(page: Any) -> None:
    async with page.expect_navigation():
        await page.click("button:has-text('Check and save')")


@SQLITE_ONLY
async def test_upload_a_definition_fix_its_fault_and_see_the_version(
    db: Any, live_server: Any, browser: Any
) -> None:
    user, password = await create_staff("research_officer")
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1024, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    try:
        await page.goto(f"{live_server.url}/staff/sign-in")
        await page.fill("#email", user.email)
        await page.fill("#password", password)
        async with page.expect_navigation():
            await page.click("button:has-text('Sign in')")

        await page.goto(f"{live_server.url}/staff/surveys")
        problems += await _problems(page, "/staff/surveys")
        async with page.expect_navigation():
            await page.click("a:has-text('Add a survey from a definition')")
        assert page.url.endswith("/staff/surveys/from-definition")
        problems += await _problems(page, "upload page")

        await page.set_input_files(
            "#file",
            files=[
                {
                    "name": "parks.yaml",
                    "mimeType": "application/yaml",
                    "buffer": PARKS_TYPO.encode(),
                }
            ],
        )
        await _submit(page)
        summary = page.locator(".govuk-error-summary")
        assert (await page.title()).startswith("Error:")
        assert f"{TYPO_PATH}: refers to unknown question 'visted'" in await summary.inner_text()
        assert await page.input_value("#definition") == PARKS_TYPO
        problems += await _problems(page, "upload page with an error")
        await page.screenshot(path=str(SHOTS / "definition-upload-error.png"), full_page=True)

        await page.click(".govuk-error-summary a")
        assert await page.evaluate("document.activeElement.id") == "definition"
        await page.fill("#definition", PARKS)
        await _submit(page)
        assert page.url.endswith("/staff/surveys/parks-2025/versions?saved=new_survey&version=1")
        banner = await page.inner_text(".govuk-notification-banner")
        assert "Survey added: version 1 is its first version." in banner
        rows = page.locator("table.govuk-table tbody tr")
        assert await rows.count() == 1
        first = await rows.nth(0).inner_text()
        assert "Current" in first and "No responses yet" in first
        problems += await _problems(page, "versions page")

        # Once version 1 has a response, a changed definition becomes version 2.
        await responses.record_assisted(
            "parks-2025", {"visited": "no"}, mode="phone", entered_by=int(user.id)
        )
        async with page.expect_navigation():
            await page.click("a:has-text('Upload a new version')")
        problems += await _problems(page, "upload a new version")
        await page.fill("#definition", PARKS.replace("Parks survey", "Parks and green spaces"))
        await _submit(page)
        assert page.url.endswith("/staff/surveys/parks-2025/versions?saved=created&version=2")
        assert await rows.count() == 2
        newest, oldest = await rows.nth(0).inner_text(), await rows.nth(1).inner_text()
        assert newest.startswith("2") and "Current" in newest
        assert oldest.startswith("1") and "Locked: has responses" in oldest
        assert "Current" not in oldest
        await page.screenshot(path=str(SHOTS / "definition-versions.png"), full_page=True)

        async with page.expect_download() as download_info:
            await page.click("a:has-text('Version 1 as YAML')")
        download = await download_info.value
        assert download.suggested_filename == "parks-2025-v1.yaml"

        await page.set_viewport_size({"width": 320, "height": 640})
        for path in (
            "/staff/surveys/parks-2025/versions",
            "/staff/surveys/parks-2025/versions/new",
        ):
            await page.goto(live_server.url + path)
            problems += await _problems(page, f"{path} at 320 px")
    finally:
        await context.close()
    assert problems == [], "\n".join(problems)
    assert (await definitions_store.get_version("parks-2025")).version == 2
