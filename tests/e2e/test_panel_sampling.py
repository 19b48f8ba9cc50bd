"""Drawing a sample from the staff pages in a real Chromium, and the panel staff pages audited.

A panel manager signs in, goes from the panel home to Samples, submits the form with a
mistake (sees the error summary), corrects it, draws a quota sample, sees it drawn against
each quota, and replays it. axe-core must find nothing on any page and none may scroll
sideways at 320 CSS px. Then the full auditor runs over every panel staff page (home,
samples, form, a draw, representativeness, health). Screenshots go to RV_SCREENSHOTS.
SQLite only: tests/panel covers both databases over HTTP.

The panel demo alone has a drawn sample but no contact history: its invitations, reminders and
responses are recorded by the surveys demo's fieldwork (`surveys/demo_fieldwork.py`, ~7 s to
load with its survey responses; `tests/surveys/fieldwork/test_demo_fieldwork.py` checks the full
demo's health figures). So that the pages audited here show real figures, `_fieldwork` records
for the demo draw what fieldwork records, through the same `panel.services.record_contact`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from accessibility.audit import SignIn
from accessibility.axe import run_axe
from panel import demo, services
from panel.tables import Draw, DrawMember
from tests.conftest import create_staff
from tests.e2e.test_own_pages_audit import audit, violations

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-sample-screenshots"))


async def _check(page: Any, where: str, shot: str) -> list[str]:
    found = [f"{where}: axe {v.rule} at {v.selector}" for v in (await run_axe(page)).violations]
    await page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    await page.set_viewport_size({"width": 320, "height": 800})
    if await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append(f"{where}: scrolls sideways at 320 px")
    await page.screenshot(path=str(SHOTS / f"{shot}-320.png"), full_page=False)
    await page.set_viewport_size({"width": 1024, "height": 900})
    return found


async def _fieldwork() -> tuple[int, int, int]:
    """Invitations for the demo draw's first 120 members, reminders and responses from a third
    of them: (draw id, invited, responded)."""
    draw = await Draw.select(Draw.id).where(Draw.created_by == "demo").first()
    assert draw is not None
    members = await DrawMember.select(DrawMember.member).where(DrawMember.draw == draw["id"])
    invited = await services.invitation_targets([m["member"] for m in members[:120]])
    sent = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    responded = 0
    for n, target in enumerate(invited):
        assert target.channel is not None
        contact = {"channel": target.channel, "subject": "Residents' survey", "draw_id": draw["id"]}
        await services.record_contact(target.member_id, kind="invitation", at=sent, **contact)
        if n % 3 == 0:
            responded += 1
            at = sent + dt.timedelta(days=2)
            await services.record_contact(target.member_id, kind="response", at=at, **contact)
        else:
            at = sent + dt.timedelta(days=7)
            await services.record_contact(target.member_id, kind="reminder", at=at, **contact)
    return draw["id"], len(invited), responded


@SQLITE_ONLY
async def test_draw_a_quota_sample_fix_a_mistake_and_replay_it(
    db: Any, live_server: Any, browser: Any
) -> None:
    await demo.load_demo(lambda _: None, live_server.url)
    demo_draw, invited, responded = await _fieldwork()
    user, password = await create_staff("panel_manager")
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
        await page.goto(f"{live_server.url}/staff/panel")
        assert await page.is_visible("text=Panel health at a glance")
        problems += await _check(page, "/staff/panel", "panel-home")
        async with page.expect_navigation():
            await page.click("a:has-text('Samples: draw a sample')")
        problems += await _check(page, "/staff/panel/samples", "samples")
        async with page.expect_navigation():
            await page.click("a:has-text('Draw a sample')")
        await page.check("#method-quota")
        await page.fill("#quotas", "age_band,16-24,20,30\nsex,female,50,60")
        async with page.expect_navigation():
            await page.click("button:has-text('Draw the sample')")
        summary = page.locator(".govuk-error-summary")
        assert await summary.is_visible()
        assert "Enter size as a whole number" in await summary.inner_text()
        assert await page.input_value("#quotas") == "age_band,16-24,20,30\nsex,female,50,60"
        problems += await _check(page, "form with errors", "sample-form-errors")
        await page.click(".govuk-error-summary a[href='#size']")
        assert await page.evaluate("document.activeElement.id") == "size"
        await page.fill("#size", "100")
        await page.fill("#seed", "4242")
        async with page.expect_navigation():
            await page.click("button:has-text('Draw the sample')")
        heading = await page.inner_text("h1")
        assert heading.endswith(": 100 members"), heading
        rows = page.locator("table:has(caption:has-text('Drawn against each quota')) tbody tr")
        assert await rows.count() == 2
        assert await page.locator("text=Seed").count() >= 1
        problems += await _check(page, "draw page", "sample-draw")
        async with page.expect_navigation():
            await page.click("button:has-text('Replay this draw')")
        assert "The replay drew the same 100 members" in await page.inner_text(
            ".govuk-notification-banner"
        )
        problems += await _check(page, "replayed draw", "sample-replayed")
        # a stratified sample on two margins at once: ward and sex
        await page.goto(f"{live_server.url}/staff/panel/samples/new")
        await page.fill("#size", "60")
        await page.check("#method-stratified")
        await page.check("#stratify-ward")
        await page.check("#stratify-sex")
        await page.fill("#not-invited-within-days", "0")
        await page.fill("#max-invitations-12-months", "0")
        problems += await _check(page, "stratified form", "sample-form-stratified")
        async with page.expect_navigation():
            await page.click("button:has-text('Draw the sample')")
        heading = await page.inner_text("h1")
        assert heading.endswith(": 60 members"), (heading, await page.inner_text("main"))
        table = page.locator("table:has(caption:has-text('Drawn against each stratum'))")
        text = await table.inner_text()
        assert "Ward" in text or "ward" in text
        assert await table.locator("tbody tr").count() == 12 + 2  # 12 wards and 2 sexes
        problems += await _check(page, "stratified draw", "sample-stratified")
        await page.goto(f"{live_server.url}/staff/panel/representativeness")
        problems += await _check(page, "representativeness", "representativeness")
        await page.goto(f"{live_server.url}/staff/panel/health")
        row = page.locator(
            "table:has(caption:has-text('Invited on or after the draw')) "
            f"tbody tr:has(a:text-is('Draw {demo_draw}'))"
        )
        cells = [c.strip() for c in await row.locator("td").all_inner_texts()]
        assert cells[1:3] == [str(invited), str(responded)], cells
        problems += await _check(page, "health", "health")
    finally:
        await context.close()
    assert problems == [], "\n".join(problems)


@SQLITE_ONLY
async def test_panel_staff_pages_have_no_violations(
    db: Any, live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await demo.load_demo(lambda _: None, live_server.url)
    draw = await Draw.select(Draw.id).first()
    user, password = await create_staff("panel_manager")
    monkeypatch.setenv("RV_AUDIT_SECRET_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_PASSWORD", password)
    base = f"{live_server.url}/staff/panel"
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={"#email": "$RV_AUDIT_SECRET_EMAIL", "#password": "${RV_AUDIT_SECRET_PASSWORD}"},
    )
    result = await audit(
        [
            base,
            f"{base}/samples",
            f"{base}/samples/new",
            f"{base}/samples/{draw['id']}",
            f"{base}/representativeness",
            f"{base}/health",
        ],
        browser,
        signin,
    )
    titles = [p.audit.title for p in result.pages]
    assert not any("Sign in" in t for t in titles), titles
    problems = violations(result)
    assert problems == [], "\n".join(problems)
