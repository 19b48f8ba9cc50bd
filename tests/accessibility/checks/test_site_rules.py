"""Site-level rules over a crawl of the fixture site: the two planted problems, nothing else."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from accessibility.checks.runner import audit_page
from accessibility.checks.site import site_findings

pytestmark = pytest.mark.browser

PAGES = [
    "index.html",
    "controls/article.html",
    "controls/form.html",
    "controls/media.html",
    "controls/widgets.html",
    "controls/layout.html",
    "govuk/question-page.html",
    "barriers/link-text.html",
    "barriers/site-title-duplicate.html",
    "barriers/site-navigation-order.html",
]


async def test_site_rules_find_planted_problems_only(page: Page, a11y_site: str) -> None:
    audits = [await audit_page(page, f"{a11y_site}/{path}", checks=[], axe=False) for path in PAGES]
    assert all(a.status == "ok" for a in audits)
    found = {(f.rule, f.kind, f.url.removeprefix(a11y_site + "/")) for f in site_findings(audits)}
    assert found == {
        ("page-title-unique", "violation", "controls/article.html"),
        ("page-title-unique", "violation", "barriers/site-title-duplicate.html"),
        ("navigation-consistent", "violation", "barriers/site-navigation-order.html"),
    }
