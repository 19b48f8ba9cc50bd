"""Per-run caps (issue 9): screenshot bytes, and the sites API's bounds on pages, depth and
concurrency (a huge value is a 400 naming the field, never a 500)."""

from __future__ import annotations

from typing import Any

import pytest

from accessibility import services
from accessibility.audit import AuditOptions, run_audit
from accessibility.crawl import CrawlConfig
from tests.accessibility.platform.conftest import html
from tests.conftest import csrf_token

UNLABELLED = "".join(f'<p><input id="f{i}" type="text"></p>' for i in range(6))


def _shots(result: Any) -> int:
    return sum(len(png) for page in result.pages for png in set(page.screenshots.values()))


@pytest.mark.browser
async def test_screenshots_stop_at_the_runs_byte_cap(browser: Any, make_site: Any) -> None:
    site = make_site({"/": html(UNLABELLED)})
    config = CrawlConfig(start_urls=[f"{site.url}/"], follow_links=False, allow_private=True)
    free = await run_audit(config, AuditOptions(axe=False, checks=["form-labels"]), browser=browser)
    total = _shots(free)
    assert len(set(free.pages[0].screenshots.values())) >= 3, "the uncapped run photographs"
    cap = total - 1  # room for all but the last one
    config = CrawlConfig(start_urls=[f"{site.url}/"], follow_links=False, allow_private=True)
    capped = await run_audit(
        config,
        AuditOptions(axe=False, checks=["form-labels"], max_screenshot_bytes=cap),
        browser=browser,
    )
    assert 0 < _shots(capped) <= cap
    assert len(set(capped.pages[0].screenshots.values())) < len(
        set(free.pages[0].screenshots.values())
    )
    assert capped.pages[0].violations, "the findings are all still reported"
    with pytest.raises(ValueError, match="max_screenshot_bytes"):
        AuditOptions(max_screenshot_bytes=-1).validate()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_pages", 10**30),
        ("max_pages", 2**63),
        ("max_depth", 2**40),
        ("concurrency", 2**31),
        ("concurrency", -(2**63)),
        ("rate_limit", 1e308),
        ("page_time_limit_s", 1e300),
    ],
)
async def test_huge_numbers_are_a_400_naming_the_field(
    client: Any, staff_login: Any, field: str, value: float
) -> None:
    await staff_login(client, "web_team")
    headers = {"x-csrftoken": await csrf_token(client)}
    site = {"name": "Big", "start_urls": ["https://big.example/"], field: value}
    refused = await client.post("/api/accessibility/sites", json=site, headers=headers)
    assert refused.status_code == 400, refused.text
    assert [e["path"] for e in refused.json()["errors"]] == [field]
    assert await services.list_sites() == []
