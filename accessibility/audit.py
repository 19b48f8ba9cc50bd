"""One audit of one site: crawl → browser pool → checks → site rules → screenshots → fingerprints.

This is the whole audit path with no database in it, so the CLI can audit any URL ad hoc and
the scheduled jobs (``services.run_site_audit``) can store the same result.

The browser pool is one Chromium and up to ``concurrency`` contexts open at once: a context
is cheap and isolated (its own cookies, storage and viewport), a browser is not. Every page
has a hard time limit around everything done to it, so a hostile page — an endless script, a
huge DOM, a redirect loop, a download — ends with status "timeout" or "error" and the run
carries on. When the browser itself dies (a page can crash it), the pool starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import logging
import os
import platform
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from accessibility.axe import AXE_VERSION
from accessibility.browser import launch_browser
from accessibility.checks import REGISTRY
from accessibility.checks.runner import PageAudit, audit_page
from accessibility.checks.site import site_findings
from accessibility.crawl import CrawlConfig, Crawler, CrawlResult, Scope, normalise_url
from accessibility.crawl.urls import origin
from accessibility.findings import IMPACT_ORDER, Finding
from accessibility.fingerprints import (
    TEMPLATE_JS,
    fingerprint,
    template_from_skeleton,
    template_from_url,
)
from accessibility.safety import UnsafeURL, check_url_sync

__all__ = [
    "AuditOptions",
    "AuditResult",
    "Issue",
    "PageResult",
    "SignIn",
    "SignInError",
    "engine_versions",
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
SCORE_WEIGHTS = {"critical": 10, "serious": 5, "moderate": 2, "minor": 1}
_ENV_REF = re.compile(r"^\$\{?([A-Z_][A-Z0-9_]*)\}?$")


class SignInError(RuntimeError):
    """The sign-in script could not sign in; the message says which step failed."""


@dataclass
class SignIn:
    """How to sign in before auditing pages behind a login.

    ``fields`` maps a CSS selector (or a form field's name) to its value; a value written
    ``$NAME`` or ``${NAME}`` is read from the environment variable NAME, so credentials never
    sit in the database or in a command line.
    """

    url: str
    fields: dict[str, str]
    submit: str = "button[type=submit], input[type=submit]"

    def resolved_fields(self) -> dict[str, str]:
        out = {}
        for selector, value in self.fields.items():
            match = _ENV_REF.match(value)
            if match:
                name = match.group(1)
                if name not in os.environ:
                    raise SignInError(
                        f"sign-in field {selector!r}: environment variable {name} is not set"
                    )
                value = os.environ[name]
            if not selector.startswith(("#", ".", "[")) and " " not in selector:
                selector = f'[name="{selector}"]'
            out[selector] = value
        return out


def page_score(findings: list[Finding]) -> int:
    """A page's score out of 100: each sure violation costs by impact (critical 10, serious 5,
    moderate 2, minor 1); findings a person must confirm ("review") cost nothing."""
    lost = sum(SCORE_WEIGHTS.get(f.impact, 1) for f in findings if f.kind == "violation")
    return max(0, 100 - lost)


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

    def validate(self) -> None:
        if not 1 <= self.concurrency <= 16:
            raise ValueError("concurrency: must be between 1 and 16")
        if not 5 <= self.page_time_limit_s <= 600:
            raise ValueError("page_time_limit_s: must be between 5 and 600 seconds")
        if self.checks is not None:
            unknown = sorted(set(self.checks) - set(REGISTRY))
            if unknown:
                raise ValueError(f"checks: unknown check(s) {', '.join(unknown)}")


@dataclass
class PageResult:
    """One audited page: the checks' PageAudit plus what the platform adds."""

    audit: PageAudit
    template: str
    depth: int = 0
    #: Fingerprint of each finding in ``audit.findings`` (same order).
    fingerprints: list[str] = field(default_factory=list)
    #: Index into ``audit.findings`` → PNG of that element, highlighted.
    screenshots: dict[int, bytes] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.audit.url

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.audit.findings if f.kind == "violation"]

    @property
    def score(self) -> int:
        """100 less a weight per violation by impact; "review" findings never count."""
        return page_score(self.audit.findings)


@dataclass
class Issue:
    """One problem (one fingerprint) with every page it appears on."""

    fingerprint: str
    example: Finding
    pages: list[str]
    occurrences: int
    screenshot: bytes | None = None

    @property
    def kind(self) -> str:
        return self.example.kind


@dataclass
class AuditResult:
    """Everything one audit found."""

    engine: dict[str, Any]
    pages: list[PageResult]
    crawl: CrawlResult
    site_findings: list[Finding]
    issues: list[Issue]
    started_at: dt.datetime
    finished_at: dt.datetime

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def summary(self) -> dict[str, Any]:
        """Counts the report, the email and the run list show."""
        violations = [i for i in self.issues if i.kind == "violation"]
        by_impact = {k: 0 for k in IMPACT_ORDER}
        for issue in violations:
            by_impact[issue.example.impact] += 1
        return {
            "pages": len(self.pages),
            "pages_ok": sum(1 for p in self.pages if p.audit.status == "ok"),
            "pages_with_violations": sum(1 for p in self.pages if p.violations),
            "average_score": round(sum(p.score for p in self.pages) / len(self.pages), 1)
            if self.pages
            else None,
            "violations": sum(len(p.violations) for p in self.pages),
            "issues": len(violations),
            "review_issues": len(self.issues) - len(violations),
            "by_impact": by_impact,
            "broken_links": len(self.crawl.broken),
            "pdfs": sum(1 for r in self.crawl.resources if r.kind == "pdf"),
            "pdfs_with_problems": sum(
                1 for r in self.crawl.resources if r.pdf is not None and r.pdf.problems
            ),
            "duration_s": round(self.duration_s, 1),
        }

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON document: ``{"engine": ..., "pages": [...]}`` (plus crawl facts)."""
        pages = []
        for page in self.pages:
            pages.append(
                {
                    "url": page.url,
                    "status": page.audit.status,
                    "http_status": page.audit.http_status,
                    "title": page.audit.title,
                    "error": page.audit.error,
                    "template": page.template,
                    "score": page.score,
                    "findings": [
                        {
                            "rule": f.rule,
                            "source": f.source,
                            "kind": f.kind,
                            "wcag": f.wcag,
                            "level": f.level,
                            "impact": f.impact,
                            "selector": f.selector,
                            "snippet": f.snippet,
                            "message": f.message,
                            "help_url": f.help_url,
                            "fingerprint": fp,
                        }
                        for f, fp in zip(page.audit.findings, page.fingerprints, strict=True)
                    ],
                }
            )
        return {
            "engine": self.engine,
            "summary": self.summary(),
            "pages": pages,
            "broken_links": [r.to_dict() for r in self.crawl.broken],
            "documents": [r.to_dict() for r in self.crawl.resources],
            "skipped": self.crawl.skipped,
        }


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


# -- the browser pool -------------------------------------------------------------------------


class _Pool:
    """One shared browser (restarted if it dies) and a semaphore of open contexts."""

    def __init__(self, browser: Browser | None, options: AuditOptions) -> None:
        self.options = options
        self._browser = browser
        self._owned: contextlib.AsyncExitStack | None = None
        self._lock = asyncio.Lock()
        self.storage_state: Any = None
        self._host_ok: dict[str, bool] = {}

    async def browser(self) -> Browser:
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                if self._owned is not None:
                    with contextlib.suppress(Exception):
                        await self._owned.aclose()
                self._owned = contextlib.AsyncExitStack()
                self._browser = await self._owned.enter_async_context(launch_browser())
            return self._browser

    async def close(self) -> None:
        if self._owned is not None:
            with contextlib.suppress(Exception):
                await self._owned.aclose()

    async def _guard(self, route: Route) -> None:
        """Refuse the browser's requests to private addresses (SSRF via page resources)."""
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("http://", "https://")):
            allowed = self._host_ok.get(host)
            if allowed is None:
                try:
                    await asyncio.to_thread(check_url_sync, url)
                    allowed = True
                except UnsafeURL:
                    allowed = False
                self._host_ok[host] = allowed
            if not allowed:
                await route.abort("blockedbyclient")
                return
        await route.continue_()

    @contextlib.asynccontextmanager
    async def context(self) -> AsyncIterator[BrowserContext]:
        browser = await self.browser()
        width, height = self.options.viewport
        context = await browser.new_context(
            viewport={"width": width, "height": height},
            accept_downloads=False,
            storage_state=self.storage_state,
            service_workers="block",
        )
        try:
            if not self.options.allow_private:
                await context.route("**/*", self._guard)
            yield context
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(10):
                    await context.close()


async def _sign_in(pool: _Pool, signin: SignIn) -> dict[str, str]:
    """Run the sign-in script once; later contexts reuse its cookies and storage."""
    fields = signin.resolved_fields()
    async with pool.context() as context:
        page = await context.new_page()
        try:
            await page.goto(signin.url, wait_until="load", timeout=30_000)
            for selector, value in fields.items():
                await page.fill(selector, value, timeout=10_000)
            async with page.expect_navigation(wait_until="load", timeout=30_000):
                await page.click(signin.submit, timeout=10_000)
        except PlaywrightError as error:
            raise SignInError(
                f"sign-in at {signin.url} failed: {str(error).splitlines()[0]}"
            ) from None
        pool.storage_state = await context.storage_state()
        cookies = await context.cookies()
    return {c["name"]: c["value"] for c in cookies if "name" in c and "value" in c}


async def _template(page: Page, url: str) -> str:
    try:
        async with asyncio.timeout(3):
            skeleton = await page.evaluate(TEMPLATE_JS)
        return template_from_skeleton(str(skeleton))
    except (TimeoutError, PlaywrightError):
        return template_from_url(url)


async def _screenshots(
    page: Page, result: PageResult, options: AuditOptions, budget_s: float
) -> None:
    """Reload the page as loaded (checks may have changed it) and crop each violation."""
    wanted: dict[str, list[int]] = {}
    for index, finding in enumerate(result.audit.findings):
        selector = finding.selector
        if finding.kind != "violation" or ">>>" in selector or selector in ("html", "title", ""):
            continue
        wanted.setdefault(selector, []).append(index)
        if len(wanted) >= options.max_screenshots_per_page:
            break
    if not wanted or budget_s < 2:
        return
    width, height = options.viewport
    async with asyncio.timeout(budget_s):
        await page.set_viewport_size({"width": width, "height": height})
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
                for index in indexes:
                    result.screenshots[index] = png
            except PlaywrightError as error:
                log.debug("no screenshot of %s on %s: %s", selector, result.url, error)


async def _audit_one(
    pool: _Pool, url: str, depth: int, options: AuditOptions, scope: Scope
) -> PageResult:
    limit = options.page_time_limit_s
    started = time.monotonic()
    try:
        async with asyncio.timeout(limit + CONTEXT_GRACE_S), pool.context() as context:
            page = await context.new_page()
            audit = await audit_page(
                page, url, checks=options.checks, axe=options.axe, time_limit_s=limit
            )
            landed = normalise_url(audit.final_url or url)
            if landed is not None and origin(landed) not in scope.origins:
                # A script or meta refresh took the browser off the site: not ours to report.
                audit.status = "error"
                audit.error = f"the page sent the browser off the site, to {audit.final_url}"
                audit.findings = []
                return PageResult(audit=audit, template=template_from_url(url), depth=depth)
            result = PageResult(
                audit=audit, template=template_from_url(audit.final_url or url), depth=depth
            )
            if audit.status == "ok":
                result.template = await _template(page, audit.final_url or url)
                if options.screenshots:
                    budget = min(limit - (time.monotonic() - started), 30.0)
                    try:
                        await _screenshots(page, result, options, budget)
                    except (TimeoutError, PlaywrightError) as error:
                        log.info("screenshots stopped on %s: %s", url, type(error).__name__)
            return result
    except TimeoutError:
        audit = PageAudit(
            url=url, status="timeout", title="", error="the page's time limit ran out"
        )
    except PlaywrightError as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        audit = PageAudit(url=url, status="error", title="", error=message)
    audit.timings["total"] = time.monotonic() - started
    return PageResult(audit=audit, template=template_from_url(url), depth=depth)


def _aggregate(pages: list[PageResult]) -> list[Issue]:
    issues: dict[str, Issue] = {}
    for page in pages:
        for index, (finding, fp) in enumerate(
            zip(page.audit.findings, page.fingerprints, strict=True)
        ):
            issue = issues.get(fp)
            if issue is None:
                issue = issues[fp] = Issue(fingerprint=fp, example=finding, pages=[], occurrences=0)
            issue.occurrences += 1
            if page.url not in issue.pages:
                issue.pages.append(page.url)
            if issue.screenshot is None and index in page.screenshots:
                issue.screenshot = page.screenshots[index]
    return sorted(
        issues.values(),
        key=lambda i: (
            i.kind != "violation",
            -len(i.pages),
            -IMPACT_ORDER.get(i.example.impact, 0),
            i.example.rule,
        ),
    )


ProgressFn = Callable[[str, int, int, str], None]


async def run_audit(
    config: CrawlConfig,
    options: AuditOptions | None = None,
    *,
    browser: Browser | None = None,
    on_progress: ProgressFn | None = None,
) -> AuditResult:
    """Crawl the site, audit every page found, and return the findings grouped into issues.

    ``on_progress(phase, done, total, url)`` is called as work happens (phase "crawl" or
    "audit"). ``browser`` lets a caller share one Chromium across audits (tests, the worker);
    otherwise one is launched and closed here. Raises ValueError for bad configuration,
    UnsafeURL for a start URL we may not reach, SignInError when signing in fails,
    ChromiumNotFound when there is no browser to drive.
    """
    options = options or AuditOptions()
    options.validate()
    config.validate()
    allow_private = config.allow_private or options.allow_private
    config.allow_private = options.allow_private = allow_private
    for url in config.start_urls:
        check_url_sync(url, allow_private=config.allow_private)
    started = dt.datetime.now(dt.UTC)
    pool = _Pool(browser, options)
    progress = on_progress or (lambda *_: None)
    try:
        if options.signin is not None:
            config.cookies = {**config.cookies, **await _sign_in(pool, options.signin)}
        # Crawling and auditing overlap: each page goes to the browser pool as soon as the
        # crawler finds it, so a polite (slow) crawl does not leave the browsers idle.
        found: asyncio.Queue[str | None] = asyncio.Queue()
        done = 0

        def crawled(url: str) -> None:
            found.put_nowait(url)
            progress("crawl", len(crawler.result.pages), config.max_pages, url)

        crawler = Crawler(config, on_page=crawled)
        scope = crawler.scope
        pages: list[PageResult] = []

        async def worker() -> None:
            nonlocal done
            while (url := await found.get()) is not None:
                depth = crawler.result.depth.get(url, 0)
                pages.append(await _audit_one(pool, url, depth, options, scope))
                done += 1
                progress("audit", done, len(crawler.result.pages), url)

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
        browser_version = (await pool.browser()).version if pages or browser else None
    finally:
        await pool.close()

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
        issues=_aggregate(pages),
        started_at=started,
        finished_at=dt.datetime.now(dt.UTC),
    )
