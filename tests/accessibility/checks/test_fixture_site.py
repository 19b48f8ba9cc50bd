"""Every check finds its planted barrier, and nothing at all on the clean pages.

Barrier pages run only the check under test (fast, and proves that check alone finds it).
Clean pages run every check: a finding of any kind there is a false positive of ours.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from accessibility.checks import REGISTRY
from accessibility.checks.runner import audit_page

pytestmark = pytest.mark.browser

#: (page, check, kind, a selector fragment the finding must point at)
BARRIERS = [
    ("barriers/page-title.html", "page-title", "violation", "html"),
    ("barriers/language.html", "language", "violation", "html"),
    ("barriers/language-welsh.html", "language", "violation", "p:nth-of-type(3)"),
    ("barriers/language-parts.html", "language", "violation", "#french"),
    ("barriers/language-parts.html", "language", "violation", "#mislabelled"),
    ("barriers/headings.html", "headings", "violation", "h3"),
    ("barriers/landmarks.html", "landmarks", "violation", "body"),
    ("barriers/link-text.html", "link-text", "violation", "li:nth-of-type(1) > a"),
    ("barriers/link-text.html", "link-text", "review", "li:nth-of-type(3) > a"),
    ("barriers/sensory.html", "sensory-instructions", "review", "p:nth-of-type(1)"),
    ("barriers/sensory.html", "sensory-instructions", "review", "p:nth-of-type(2)"),
    ("barriers/reading-ease.html", "reading-ease", "review", "#main-content"),
    ("barriers/form-labels.html", "form-labels", "violation", "#street"),
    ("barriers/form-labels.html", "form-labels", "violation", "#detail"),
    ("barriers/error-association.html", "error-association", "violation", "div > p"),
    ("barriers/autocomplete.html", "autocomplete", "violation", "#email"),
    ("barriers/autocomplete.html", "autocomplete", "violation", "#postcode"),
    ("barriers/skip-link.html", "skip-link", "violation", "body > a"),
    ("barriers/keyboard-trap.html", "keyboard", "violation", "#zoom-in"),
    ("barriers/keyboard-trap-escape.html", "keyboard", "review", "#zoom-in"),
    ("barriers/keyboard-unreachable.html", "keyboard", "violation", "#main-content > div"),
    ("barriers/keyboard-unreachable.html", "keyboard", "violation", "p:nth-of-type(2) > span"),
    ("barriers/mouse.html", "mouse-only", "violation", "#general"),
    ("barriers/mouse.html", "mouse-only", "violation", "#recycling"),
    ("barriers/focus-order.html", "keyboard", "violation", "p:nth-of-type(3) > a"),
    ("barriers/focus-visible.html", "focus-visible", "violation", "p:nth-of-type(2) > a"),
    ("barriers/focus-obscured.html", "focus-obscured", "violation", "footer > p > a"),
    ("barriers/target-size.html", "target-size", "violation", "a:nth-of-type(1)"),
    ("barriers/hover-content.html", "hover-content", "violation", "p > span"),
    ("barriers/media-autoplay.html", "media-autoplay", "violation", "audio"),
    ("barriers/motion.html", "motion", "violation", "span"),
    ("barriers/reflow.html", "reflow", "violation", "#main-content > div"),
    ("barriers/reflow.html", "reflow", "violation", "#main-content > p:nth-of-type(2)"),
    ("barriers/text-resize.html", "text-resize", "violation", "#main-content > div"),
    ("barriers/text-spacing.html", "text-spacing", "violation", "#main-content > div"),
    ("barriers/data-tables.html", "data-tables", "violation", "#fake-headers"),
    ("barriers/data-tables.html", "data-tables", "violation", "#complex"),
    ("barriers/data-tables.html", "data-tables", "violation", "th:nth-of-type(2)"),
    ("barriers/images.html", "image-alt", "violation", "#site-plan"),
    ("barriers/images.html", "image-alt", "violation", "#street-view"),
    ("barriers/images.html", "image-alt", "violation", "#plan-link > img"),
    ("barriers/images.html", "image-alt", "violation", "#print-plan > img"),
    ("barriers/links.html", "link-colour", "violation", "#quiet-link"),
    ("barriers/links.html", "link-details", "violation", "#arrow-link"),
    ("barriers/links.html", "link-details", "review", "#pdf-link"),
    ("barriers/links.html", "link-details", "review", "#new-window"),
    ("barriers/links.html", "link-dead", "review", "#dead-link"),
    ("barriers/structure.html", "fake-headings", "violation", "#before-you-start"),
    ("barriers/structure.html", "fake-headings", "violation", "#next-steps"),
    ("barriers/structure.html", "fake-lists", "violation", "#bin-types"),
    ("barriers/structure.html", "fake-lists", "violation", "#step-one"),
    ("barriers/structure.html", "duplicate-ids", "violation", "#address"),
    ("barriers/typography.html", "typography", "violation", "#collections"),
    ("barriers/typography.html", "typography", "violation", "#missed"),
    ("barriers/typography.html", "typography", "violation", "#winter"),
    ("barriers/typography.html", "typography", "violation", "#prices"),
    ("barriers/typography.html", "typography", "violation", "#rinse"),
    ("barriers/colour-meaning.html", "colour-meaning", "violation", "#permit-name"),
    ("barriers/colour-meaning.html", "colour-meaning", "violation", "#permit-street"),
    ("barriers/colour-meaning.html", "colour-meaning", "violation", "#permit-postcode"),
    ("barriers/tab-order.html", "tab-order", "violation", "#pay-debit"),
    ("barriers/tab-order.html", "tab-order", "review", "#deadline"),
    ("barriers/tab-order.html", "tab-order", "review", "#help-link"),
    ("barriers/keyboard-activation.html", "keyboard-activation", "violation", "#show-times"),
    ("barriers/keyboard-activation.html", "keyboard-activation", "violation", "#print-times"),
    ("barriers/keyboard-activation.html", "keyboard-activation", "violation", "#renew"),
    ("barriers/disclosure.html", "disclosure-state", "violation", "#paper-button"),
    ("barriers/disclosure.html", "disclosure-state", "violation", "#glass-button"),
    ("barriers/dialog-focus.html", "dialog-focus", "violation", "#open-slots"),
    ("barriers/dialog-focus.html", "dialog-focus", "violation", "#open-rules"),
    ("barriers/dialog-focus.html", "dialog-focus", "violation", "#open-help"),
    ("barriers/dialog-focus.html", "dialog-focus", "violation", "#open-map"),
    ("barriers/timed-content.html", "timed-content", "violation", "#saved-toast"),
    ("barriers/timed-content.html", "timed-content", "violation", "#collection-alert"),
    ("barriers/context-change.html", "context-change", "violation", "#area-jump"),
    ("barriers/context-change.html", "context-change", "violation", "#sort-results"),
    ("barriers/rtl.html", "language", "violation", "#arabic"),
    ("barriers/rtl.html", "language", "violation", "#urdu"),
    ("barriers/focus-pixels.html", "focus-visible", "violation", "#band-link"),
    ("barriers/focus-pixels.html", "focus-visible", "violation", "#band-button"),
    ("barriers/flashing.html", "flashing", "violation", "#strobe"),
    ("barriers/flashing-red.html", "flashing", "violation", "#red-alert"),
    ("barriers/carousel.html", "auto-advance", "violation", "#news-carousel"),
    ("barriers/carousel.html", "auto-advance", "violation", "#ticker"),
    ("barriers/carousel.html", "auto-advance", "violation", "#offers-carousel"),
    ("barriers/carousel.html", "auto-advance", "review", "#tips-carousel"),
    ("barriers/animated-images.html", "animated-images", "violation", "#bins-gif"),
    ("barriers/animated-images.html", "animated-images", "violation", "#sorting-apng"),
    ("barriers/animated-images.html", "animated-images", "violation", "#leaf-webp"),
    ("barriers/animated-images.html", "animated-images", "violation", "#strobe-gif"),
]

CLEAN = [
    "index.html",
    "controls/article.html",
    "controls/form.html",
    "controls/media.html",
    "controls/widgets.html",
    "controls/click.html",  # button listener, delegation to a button, body listener
    "controls/layout.html",  # sticky header, scrolling table, code, inline links, lang="cy"
    "controls/dialog.html",  # modal dialog open on load (keeps focus; Escape closes)
    "controls/data-tables.html",  # the same tables with headers, and two layout tables
    "controls/images.html",  # the same images with good alt, decorative alt="", a figure
    "controls/links.html",  # underlined, typed and sized, warned, named, working links
    "controls/tab-order.html",  # HTML in the order shown, a column flex box, a scroll region
    "controls/keyboard-activation.html",  # the same custom controls, with key handling
    "controls/disclosure.html",  # the same accordion keeping aria-expanded in step
    "controls/dialog-focus.html",  # the same dialogs done right, and a native <dialog>
    "controls/typography.html",  # the same text left-aligned, roman, sentence case, 1.5
    "controls/colour-meaning.html",  # the same colours with words, aria-invalid, a message
    "controls/language-parts.html",  # the same passages with the right lang, a short phrase
    "controls/structure.html",  # real headings and lists, an address in lines, unique ids
    "controls/timed-content.html",  # a toast with Dismiss, a loading line that goes
    "controls/timed-content-recall.html",  # a toast that goes, with a Notifications button
    "controls/context-change.html",  # a Go button, a summary in the page, a warned jump
    "controls/rtl.html",  # the same Arabic and Urdu with dir="rtl", an Arabic word inline
    "controls/focus-pixels.html",  # outline replaced by a box-shadow ring; GOV.UK-like yellow
    "controls/flashing.html",  # a slow flash, a small fast one, a slow fade; a stop button
    "controls/flashing-red.html",  # the same red panel flashing once a second
    "controls/carousel.html",  # a working Pause button, one moving on click, a short ticker
    "controls/animated-images.html",  # a GIF playing once in 2 s, a still one, one paused
    "govuk/question-page.html",
    "govuk/check-answers.html",
]


def test_every_check_has_a_planted_barrier() -> None:
    """No check ships without a fixture page proving it finds something."""
    assert {check for _, check, _, _ in BARRIERS} == set(REGISTRY)


@pytest.mark.parametrize(("path", "check", "kind", "where"), BARRIERS)
async def test_check_finds_planted_barrier(
    page: Page, a11y_site: str, path: str, check: str, kind: str, where: str
) -> None:
    audit = await audit_page(page, f"{a11y_site}/{path}", checks=[check], axe=False)
    assert audit.status == "ok", audit.error
    found = [f for f in audit.findings if f.rule == check]
    assert all(f.source == "resident-voice" for f in found)
    assert not [f for f in audit.findings if f.data.get("incomplete")], audit.findings
    matching = [f for f in found if f.kind == kind and f.selector.endswith(where)]
    assert matching, [(f.kind, f.selector, f.message) for f in found]
    finding = matching[0]
    assert (finding.wcag if finding.wcag_failure else not finding.wcag) and finding.level in {
        "A",
        "AA",
        "AAA",
    }
    if not finding.wcag_failure:  # best practice: labelled so, and filterable in JSON
        assert finding.data["label"] == "Best practice, not a WCAG AA failure"
        assert finding.to_dict()["wcag_failure"] is False
    assert finding.url == f"{a11y_site}/{path}"
    assert finding.message and finding.data["how_to_fix"]
    # The selector is unique on the page and points at the element the snippet shows.
    if finding.selector not in {"html", "body", "title"}:
        assert await page.locator(finding.selector).count() == 1


@pytest.mark.parametrize("path", CLEAN)
async def test_clean_page_has_no_findings(page: Page, a11y_site: str, path: str) -> None:
    audit = await audit_page(page, f"{a11y_site}/{path}", axe=False)
    assert audit.status == "ok", audit.error
    assert audit.findings == [], [(f.rule, f.kind, f.selector, f.message) for f in audit.findings]
    assert audit.title and audit.facts["h1"]


async def test_govuk_page_really_uses_govuk_frontend(page: Page, a11y_site: str) -> None:
    """The GOV.UK control is only meaningful if GOV.UK Frontend's CSS actually loaded."""
    response = await page.goto(f"{a11y_site}/govuk/question-page.html")
    assert response and response.ok
    rules = await page.evaluate(
        "() => Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert rules > 500, "GOV.UK Frontend CSS missing: run bin/setup (npm install)"
    colour = await page.evaluate(
        "() => getComputedStyle(document.querySelector('.govuk-button')).backgroundColor"
    )
    assert colour == "rgb(15, 122, 82)"  # GOV.UK Frontend 6 button green


async def test_dialog_protocol_reports_each_failure_once(page: Page, a11y_site: str) -> None:
    """Each planted dialog breaks one step (the lightbox two): one finding per broken step."""
    audit = await audit_page(
        page, f"{a11y_site}/barriers/dialog-focus.html", checks=["dialog-focus"], axe=False
    )
    steps = sorted(
        (f.selector.rsplit("#", 1)[-1], f.wcag[0], f.message.split(" opens ", 1)[1].split()[:4])
        for f in audit.findings
    )
    assert steps == [
        ("open-help", "2.4.3", ["does", "not", "give", "focus"]),
        ("open-map", "2.1.2", ["does", "not", "close", "with"]),
        ("open-map", "2.4.3", ["does", "not", "take", "keyboard"]),
        ("open-rules", "2.4.3", ["lets", "Tab", "move", "focus"]),
        ("open-slots", "2.4.3", ["does", "not", "take", "keyboard"]),
    ]


async def test_activation_leaves_the_page_where_it_was(page: Page, a11y_site: str) -> None:
    """A custom link that navigates on click is seen to act, but the page stays put."""
    url = f"{a11y_site}/barriers/keyboard-activation.html"
    audit = await audit_page(page, url, checks=["keyboard-activation"], axe=False, restore=False)
    assert any(f.selector.endswith("#renew") for f in audit.findings)
    assert page.url == url
