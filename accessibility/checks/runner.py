"""Audit one page: load it, run axe-core, then our checks, each fenced by its own time limit.

The order is safe: checks that only read the page run first on the page as loaded; each check
that changes the viewport, zoom or styles either undoes its change or the page is reloaded
before the next, so no check sees another's changes. Where axe-core and one of our checks
report the same element for the same success criterion, ``merge=True`` keeps only axe's.
A check that crashes or overruns becomes a "review" finding saying so; it never crashes the
audit. A page that stops answering (endless script) ends its audit with
status "timeout" instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, ViewportSize

from accessibility.axe import AXE_VERSION, run_axe
from accessibility.checks import REGISTRY
from accessibility.checks.base import HTML_DOCUMENTS, Check, CheckContext
from accessibility.checks.dom import ensure_helpers, evaluate
from accessibility.findings import Finding

__all__ = [
    "DOCUMENT_TYPE_JS",
    "RENDERED_LINKS_KEY",
    "PageAudit",
    "audit_page",
    "collect_facts",
    "merge_duplicates",
]

#: ``facts`` key of every link target in the page as rendered (after its scripts ran), for
#: the crawl; the audit takes it out before the facts are kept.
RENDERED_LINKS_KEY = "hrefs"

log = logging.getLogger(__name__)

#: No one check may take more than this, whatever the page's budget.
CHECK_TIME_LIMIT_S = 20.0
#: Budget kept back for loading the page again before a mutating check.
RELOAD_TIME_LIMIT_S = 15.0
#: After this many crashed checks the page itself is the problem (it reloads or navigates
#: by itself): stop, rather than report every remaining check as incomplete.
MAX_CRASHED_CHECKS = 3

#: What kind of document the browser is showing: "html", "xhtml", "svg", "xml", "text",
#: "image", "media", "pdf" or "other". Decided by the DOM the browser built (an SVG root,
#: an XML root with no HTML body) and its content type, not by the URL's ending.
DOCUMENT_TYPE_JS = """
() => {
  const type = (document.contentType || '').toLowerCase();
  const root = document.documentElement;
  if (type === 'text/plain') return 'text';
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('image/') && type !== 'image/svg+xml') return 'image';
  if (type.startsWith('video/') || type.startsWith('audio/')) return 'media';
  if (!root) return 'other';
  if (root.namespaceURI === 'http://www.w3.org/2000/svg') return 'svg';
  // Chromium shows other XML through its own HTML tree viewer: the content type tells.
  const html = root.namespaceURI === 'http://www.w3.org/1999/xhtml' && !!document.body;
  if (html && type === 'text/html') return 'html';
  if (html && type === 'application/xhtml+xml') return 'xhtml';
  return type.includes('xml') ? 'xml' : 'other';
}
"""

_FACTS_JS = """
() => {
  const rv = window.__rv;
  const links = [];
  for (const a of Array.from(document.querySelectorAll('a[href]')).slice(0, 1000)) {
    if (!rv.visible(a) && !a.matches(':focus-within, .govuk-skip-link')) continue;
    if (rv.hiddenFromAT(a)) continue;
    links.push({text: rv.name(a).replace(/\\s+/g, ' '), href: a.href, selector: rv.selector(a),
                snippet: rv.snippet(a)});
  }
  // Navigation landmarks in page order, each with its links in order (3.2.3 across pages).
  const navigation = [];
  const navs = Array.from(document.querySelectorAll('nav, [role="navigation"]')).slice(0, 20);
  navs.forEach((nav, i) => {
    if (rv.hiddenFromAT(nav)) return;
    navigation.push({
      label: (nav.getAttribute('aria-label') || rv.name(nav) || '').trim() ||
             'navigation ' + (i + 1),
      selector: rv.selector(nav),
      links: Array.from(nav.querySelectorAll('a[href]')).slice(0, 200)
        .map(a => ({text: rv.name(a).replace(/\\s+/g, ' '), href: a.href})),
    });
  });
  // Every link target in the rendered DOM, shown or not (menus built or hidden by script):
  // the crawl follows them (``RENDERED_LINKS_KEY``); reports do not keep them.
  const hrefs = Array.from(new Set(Array.from(document.querySelectorAll('a[href], area[href]'))
    .slice(0, 2000).map((a) => a.href))).slice(0, 1000);
  const search = !!document.querySelector(
    '[role="search"], input[type="search"], form[action*="search" i]');
  return {
    title: (document.title || '').trim(),
    lang: document.documentElement.getAttribute('lang'),
    h1: Array.from(document.querySelectorAll('h1'))
      .map(h => h.textContent.replace(/\\s+/g, ' ').trim()),
    links,
    navigation,
    search,
    hrefs,
  };
}
"""


@dataclass
class PageAudit:
    """Everything found on one page, plus the facts the site-level rules need."""

    url: str
    status: str  # "ok", "timeout" (ran out of time / page stopped answering), "error"
    title: str
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    http_status: int | None = None
    final_url: str | None = None
    error: str | None = None
    axe_version: str = AXE_VERSION
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``pages`` entries)."""
        return {
            "url": self.url,
            "status": self.status,
            "title": self.title,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "error": self.error,
            "findings": [f.to_dict() for f in self.findings],
            "facts": self.facts,
            "timings": self.timings,
        }


async def collect_facts(page: Page) -> dict[str, Any]:
    """Title, language, h1s, links (visible text + absolute href), navigation landmarks with
    their links in order, and whether the page has a search form: what site rules need."""
    facts: dict[str, Any] = await evaluate(page, _FACTS_JS)
    return facts


def _incomplete(check_id: str, url: str, why: str, wcag: Iterable[str] = ()) -> Finding:
    return Finding(
        rule=check_id,
        source="resident-voice",
        kind="review",
        wcag=list(wcag),
        level="AA",
        impact="minor",
        selector="html",
        snippet="",
        message=f"This check could not complete on this page ({why}); check it by hand.",
        url=url,
        data={"incomplete": True},
    )


async def _responsive(page: Page) -> bool:
    """Does the page's main thread still answer? (An endless script makes it not.)"""
    try:
        async with asyncio.timeout(2.0):
            await page.evaluate("() => 1")
        return True
    except (TimeoutError, PlaywrightError):
        return False


#: After the load event, the page has settled once no request has been in flight for this
#: long (late scripts, carousels, autoplay started)...
QUIET_NETWORK_S = 0.25
#: ...or, for a page that polls or streams for ever, after this long in any case.
SETTLE_LIMIT_S = 1.5


async def _load(
    page: Page, url: str, timeout_s: float, *, settle: bool = True
) -> tuple[int | None, str]:
    """Go to ``url``; with ``settle``, then wait for a quiet network (see QUIET_NETWORK_S).

    Playwright's "networkidle" wants 0.5 s without a request, and waits in vain on a page
    that polls; counting the requests in flight ourselves settles most pages in 0.25 s.
    """
    in_flight: set[object] = set()
    last_change = [time.monotonic()]

    def started(request: object) -> None:
        in_flight.add(request)
        last_change[0] = time.monotonic()

    def ended(request: object) -> None:
        in_flight.discard(request)
        last_change[0] = time.monotonic()

    if settle:
        page.on("request", started)
        page.on("requestfinished", ended)
        page.on("requestfailed", ended)
    try:
        response = await page.goto(url, wait_until="load", timeout=max(timeout_s, 1.0) * 1000)
        if settle:
            settle_until = time.monotonic() + SETTLE_LIMIT_S
            while time.monotonic() < settle_until:
                if not in_flight and time.monotonic() - last_change[0] >= QUIET_NETWORK_S:
                    break
                await asyncio.sleep(0.05)
    finally:
        if settle:
            page.remove_listener("request", started)
            page.remove_listener("requestfinished", ended)
            page.remove_listener("requestfailed", ended)
    return (response.status if response else None), page.url


async def _restore(page: Page, url: str, size: ViewportSize | None, budget_s: float) -> bool:
    """Put the caller's page back as it came: original viewport, freshly loaded."""
    if budget_s < 1.0:
        return False
    try:
        async with asyncio.timeout(min(budget_s, RELOAD_TIME_LIMIT_S)):
            if size:
                await page.set_viewport_size(size)
            await _load(page, url, RELOAD_TIME_LIMIT_S, settle=False)
        return True
    except (TimeoutError, PlaywrightError):
        return False


def _select(checks: Iterable[str] | None) -> list[Check]:
    if checks is None:
        chosen = list(REGISTRY.values())
    else:
        wanted = list(checks)
        unknown = [c for c in wanted if c not in REGISTRY]
        if unknown:
            raise KeyError(f"unknown checks: {', '.join(unknown)}")
        chosen = [REGISTRY[c] for c in wanted]
    # Stable: readers first, mutators after, registry order within each.
    return sorted(chosen, key=lambda c: c.meta.mutates_page)


async def audit_page(
    page: Page,
    url: str,
    *,
    checks: Iterable[str] | None = None,
    axe: bool = True,
    time_limit_s: float = 60,
    restore: bool = True,
    merge: bool = False,
) -> PageAudit:
    """Load ``url`` in ``page`` and audit it within ``time_limit_s`` seconds.

    ``checks`` names the registry checks to run (all when None). The caller owns the page and
    its context; after a "timeout" audit it should close that context rather than reuse it.
    With ``restore`` (the default), a page that a mutating check changed (viewport, text size,
    spacing) is loaded once more at the end, so screenshots taken afterwards show the page as
    visitors see it; ``facts["page_restored"]`` says whether it was. With ``merge``, our
    findings that axe already reports (same element, same criterion) are folded into axe's
    (see :func:`merge_duplicates`).
    """
    started = time.monotonic()
    deadline = started + time_limit_s
    audit = PageAudit(url=url, status="ok", title="")
    selected = _select(checks)
    ctx = CheckContext(url=url)
    size = page.viewport_size
    if size:
        ctx.viewport = (size["width"], size["height"])
    page.set_default_timeout(CHECK_TIME_LIMIT_S * 1000)

    def remaining() -> float:
        return deadline - time.monotonic()

    try:
        audit.http_status, audit.final_url = await _load(page, url, min(remaining(), 30.0))
        ctx.url = audit.final_url or url
        async with asyncio.timeout(max(min(remaining(), 10.0), 0.1)):
            document_type: str = await page.evaluate(DOCUMENT_TYPE_JS)
            audit.facts = await collect_facts(page)
        audit.facts["document_type"] = document_type
        audit.timings["load"] = time.monotonic() - started
        audit.title = audit.facts.get("title", "")
        ctx.facts = audit.facts
    except TimeoutError:
        audit.status = "timeout"
        audit.error = "the page did not load and answer in time (a script may never finish)"
        audit.timings["total"] = time.monotonic() - started
        return audit
    except PlaywrightError as exc:
        # Redirect loops, downloads, refused connections: Playwright says which in line one.
        audit.status = "error"
        audit.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        audit.timings["total"] = time.monotonic() - started
        return audit

    # Checks (and axe-core) that mean nothing on this kind of document are not run: an SVG
    # drawing or an XML feed has no headings or skip link to get wrong.
    not_applicable = [c.meta.id for c in selected if document_type not in c.meta.applies_to]
    if axe and document_type not in HTML_DOCUMENTS:
        not_applicable.insert(0, "axe")
        axe = False
    selected = [c for c in selected if document_type in c.meta.applies_to]
    audit.facts["not_applicable"] = not_applicable

    if axe:
        t0 = time.monotonic()
        try:
            async with asyncio.timeout(max(min(remaining(), 30.0), 0.1)):
                result = await run_axe(page)
            audit.axe_version = result.version
            audit.findings += result.violations + result.incomplete
        except (TimeoutError, PlaywrightError) as exc:
            log.warning("axe did not complete on %s: %s", url, type(exc).__name__)
            audit.findings.append(_incomplete("axe", ctx.url, "axe-core did not finish"))
        audit.timings["axe"] = time.monotonic() - t0

    fresh = True  # the page is as loaded until a mutating check has run
    skipped: list[str] = []
    crashed = 0

    async def run_one(check: Check, reload_first: bool) -> tuple[Any, float]:
        """One check fenced by its time limit: (its findings or the exception, seconds)."""
        t0 = time.monotonic()
        try:
            if reload_first:
                async with asyncio.timeout(max(min(remaining(), RELOAD_TIME_LIMIT_S), 0.1)):
                    if size:  # a reload keeps a changed viewport: put the original back
                        await page.set_viewport_size(size)
                    await _load(page, ctx.url, RELOAD_TIME_LIMIT_S, settle=False)
                ctx.cache.clear()  # a reloaded page invalidates shared work (the Tab walk)
            async with asyncio.timeout(max(min(remaining(), CHECK_TIME_LIMIT_S), 0.1)):
                outcome: Any = await check.run(page, ctx)
        except Exception as exc:  # a broken check must never break the audit
            outcome = exc
        return outcome, time.monotonic() - t0

    index = 0
    stopped = False
    while index < len(selected):
        # Consecutive read-only checks run side by side on the page as loaded; every other
        # check runs alone. Outcomes are then taken in registry order, so the crash limit and
        # the skipped list are as if they had run one by one.
        group = [selected[index]]
        if group[0].meta.reads_only and fresh:
            following = selected[index + 1 :]
            group += itertools.takewhile(lambda c: c.meta.reads_only, following)
        index += len(group)
        if stopped or remaining() <= 0.5:
            skipped += [c.meta.id for c in group]
            continue
        if len(group) > 1:
            # Once, not once per concurrent check; a failure here each check meets (and
            # reports) itself.
            with contextlib.suppress(PlaywrightError):
                await ensure_helpers(page)
            outcomes = await asyncio.gather(*(run_one(c, False) for c in group))
        else:
            meta = group[0].meta
            reload_first = meta.mutates_page and not fresh
            if reload_first:
                fresh = True
            ctx.untouched = False
            outcomes = [await run_one(group[0], reload_first)]
        for check, (outcome, seconds) in zip(group, outcomes, strict=True):
            meta = check.meta
            if stopped:
                skipped.append(meta.id)
                continue
            audit.timings[meta.id] = seconds
            if isinstance(outcome, TimeoutError):
                audit.findings.append(
                    _incomplete(meta.id, ctx.url, "it ran out of time", meta.wcag)
                )
                fresh = False
                if not await _responsive(page):
                    audit.status = "timeout"
                    audit.error = f"the page stopped responding during the {meta.id} check"
                    stopped = True
            elif isinstance(outcome, Exception):
                log.warning("check %s failed on %s: %r", meta.id, url, outcome)
                audit.findings.append(
                    _incomplete(meta.id, ctx.url, f"error: {type(outcome).__name__}", meta.wcag)
                )
                fresh = False
                crashed += 1
                if crashed >= MAX_CRASHED_CHECKS:
                    audit.status = "error"
                    audit.error = (
                        f"{crashed} checks failed on this page; it may reload or navigate by itself"
                    )
                    stopped = True
            else:
                audit.findings += outcome
                fresh = fresh and (not meta.mutates_page or meta.restores_page or ctx.untouched)
    if skipped:
        if audit.status == "ok":
            audit.status = "timeout"
            audit.error = "the page's time limit ran out"
        finding = _incomplete("audit-incomplete", ctx.url, audit.error or "")
        finding.message = (
            f"{len(skipped)} checks did not run on this page ({audit.error}): "
            f"{', '.join(skipped)}. Check these by hand."
        )
        finding.data["skipped"] = skipped
        audit.findings.append(finding)
    if audit.status == "ok" and not fresh and restore:
        t0 = time.monotonic()
        audit.facts["page_restored"] = await _restore(page, ctx.url, size, remaining())
        audit.timings["restore"] = time.monotonic() - t0
        fresh = audit.facts["page_restored"]
    if merge and axe and fresh and audit.status == "ok" and remaining() > 0.5:
        try:
            async with asyncio.timeout(min(remaining(), 5.0)):
                audit.findings = await merge_duplicates(page, audit.findings)
        except (TimeoutError, PlaywrightError) as exc:
            log.info("could not merge duplicate findings on %s: %r", url, exc)
    audit.timings["total"] = time.monotonic() - started
    return audit


_SAME_ELEMENT_JS = """
(pairs) => pairs.map(([a, b]) => {
  try {
    const x = document.querySelector(a), y = document.querySelector(b);
    return !!x && x === y;
  } catch (e) {
    return false;
  }
})
"""


async def merge_duplicates(page: Page, findings: list[Finding]) -> list[Finding]:
    """Drop our findings that axe already reports on the same element for the same criterion.

    One problem should be one line in a report. The axe finding stays (it has the help link)
    and records ``data["also_found_by"]``; ours goes unless it is surer than axe's (our
    violation where axe only has "incomplete").
    """
    ours = [f for f in findings if f.source == "resident-voice"]
    theirs = [f for f in findings if f.source == "axe" and ">>>" not in f.selector]
    pairs: list[tuple[Finding, Finding]] = [
        (mine, axe_finding)
        for mine in ours
        for axe_finding in theirs
        if set(mine.wcag) & set(axe_finding.wcag)
        and (axe_finding.kind == "violation" or mine.kind == "review")
    ]
    if not pairs:
        return findings
    same = await page.evaluate(
        _SAME_ELEMENT_JS, [[mine.selector, axe_finding.selector] for mine, axe_finding in pairs]
    )
    dropped: set[int] = set()
    for (mine, axe_finding), is_same in zip(pairs, same, strict=True):
        if is_same and id(mine) not in dropped:
            dropped.add(id(mine))
            axe_finding.data.setdefault("also_found_by", []).append(mine.rule)
    return [f for f in findings if id(f) not in dropped]
