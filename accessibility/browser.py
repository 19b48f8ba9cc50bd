"""Finding and launching the system Chromium that the auditor drives through Playwright.

Playwright's own browser download does not work on our machines (and councils' servers often
cannot reach it either), so we always launch an installed Chromium by path: Debian's
``/usr/bin/chromium``, or whatever ``CHROMIUM_PATH`` names.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

__all__ = [
    "CHROMIUM_ARGS",
    "ChromiumNotFound",
    "find_chromium",
    "highlight_screenshot",
    "launch_browser",
]

#: Flags that keep a headless Chromium quiet, offline and usable as root in a container:
#: no sandbox (root in a container), no GPU, and none of the background calls home
#: (component updates, sync, QUIC probes) that would leave this machine. Media may start
#: without a click, as it can for a returning visitor, so the audio check sees what a
#: script starts; and the audio itself stays muted.
CHROMIUM_ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]

_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ChromiumNotFound(RuntimeError):
    """No Chromium could be found; the message says how to install or point to one."""

    def __init__(self, detail: str = "") -> None:
        hint = (
            "Chromium not found: install it with `apt-get install -y chromium` "
            "or set CHROMIUM_PATH to a Chromium/Chrome executable"
        )
        super().__init__(f"{hint} ({detail})" if detail else hint)


def _is_executable(path: str) -> bool:
    candidate = Path(path)
    return candidate.is_file() and os.access(candidate, os.X_OK)


def find_chromium() -> str:
    """Return the path of the Chromium to drive.

    ``CHROMIUM_PATH`` wins when set, and is an error when it points nowhere (a silent fallback
    would hide a typo in a deployment's settings). Otherwise Debian's paths, then ``PATH``.
    """
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        if _is_executable(configured):
            return configured
        raise ChromiumNotFound(f"CHROMIUM_PATH={configured!r} is not an executable file")
    for path in _CANDIDATES:
        if _is_executable(path):
            return path
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFound()


@asynccontextmanager
async def launch_browser(*, headless: bool = True) -> AsyncIterator[Browser]:
    """Start Playwright and the system Chromium; close both on exit.

    One browser is meant to be shared: open a new context per page audited (cheap, isolated)
    rather than a new browser (slow, ~100 MB each).
    """
    executable = find_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=headless, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


_HIGHLIGHT_JS = """
([x, y, w, h]) => {
  const box = document.createElement('div');
  box.id = '__rv_highlight';
  Object.assign(box.style, {
    position: 'absolute', left: (x + window.scrollX - 4) + 'px',
    top: (y + window.scrollY - 4) + 'px',
    width: (w + 8) + 'px', height: (h + 8) + 'px', border: '4px solid #d4351c',
    outline: '2px solid #fff', boxSizing: 'border-box', zIndex: '2147483647',
    pointerEvents: 'none',
  });
  document.documentElement.appendChild(box);
}
"""


async def highlight_screenshot(page: Page, selector: str, *, margin: int = 40) -> bytes | None:
    """PNG of the element's surroundings with the element ringed in red, for a finding.

    Returns None when the selector matches nothing visible (a page-level finding, an element
    inside a frame). The ring is removed again afterwards; the page is otherwise untouched,
    apart from being scrolled to the element.
    """
    if not selector or ">>>" in selector or selector in {"html", "body", "title"}:
        return None
    locator = page.locator(selector).first
    try:
        if not await locator.count():
            return None
        await locator.scroll_into_view_if_needed(timeout=2000)
        box = await locator.bounding_box(timeout=2000)
        size = page.viewport_size
        if not box or not size or box["width"] < 1 or box["height"] < 1:
            return None
        await page.evaluate(_HIGHLIGHT_JS, [box["x"], box["y"], box["width"], box["height"]])
        left = max(box["x"] - margin, 0)
        top = max(box["y"] - margin, 0)
        right = min(box["x"] + box["width"] + margin, size["width"])
        bottom = min(box["y"] + box["height"] + margin, size["height"])
        if right - left < 1 or bottom - top < 1:
            return None
        return await page.screenshot(
            clip={"x": left, "y": top, "width": right - left, "height": bottom - top},
            timeout=5000,
        )
    except PlaywrightError:
        return None
    finally:
        with contextlib.suppress(PlaywrightError):
            await page.evaluate("() => document.getElementById('__rv_highlight')?.remove()")
