"""A worker's lane keeps one context and page from URL to URL, and nothing of one page reaches
the next: cookies, local and session storage, IndexedDB, Cache Storage, the window name and
windows the page opened are all gone; the sign-in's cookies stay. (accessibility/browser.py)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accessibility.browser import BrowserPool
from accessibility.checks.tabbing import walk
from tests.accessibility.platform.conftest import Answer, Site, html

pytestmark = pytest.mark.browser

LEAVES_STATE = html(
    """<p>Leaves state behind.</p>
<script>
document.cookie = 'visited=yes; path=/';
localStorage.setItem('local', 'yes');
sessionStorage.setItem('session', 'yes');
indexedDB.open('leftover', 1).onupgradeneeded = (e) => e.target.result.createObjectStore('s');
caches.open('leftover-cache');
window.name = 'leftover-name';
window.addEventListener('pagehide', () => localStorage.setItem('on-the-way-out', 'yes'));
</script>""",
    "Leaves state",
)

STATE_JS = """async () => ({
  cookie: document.cookie,
  local: localStorage.length,
  session: sessionStorage.length,
  idb: (await indexedDB.databases()).map((d) => d.name),
  caches: await caches.keys(),
  name: window.name,
})"""

CLEAN_STATE = {"cookie": "", "local": 0, "session": 0, "idb": [], "caches": [], "name": ""}


def _site(make_site: Callable[[dict[str, Answer]], Site]) -> Site:
    return make_site({"/leaves.html": LEAVES_STATE, "/reads.html": html("<p>Reads.</p>")})


async def test_a_reused_page_carries_nothing_to_the_next_url(
    browser: Any, make_site: Callable[[dict[str, Answer]], Site]
) -> None:
    site = _site(make_site)
    pool = BrowserPool(browser, allow_private=True)
    lane = pool.lane()
    try:
        page = await lane.page()
        await page.goto(f"{site.url}/leaves.html")
        await page.wait_for_function("() => window.name === 'leftover-name'")
        await page.evaluate("() => caches.keys()")  # the cache is open
        popup = await page.context.new_page()  # a window the page opened
        left = await page.evaluate(STATE_JS)
        assert left["cookie"] and left["local"] and left["session"] and left["idb"], left

        await lane.release(reuse=True)
        again = await lane.page()
        assert again is page  # the same page, navigated: no new context or renderer
        assert popup.is_closed() and page.context.pages == [page]
        await page.goto(f"{site.url}/reads.html")
        assert await page.evaluate(STATE_JS) == CLEAN_STATE
    finally:
        await lane.close()
        await pool.close()


async def test_sign_in_cookies_are_put_back_after_each_page(
    browser: Any, make_site: Callable[[dict[str, Answer]], Site]
) -> None:
    site = _site(make_site)
    pool = BrowserPool(browser, allow_private=True)
    pool.storage_state = {
        "cookies": [
            {
                "name": "session",
                "value": "signed-in",
                "domain": "127.0.0.1",
                "path": "/",
                "expires": -1,
                "httpOnly": False,
                "secure": False,
                "sameSite": "Lax",
            }
        ],
        "origins": [],
    }
    lane = pool.lane()
    try:
        page = await lane.page()
        await page.goto(f"{site.url}/leaves.html")
        assert "visited=yes" in await page.evaluate("() => document.cookie")
        await lane.release(reuse=True)
        assert await lane.page() is page
        await page.goto(f"{site.url}/reads.html")
        assert await page.evaluate("() => document.cookie") == "session=signed-in"
    finally:
        await lane.close()
        await pool.close()


async def test_a_page_that_went_wrong_gets_a_fresh_context(
    browser: Any, make_site: Callable[[dict[str, Answer]], Site]
) -> None:
    site = _site(make_site)
    pool = BrowserPool(browser, allow_private=True)
    lane = pool.lane()
    try:
        page = await lane.page()
        await page.goto(f"{site.url}/leaves.html")
        await lane.release(reuse=False)
        assert page.is_closed()
        fresh = await lane.page()
        assert fresh is not page
    finally:
        await lane.close()
        await pool.close()


async def test_sign_in_local_storage_means_a_context_per_page(
    browser: Any, make_site: Callable[[dict[str, Answer]], Site]
) -> None:
    """Storage is cleared between pages and local storage could not be put back, so a
    sign-in that left some keeps the old way: a new context for every page."""
    site = _site(make_site)
    pool = BrowserPool(browser, allow_private=True)
    pool.storage_state = {
        "cookies": [],
        "origins": [{"origin": site.url, "localStorage": [{"name": "token", "value": "t"}]}],
    }
    assert not pool.reusable
    lane = pool.lane()
    try:
        page = await lane.page()
        await page.goto(f"{site.url}/reads.html")
        assert await page.evaluate("() => localStorage.getItem('token')") == "t"
        await lane.release(reuse=True)
        fresh = await lane.page()
        assert fresh is not page
        await fresh.goto(f"{site.url}/reads.html")
        assert await fresh.evaluate("() => localStorage.getItem('token')") == "t"
    finally:
        await lane.close()
        await pool.close()


#: Pages with a few controls and no trap, on which a reused tab once wrapped Tab straight from
#: the last control to the first (no stop outside the page): a false keyboard trap.
NO_TRAP = [
    "barriers/context-change.html",
    "barriers/headings.html",
    "barriers/reflow.html",
    "controls/images.html",
    "controls/media.html",
    "barriers/skip-link.html",
]


async def test_tab_leaves_the_page_at_the_end_on_a_reused_tab(browser: Any, a11y_site: str) -> None:
    pool = BrowserPool(browser, allow_private=True)
    lane = pool.lane()
    first = None
    try:
        for _ in range(3):
            for path in NO_TRAP:
                page = await lane.page()
                first = first or page
                await page.goto(f"{a11y_site}/{path}", wait_until="load")
                result = await walk(page)
                assert result.wrapped and not result.cycle, path
                await lane.release(reuse=True)
        assert await lane.page() is first
    finally:
        await lane.close()
        await pool.close()
