"""The whole audit path in Debian Chromium: crawl → browser pool → checks → site rules →
screenshots → fingerprints → reports, on the fixture site; hostile pages; the CLI.

One shared browser (tests/accessibility/conftest.py); pages are kept few so this file stays
well under a minute on two cores.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.async_api import Browser

from accessibility.audit import AuditOptions, run_audit
from accessibility.axe import AXE_VERSION, run_axe
from accessibility.cli import audit_command
from accessibility.crawl import CrawlConfig
from accessibility.reports.csv_report import COLUMNS, to_csv
from accessibility.reports.html import render_standalone
from accessibility.reports.view import from_audit_result

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUBSET = (
    r"^/(index\.html|controls/(article|form)\.html"
    r"|barriers/(form-labels|page-title|link-text)\.html)$"
)
FINDING_KEYS = {
    "rule",
    "source",
    "kind",
    "wcag",
    "level",
    "impact",
    "selector",
    "snippet",
    "message",
}


async def test_audit_of_the_fixture_site(browser: Browser, a11y_site: str, tmp_path: Path) -> None:
    config = CrawlConfig(
        [f"{a11y_site}/index.html"], include=[SUBSET], rate_limit=50, allow_private=True
    )
    progress: list[tuple[str, int, int]] = []
    result = await run_audit(
        config,
        AuditOptions(concurrency=2, page_time_limit_s=45),
        browser=browser,
        on_progress=lambda phase, done, total, url: progress.append((phase, done, total)),
    )
    pages = {p.url.removeprefix(a11y_site): p for p in result.pages}
    assert set(pages) == {
        "/index.html",
        "/controls/article.html",
        "/controls/form.html",
        "/barriers/form-labels.html",
        "/barriers/page-title.html",
        "/barriers/link-text.html",
    }, "crawled from the index and the sitemap, inside the include pattern"
    assert ("audit", 6, 6) in progress
    assert all(p.audit.status == "ok" for p in pages.values())
    assert result.engine["axe_core"] == AXE_VERSION and result.engine["chromium"]

    for clean in ("/controls/article.html", "/controls/form.html", "/index.html"):
        assert pages[clean].violations == [], (
            f"{clean}: {[f.rule for f in pages[clean].violations]}"
        )
    labels = pages["/barriers/form-labels.html"]
    rules = {(f.source, f.rule) for f in labels.violations}
    assert ("resident-voice", "form-labels") in rules
    detail = next(
        i
        for i, f in enumerate(labels.audit.findings)
        if f.selector == "#detail" and f.kind == "violation"
    )
    assert labels.screenshots[detail].startswith(b"\x89PNG"), "the element is photographed"
    assert {f.rule for f in pages["/barriers/page-title.html"].violations} >= {"page-title"}

    # every finding has a fingerprint, and issues group findings by it
    assert all(len(p.fingerprints) == len(p.audit.findings) for p in result.pages)
    fps = {fp for p in result.pages for fp in p.fingerprints}
    assert {i.fingerprint for i in result.issues} == fps
    assert sum(i.occurrences for i in result.issues) == sum(
        len(p.audit.findings) for p in result.pages
    )
    assert len({p.template for p in result.pages}) < len(result.pages), (
        "one template, several pages"
    )

    document = result.to_json()
    assert set(document) >= {"engine", "pages"}
    for page in document["pages"]:
        for finding in page["findings"]:
            assert set(finding) >= FINDING_KEYS and finding["kind"] in ("violation", "review")
            assert all(re.fullmatch(r"\d\.\d\.\d{1,2}", c) for c in finding["wcag"])

    view = from_audit_result(result, "Fixture site")
    rows = list(csv.reader(io.StringIO(to_csv(view))))
    assert rows[0] == COLUMNS and len(rows) == 1 + sum(len(p.findings) for p in view.pages)

    # the standalone report itself has no axe violations (WCAG 2.2 A/AA)
    report = tmp_path / "report.html"
    report.write_text(render_standalone(view), encoding="utf-8")
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = await context.new_page()
        await page.goto(report.as_uri())
        axe = await run_axe(page)
        assert axe.violations == [], [(f.rule, f.selector) for f in axe.violations]
        assert await page.locator("img.rv-screenshot").count() > 0
    finally:
        await context.close()


async def test_hostile_pages_cannot_hang_the_run(browser: Browser, a11y_site: str) -> None:
    urls = [
        f"{a11y_site}/hostile/endless-script.html",
        f"{a11y_site}/hostile/redirect-loop",
        f"{a11y_site}/hostile/download",
        f"{a11y_site}/hostile/huge-dom.html",
        f"{a11y_site}/controls/article.html",
    ]
    started = time.monotonic()
    result = await run_audit(
        CrawlConfig(urls, follow_links=False, allow_private=True),
        AuditOptions(concurrency=2, page_time_limit_s=8, screenshots=False),
        browser=browser,
    )
    elapsed = time.monotonic() - started
    status = {p.url.removeprefix(a11y_site): p.audit.status for p in result.pages}
    assert status["/hostile/endless-script.html"] == "timeout"
    assert status["/hostile/redirect-loop"] == "error"
    assert status["/hostile/download"] == "error"
    assert status["/hostile/huge-dom.html"] in ("ok", "timeout")
    assert status["/controls/article.html"] == "ok", "a good page in the same run is still audited"
    assert elapsed < 3 * (8 + 15), f"took {elapsed:.0f} s"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_json_on_stdout_and_exit_codes(a11y_site: str) -> None:
    runner = CliRunner()
    url = f"{a11y_site}/barriers/form-labels.html"
    ran = runner.invoke(audit_command, [url, "--no-crawl", "--allow-private", "--format", "json"])
    assert ran.exit_code == 0, ran.output
    document = json.loads(ran.stdout)
    assert document["engine"]["axe_core"] == AXE_VERSION
    [page] = document["pages"]
    assert page["url"] == url and page["status"] == "ok"
    assert any(f["rule"] == "form-labels" and f["kind"] == "violation" for f in page["findings"])
    # Who allowed private addresses, when, and for which hosts is in the report and on stderr.
    grant = document["allow_private"]
    assert grant["hosts"] == ["127.0.0.1"] and grant["by"].startswith("command line (")
    assert grant["at"][:4].isdigit() and "Private addresses allowed by" in ran.stderr

    refused = runner.invoke(audit_command, [url, "--no-crawl"])
    assert refused.exit_code == 1 and "private, loopback or link-local" in refused.output

    bad = runner.invoke(audit_command, [url, "--max-pages", "0"])
    assert bad.exit_code == 2 and "--max-pages" in bad.output

    down = runner.invoke(
        audit_command, [f"http://127.0.0.1:{_closed_port()}/", "--no-crawl", "--allow-private"]
    )
    assert down.exit_code == 2 and "no page could be loaded" in down.output


async def test_a_dead_browser_is_replaced(a11y_site: str) -> None:
    from accessibility.browser import launch_browser

    async with launch_browser() as doomed:
        await doomed.close()  # as if a page had crashed Chromium
        result = await run_audit(
            CrawlConfig(
                [f"{a11y_site}/controls/article.html"], follow_links=False, allow_private=True
            ),
            AuditOptions(screenshots=False),
            browser=doomed,
        )
    assert [p.audit.status for p in result.pages] == ["ok"]
    assert result.engine["chromium"]


async def test_a_page_that_sends_the_browser_off_site_is_not_reported(
    browser: Browser, make_site
) -> None:  # type: ignore[no-untyped-def]
    from tests.accessibility.platform.conftest import html

    elsewhere = make_site({"/": html('<img src="/x.png">', title="Someone else's page")})
    site = make_site(
        {
            "/": html(
                f'<script>location.replace("{elsewhere.url}/")</script><p>Moving…</p>',
                title="Moving",
            )
        }
    )
    result = await run_audit(
        CrawlConfig([f"{site.url}/"], follow_links=False, allow_private=True),
        AuditOptions(screenshots=False, checks=["page-title"]),
        browser=browser,
    )
    [page] = result.pages
    assert page.audit.status == "error" and "off the site" in (page.audit.error or "")
    assert page.audit.findings == [], "the other site's missing alt text is not ours to report"
