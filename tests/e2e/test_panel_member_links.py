"""A member's links in a real Chromium at 320 CSS px: an expired link, a fresh one by email,
stopping letters, and a new email address confirmed from that address.

Every page (and a page with its error) must have zero axe-core violations at WCAG 2.2 A and
AA and must not scroll sideways; the Welsh pages too. Mail is read from the live server's
outbox. Screenshots go to $RV_SCREENSHOTS (default /tmp/rv-members-screenshots).
SQLite only: tests/panel covers both databases.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
from pathlib import Path
from typing import Any

import pytest

from panel.tables import Consent, Member, MemberToken
from service import jobs
from tests.e2e.test_survey_pages import Auditor

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-members-screenshots"))


def _path_in_mail(address: str, pattern: str) -> str:
    outbox = Path(os.environ["OUTBOX_DIR"])
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] != address:
            continue
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
                found = re.search(rf"({pattern}[A-Za-z0-9_-]+)", text)
                if found:
                    return found.group(1)
    raise AssertionError(f"no mail to {address} with {pattern} in {outbox}")


async def _submit(page: Any) -> None:
    async with page.expect_navigation():
        await page.click("main form button.govuk-button")


@SQLITE_ONLY
async def test_expired_link_fresh_link_stop_letters_and_new_email(
    db: Any, live_server: Any, browser: Any
) -> None:
    from tests.panel.test_member_links import member_link

    SHOTS.mkdir(parents=True, exist_ok=True)
    member_id, link = await member_link("post", {"contact:email"})
    await MemberToken.update(
        {MemberToken.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=400)}
    ).where(MemberToken.purpose == "self_service")
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    scratch = await browser.new_context(viewport={"width": 320, "height": 640})
    audit = Auditor(await scratch.new_page(), live_server.url)
    try:
        await page.goto(live_server.url + link)
        assert "This link has expired" in await page.inner_text("h1")
        await audit(page, "expired link")
        await page.screenshot(path=str(SHOTS / "me-expired.png"), full_page=True)
        async with page.expect_navigation():
            await page.click("text=Get a new link to your panel page")
        assert page.url.endswith("/panel/link")
        await audit(page, "new link form")
        await page.screenshot(path=str(SHOTS / "link-form.png"), full_page=True)
        await _submit(page)
        assert await page.locator(".govuk-error-summary").count() == 1
        await audit(page, "new link form with errors")
        await page.fill("#email", "owain@example.org")
        await _submit(page)
        assert "Check your email" in await page.inner_text("h1")
        await audit(page, "new link sent")
        await page.screenshot(path=str(SHOTS / "link-sent.png"), full_page=True)

        await jobs.run_until_empty()  # the live server runs no worker here
        fresh = _path_in_mail("owain@example.org", "/panel/me/")
        base = live_server.url + fresh
        await page.goto(base)
        assert "This link works until" in await page.inner_text("main")
        await audit(page, "overview from the fresh link")

        async with page.expect_navigation():
            await page.click("text=Stop letters by post")
        assert "We will contact you by email instead." in await page.inner_text("main")
        await audit(page, "stop letters")
        await page.screenshot(path=str(SHOTS / "me-stop-post.png"), full_page=True)
        await _submit(page)
        assert "We will not send you any more letters." in await page.inner_text("main")
        await audit(page, "letters stopped")

        await page.goto(base + "/details")
        await page.fill("#email", "owain.new@example.org")
        await _submit(page)
        assert "owain.new@example.org" in await page.inner_text("#pending-email")
        await audit(page, "email waiting for confirmation")
        await page.screenshot(path=str(SHOTS / "me-email-pending.png"), full_page=True)

        confirm = _path_in_mail("owain.new@example.org", "/panel/confirm-email/")
        await page.goto(live_server.url + confirm)
        await audit(page, "confirm new email")
        await _submit(page)
        assert "Your new email address is confirmed" in await page.inner_text("h1")
        await audit(page, "new email confirmed")
        await page.screenshot(path=str(SHOTS / "email-confirmed.png"), full_page=True)

        await page.goto(live_server.url + "/panel/link?lang=cy")
        assert "Cael dolen newydd" in await page.inner_text("h1")
        await audit(page, "new link form in Welsh")
        await page.goto(live_server.url + link + "?lang=cy")
        assert "wedi dod i ben" in await page.inner_text("h1")
        await audit(page, "expired link in Welsh")
        await page.screenshot(path=str(SHOTS / "me-expired-welsh.png"), full_page=True)
    finally:
        await context.close()
        await scratch.close()
    assert audit.problems == [], "\n".join(audit.problems)
    member = await Member.select().where(Member.id == member_id).first()
    assert member is not None
    assert (member["email"], member["preferred_contact"]) == ("owain.new@example.org", "email")
    post = (
        await Consent.select()
        .where(Consent.member == member_id, Consent.purpose == "contact:post")
        .first()
    )
    assert post is not None and post["withdrawn_at"] is not None
