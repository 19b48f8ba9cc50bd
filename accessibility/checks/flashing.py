"""Three flashes or below threshold (WCAG 2.3.1): content that flashes too often, too big.

Flashing more than three times a second over a large part of the screen can cause seizures
in people with photosensitive epilepsy; red flashes are the most dangerous. No open-source
auditor looks for it, because it needs the page watched over time. We film it: the DevTools
Protocol's ``Page.startScreencast`` sends a picture of the viewport each time the screen
changes, for about :data:`CAPTURE_S` seconds, and :mod:`accessibility.checks.flashes` applies
WCAG's general-flash and red-flash thresholds to the frames (more than three flashes in any
one second over more than 25 % of a 10-degree visual field, which is 341 × 256 pixels at
1024 × 768, scaled to the viewport). A failing flash is a violation (sure: the thresholds are
WCAG's own), pinned to the element that covers the flashing area.

Filming is only started when something big enough could flash: a running CSS or Web
Animation, a playing video, a canvas or an image (not JPEG or SVG) covering at least that
25 % by itself or together, or elements of that size that the page changed in a short watch
(:data:`WATCH_S`). Otherwise the check ends in about that watch. Limits: only the first
screen is filmed (flashing further down the page is not seen); flashing that starts after
the page has been open a few seconds is not seen; frames come as fast as the machine allows
(the finding records how many, and over how long), so a flicker faster than half that rate
may be under-counted — never over-counted.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import time
from typing import Any

import numpy as np
from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.flashes import FIELD_AT_1024X768, MAX_AREA, Flash, Frame, analyse
from accessibility.checks.flashes import field_size as flash_field
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="flashing",
    title="Nothing flashes more than three times a second",
    wcag=("2.3.1",),
    level="A",
    impact="critical",
    how_to_fix=(
        "Do not flash content more than three times in any second. If something must blink, "
        "keep it small (well under a quarter of a 341 × 256 pixel area at 1024 × 768), slow "
        "(three times a second or less) and not red, and let people stop it."
    ),
    reads_only=True,
)

#: Seconds of filming: several one-second windows, so that a frame the machine could not
#: send in one of them (two flashes merged into one picture) does not hide the flashing.
CAPTURE_S = 2.0
#: Real seconds the page is watched for changes before deciding whether to film.
WATCH_S = 0.2
#: Frames are requested at a quarter of the viewport (small frames are encoded and sent
#: faster, so fewer are lost on a busy machine): 320 × 200 for 1280 × 800, cells of 4
#: pixels (16 CSS pixels).
FRAME_SCALE = 4
DECODE_SCALE = 1
CELL = 4

_CANDIDATES_JS = """
async ({minArea, watchMs}) => {
  const rv = window.__rv;
  const vw = innerWidth, vh = innerHeight;
  const shown = (el) => {
    if (!(el instanceof Element) || !rv.visible(el)) return 0;
    const r = el.getBoundingClientRect();
    const w = Math.min(r.right, vw) - Math.max(r.left, 0);
    const h = Math.min(r.bottom, vh) - Math.max(r.top, 0);
    return w > 0 && h > 0 ? w * h : 0;
  };
  let area = 0;
  const reasons = new Set();
  const seen = new Set();
  const add = (el, why) => {
    if (seen.has(el)) return;
    seen.add(el);
    const a = shown(el);
    if (a > 0) { area += a; reasons.add(why); }
  };
  for (const anim of document.getAnimations().slice(0, 300)) {
    const target = anim.effect && anim.effect.target;
    if (anim.playState === 'running' && target) add(target, 'animation');
  }
  document.querySelectorAll('video').forEach((v) => { if (!v.paused) add(v, 'video'); });
  document.querySelectorAll('canvas').forEach((c) => add(c, 'canvas'));
  document.querySelectorAll('img').forEach((img) => {
    const src = (img.currentSrc || img.src || '').split('?')[0].toLowerCase();
    if (!/\\.(jpe?g|svg)$/.test(src)) add(img, 'image');
  });
  if (area < minArea) {
    const changed = new Set();
    const observer = new MutationObserver((list) => {
      for (const m of list) {
        changed.add(m.target.nodeType === 1 ? m.target : m.target.parentElement);
      }
    });
    observer.observe(document.documentElement, {subtree: true, childList: true,
      attributes: true, characterData: true});
    await new Promise((done) => setTimeout(done, watchMs));
    observer.disconnect();
    changed.forEach((el) => el && add(el, 'script'));
  }
  return {area: Math.round(area), reasons: Array.from(reasons)};
}
"""

_ELEMENT_AT_JS = """
([x, y, w, h]) => {
  const rv = window.__rv;
  let el = document.elementFromPoint(x + w / 2, y + h / 2);
  const covers = (e) => {
    const r = e.getBoundingClientRect();
    const iw = Math.min(r.right, x + w) - Math.max(r.left, x);
    const ih = Math.min(r.bottom, y + h) - Math.max(r.top, y);
    return iw > 0 && ih > 0 ? (iw * ih) / (w * h) : 0;
  };
  while (el && el.parentElement && el.localName !== 'body' && covers(el) < 0.7) {
    el = el.parentElement;
  }
  return el ? rv.describe(el, {}) : {selector: 'body', snippet: ''};
}
"""


def _decode(shots: list[tuple[float, str]]) -> list[Frame]:
    """JPEG frames (base64) to RGB arrays, decoded at a reduced scale, in time order."""
    from PIL import Image

    frames = []
    shots = sorted(shots)
    for t, data in shots:
        with Image.open(io.BytesIO(base64.b64decode(data))) as im:
            im.draft("RGB", (im.width // DECODE_SCALE, im.height // DECODE_SCALE))
            frames.append(Frame(t=t - shots[0][0], rgb=np.asarray(im.convert("RGB"))))
    return frames


async def _film(cdp: CDPSession, viewport: tuple[int, int]) -> list[tuple[float, str]]:
    """Screencast frames (timestamp, base64 JPEG) for CAPTURE_S seconds.

    Stops early when nothing changed on screen after the first frame for half a second.
    """
    shots: list[tuple[float, str]] = []
    acks: set[asyncio.Task[Any]] = set()

    async def ack(session_id: int) -> None:
        with contextlib.suppress(PlaywrightError):  # frames still coming as filming stops
            await cdp.send("Page.screencastFrameAck", {"sessionId": session_id})

    def on_frame(event: dict[str, Any]) -> None:
        shots.append((event["metadata"]["timestamp"], event["data"]))
        task = asyncio.ensure_future(ack(event["sessionId"]))
        acks.add(task)
        task.add_done_callback(acks.discard)

    cdp.on("Page.screencastFrame", on_frame)
    started = time.monotonic()
    await cdp.send(
        "Page.startScreencast",
        {
            "format": "jpeg",
            "quality": 70,
            "maxWidth": viewport[0] // FRAME_SCALE,
            "maxHeight": viewport[1] // FRAME_SCALE,
            "everyNthFrame": 1,
        },
    )
    try:
        while (elapsed := time.monotonic() - started) < CAPTURE_S:
            if elapsed > 0.5 and len(shots) <= 1:
                break  # a still screen: nothing can flash
            await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.send("Page.stopScreencast")
        for task in list(acks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return shots


@register(META)
async def check_flashing(page: Page, ctx: CheckContext) -> list[Finding]:
    """Film the first screen when something large moves or changes; apply WCAG's thresholds."""
    vw, vh = ctx.viewport
    fx, fy = FIELD_AT_1024X768
    min_area = MAX_AREA * (fx * vw / 1024) * (fy * vh / 768)
    candidates = await evaluate(
        page, _CANDIDATES_JS, {"minArea": min_area, "watchMs": int(WATCH_S * 1000)}
    )
    if candidates["area"] < min_area:
        return []
    cdp = await page.context.new_cdp_session(page)
    try:
        shots = await _film(cdp, (vw, vh))
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.detach()
    if len(shots) < 3:
        return []
    frames = await asyncio.to_thread(_decode, shots)
    height, width = frames[0].rgb.shape[:2]
    found: list[Flash] = await asyncio.to_thread(
        analyse, frames, flash_field((vw, vh), (width, height)), cell=CELL
    )
    seconds = round(frames[-1].t, 2)
    ctx.facts["flashing_frames"] = {"frames": len(frames), "seconds": seconds}
    findings: list[Finding] = []
    scale = vw / width
    for flash in found:
        box = [round(v * scale) for v in flash.box]
        where = await evaluate(page, _ELEMENT_AT_JS, box)
        what = "flashes red" if flash.kind == "red" else "flashes"
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=where["selector"],
                snippet=where["snippet"],
                message=(
                    f"This content {what} {flash.flashes} times in one second over "
                    f"{round(flash.area * 100)} % of a 10-degree field of vision (the limit is "
                    "three flashes, over at most 25 %), which can cause seizures in people "
                    "with photosensitive epilepsy."
                    + (
                        " Saturated red flashes are the most dangerous."
                        if flash.kind == "red"
                        else ""
                    )
                ),
                impact="critical",
                data={
                    "flash": flash.kind,
                    "flashes_per_second": flash.flashes,
                    "field_share": flash.area,
                    "box": box,
                    "frames": len(frames),
                    "seconds_filmed": seconds,
                },
            )
        )
    return findings
