"""Build AuditResults without a browser, for tests of storage, tracking and reports."""

from __future__ import annotations

import datetime as dt

from accessibility.audit import AuditResult, PageResult, _aggregate, engine_versions
from accessibility.checks.runner import PageAudit
from accessibility.crawl import CrawlResult
from accessibility.crawl.crawler import Resource
from accessibility.crawl.pdf import check_pdf
from accessibility.findings import Finding
from accessibility.fingerprints import fingerprint

#: A 1×1 PNG (enough to prove screenshots are stored and served).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1b6"
    "a30000000049454e44ae426082"
)

RULES = {
    "image-alt": ("Images must have alternative text", ["1.1.1"], "A", "critical"),
    "label": ("Form elements must have labels", ["4.1.2"], "A", "critical"),
    "color-contrast": (
        "Elements must meet minimum colour contrast ratio thresholds",
        ["1.4.3"],
        "AA",
        "serious",
    ),
    "link-text": ("This link's text does not say where it goes", ["2.4.4"], "A", "moderate"),
}


def finding(rule: str, selector: str, url: str, kind: str = "violation") -> Finding:
    message, wcag, level, impact = RULES[rule]
    return Finding(
        rule=rule,
        source="axe" if rule != "link-text" else "resident-voice",
        kind=kind,  # type: ignore[arg-type]
        wcag=wcag,
        level=level,  # type: ignore[arg-type]
        impact=impact,  # type: ignore[arg-type]
        selector=selector,
        snippet=f"<{selector}>",
        message=message,
        url=url,
    )


def fake_result(
    pages: dict[str, list[tuple[str, ...]]],
    *,
    status: dict[str, str] | None = None,
    broken: list[str] = (),  # type: ignore[assignment]
    pdf: bytes | None = None,
) -> AuditResult:
    """``{url: [(rule, selector[, kind]), ...]}`` → an AuditResult, as if a browser found them."""
    results = []
    for url, found in pages.items():
        audit = PageAudit(url=url, status=(status or {}).get(url, "ok"), title=f"Title of {url}")
        audit.findings = [finding(rule, selector, url, *kind) for rule, selector, *kind in found]
        page = PageResult(audit=audit, template="t-fake")
        page.fingerprints = [fingerprint(f.rule, f.selector, page.template) for f in audit.findings]
        page.screenshots = {i: PNG for i, f in enumerate(audit.findings) if f.kind == "violation"}
        results.append(page)
    crawl = CrawlResult(pages=list(pages))
    crawl.broken = [
        Resource(url=u, kind="page", status=404, referrers=[next(iter(pages))]) for u in broken
    ]
    if pdf is not None:
        crawl.resources = [
            Resource(url="http://127.0.0.1/doc.pdf", kind="pdf", status=200, pdf=check_pdf(pdf))
        ]
    now = dt.datetime.now(dt.UTC)
    return AuditResult(
        engine=engine_versions("1.0-test"),
        pages=results,
        crawl=crawl,
        site_findings=[],
        issues=_aggregate(results),
        started_at=now - dt.timedelta(seconds=5),
        finished_at=now,
    )
