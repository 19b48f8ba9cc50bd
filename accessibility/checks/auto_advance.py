"""Pause, stop, hide (WCAG 2.2.2): carousels and tickers that move on by themselves.

A carousel that turns to its next story every few seconds, or a ticker that scrolls its
headlines, takes the page away from people who read slowly and distracts people with
attention difficulties. 2.2.2 asks that anything that moves, or updates itself, by itself for
more than five seconds beside other content can be paused, stopped or hidden. The motion
check sees CSS animations; this one sees movement driven by script (``setInterval`` slides,
``requestAnimationFrame`` tickers, swapped text or images), which only watching shows.

Watching a carousel that turns every five seconds for twenty seconds would be far too slow,
so we watch the page on a *probe*: a second tab in the same browser context, loaded with
``js/autoadvance.js`` as an init script before any of the page's scripts. It runs the page's
clock :data:`SPEED` times faster (timers of up to a minute, animation-frame timestamps,
``performance.now``, ``Date.now``; CSS transitions and animations through the DevTools
Protocol's ``Animation.setPlaybackRate``), as one virtual clock that a late timer does not
stretch (a busy machine delays the page's timers in real time, not in the page's), so
:data:`WATCH_S` seconds of the page's life pass in about half a second. It records each
region whose *visible* content (texts, pictures and where they sit, inside the boxes that
clip them) changes by itself. A region is the carousel or ticker an element belongs to
(``aria-roledescription="carousel"``, ``role="marquee"``, or an element named carousel,
slider, slideshow, ticker, marquee, swiper...), or slides shown in turn under one parent, or
the element itself. The page the other checks use is not touched.

A violation (sure) needs a region that changed at least :data:`MIN_CHANGES` times and kept
changing for more than 5 seconds of the page's time (from one typical gap before its first
change, when it started, to its last: :func:`moving_seconds`), whose changes are not only
digits (clocks and countdowns are left alone), not inside an alert, status, log, timer or
progress bar, and with no pause, stop or hide control: a button, link or switch named so
inside it or the three elements around it (short of the page's main content), or anywhere
with ``aria-controls`` naming it. A control is pressed on the probe to see that it works: if the
region goes on changing, that is a violation too. A region smaller than 48 × 48 pixels (a
spinner) is for review, and so is one that stops for people who ask for reduced motion
(``prefers-reduced-motion``, emulated on a second look) but has no control for others.
The probe is opened only when the page has something that looks like a carousel or ticker
(by role or name, or content wider than the box that clips it); movement that starts only
after the user does something is not seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import statistics
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="auto-advance",
    title="Carousels and tickers that move by themselves can be paused",
    wcag=("2.2.2",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Do not move content on by itself; if a carousel or ticker must, give it a visible "
        "Pause button (first in the carousel, working with a keyboard), stop it after 5 "
        "seconds, and stop it while the user hovers or focuses it."
    ),
    reads_only=True,
)

#: How much faster the probe's clock runs (as ``js/autoadvance.js`` says).
SPEED = 40
#: Seconds of the page's time watched after it starts.
WATCH_S = 22.0
#: After a control is pressed, seconds of the page's time watched for more changes.
AFTER_CONTROL_S = 12.0
#: Movement over this many seconds of the page's time needs a way to pause it.
LIMIT_S = 5.0
#: A region that changed fewer times than this is not moving on (a message appearing and
#: going, a late image) but updating once or twice.
MIN_CHANGES = 3
#: Real seconds the probe may take to load.
PROBE_LOAD_S = 8.0

_WANTED_JS = r"""
() => {
  const named = new RegExp('(^|[-_ ])(carousel|slider|slideshow|slide-?show|slides|ticker|' +
    'marquee|rotator|rotating|news-?ticker|swiper|slick|splide|glide|flickity)s?($|[-_ ])', 'i');
  if (document.querySelector('[aria-roledescription="carousel" i], ' +
      '[aria-roledescription="slide" i], [role="marquee"], marquee')) return true;
  const all = Array.from(document.querySelectorAll('body *')).slice(0, 5000);
  for (const el of all) {
    const name = (typeof el.className === 'string' ? el.className : '') + ' ' + (el.id || '');
    if (named.test(name)) return true;
  }
  // A track wider than the window that clips it: a slider or ticker without a telling name.
  for (const el of all.slice(0, 2000)) {
    if (el.clientWidth < 100 || el.scrollWidth < el.clientWidth * 1.5) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'hidden' || style.overflowX === 'clip') return true;
  }
  return false;
}
"""


@cache
def _source(name: str) -> str:
    return files("accessibility.checks").joinpath(f"js/{name}").read_text(encoding="utf-8")


async def _open_probe(page: Page, url: str, *, reduced_motion: bool = False) -> Page:
    """A tab of the same context on ``url`` with the fast clock, before the page's scripts."""
    probe = await page.context.new_page()
    try:
        if page.viewport_size:
            await probe.set_viewport_size(page.viewport_size)
        if reduced_motion:
            await probe.emulate_media(reduced_motion="reduce")
        await probe.add_init_script(_source("helpers.js"))
        await probe.add_init_script(_source("autoadvance.js"))
        cdp = await page.context.new_cdp_session(probe)
        await cdp.send("Animation.enable")
        await cdp.send("Animation.setPlaybackRate", {"playbackRate": SPEED})
        await probe.goto(url, wait_until="load", timeout=PROBE_LOAD_S * 1000)
    except BaseException:
        with contextlib.suppress(PlaywrightError):
            await probe.close()
        raise
    return probe


async def _watch(probe: Page, until_ms: float, since_ms: float = 0) -> dict[str, Any]:
    """Wait until the probe's page time reaches ``until_ms``; its report from ``since_ms``.

    A page whose clock lags (a busy machine, a page that hogs its main thread) is given
    three times the real time its fast clock should need, plus two seconds.
    """
    loop = asyncio.get_running_loop()
    now: float = await probe.evaluate("() => window.__rvAdvance.now()")
    deadline = loop.time() + 3 * max(until_ms - now, 0) / SPEED / 1000 + 2.0
    while now < until_ms and loop.time() < deadline:
        await asyncio.sleep(0.03)
        now = await probe.evaluate("() => window.__rvAdvance.now()")
    report: dict[str, Any] = await probe.evaluate(
        "(since) => window.__rvAdvance.report(since)", since_ms
    )
    return report


def moving_seconds(changes: Sequence[float]) -> float:
    """How long a region has been moving on, in seconds of the page's time.

    From one typical gap before its first change (when the carousel or ticker started: a
    carousel that turns every 4 s started 4 s before its first turn) to its last change.
    """
    if not changes:
        return 0.0
    gaps = [b - a for a, b in itertools.pairwise(changes)]
    typical = statistics.median(gaps) if gaps else 0.0
    return (changes[-1] - max(changes[0] - typical, 0.0)) / 1000


def _advancing(region: dict[str, Any]) -> bool:
    """Did it move on by itself, repeatedly, for more than five seconds (not a clock)?"""
    return (
        len(region["changes"]) >= MIN_CHANGES
        and moving_seconds(region["changes"]) > LIMIT_S
        and not region["numericOnly"]
    )


async def _control_works(probe: Page, region: dict[str, Any]) -> bool:
    """Press the region's pause/stop control on the probe: does the region stand still?

    A control that cannot be pressed is taken as not working; one that takes the probe to
    another page is given the benefit of the doubt.
    """
    try:
        await probe.click(region["control"]["selector"], timeout=2000, no_wait_after=True)
    except PlaywrightError:
        return False
    try:
        now: float = await probe.evaluate("() => window.__rvAdvance.now()")
        report = await _watch(probe, now + AFTER_CONTROL_S * 1000, now)
    except (PlaywrightError, TypeError):
        return True
    for later in report["regions"]:
        if later["selector"] == region["selector"]:
            # One change right after the press (the control's own effect) is fine.
            return len(later["changes"]) < 2
    return True


async def _stops_for_reduced_motion(page: Page, url: str, selector: str) -> bool:
    try:
        probe = await _open_probe(page, url, reduced_motion=True)
    except PlaywrightError:
        return False
    try:
        report = await _watch(probe, WATCH_S * 1000)
    finally:
        with contextlib.suppress(PlaywrightError):
            await probe.close()
    return not any(r["selector"] == selector and _advancing(r) for r in report["regions"])


@register(META)
async def check_auto_advance(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each region that moves on by itself past 5 s with no working control."""
    if not await page.evaluate(_WANTED_JS):
        return []
    try:
        probe = await _open_probe(page, ctx.url)
    except PlaywrightError:
        return []  # the probe could not load the page: nothing fair to say
    results: list[tuple[dict[str, Any], str]] = []  # (region, why)
    try:
        report = await _watch(probe, WATCH_S * 1000)
        for region in report["regions"]:
            if not _advancing(region):
                continue
            if region["control"] is None:
                results.append((region, "no-control"))
            elif not await _control_works(probe, region):
                results.append((region, "control-fails"))
    finally:
        with contextlib.suppress(PlaywrightError):
            await probe.close()
    findings: list[Finding] = []
    for region, why in results:
        small = region["width"] < 48 and region["height"] < 48
        reduced = (
            why == "no-control"
            and report["askedReducedMotion"]
            and await _stops_for_reduced_motion(page, ctx.url, region["selector"])
        )
        sure = not (small or reduced)
        changes = region["changes"]
        gaps = [b - a for a, b in itertools.pairwise(changes)]
        every = round(statistics.median(gaps) / 1000, 1) if gaps else None
        how_often = f"about every {every:g} seconds" if every and every > 1 else "continuously"
        if why == "control-fails":
            tail = (
                f'; its control "{region["control"]["name"]}" does not stop it, so people '
                "who need it to stand still cannot make it."
            )
        elif reduced:
            tail = (
                "; it stands still for people who ask their device for reduced motion, but "
                "offers no pause, stop or hide control to others: check that is enough."
            )
        elif small:
            tail = "; check whether it is only a small loading indicator."
        else:
            tail = (
                " with no way to pause, stop or hide it, which takes the content away from "
                "people who read slowly and distracts people with attention difficulties."
            )
        findings.append(
            ctx.finding(
                META,
                kind="violation" if sure else "review",
                selector=region["selector"],
                snippet=region["snippet"],
                message=(
                    f"This content moves on by itself ({how_often}, {len(changes)} changes "
                    f"in the first {WATCH_S:g} seconds) and keeps going for more than 5 seconds"
                    + tail
                ),
                data={
                    "changes": len(changes),
                    "every_seconds": every,
                    "watched_seconds": WATCH_S,
                    "control": region["control"]["name"] if region["control"] else None,
                },
            )
        )
    return findings
