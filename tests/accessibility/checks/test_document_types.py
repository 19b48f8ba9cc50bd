"""Every check meets every kind of document a browser opens, and never crashes on one.

A crawl meets SVG drawings, XML feeds and plain-text files as well as HTML. Our checks and
axe-core are written for HTML: on anything else the runner says "not applicable" (in
``facts["not_applicable"]``) instead of crashing (``marker.focus is not a function``) or
reporting noise (no h1, no main landmark) about a drawing.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from accessibility.checks import REGISTRY
from accessibility.checks.runner import audit_page

pytestmark = pytest.mark.browser

NOT_HTML = [
    ("doctypes/drawing.svg", "svg"),
    ("doctypes/data.xml", "xml"),
    ("doctypes/notes.txt", "text"),
]


@pytest.mark.parametrize(("path", "kind"), NOT_HTML)
async def test_checks_are_not_applicable_outside_html(
    page: Page, a11y_site: str, path: str, kind: str
) -> None:
    audit = await audit_page(page, f"{a11y_site}/{path}")
    assert audit.status == "ok", audit.error
    assert audit.facts["document_type"] == kind
    assert audit.findings == [], [(f.rule, f.message) for f in audit.findings]
    assert audit.facts["not_applicable"] == ["axe", *REGISTRY]


async def test_xhtml_gets_every_check_and_no_crash(page: Page, a11y_site: str) -> None:
    """XHTML is HTML: every check runs (none is skipped) and the clean page stays clean."""
    audit = await audit_page(page, f"{a11y_site}/doctypes/page.xhtml")
    assert audit.status == "ok", audit.error
    assert audit.facts["document_type"] == "xhtml"
    assert audit.facts["not_applicable"] == []
    assert set(audit.timings) >= set(REGISTRY)
    assert audit.findings == [], [(f.rule, f.message) for f in audit.findings]


async def test_tab_walk_checks_run_directly_on_svg_do_not_crash(page: Page, a11y_site: str) -> None:
    """Even called on an SVG document, the Tab-walk checks answer instead of throwing."""
    from accessibility.checks.base import CheckContext

    url = f"{a11y_site}/doctypes/drawing.svg"
    await page.goto(url)
    for check in ("skip-link", "keyboard", "focus-visible"):
        findings = await REGISTRY[check].run(page, CheckContext(url=url))
        assert [f for f in findings if f.kind == "violation"] == []
