"""Every resident page state, audited by our FULL auditor: zero findings at WCAG 2.2 AA.

tests/e2e/test_own_pages_audit.py runs the full auditor (axe-core with the WCAG 2.2 A/AA rules
and target-size on, plus every Resident Voice check: keyboard, focus, reflow, zoom, text
spacing…) over the pages a crawler can reach with a plain GET. This module covers the states a
resident only reaches by answering: a real journey through the all-question-types survey in
Chromium against the live service, then `audit_page` over

- a question page in its error state (submitted empty although required, 400),
- a page with a grid question,
- check your answers and the confirmation page, in English and in Welsh (`?lang=cy`),
- the "already completed" page (used link, 410), the expired link page (410), the unknown
  link page (404),
- the open-link start page, its rate-limited page (429) and the short link's target.

Pages a browser only gets as the answer to a form POST (the error state, the 429) are audited
in a context whose route turns each load of that URL into the same POST again, so every reload
by a check (reflow, text resize and spacing reload the page) gets a fresh, real answer from the
server, not a copy. Any finding, "violation" or "review", fails the test and is listed with its
rule, page, selector and message.

SQLite only: the browser path is the same on both databases.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from accessibility.checks import REGISTRY
from accessibility.checks.runner import PageAudit, audit_page
from surveys.bank import load_bank
from surveys.services import definitions_store, links
from surveys.services.links import OPEN_STARTS_PER_HOUR, address_key
from surveys.services.wording import words
from surveys.tables import SurveyLink

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SHOTS = Path(os.environ.get("RV_SCREENSHOTS", "/tmp/rv-survey-screenshots"))
#: The auditor's own default window (accessibility.audit.AuditOptions.viewport).
VIEWPORT = {"width": 1280, "height": 800}
PAGE_TIME_LIMIT_S = 60.0

#: Valid answers for each page of all-question-types, to get through the journey.
ANSWERS: dict[str, list[tuple[str, str, str]]] = {
    "p_single": [("check", "input[name=q_lived][value=y1_5]", "")],
    "p_multiple": [("check", "input[name=q_services][value=parks]", "")],
    "p_parks": [("check", "input[name=q_parks_satisfaction][value=fairly_satisfied]", "")],
    "p_agreement": [("check", "input[name=q_informed][value=tend_to_agree]", "")],
    "p_rating": [("check", "input[name=q_recommend][value='3']", "")],
    "p_number": [("fill", "#q_household", "3")],
    "p_date": [
        ("fill", "#q_moved-day", "4"),
        ("fill", "#q_moved-month", "7"),
        ("fill", "#q_moved-year", "2019"),
    ],
    "p_short_text": [("fill", "#q_street", "Mill Lane")],
    "p_long_text": [("fill", "#q_why", "More buses in the evening.")],
    "p_grid": [
        ("check", "input[name=q_services_grid__bins][value=very_satisfied]", ""),
        ("check", "input[name=q_services_grid__roads][value=fairly_dissatisfied]", ""),
    ],
    "p_about_you": [("check", "input[name=q_carer][value=prefer_not_to_say]", "")],
    "p_postcode": [("fill", "#q_postcode", "sw1a 1aa")],
    "p_contact": [("check", "#q_contact_ok", ""), ("fill", "#q_email", "resident@example.org")],
}


@dataclass
class Expect:
    """What an audited page must be, so that a clean audit is of the right page state."""

    status: int
    h1: str
    lang: str = "en"
    #: A selector still on the page after the audit (checks reload it; it must not change).
    still: str = "main h1"
    title_prefix: str = ""
    path_ends: str = ""


def describe(name: str, audit: PageAudit) -> list[str]:
    """One readable line per problem on a page: rule, kind, source, WCAG, selector, message."""
    lines = []
    if audit.status != "ok":
        lines.append(f"{name} <{audit.url}>: not fully audited ({audit.status}: {audit.error})")
    for f in audit.findings:
        if not f.wcag_failure:  # best practice (GOV.UK's line height): no WCAG 2.2 AA failure
            continue
        lines.append(
            f"{name}: {f.rule} [{f.kind}, {f.source}, WCAG {', '.join(f.wcag) or '-'}] "
            f"at {f.selector}: {f.message}"
        )
    return lines


def mismatches(name: str, audit: PageAudit, expect: Expect, still_there: bool) -> list[str]:
    """Why this audit was not of the page state it was meant to be (empty when it was)."""
    h1 = " | ".join(audit.facts.get("h1", []))
    got = {
        "status": audit.http_status,
        "lang": audit.facts.get("lang"),
        "h1": expect.h1 in h1,
        "title": audit.title.startswith(expect.title_prefix),
        "path": (audit.final_url or "").split("?")[0].endswith(expect.path_ends),
        "checks": sorted((set(REGISTRY) | {"axe"}) - set(audit.timings)),
        "still": still_there,
    }
    want = {
        "status": expect.status,
        "lang": expect.lang,
        "h1": True,
        "title": True,
        "path": True,
        "checks": [],
        "still": True,
    }
    return [
        f"{name}: {key} is {got[key]!r}, expected {want[key]!r} (h1 {h1!r}, title "
        f"{audit.title!r}, at {audit.final_url})"
        for key in want
        if got[key] != want[key]
    ]


async def _act(page: Any, actions: list[tuple[str, str, str]]) -> None:
    for action, selector, value in actions:
        if action == "check":
            await page.check(selector)
        else:
            await page.fill(selector, value)


async def _submit(page: Any) -> Any:
    async with page.expect_navigation() as navigation:
        await page.click("main form button.govuk-button")
    return await navigation.value


async def _hidden_csrf(page: Any) -> str:
    token = await page.get_attribute("main form input[name=_csrf_token]", "value")
    assert token, f"no CSRF field in the form on {page.url}"
    return str(token)


class Audits:
    """Audits pages in fresh contexts of one browser, two at a time (two cores), each with
    the auditor's own window size, and keeps every result."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.problems: list[str] = []
        self.audited: dict[str, PageAudit] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self._slots = asyncio.Semaphore(2)

    async def _run(
        self,
        name: str,
        url: str,
        expect: Expect,
        storage_state: Any,
        post: dict[str, str] | None,
    ) -> None:
        async with self._slots:
            context = await self.browser.new_context(
                viewport=VIEWPORT, storage_state=storage_state, service_workers="block"
            )
            try:
                if post is not None:
                    body = urlencode(post)

                    async def as_post(route: Any) -> None:
                        # Each load of the page (the first and every check's reload) is the
                        # same form POST again: a fresh answer from the server each time.
                        response = await route.fetch(
                            method="POST",
                            post_data=body,
                            headers={
                                **route.request.headers,
                                "content-type": "application/x-www-form-urlencoded",
                            },
                            max_redirects=0,
                        )
                        await route.fulfill(response=response)

                    await context.route(url, as_post)
                page = await context.new_page()
                started = time.monotonic()
                audit = await audit_page(page, url, time_limit_s=PAGE_TIME_LIMIT_S)
                audit.timings["wall"] = time.monotonic() - started
                still = audit.status == "ok" and await page.locator(expect.still).count() > 0
            finally:
                await context.close()
        self.audited[name] = audit
        self.problems += mismatches(name, audit, expect, still) + describe(name, audit)

    def start(
        self,
        name: str,
        url: str,
        expect: Expect,
        storage_state: Any = None,
        post: dict[str, str] | None = None,
    ) -> None:
        """Audit `url` in the background as `name`, with these cookies; with `post`, every
        load of `url` is that form POST."""
        self.tasks.append(asyncio.create_task(self._run(name, url, expect, storage_state, post)))

    async def wait(self) -> None:
        await asyncio.gather(*self.tasks)
        self.tasks = []


@SQLITE_ONLY
async def test_every_resident_page_state_passes_the_full_auditor(
    db: Any, live_server: Any, browser: Any
) -> None:
    assert len(REGISTRY) >= 21, sorted(REGISTRY)  # the full auditor, not a subset
    en, cy = words("en"), words("cy")
    base = live_server.url
    await definitions_store.save_definition(load_bank("all-question-types"))
    await definitions_store.save_definition(load_bank("resident-satisfaction"))
    opened = await definitions_store.set_open_link("resident-satisfaction", True)
    journey_link, expired_link = await links.create_links("all-question-types", count=2)
    await SurveyLink.update(
        {SurveyLink.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}
    ).where(SurveyLink.id == expired_link.link_id)
    # The open link's hourly limit for 127.0.0.1, used up (keyed as the live server keys it).
    await links.create_links(
        "resident-satisfaction",
        count=OPEN_STARTS_PER_HOUR,
        kind="open",
        origin_hash=address_key(os.environ["SECRET_KEY"], "127.0.0.1"),
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    token_url = f"{base}/s/{journey_link.token}"
    open_url = f"{base}/o/resident-satisfaction"
    open_title = (await definitions_store.get_version("resident-satisfaction")).survey.title("en")
    audits = Audits(browser)
    started = time.monotonic()

    # Pages that need nothing but a GET are audited at once, while the journey runs.
    audits.start(
        "unknown link (404)",
        f"{base}/s/{links.new_link_token()}",
        Expect(404, en["unknown_title"]),
    )
    audits.start(
        "expired link (410)", f"{base}/s/{expired_link.token}", Expect(410, en["expired_title"])
    )
    audits.start("open link start", open_url, Expect(200, open_title, still="main form"))
    audits.start(
        "short link target",
        f"{base}/r/{opened['short_code'].lower()}",
        Expect(200, open_title, path_ends="/o/resident-satisfaction"),
    )

    # The journey runs at 320 CSS px, where the screenshots are taken.
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = await context.new_page()
        await page.goto(token_url)
        async with page.expect_navigation():
            await page.click("a.govuk-button--start")
        assert page.url.endswith("/page/p_single"), page.url
        error_url = page.url
        csrf = await _hidden_csrf(page)
        answer = await _submit(page)  # nothing chosen, and q_lived is required
        assert answer.status == 400 and page.url == error_url, (answer.status, page.url)
        assert await page.locator(".govuk-error-summary").count() == 1
        await page.screenshot(path=str(SHOTS / "full-audit-error-state-320.png"), full_page=True)
        audits.start(
            "question page submitted empty (400)",
            error_url,
            Expect(
                400,
                "How long have you lived",
                still=".govuk-error-summary a[href='#q_lived']",
                title_prefix=f"{en['error_prefix']}: ",
            ),
            await context.storage_state(),
            post={"_csrf_token": csrf},
        )
        seen = []
        while "/page/" in page.url:
            page_id = page.url.rsplit("/page/", 1)[1].split("?")[0]
            assert page_id not in seen, page_id
            seen.append(page_id)
            if page_id == "p_grid":
                audits.start(
                    "grid question page",
                    page.url,
                    Expect(
                        200,
                        "How satisfied or dissatisfied are you with each of these?",
                        still="input[name=q_services_grid__street_cleaning]",
                    ),
                    await context.storage_state(),
                )
            await _act(page, ANSWERS[page_id])
            await _submit(page)
        assert "p_grid" in seen and page.url == f"{token_url}/check", (seen, page.url)
        await page.screenshot(path=str(SHOTS / "full-audit-check-answers-320.png"), full_page=True)
        # Check your answers is audited while it can still be sent: wait for those audits.
        state = await context.storage_state()
        check = Expect(200, en["check_title"], still=".govuk-summary-list")
        audits.start("check your answers", f"{token_url}/check?lang=en", check, state)
        check = Expect(200, cy["check_title"], "cy", still=".govuk-summary-list")
        audits.start("check your answers (cy)", f"{token_url}/check?lang=cy", check, state)
        await audits.wait()
        await page.goto(f"{token_url}/check?lang=en")
        await _submit(page)
        assert page.url == f"{token_url}/done", page.url
        assert en["done_title"] in await page.inner_text("h1")
        state = await context.storage_state()
    finally:
        await context.close()

    done = Expect(200, en["done_title"], still=".govuk-panel")
    audits.start("confirmation", f"{token_url}/done?lang=en", done, state)
    done = Expect(200, cy["done_title"], "cy", still=".govuk-panel")
    audits.start("confirmation (cy)", f"{token_url}/done?lang=cy", done, state)
    audits.start("already completed (410)", token_url, Expect(410, en["used_title"]))

    # The open link's start form, sent from an address over its hourly limit.
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(open_url)
        csrf = await _hidden_csrf(page)
        answer = await _submit(page)
        assert answer.status == 429, answer.status
        audits.start(
            "open link rate limited (429)",
            open_url,
            Expect(429, en["rate_title"]),
            await context.storage_state(),
            post={"_csrf_token": csrf},
        )
    finally:
        await context.close()

    await audits.wait()
    elapsed = time.monotonic() - started
    for name, audit in sorted(audits.audited.items()):
        print(f"{name}: {audit.timings['wall']:.1f} s")
    print(f"{len(audits.audited)} page states in {elapsed:.1f} s")
    assert len(audits.audited) == 12
    assert audits.problems == [], "\n".join(audits.problems)
