"""A run's total time is capped (issue 9): a slow or endless site cannot hold a worker."""

from __future__ import annotations

import time
from typing import Any

import pytest

from accessibility.audit import AuditOptions, RunTimeLimit, run_audit
from accessibility.crawl import CrawlConfig
from tests.accessibility.platform.conftest import html

pytestmark = [pytest.mark.browser]


async def test_the_run_time_limit_stops_a_run(browser: Any, make_site: Any) -> None:
    links = "".join(f'<a href="/p{i}">Page {i}</a>' for i in range(20))
    site = make_site({"/": html(links), **{f"/p{i}": html(links) for i in range(20)}})
    config = CrawlConfig(start_urls=[f"{site.url}/"], rate_limit=0.2, allow_private=True)
    options = AuditOptions(axe=False, screenshots=False, allow_private=True, run_time_limit_s=2)
    started = time.monotonic()
    with pytest.raises(RunTimeLimit, match=r"time limit \(2 s\) ran out"):
        await run_audit(config, options, browser=browser)
    assert time.monotonic() - started < 10
    assert len(site.paths()) < 5, "the crawl stopped with the run"


def test_the_limit_is_bounded() -> None:
    with pytest.raises(ValueError, match="run_time_limit_s"):
        AuditOptions(run_time_limit_s=0).validate()
