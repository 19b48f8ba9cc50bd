"""The fieldwork staff page: panel managers only; invite a draw; counts by channel; letters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accessibility.audit import SignIn
from service import jobs
from surveys.services import fieldwork
from tests.conftest import create_staff, post_form
from tests.e2e.test_own_pages_audit import SQLITE_ONLY, audit, violations
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_draw, add_member

SLUG = "resident-satisfaction"
PAGE = f"/staff/surveys/{SLUG}/fieldwork"
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.mark.db
async def test_only_panel_managers_see_fieldwork(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    await staff_login(client, "research_officer")
    assert (await client.get(PAGE)).status_code == 403


@pytest.mark.db
async def test_invite_a_draw_and_see_it_progress(client: Any, staff_login: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    members = [
        await add_member(),
        await add_member(),
        await add_member(channel="sms"),
        await add_member(channel="post"),
        await add_member(status="withdrawn"),
    ]
    draw = await add_draw(members)
    await staff_login(client, "panel_manager")

    response = await client.get(PAGE)
    assert response.status_code == 200 and "Nobody has been invited" in response.text
    # The draw is offered to choose, newest first, with its size, method and date.
    older = await add_draw(members[:2])
    offered = (await client.get(PAGE)).text
    assert f'name="draw" type="radio" value="{draw}"' in offered
    assert f"Draw {draw}: 5 members, simple random" in offered
    assert f"Draw {older}: 2 members" in offered
    assert offered.index(f"Draw {older}:") < offered.index(f"Draw {draw}:")
    assert "Drawn " in offered

    bad = await post_form(client, PAGE + "/", {"draw": "twelve"})
    assert bad.status_code == 400 and 'href="#draw"' in bad.text
    missing = await post_form(client, PAGE + "/", {"draw": "999"})
    assert missing.status_code == 400 and "no sample draw 999" in missing.text

    done = await post_form(client, PAGE + "/", {"draw": str(draw), "minutes": "4"})
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert "4 members invited; 1 skipped" in page.text
    await jobs.run_until_empty()

    page = await client.get(PAGE)
    text = page.text
    assert "withdrawn" in text  # the skipped member and why
    total = text.split("Total</th>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>")[0] for c in total.split('numeric">')[1:]]
    assert cells == [
        "4",
        "4",
        "0",
        "0",
        "0",
        "1",
    ]  # invited sent reminded responded pending skipped
    assert len(smtp.messages) == 2
    assert (
        "It takes about 4 minutes."
        in smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    )

    link = page.text.split(f'href="{PAGE}/letters/', 1)[1].split('"', 1)[0]
    pdf = await client.get(f"{PAGE}/letters/{link}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    # A batch is only found under its own survey.
    await store_bank("customer-satisfaction")
    other = await client.get(f"/staff/surveys/customer-satisfaction/fieldwork/letters/{link}")
    assert other.status_code == 404


@pytest.mark.browser
@pytest.mark.slow
@SQLITE_ONLY
async def test_fieldwork_page_has_no_violations(
    db: Any, live_server: Any, browser: Any, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store_bank(SLUG)
    members = [
        await add_member(),
        await add_member(channel="post"),
        await add_member(consent=()),
        await add_member(channel="phone"),  # the call list is audited too
    ]
    await fieldwork.invite(SLUG, draw_id=await add_draw(members))
    user, password = await create_staff("panel_manager")
    monkeypatch.setenv("RV_AUDIT_SECRET_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_PASSWORD", password)
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={"#email": "$RV_AUDIT_SECRET_EMAIL", "#password": "${RV_AUDIT_SECRET_PASSWORD}"},
    )
    result = await audit([live_server.url + PAGE], browser, signin)
    assert next(p.audit.title for p in result.pages).startswith("Invitations and reminders")
    problems = violations(result)
    assert problems == [], "\n".join(problems)

    # A screenshot to look at, signed in as a browser would be.
    await page.goto(f"{live_server.url}/staff/sign-in")
    await page.fill("#email", user.email)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.goto(live_server.url + PAGE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "fieldwork-page.png"), full_page=True)
    assert await page.locator("h1").inner_text() == (
        "Invitations and reminders: Your local area and council"
    )


@pytest.mark.browser
@pytest.mark.slow
@SQLITE_ONLY
async def test_choose_a_draw_invite_and_call_in_the_browser(
    db: Any, live_server: Any, page: Any
) -> None:
    """The main path as a panel manager clicks it: pick the draw, invite, ring the phone member."""
    await store_bank(SLUG)
    await add_draw([await add_member()])  # an older draw, also offered
    members = [await add_member(), await add_member(channel="phone", first_name="Grace")]
    draw = await add_draw(members)
    user, password = await create_staff("panel_manager")
    await page.goto(f"{live_server.url}/staff/sign-in")
    await page.fill("#email", user.email)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.goto(live_server.url + PAGE)

    await page.get_by_label(f"Draw {draw}: 2 members, simple random").check()
    await page.get_by_role("button", name="Invite this sample").click()
    banner = page.locator(".govuk-notification-banner")
    assert "2 members invited; 0 skipped" in await banner.inner_text()
    calls = page.locator("table", has_text="Grace Lovelace")
    assert await calls.count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "fieldwork-invited.png"), full_page=True)

    await page.get_by_role("button", name="Mark called and show link").click()
    confirmation = await page.locator(".govuk-panel").inner_text()
    assert "Call recorded for Grace Lovelace" in confirmation and "/s/" in confirmation
    assert "Nobody is waiting for a call." in await page.content()
    await page.screenshot(path=str(SHOTS / "fieldwork-called.png"), full_page=True)
