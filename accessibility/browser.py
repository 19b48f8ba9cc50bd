"""Finding and launching the system Chromium that the auditor drives through Playwright.

Playwright's own browser download does not work on our machines (and councils' servers often
cannot reach it either), so we always launch an installed Chromium by path: Debian's
``/usr/bin/chromium``, or whatever ``CHROMIUM_PATH`` names.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Request,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from accessibility.guard_proxy import PROXY_ONLY_CHROMIUM_ARGS, GuardProxy
from accessibility.safety import AddressPolicy

__all__ = [
    "CHROMIUM_ARGS",
    "BrowserPool",
    "ChromiumNotFound",
    "Lane",
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
    *PROXY_ONLY_CHROMIUM_ARGS,  # no WebRTC UDP or DNS prefetch around the guard proxy
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


#: A lane's context and page serve this many pages, then are made afresh, which bounds what a
#: long run leaves behind in one renderer process (its heap, the back-forward cache).
LANE_PAGES = 50

# -- the browser pool -------------------------------------------------------------------------
#
# One Chromium and up to ``concurrency`` contexts open at once: a context is cheap and
# isolated (its own cookies, storage and viewport), a browser is not. When the browser itself
# dies (a page can crash it), the pool starts a new one. Every context's requests go through
# the run's ``guard_proxy.GuardProxy`` (every redirect hop and sub-resource checked by the
# run's ``AddressPolicy``, connected to the pinned address).


class BrowserPool:
    """One shared browser (restarted if it dies) and a semaphore of open contexts."""

    def __init__(
        self,
        browser: Browser | None,
        *,
        viewport: tuple[int, int] = (1280, 800),
        allow_private: bool = False,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.viewport = viewport
        self.allow_private = allow_private
        #: Without a policy the pool makes one from ``allow_private`` (any host may then be
        #: private, but link-local never is), so a pool is never opened unguarded.
        self.policy = policy or AddressPolicy(
            allow_private=allow_private, private_hosts=None if allow_private else ()
        )
        self._proxy: GuardProxy | None = None
        #: PNG bytes of screenshots kept this run (``AuditOptions.max_screenshot_bytes``).
        self.screenshot_bytes = 0
        self._browser = browser
        self._owned: contextlib.AsyncExitStack | None = None
        self._lock = asyncio.Lock()
        self.storage_state: Any = None

    @property
    def reusable(self) -> bool:
        """Can a lane keep its context from page to page? Not when signing in left local
        storage behind (the lane clears storage between pages and could not put it back)."""
        origins = (self.storage_state or {}).get("origins") or []
        return not any(o.get("localStorage") for o in origins)

    def lane(self) -> Lane:
        """A worker's own context and page, kept from URL to URL (see :class:`Lane`)."""
        return Lane(self)

    async def browser(self) -> Browser:
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                if self._owned is not None:
                    with contextlib.suppress(Exception):
                        await self._owned.aclose()
                self._owned = contextlib.AsyncExitStack()
                self._browser = await self._owned.enter_async_context(launch_browser())
            return self._browser

    async def _proxy_url(self) -> str:
        async with self._lock:
            if self._proxy is None:
                self._proxy = await GuardProxy(self.policy).__aenter__()
            return self._proxy.url

    async def close(self) -> None:
        if self._proxy is not None:
            with contextlib.suppress(Exception):
                await self._proxy.__aexit__(None, None, None)
            self._proxy = None
        if self._owned is not None:
            with contextlib.suppress(Exception):
                await self._owned.aclose()

    @contextlib.asynccontextmanager
    async def context(self) -> AsyncIterator[BrowserContext]:
        browser = await self.browser()
        proxy = await self._proxy_url()
        width, height = self.viewport
        context = await browser.new_context(
            # Playwright makes Chromium send loopback requests through the proxy too.
            proxy={"server": proxy},
            viewport={"width": width, "height": height},
            accept_downloads=False,
            storage_state=self.storage_state,
            service_workers="block",
        )
        try:
            yield context
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(10):
                    await context.close()


_SITE_STORAGE = "all"  # cookies, local and session storage, IndexedDB, Cache Storage, ...


class Lane:
    """One audit worker's browser context and page, navigated from URL to URL.

    A new context per URL costs a new renderer process and a fresh compile of axe-core, about
    a second of a page's audit on a busy machine; navigating the same page keeps both (same
    site, same process). What one page could leave for the next is put back in between: the
    page goes to ``about:blank`` (so no script of the old page runs any more), then every
    origin the page reached has its storage cleared (cookies, local and session storage,
    IndexedDB, Cache Storage), cookies are cleared and the sign-in's put back, windows the
    page opened are closed, routes removed, the window name emptied and the viewport put
    back. After anything went wrong on a page (it ran out of time, a check crashed or could
    not finish) the caller asks for a fresh context instead (``release(reuse=False)``).
    Kept, as a visitor's browser keeps them: the HTTP cache and the visited links.
    """

    def __init__(self, pool: BrowserPool) -> None:
        self.pool = pool
        self._stack: contextlib.AsyncExitStack | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._cdp: CDPSession | None = None
        self._origins: set[str] = set()
        self._served = 0

    async def page(self) -> Page:
        """The lane's page, ready for the next URL (a new context when there is none)."""
        page, context = self._page, self._context
        if page is not None and context is not None and not page.is_closed():
            browser = context.browser
            if browser is not None and browser.is_connected():
                return page
        await self.close()
        self._stack = contextlib.AsyncExitStack()
        context = await self._stack.enter_async_context(self.pool.context())
        self._context = context
        self._origins = set()
        context.on("request", self._seen)
        self._page = await context.new_page()
        self._served = 0
        return self._page

    def _seen(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc:
            self._origins.add(f"{parts.scheme}://{parts.netloc}")

    async def release(self, *, reuse: bool) -> None:
        """Done with the current URL: make the page clean for the next, or close it all."""
        self._served += 1
        if not reuse or self._served >= LANE_PAGES or not self.pool.reusable:
            await self.close()
            return
        try:
            async with asyncio.timeout(10):
                await self._reset()
        except (TimeoutError, PlaywrightError):
            await self.close()

    async def _reset(self) -> None:
        page, context = self._page, self._context
        assert page is not None and context is not None
        for other in context.pages:
            if other is not page:
                await other.close()
        await page.unroute_all(behavior="ignoreErrors")
        await page.goto("about:blank")
        await page.evaluate("() => { window.name = ''; }")
        if self._cdp is None:
            self._cdp = await context.new_cdp_session(page)
        for site in sorted(self._origins):
            await self._cdp.send(
                "Storage.clearDataForOrigin", {"origin": site, "storageTypes": _SITE_STORAGE}
            )
        self._origins.clear()
        await context.clear_cookies()
        cookies = (self.pool.storage_state or {}).get("cookies") or []
        if cookies:
            await context.add_cookies(cookies)
        width, height = self.pool.viewport
        if page.viewport_size != {"width": width, "height": height}:
            await page.set_viewport_size({"width": width, "height": height})
        # A tab navigated from page to page does not always get the page focus a new tab
        # has: Tab past the last control then wraps straight back to the first (no stop
        # outside the page), which the keyboard check would take for a trap.
        await page.bring_to_front()

    async def close(self) -> None:
        """Close the lane's context (the next :meth:`page` opens a new one)."""
        stack, self._stack = self._stack, None
        self._context = self._page = None
        self._cdp = None
        if stack is not None:
            with contextlib.suppress(Exception):
                await stack.aclose()
