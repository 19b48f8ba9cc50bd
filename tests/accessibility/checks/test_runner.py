"""The page runner: safe order, per-check fences, and hostile pages that must not hang."""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Browser, Page

from accessibility.checks import REGISTRY
from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.checks.runner import audit_page
from accessibility.findings import Finding

pytestmark = pytest.mark.browser

BROKEN = CheckMeta(
    id="test-broken",
    title="A check that crashes",
    wcag=("4.1.2",),
    level="A",
    impact="minor",
    how_to_fix="Nothing: it exists to prove a crash is contained.",
)
SLOW = CheckMeta(
    id="test-slow",
    title="A check that never finishes",
    wcag=("4.1.2",),
    level="A",
    impact="minor",
    how_to_fix="Nothing: it exists to prove the per-check time limit.",
)


@pytest.fixture(scope="module", autouse=True)
def _test_checks() -> object:
    """Register two misbehaving checks for this module only."""

    @register(BROKEN)
    async def broken(page: Page, ctx: CheckContext) -> list[Finding]:
        raise RuntimeError("boom")

    @register(SLOW)
    async def slow(page: Page, ctx: CheckContext) -> list[Finding]:
        await page.evaluate("() => new Promise(() => {})")  # never resolves
        return []

    yield
    del REGISTRY[BROKEN.id], REGISTRY[SLOW.id]


async def test_crashing_check_becomes_review_finding(page: Page, a11y_site: str) -> None:
    audit = await audit_page(
        page, f"{a11y_site}/barriers/headings.html", checks=["test-broken", "headings"], axe=False
    )
    assert audit.status == "ok"
    crashed = [f for f in audit.findings if f.rule == "test-broken"]
    assert len(crashed) == 1 and crashed[0].kind == "review"
    assert "could not complete" in crashed[0].message
    # the check after the crash still ran
    assert any(f.rule == "headings" and f.kind == "violation" for f in audit.findings)


async def test_slow_check_is_fenced(page: Page, a11y_site: str, monkeypatch) -> None:
    monkeypatch.setattr("accessibility.checks.runner.CHECK_TIME_LIMIT_S", 1.0)
    started = time.monotonic()
    audit = await audit_page(
        page, f"{a11y_site}/barriers/headings.html", checks=["test-slow", "headings"], axe=False
    )
    assert time.monotonic() - started < 6
    assert any(f.rule == "test-slow" and f.kind == "review" for f in audit.findings)
    assert any(f.rule == "headings" for f in audit.findings)


async def test_axe_and_checks_together_report_each_problem_once(page: Page, a11y_site: str) -> None:
    """axe and our target-size both see the three small icons: each is reported once, by axe,
    marked as confirmed by ours."""
    url = f"{a11y_site}/barriers/target-size.html"
    alone = await audit_page(page, url, checks=["target-size"], axe=False)
    assert len(alone.findings) == 3
    unmerged = await audit_page(page, url, checks=["target-size"])
    assert {f.source for f in unmerged.findings if f.rule == "target-size"} == {
        "axe",
        "resident-voice",
    }
    audit = await audit_page(page, url, checks=["target-size"], merge=True)
    small = [f for f in audit.findings if f.rule == "target-size"]
    assert len(small) == 3 and {f.source for f in small} == {"axe"}
    assert all(f.data["also_found_by"] == ["target-size"] for f in small)
    assert audit.axe_version and audit.timings["axe"] > 0


async def test_findings_on_other_criteria_are_not_merged(page: Page, a11y_site: str) -> None:
    """Our form-labels (3.3.2: placeholder is no label) is not what axe reports; it stays."""
    audit = await audit_page(
        page, f"{a11y_site}/barriers/form-labels.html", checks=["form-labels"], merge=True
    )
    ours = {f.selector for f in audit.findings if f.source == "resident-voice"}
    assert "#street" in ours


async def test_mutating_checks_leave_no_trace(page: Page, a11y_site: str) -> None:
    """Reflow shrinks the viewport and the text checks restyle text: each undoes its change,
    so the next check (and the caller's screenshots) see the page as visitors do."""
    audit = await audit_page(
        page,
        f"{a11y_site}/controls/article.html",
        checks=["reflow", "text-resize", "text-spacing"],
        axe=False,
    )
    assert audit.findings == []
    assert "page_restored" not in audit.facts  # no reload was needed
    assert page.viewport_size == {"width": 1280, "height": 800}
    spacing = await page.evaluate(
        "() => getComputedStyle(document.querySelector('p')).letterSpacing"
    )
    assert spacing == "normal"
    assert await page.evaluate("() => document.querySelectorAll('[style]').length") == 0


async def test_crashed_mutating_check_gets_page_reloaded(
    page: Page, a11y_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mutating check that fails half-way cannot undo itself: the runner reloads."""

    async def fail(*args: object) -> None:
        raise RuntimeError("measurement failed")

    monkeypatch.setattr("accessibility.checks.text_fit.text_damage", fail)
    monkeypatch.setattr("accessibility.checks.text_spacing.text_damage", fail)
    audit = await audit_page(
        page, f"{a11y_site}/controls/article.html", checks=["text-spacing"], axe=False
    )
    assert [f.rule for f in audit.findings] == ["text-spacing"]
    assert audit.findings[0].kind == "review"
    assert audit.facts["page_restored"] is True


@pytest.mark.parametrize(
    ("path", "status", "within"),
    [
        ("hostile/endless-script.html", "timeout", 10),
        ("hostile/huge-dom.html", None, 10),
        ("hostile/reload-loop.html", None, 10),
        ("hostile/redirect-loop", "error", 5),
        ("hostile/download", "error", 5),
    ],
)
async def test_hostile_pages_do_not_hang(
    browser: Browser, a11y_site: str, path: str, status: str | None, within: float
) -> None:
    context = await browser.new_context()
    try:
        started = time.monotonic()
        audit = await audit_page(await context.new_page(), f"{a11y_site}/{path}", time_limit_s=6)
        assert time.monotonic() - started < within
        if status:
            assert audit.status == status, audit.error
        assert audit.status in {"ok", "timeout", "error"}
        if audit.status != "ok":
            assert audit.error
    finally:
        await context.close()


async def test_audit_stops_when_checks_keep_crashing(
    page: Page, a11y_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("accessibility.checks.runner.MAX_CRASHED_CHECKS", 1)
    audit = await audit_page(
        page, f"{a11y_site}/barriers/headings.html", checks=["test-broken", "headings"], axe=False
    )
    assert audit.status == "error" and audit.error and "checks failed" in audit.error
    incomplete = [f for f in audit.findings if f.rule == "audit-incomplete"]
    assert len(incomplete) == 1 and incomplete[0].data["skipped"] == ["headings"]
    assert not [f for f in audit.findings if f.rule == "headings"]
