"""The strategy measures staff pages in a real Chromium: summary, a measure, set a target.

A research officer opens "Strategy measures" from the staff navigation, sees the summary
table for the current half-year, opens a measure, is refused a tolerance below zero (the
field named in the error summary and beside the field), then saves a good target and sees
it on the measure and in the summary. axe-core must find nothing on any of those states, and
no page may scroll sideways at 320 CSS px. SQLite only: tests/surveys covers both databases.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import create_staff
from tests.e2e.test_staff_definitions import _problems
from tests.surveys.test_measures_staff import PERIOD, _member_responses

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-measures-screenshots"))
MEASURE = "Satisfied with the way the council runs things"


@SQLITE_ONLY
async def test_see_the_measures_open_one_and_set_its_target(
    db: Any, live_server: Any, browser: Any
) -> None:
    await _member_responses(count=14)
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
        async with page.expect_navigation():
            await page.click("nav a:has-text('Strategy measures')")
        assert await page.locator("h1").inner_text() == "Strategy measures"
        summary = page.locator("table").first
        assert PERIOD in await summary.locator("caption").inner_text()
        from analysis.measures import load_measures

        assert await summary.locator("tbody tr").count() == len(load_measures())
        # the download form: management audience as a PDF, printed by Chromium
        pdf = await context.request.get(
            f"{live_server.url}/staff/measures/report?period={PERIOD}&audience=management&format=pdf"
        )
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert (await pdf.body()).startswith(b"%PDF")
        problems += await _problems(page, "/staff/measures")
        await page.screenshot(path=str(SHOTS / "measures-summary.png"), full_page=True)

        async with page.expect_navigation():
            await page.click(f"table a:has-text('{MEASURE}')")
        assert await page.locator("h1").inner_text() == MEASURE
        history = page.locator("table caption", has_text=f"{MEASURE} by period")
        assert await history.count() == 1
        # 14 responses from 3 of the 12 wards cannot be raked to ward: the page says so and
        # the figure is raked to the other margins
        assert "ward could not be used for weighting" in await page.inner_text("main")
        problems += await _problems(page, "measure page")

        await page.fill("#value", "60")
        await page.fill("#tolerance", "-1")
        async with page.expect_navigation():
            await page.click("button:has-text('Save target')")
        summary_link = page.locator(".govuk-error-summary a[href='#tolerance']")
        assert "below zero" in await summary_link.inner_text()
        assert "below zero" in await page.locator("#tolerance-error").inner_text()
        problems += await _problems(page, "measure page with an error")
        await page.screenshot(path=str(SHOTS / "measure-error.png"), full_page=True)

        await page.fill("#tolerance", "3")
        async with page.expect_navigation():
            await page.click("button:has-text('Save target')")
        banner = page.locator(".govuk-notification-banner")
        assert f"Target for {PERIOD} saved" in await banner.inner_text()
        assert f"{PERIOD}: 60 (tolerance 3), set by {user.email}" in await page.inner_text("main")
        problems += await _problems(page, "measure page after saving")
        await page.screenshot(path=str(SHOTS / "measure-saved.png"), full_page=True)

        async with page.expect_navigation():
            await page.click("a:has-text('Back to all measures')")
        row = page.locator("tbody tr", has_text=MEASURE)
        assert "60.0% (tolerance 3)" in await row.inner_text()

        await page.set_viewport_size({"width": 320, "height": 800})
        for path in ("/staff/measures/", "/staff/measures/council_satisfaction",
                     "/staff/measures/new"):  # fmt: skip
            await page.goto(f"{live_server.url}{path}")
            problems += await _problems(page, f"{path} at 320 px")
        await page.screenshot(path=str(SHOTS / "measure-320.png"), full_page=True)
    finally:
        await context.close()
    assert problems == []
