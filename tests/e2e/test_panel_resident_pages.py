"""Panel resident pages in a real Chromium: sign-up to confirmation, and self-service.

The sign-up is made end to end at 320 CSS px with JavaScript on and off (each page, and a page
with its errors, must have zero axe-core violations at WCAG 2.2 A and AA and must not scroll
sideways); the confirmation link is read from the mail the live server wrote. A member then
uses their personal link: details, preferences, pause, their data, erasure, leaving.
Screenshots go to $RV_SCREENSHOTS (default /tmp/rv-members-screenshots).
SQLite only: the browser path is the same on both databases; tests/panel covers both.
"""

from __future__ import annotations

import email
import os
import re
from pathlib import Path
from typing import Any

import pytest

from panel import services
from panel.tables import Consent, Member
from tests.e2e.test_survey_pages import Auditor

pytestmark = [pytest.mark.browser, pytest.mark.db]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-members-screenshots"))

#: (page, actions) in order; actions are (kind, selector, value).
JOURNEY: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("name", [("fill", "#first_name", "Nia"), ("fill", "#last_name", "Rowlands")]),
    ("contact", [("check", "input[name=preferred_contact][value=email]", "")]),
    ("email", [("fill", "#email", "nia.rowlands@example.org")]),
    ("phone", []),
    ("address", [("fill", "#postcode", "NB4 2JK")]),
    (
        "date-of-birth",
        [("fill", "#dob-day", "12"), ("fill", "#dob-month", "11"), ("fill", "#dob-year", "1999")],
    ),
    ("needs", [("check", "input[name=needs][value=easy_read]", "")]),
    (
        "consent",
        [
            ("check", "input[name=consents][value=membership]", ""),
            ("check", "input[name=consents][value='contact:email']", ""),
        ],
    ),
    ("sex", [("check", "input[name=sex][value=prefer_not_to_say]", "")]),
    ("ethnic-group", [("check", "input[name=ethnic_group][value=white_british]", "")]),
    ("long-term-condition", [("check", "input[name=long_term_condition][value=no]", "")]),
]
INVALID = {
    "name": [("fill", "#first_name", "")],
    "email": [("fill", "#email", "not an email")],
    "date-of-birth": [
        ("fill", "#dob-day", "31"),
        ("fill", "#dob-month", "2"),
        ("fill", "#dob-year", "1999"),
    ],
    "consent": [],
}


async def _act(page: Any, actions: list[tuple[str, str, str]]) -> None:
    for kind, selector, value in actions:
        if kind == "check":
            await page.check(selector)
        else:
            await page.fill(selector, value)


async def _submit(page: Any) -> None:
    async with page.expect_navigation():
        await page.click("main form button.govuk-button")


def _confirm_path(outbox: Path, address: str) -> str:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == address:
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
                    found = re.search(r"(/panel/confirm/[A-Za-z0-9_-]+)", text)
                    assert found, text
                    return found.group(1)
    raise AssertionError(f"no mail to {address} in {outbox}")


@SQLITE_ONLY
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
async def test_sign_up_to_confirmation(
    db: Any, live_server: Any, browser: Any, javascript: bool
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(
        java_script_enabled=javascript, viewport={"width": 320, "height": 640}
    )
    page = await context.new_page()
    scratch_context = await browser.new_context(viewport={"width": 320, "height": 640})
    audit = Auditor(await scratch_context.new_page(), live_server.url)
    suffix = "js" if javascript else "nojs"
    address = f"nia.rowlands.{suffix}@example.org"
    try:
        await page.goto(f"{live_server.url}/panel/join")
        await audit(page, "start", javascript)
        if javascript:
            await page.screenshot(path=str(SHOTS / "signup-start.png"), full_page=True)
        async with page.expect_navigation():
            await page.click("a.govuk-button--start")
        for step, actions in JOURNEY:
            assert page.url.endswith(f"/panel/join/{step}"), (step, page.url)
            await audit(page, step, javascript)
            if javascript:
                await page.screenshot(path=str(SHOTS / f"signup-{step}.png"), full_page=True)
            if step in INVALID:
                await _act(page, INVALID[step])
                await _submit(page)
                assert await page.locator(".govuk-error-summary").count() == 1, step
                assert (await page.title()).startswith("Error:"), step
                await audit(page, f"{step} with errors", javascript)
                href = await page.locator(".govuk-error-summary a").first.get_attribute("href")
                assert await page.locator(f"[id='{(href or '').lstrip('#')}']").count() == 1, (
                    step,
                    href,
                )
                if javascript and step == "consent":
                    await page.screenshot(
                        path=str(SHOTS / "signup-consent-error.png"), full_page=True
                    )
            if step == "email":
                actions = [("fill", "#email", address)]
            await _act(page, actions)
            await _submit(page)
        assert page.url.endswith("/panel/join/check"), page.url
        await audit(page, "check answers", javascript)
        if javascript:
            await page.screenshot(path=str(SHOTS / "signup-check.png"), full_page=True)
        await _submit(page)
        assert "Check your email" in await page.inner_text("h1")
        await audit(page, "sent", javascript)
        if javascript:
            await page.screenshot(path=str(SHOTS / "signup-sent.png"), full_page=True)

        path = _confirm_path(Path(os.environ["OUTBOX_DIR"]), address)
        await page.goto(live_server.url + path)
        await audit(page, "confirm", javascript)
        await _submit(page)
        assert "You have joined" in await page.inner_text("h1")
        await audit(page, "confirmed", javascript)
        if javascript:
            await page.screenshot(path=str(SHOTS / "signup-confirmed.png"), full_page=True)
    finally:
        await context.close()
        await scratch_context.close()
    assert audit.problems == [], "\n".join(audit.problems)
    member = await Member.select().where(Member.email == address).first()
    assert member["status"] == "active" and member["easy_read"] is True
    assert member["sex"] == "prefer_not_to_say" and member["disability"] == "not_disabled"
    assert await Consent.count().where(Consent.member == member["id"]) == 2


@SQLITE_ONLY
async def test_self_service_main_path(db: Any, live_server: Any, browser: Any) -> None:
    from tests.panel.test_self_service import member_link

    SHOTS.mkdir(parents=True, exist_ok=True)
    member_id, link = await member_link()
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    scratch_context = await browser.new_context(viewport={"width": 320, "height": 640})
    audit = Auditor(await scratch_context.new_page(), live_server.url)
    base = live_server.url + link
    try:
        await page.goto(base)
        await audit(page, "overview")
        await page.screenshot(path=str(SHOTS / "me-overview.png"), full_page=True)

        await page.click("text=Change >> nth=0")
        await page.wait_for_url("**/details")
        await audit(page, "details")
        await page.fill("#phone", "07700 900111")
        await _submit(page)
        assert "Your changes have been saved" in await page.inner_text("main")
        await audit(page, "overview saved")
        await page.screenshot(path=str(SHOTS / "me-saved.png"), full_page=True)

        await page.goto(base + "/preferences")
        await audit(page, "preferences")
        await page.screenshot(path=str(SHOTS / "me-preferences.png"), full_page=True)
        await page.uncheck("input[name=consents][value='contact:email']")
        await _submit(page)
        assert await page.locator(".govuk-error-summary").count() == 1
        await audit(page, "preferences with errors")
        await page.check("input[name=consents][value='contact:email']")
        await page.check("input[name=consents][value='contact:sms']")
        await _submit(page)

        await page.goto(base + "/pause")
        await audit(page, "pause")
        await page.fill("#until-day", "1")
        await page.fill("#until-month", "1")
        await page.fill("#until-year", "2020")
        await _submit(page)
        await audit(page, "pause with errors")
        await page.screenshot(path=str(SHOTS / "me-pause-error.png"), full_page=True)
        await page.fill("#until-year", "2027")
        await _submit(page)
        assert "paused until 1 January 2027" in await page.inner_text("main")

        await page.goto(base + "/data")
        await audit(page, "my data")
        await page.screenshot(path=str(SHOTS / "me-data.png"), full_page=True)
        await page.goto(base + "/erasure")
        await audit(page, "erasure")
        await page.screenshot(path=str(SHOTS / "me-erasure.png"), full_page=True)
        await page.goto(base + "/leave")
        await audit(page, "leave")
        await page.fill("#reason", "Moving away")
        await _submit(page)
        assert "You have left the panel" in await page.inner_text("h1")
        await audit(page, "left")
        await page.goto(base + "?lang=cy")
        await audit(page, "overview in Welsh")
        await page.screenshot(path=str(SHOTS / "me-welsh.png"), full_page=True)
    finally:
        await context.close()
        await scratch_context.close()
    assert audit.problems == [], "\n".join(audit.problems)
    member = await Member.select().where(Member.id == member_id).first()
    assert member["status"] == "withdrawn" and member["phone"] == "+447700900111"
    assert (await services.current_consents([member_id]))[member_id] == set()
