"""Our own pages, audited by our own auditor: zero violations at WCAG 2.2 AA.

The full auditor (axe-core with WCAG 2.2 rules on, plus every Resident Voice check: keyboard,
focus, reflow, text spacing and resize, target size…) runs against the real service on
127.0.0.1: the resident-facing pages (home, survey start and first question page, an unknown
survey link, the accessibility statement, privacy, staff sign-in, the 404 page), then — signed
in through the auditor's own sign-in script, credentials from the environment — the web
team's pages, including an audit report. "review" findings need a person and do not fail this
test; any violation does, naming the rule, the page and the element.

SQLite only: the browser path is the same on both databases.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import httpx
import pytest
from lxml import html as lxml_html

from accessibility import services
from accessibility.audit import AuditOptions, AuditResult, SignIn, run_audit
from accessibility.crawl import CrawlConfig
from accessibility.schemas import SiteIn
from accessibility.tables import AuditRun
from surveys.bank import load_bank
from surveys.services import definitions_store, links
from tests.accessibility.platform.fakes import fake_result
from tests.conftest import create_staff

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)

# The live server is a subprocess started once per session: it must see the same screenshot
# folder as this process, so the folder is chosen before any server starts.
os.environ.setdefault("AUDITS_DIR", tempfile.mkdtemp(prefix="rv-audits-"))


def violations(result: AuditResult) -> list[str]:
    problems = []
    for page in result.pages:
        if page.audit.status != "ok":
            problems.append(
                f"{page.url}: not fully audited ({page.audit.status}: {page.audit.error})"
            )
        for f in page.violations:
            where = f"{page.url}: {f.rule} ({f.source}, WCAG {', '.join(f.wcag)})"
            problems.append(f"{where} at {f.selector}: {f.message}")
    return problems


async def audit(urls: list[str], browser: Any, signin: SignIn | None = None) -> AuditResult:
    return await run_audit(
        CrawlConfig(urls, follow_links=False, allow_private=True),
        AuditOptions(concurrency=2, page_time_limit_s=90, screenshots=False, signin=signin),
        browser=browser,
    )


@SQLITE_ONLY
async def test_resident_facing_pages_have_no_violations(
    db: Any, live_server: Any, browser: Any
) -> None:
    await definitions_store.save_definition(load_bank("resident-satisfaction"))
    (issued,) = await links.create_links("resident-satisfaction", count=1)
    start = f"{live_server.url}/s/{issued.token}"
    async with httpx.AsyncClient() as client:
        page = await client.get(start)
    assert page.status_code == 200
    hrefs = lxml_html.document_fromstring(page.text).xpath(
        "//a[contains(@class, 'govuk-button--start')]/@href"
    )
    assert hrefs, "the survey start page has a start button"
    first_question = httpx.URL(start).join(hrefs[0])
    urls = [
        f"{live_server.url}/",
        start,
        str(first_question),
        f"{live_server.url}/s/{links.new_link_token()}",
        f"{live_server.url}/accessibility",
        f"{live_server.url}/privacy",
        f"{live_server.url}/staff/sign-in",
        f"{live_server.url}/no-such-page",
    ]
    result = await audit(urls, browser)
    statuses = {p.url.removeprefix(live_server.url): p.audit.http_status for p in result.pages}
    assert statuses["/no-such-page"] == 404 and statuses["/"] == 200
    assert (
        "/page/" in str(first_question)
        and statuses[str(first_question).removeprefix(live_server.url)] == 200
    )
    problems = violations(result)
    assert problems == [], "\n".join(problems)


@SQLITE_ONLY
async def test_web_team_pages_and_report_have_no_violations(
    db: Any, live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = await create_staff("web_team")
    monkeypatch.setenv("RV_AUDIT_SECRET_A11Y_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_A11Y_PASSWORD", password)
    site_id = await services.create_site(
        SiteIn(name="Council website", start_urls=["http://127.0.0.1:9/"])
    )
    run_ids = []
    for pages in (
        {"http://127.0.0.1:9/": [("image-alt", "#logo"), ("label", "#search")]},
        {
            "http://127.0.0.1:9/": [("label", "#search")],
            "http://127.0.0.1:9/a": [("color-contrast", ".footer a")],
        },
    ):
        run = AuditRun(site=site_id, status="running")
        await run.save()
        await services.store_result(
            int(run.id), site_id, fake_result(pages, broken=["http://127.0.0.1:9/gone"])
        )
        run_ids.append(int(run.id))
    base = f"{live_server.url}/staff/accessibility"
    fingerprint = (await services.report_view(run_ids[1])).issues[0].fingerprint
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={
            "#email": "$RV_AUDIT_SECRET_A11Y_EMAIL",
            "#password": "${RV_AUDIT_SECRET_A11Y_PASSWORD}",
        },
    )
    result = await audit(
        [
            base,
            f"{base}/sites/new",
            f"{base}/sites/{site_id}",
            f"{base}/runs/{run_ids[1]}",
            f"{base}/sites/{site_id}/statement",
            f"{base}/runs/{run_ids[1]}/marks/{fingerprint}",
        ],
        browser,
        signin,
    )
    titles = [p.audit.title for p in result.pages]
    assert not any("Sign in" in t for t in titles), f"the sign-in script signed in: {titles}"
    assert any("Accessibility report" in t for t in titles)
    problems = violations(result)
    assert problems == [], "\n".join(problems)
