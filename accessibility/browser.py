"""Finding and launching the system Chromium that the auditor drives through Playwright.

Playwright's own browser download does not work on our machines (and councils' servers often
cannot reach it either), so we always launch an installed Chromium by path: Debian's
``/usr/bin/chromium``, or whatever ``CHROMIUM_PATH`` names.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, async_playwright

__all__ = [
    "CHROMIUM_ARGS",
    "ChromiumNotFound",
    "find_chromium",
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
