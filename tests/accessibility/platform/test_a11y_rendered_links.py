"""Crawl like a browser: links that only exist once the page's scripts ran feed the crawl.

The fixture under ``/jsnav/`` has no link in its HTML; the crawler alone finds one page.
With the audit's rendered links it finds all four, two levels deep, still keeping out of
``/private/`` (robots.txt) and off the site. Only the page-title check runs, no axe, no
screenshots, so the test stays quick.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from accessibility.audit import AuditOptions, run_audit
from accessibility.crawl import CrawlConfig, crawl

pytestmark = pytest.mark.browser


def _config(base: str) -> CrawlConfig:
    return CrawlConfig(
        [f"{base}/jsnav/index.html"], use_sitemaps=False, rate_limit=50, allow_private=True
    )


async def test_script_built_navigation_is_crawled_completely(
    browser: Browser, a11y_site: str
) -> None:
    html_only = await crawl(_config(a11y_site))
    assert [u.removeprefix(a11y_site) for u in html_only.pages] == ["/jsnav/index.html"]

    options = AuditOptions(
        concurrency=2, checks=["page-title"], axe=False, screenshots=False, allow_private=True
    )
    result = await run_audit(_config(a11y_site), options, browser=browser)
    pages = sorted(p.url.removeprefix(a11y_site) for p in result.pages)
    assert pages == [
        "/jsnav/contact.html",
        "/jsnav/index.html",
        "/jsnav/news.html",
        "/jsnav/services.html",
    ]
    assert result.crawl.depth[f"{a11y_site}/jsnav/contact.html"] == 2
    assert result.crawl.skipped[f"{a11y_site}/private/staff.html"] == "disallowed by robots.txt"
    assert "https://example.org/" in result.crawl.external
    # the crawl's own list of the page's links is not kept in the page's facts
    assert all("hrefs" not in p.audit.facts for p in result.pages)
