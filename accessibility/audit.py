"""One audit of one site: crawl → browser pool → checks → site rules → screenshots → fingerprints.

This is the orchestration of the audit path with no database in it, so the CLI can audit any
URL ad hoc and the worker (``accessibility.execute.execute_run``) can store the same result.
The parts live beside it: result types in ``results.py``, scoring in ``scoring.py``, the
browser pool in ``browser.py`` with its request guard in ``safety.py``, sign-in in
``signin.py``. Their names are re-exported here for callers of the whole path.

Every page has a hard time limit around everything done to it, so a hostile page — an
endless script, a huge DOM, a redirect loop, a download — ends with status "timeout" or
"error" and the run carries on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.metadata
import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Browser, Page
from playwright.async_api import Error as PlaywrightError

from accessibility.axe import AXE_VERSION
from accessibility.browser import BrowserPool, Lane
from accessibility.checks import REGISTRY
from accessibility.checks.runner import RENDERED_LINKS_KEY, PageAudit, audit_page
from accessibility.checks.site import site_findings
from accessibility.crawl import CrawlConfig, Crawler, CrawlResult, Scope, normalise_url
from accessibility.crawl.urls import origin
from accessibility.fingerprints import (
    TEMPLATE_JS,
    fingerprint,
    template_from_skeleton,
    template_from_url,
)
from accessibility.results import AuditResult, Issue, PageResult, aggregate_issues
from accessibility.safety import AddressPolicy, Resolver
from accessibility.scoring import page_score
from accessibility.signin import SignIn, SignInError, sign_in

__all__ = [
    "AuditOptions",
    "AuditResult",
    "Issue",
    "PageResult",
    "RunTimeLimit",
    "SignIn",
    "SignInError",
    "engine_versions",
    "page_score",
    "run_audit",
]

log = logging.getLogger(__name__)

#: Extra seconds allowed past a page's own limit for opening and closing its context.
CONTEXT_GRACE_S = 15.0
SCREENSHOT_PADDING = 32
SCREENSHOT_MAX_HEIGHT = 600
HIGHLIGHT_JS = """
(el) => {
  const previous = [el.style.outline, el.style.outlineOffset];
  el.style.outline = '4px solid #d4351c';
  el.style.outlineOffset = '2px';
  return previous;
}
"""
UNHIGHLIGHT_JS = "([el, previous]) => { [el.style.outline, el.style.outlineOffset] = previous; }"


@dataclass
class AuditOptions:
    """How the browser part of an audit runs."""

    concurrency: int = 2
    page_time_limit_s: float = 60.0
    #: Registry check ids to run; None runs every check.
    checks: list[str] | None = None
    axe: bool = True
    screenshots: bool = True
    max_screenshots_per_page: int = 10
    allow_private: bool = False
    viewport: tuple[int, int] = (1280, 800)
    signin: SignIn | None = None
    #: The whole run's time limit (crawl, sign-in and every page), so one hostile or huge
    #: site cannot hold a worker for ever (issue 9).
    run_time_limit_s: float = 4 * 3600.0
    #: The whole run's screenshot bytes (PNG), so a site of thousands of violations cannot
    #: fill the disk; past it the run carries on without screenshots (issue 9).
    max_screenshot_bytes: int = 200 * 1024 * 1024

    def validate(self) -> None:
        if not 1 <= self.concurrency <= 16:
            raise ValueError("concurrency: must be between 1 and 16")
        if not 5 <= self.page_time_limit_s <= 600:
            raise ValueError("page_time_limit_s: must be between 5 and 600 seconds")
        if not 1 <= self.run_time_limit_s <= 24 * 3600:
            raise ValueError("run_time_limit_s: must be between 1 second and 24 hours")
        if not 0 <= self.max_screenshot_bytes <= 10 * 1024**3:
            raise ValueError("max_screenshot_bytes: must be between 0 and 10 GiB")
        if self.checks is not None:
            unknown = sorted(set(self.checks) - set(REGISTRY))
            if unknown:
                raise ValueError(f"checks: unknown check(s) {', '.join(unknown)}")


def engine_versions(
    browser_version: str | None = None, axe_version: str = AXE_VERSION
) -> dict[str, Any]:
    """The versions a run depends on, recorded with every run so results can be compared."""

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    return {
        "resident_voice": version("resident-voice"),
        "axe_core": axe_version,
        "chromium": browser_version,
        "playwright": version("playwright"),
        "python": platform.python_version(),
        "checks": sorted(REGISTRY),
    }


async def _template(page: Page, url: str) -> str:
    try:
        async with asyncio.timeout(3):
            skeleton = await page.evaluate(TEMPLATE_JS)
        return template_from_skeleton(str(skeleton))
    except (TimeoutError, PlaywrightError):
        return template_from_url(url)


async def _screenshots(
    page: Page, result: PageResult, options: AuditOptions, budget_s: float, pool: BrowserPool
) -> None:
    """Crop each violation from the page as loaded (reloaded if the runner could not)."""
    wanted: dict[str, list[int]] = {}
    for index, finding in enumerate(result.audit.findings):
        selector = finding.selector
        if finding.kind != "violation" or ">>>" in selector or selector in ("html", "title", ""):
            continue
        wanted.setdefault(selector, []).append(index)
        if len(wanted) >= options.max_screenshots_per_page:
            break
    if not wanted or budget_s < 2 or pool.screenshot_bytes >= options.max_screenshot_bytes:
        return
    width, height = options.viewport
    async with asyncio.timeout(budget_s):
        await page.set_viewport_size({"width": width, "height": height})
        await page.mouse.move(0, 0)
        # The runner already reloaded a page that a check changed ("page_restored"), and
        # an unchanged page is as loaded: a second reload here would only cost time.
        if result.audit.facts.get("page_restored", True) is not True:
            await page.goto(result.audit.final_url or result.url, wait_until="load", timeout=15_000)
        for selector, indexes in wanted.items():
            try:
                handle = await page.query_selector(selector)
                if handle is None:
                    continue
                box = await handle.bounding_box()
                if not box or box["width"] < 1 or box["height"] < 1:
                    continue
                previous = await handle.evaluate(HIGHLIGHT_JS)
                x = max(box["x"] - SCREENSHOT_PADDING, 0)
                y = max(box["y"] - SCREENSHOT_PADDING, 0)
                clip = {
                    "x": x,
                    "y": y,
                    "width": min(box["width"] + 2 * SCREENSHOT_PADDING, width - x) or 1,
                    "height": min(box["height"] + 2 * SCREENSHOT_PADDING, SCREENSHOT_MAX_HEIGHT),
                }
                png = await page.screenshot(clip=clip, full_page=True, timeout=10_000)  # type: ignore[arg-type]
                await page.evaluate(UNHIGHLIGHT_JS, [handle, previous])
                if pool.screenshot_bytes + len(png) > options.max_screenshot_bytes:
                    log.info("the run's screenshot bytes cap is reached; no more screenshots")
                    return
                pool.screenshot_bytes += len(png)
                for index in indexes:
                    result.screenshots[index] = png
            except PlaywrightError as error:
                log.debug("no screenshot of %s on %s: %s", selector, result.url, error)


async def _audit_one(
    lane: Lane, url: str, depth: int, options: AuditOptions, scope: Scope
) -> PageResult:
    """Audit one URL on the worker's lane; the lane's page is reused for the next URL only
    after an audit in which nothing went wrong (see :class:`accessibility.browser.Lane`)."""
    limit = options.page_time_limit_s
    started = time.monotonic()
    clean = False
    try:
        async with asyncio.timeout(limit + CONTEXT_GRACE_S):
            page = await lane.page()
            result = await _audit_on(page, lane.pool, url, depth, options, scope, started)
        clean = result.audit.status == "ok" and not any(
            f.data.get("incomplete") for f in result.audit.findings
        )
        return result
    except TimeoutError:
        audit = PageAudit(
            url=url, status="timeout", title="", error="the page's time limit ran out"
        )
    except PlaywrightError as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        audit = PageAudit(url=url, status="error", title="", error=message)
    finally:
        # Outside the page's time limit: cleaning up never turns a finished audit into a
        # timeout (the lane has its own limit, and closes its context when that runs out).
        await lane.release(reuse=clean)
    audit.timings["total"] = time.monotonic() - started
    return PageResult(audit=audit, template=template_from_url(url), depth=depth)


async def _audit_on(
    page: Page,
    pool: BrowserPool,
    url: str,
    depth: int,
    options: AuditOptions,
    scope: Scope,
    started: float,
) -> PageResult:
    limit = options.page_time_limit_s
    audit = await audit_page(page, url, checks=options.checks, axe=options.axe, time_limit_s=limit)
    landed = normalise_url(audit.final_url or url)
    if landed is not None and origin(landed) not in scope.origins:
        # A script or meta refresh took the browser off the site: not ours to report.
        audit.status = "error"
        audit.error = f"the page sent the browser off the site, to {audit.final_url}"
        audit.findings = []
        audit.facts.pop(RENDERED_LINKS_KEY, None)  # its links are not the site's
        return PageResult(audit=audit, template=template_from_url(url), depth=depth)
    result = PageResult(
        audit=audit, template=template_from_url(audit.final_url or url), depth=depth
    )
    if audit.status == "ok":
        result.template = await _template(page, audit.final_url or url)
        if options.screenshots:
            budget = min(limit - (time.monotonic() - started), 30.0)
            try:
                await _screenshots(page, result, options, budget, pool)
            except (TimeoutError, PlaywrightError) as error:
                log.info("screenshots stopped on %s: %s", url, type(error).__name__)
    return result


#: The old private name, kept for callers (tests) that import it from here.
_aggregate = aggregate_issues

ProgressFn = Callable[[str, int, int, str], None]


async def run_audit(
    config: CrawlConfig,
    options: AuditOptions | None = None,
    *,
    browser: Browser | None = None,
    on_progress: ProgressFn | None = None,
    policy: AddressPolicy | None = None,
    resolver: Resolver | None = None,
) -> AuditResult:
    """Crawl the site, audit every page found, and return the findings grouped into issues.

    ``on_progress(phase, done, total, url)`` is called as work happens (phase "crawl" or
    "audit"). ``browser`` lets a caller share one Chromium across audits (tests, the worker);
    otherwise one is launched and closed here. Raises ValueError for bad configuration,
    UnsafeURL for a start URL we may not reach, SignInError when signing in fails,
    ChromiumNotFound when there is no browser to drive.

    ``policy`` (or one made from the start URLs, using ``resolver`` for names) decides every
    address the crawler and the browser connect to, and pins each host's address for the run.
    """
    options = options or AuditOptions()
    options.validate()
    config.validate()
    allow_private = config.allow_private or options.allow_private
    config.allow_private = options.allow_private = allow_private
    policy = policy or AddressPolicy.for_site(
        config.start_urls, allow_private=allow_private, resolver=resolver
    )
    for url in config.start_urls:
        await policy.check_async(url)
    started = dt.datetime.now(dt.UTC)
    pool = BrowserPool(
        browser, viewport=options.viewport, allow_private=allow_private, policy=policy
    )
    progress = on_progress or (lambda *_: None)
    limit = asyncio.timeout(options.run_time_limit_s)
    try:
        async with limit:
            pages, crawl_result = await _crawl_and_audit(pool, config, options, progress)
        browser_version = (await pool.browser()).version if pages or browser else None
    except TimeoutError:
        if not limit.expired():
            raise
        raise RunTimeLimit(
            f"the run's time limit ({options.run_time_limit_s:g} s) ran out; "
            "raise it or audit fewer pages"
        ) from None
    finally:
        await pool.close()
    return _result(pages, crawl_result, browser_version, started)


class RunTimeLimit(TimeoutError):
    """The whole run took longer than ``AuditOptions.run_time_limit_s``."""


async def _crawl_and_audit(
    pool: BrowserPool, config: CrawlConfig, options: AuditOptions, progress: ProgressFn
) -> tuple[list[PageResult], CrawlResult]:
    if options.signin is not None:
        site_origins = Scope.for_urls(config.start_urls).origins
        cookies = await sign_in(pool, options.signin, site_origins)
        config.cookies = {**config.cookies, **cookies}
    # Crawling and auditing overlap: each page goes to the browser pool as soon as the
    # crawler finds it, so a polite (slow) crawl does not leave the browsers idle.
    found: asyncio.Queue[str | None] = asyncio.Queue()
    done = 0

    def crawled(url: str) -> None:
        found.put_nowait(url)
        progress("crawl", len(crawler.result.pages), config.max_pages, url)

    # Links in the page as the browser rendered it (navigation built by script) feed the
    # crawl too: it ends only when every page found has been audited.
    crawler = Crawler(config, on_page=crawled, policy=pool.policy, rendered_links=True)
    scope = crawler.scope
    pages: list[PageResult] = []

    async def worker() -> None:
        nonlocal done
        lane = pool.lane()  # one context and page per worker, navigated from URL to URL
        try:
            while (url := await found.get()) is not None:
                depth = crawler.result.depth.get(url, 0)
                links: list[str] = []
                try:
                    page = await _audit_one(lane, url, depth, options, scope)
                    links = page.audit.facts.pop(RENDERED_LINKS_KEY, None) or []
                    pages.append(page)
                finally:
                    crawler.rendered(url, [link for link in links if isinstance(link, str)])
                done += 1
                progress("audit", done, len(crawler.result.pages), url)
        finally:
            await lane.close()

    workers = [asyncio.create_task(worker()) for _ in range(options.concurrency)]
    try:
        crawl_result = await crawler.run()
        for _ in workers:
            found.put_nowait(None)
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    order = {url: index for index, url in enumerate(crawl_result.pages)}
    pages.sort(key=lambda p: order.get(p.url, len(order)))
    return pages, crawl_result


def _result(
    pages: list[PageResult],
    crawl_result: CrawlResult,
    browser_version: str | None,
    started: dt.datetime,
) -> AuditResult:
    site = site_findings([p.audit for p in pages])
    by_url = {p.url: p for p in pages}
    for finding in site:
        page = by_url.get(finding.url)
        if page is not None:
            page.audit.findings.append(finding)
    for page in pages:
        page.fingerprints = [
            fingerprint(f.rule, f.selector, page.template) for f in page.audit.findings
        ]
    axe_versions = {p.audit.axe_version for p in pages if p.audit.status == "ok"}
    return AuditResult(
        engine=engine_versions(browser_version, ",".join(sorted(axe_versions)) or AXE_VERSION),
        pages=pages,
        crawl=crawl_result,
        site_findings=site,
        issues=aggregate_issues(pages),
        started_at=started,
        finished_at=dt.datetime.now(dt.UTC),
    )
