"""Finding Chromium, and axe-core injected by Playwright with the WCAG 2.2 rules on."""

from __future__ import annotations

import os

import pytest
from playwright.async_api import Page

from accessibility.axe import AXE_VERSION, WCAG_TAGS, run_axe, wcag_from_tags
from accessibility.browser import ChromiumNotFound, find_chromium


def test_chromium_path_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHROMIUM_PATH", str(fake))
    assert find_chromium() == str(fake)


def test_bad_chromium_path_says_how_to_fix(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "missing"))
    with pytest.raises(ChromiumNotFound) as info:
        find_chromium()
    message = str(info.value)
    assert "apt-get install -y chromium" in message and "CHROMIUM_PATH" in message
    assert "\n" not in message


def test_no_chromium_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setattr("accessibility.browser._CANDIDATES", ())
    monkeypatch.setattr("accessibility.browser.shutil.which", lambda name: None)
    with pytest.raises(ChromiumNotFound):
        find_chromium()


def test_system_chromium_is_found() -> None:
    path = find_chromium()
    assert os.access(path, os.X_OK)


def test_wcag_tags_become_criteria_and_level() -> None:
    assert wcag_from_tags(["cat.color", "wcag2aa", "wcag143"]) == (["1.4.3"], "AA")
    assert wcag_from_tags(["wcag22aa", "wcag258"]) == (["2.5.8"], "AA")
    assert wcag_from_tags(["wcag2a", "wcag21aa", "wcag2411", "wcag412"]) == (
        ["2.4.11", "4.1.2"],
        "A",
    )


@pytest.mark.browser
async def test_run_axe_reports_wcag22_target_size(page: Page, a11y_site: str) -> None:
    await page.goto(f"{a11y_site}/barriers/target-size.html")
    result = await run_axe(page)
    assert result.version == AXE_VERSION and AXE_VERSION.count(".") == 2
    small = [f for f in result.violations if f.rule == "target-size"]
    assert small, "target-size (off by default in axe) must be switched on"
    first = small[0]
    assert first.source == "axe" and first.kind == "violation"
    assert first.wcag == ["2.5.8"] and first.level == "AA"
    assert first.selector and first.snippet.startswith("<a")
    assert first.help_url and first.url.endswith("/barriers/target-size.html")
    assert set(result.raw["toolOptions"]["runOnly"]["values"]) == set(WCAG_TAGS)


@pytest.mark.browser
async def test_run_axe_on_clean_pages_finds_no_violations(page: Page, a11y_site: str) -> None:
    clean = ("controls/article.html", "controls/form.html", "govuk/question-page.html")
    for path in (*clean, "govuk/check-answers.html"):
        await page.goto(f"{a11y_site}/{path}")
        result = await run_axe(page)
        assert result.violations == [], (path, [(f.rule, f.selector) for f in result.violations])


@pytest.mark.browser
async def test_run_axe_works_under_a_strict_csp(page: Page) -> None:
    """Our own pages forbid inline script; axe must still load (through DevTools)."""
    await page.route(
        "http://127.0.0.1:9/csp",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Security-Policy": "script-src 'none'", "Content-Type": "text/html"},
            body="<!doctype html><html lang=en><title>CSP</title><main><h1>Hi</h1></main>",
        ),
    )
    await page.goto("http://127.0.0.1:9/csp")
    result = await run_axe(page, rules=["document-title", "html-has-lang"])
    assert result.violations == []
    assert {r["id"] for r in result.raw["passes"]} == {"document-title", "html-has-lang"}
