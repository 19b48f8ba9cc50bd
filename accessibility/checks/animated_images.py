"""Pause, stop, hide (WCAG 2.2.2) for animated images: GIF, APNG and WebP that keep moving.

An animated image starts by itself; if it moves for more than five seconds beside other
content, people with attention or reading difficulties need a way to pause, stop or hide it.
Whether an image is animated, and for how long, is in its bytes, so we read the bytes the
page actually loaded (the DevTools Protocol's ``Page.getResourceContent``, from the browser's
memory cache: no second download) and decode them with Pillow: the frame durations times the
number of plays, with a loop count of 0 playing for ever. We count as Chromium plays them:
frames of 10 ms or less last 100 ms; a GIF with a loop count of *n* plays *n* + 1 times and
one with no loop count once; an APNG's or WebP's count is the number of plays.

A visible image that plays for more than :data:`LIMIT_S` seconds is a violation when no
control pauses, stops or replaces it: a button or link named so (pause, stop, play, freeze,
still, animation) inside its figure or the two elements around it, or anywhere on the page
with ``aria-controls`` naming it or its container. It is for review when the page swaps in a
still image for people who ask for reduced motion (a ``<picture>`` source for
``prefers-reduced-motion``) but offers no control to others, and when it is smaller than
48 × 48 pixels (a loading spinner, usually). JPEG and SVG images are not read (JPEG cannot
move; an SVG's own animations are the motion check's business, as are CSS animations).
CSS background images are not looked at.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import io
from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="animated-images",
    title="Animated images stop within 5 seconds or can be paused",
    wcag=("2.2.2",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Make the animation stop within 5 seconds (a loop count that ends), or show a still "
        "image with a Play button, or give the animation a visible Pause button that swaps "
        "it for a still image."
    ),
    reads_only=True,
)

#: Animations longer than this many seconds need a way to pause them.
LIMIT_S = 5.0
#: Images read per page, at most, and the largest read.
MAX_IMAGES = 30
MAX_BYTES = 8_000_000
#: Frames read from one image, at most (their durations; the pixels are not decoded).
MAX_FRAMES = 1000
#: Chromium plays frames of this many ms or less for 100 ms.
MIN_FRAME_MS = 10
SHORT_FRAME_MS = 100

_IMAGES_JS = r"""
() => {
  const rv = window.__rv;
  const STOP = /\b(pause|stop|play|freeze|still|animation|animated)\b/i;
  const CONTROL = 'button, [role="button"], a[href], input[type="button"], ' +
    'input[type="checkbox"], [role="switch"]';
  const controls = Array.from(document.querySelectorAll(CONTROL)).slice(0, 2000);
  const named = (el) => STOP.test(rv.name(el) || el.getAttribute('title') || '');
  const controlledIds = new Set();
  for (const c of controls) {
    if (!named(c)) continue;
    for (const id of (c.getAttribute('aria-controls') || '').split(/\s+/)) {
      if (id) controlledIds.add(id);
    }
  }
  const out = [];
  const images = Array.from(document.querySelectorAll('img, input[type="image"]'));
  for (const img of images.slice(0, 500)) {
    const src = img.currentSrc || img.src || '';
    if (!src || !rv.visible(img)) continue;
    if (/^data:image\/(jpe?g|svg)/i.test(src)) continue;
    if (!/^data:/i.test(src) && /\.(jpe?g|svg)$/i.test(src.split(/[?#]/)[0])) continue;
    const r = img.getBoundingClientRect();
    let controlled = false;
    for (let n = img; n && n !== document.body; n = n.parentElement) {
      if (n.id && controlledIds.has(n.id)) { controlled = true; break; }
    }
    // Its figure, and the two elements around it short of the page's main content.
    const scopes = img.closest('figure') ? [img.closest('figure')] : [];
    let up = img.parentElement;
    for (let i = 0; i < 2 && up && !up.matches('html, body, main, [role="main"]'); i++) {
      scopes.push(up);
      up = up.parentElement;
    }
    const nearby = scopes.some((scope) => Array.from(scope.querySelectorAll(CONTROL))
      .some((c) => c !== img && named(c) && rv.visible(c)));
    const picture = img.parentElement && img.parentElement.localName === 'picture'
      ? img.parentElement : null;
    const reduced = !!picture && Array.from(picture.querySelectorAll('source'))
      .some((s) => /prefers-reduced-motion/i.test(s.getAttribute('media') || ''));
    out.push(rv.describe(img, {src, width: Math.round(r.width), height: Math.round(r.height),
      control: controlled || nearby, reduced}));
  }
  return out;
}
"""


def animation_length(data: bytes) -> dict[str, Any] | None:
    """How an animated GIF, APNG or WebP plays in Chromium; None for a still or unreadable one.

    Returns ``{"format", "frames", "cycle_s", "plays"}`` (``plays`` None: for ever) and
    ``"seconds"``: the whole animation (None: for ever).
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            if not getattr(im, "is_animated", False):
                return None
            fmt = im.format or ""
            count = min(getattr(im, "n_frames", 1), MAX_FRAMES)
            cycle_ms = 0.0
            for i in range(count):
                im.seek(i)
                if fmt == "WEBP":
                    im.load()  # Pillow reads a WebP frame's duration when it decodes it
                ms = float(im.info.get("duration") or 0)
                cycle_ms += SHORT_FRAME_MS if ms <= MIN_FRAME_MS else ms
            loop = im.info.get("loop")
    except (OSError, UnidentifiedImageError, ValueError, EOFError):
        return None
    if fmt == "GIF":
        plays: int | None = 1 if loop is None else (None if loop == 0 else int(loop) + 1)
    else:
        plays = None if not loop else int(loop)
    cycle_s = cycle_ms / 1000
    return {
        "format": {"PNG": "APNG", "WEBP": "WebP"}.get(fmt, fmt),
        "frames": count,
        "cycle_s": round(cycle_s, 2),
        "plays": plays,
        "seconds": None if plays is None else round(cycle_s * plays, 2),
    }


def _frames_by_url(tree: dict[str, Any]) -> dict[str, str]:
    """Each loaded resource's URL → the id of the frame that loaded it (children too)."""
    out: dict[str, str] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        frame_id = node["frame"]["id"]
        for resource in node.get("resources", []):
            out.setdefault(resource["url"], frame_id)
        stack.extend(node.get("childFrames", []))
    return out


async def _bytes(cdp: CDPSession, frames: dict[str, str], url: str) -> bytes | None:
    """The bytes the page loaded for ``url`` (a data: URL is decoded as it is)."""
    if url.startswith("data:"):
        head, _, payload = url.partition(",")
        with contextlib.suppress(binascii.Error, ValueError):
            return base64.b64decode(payload) if head.endswith(";base64") else payload.encode()
        return None
    frame_id = frames.get(url)
    if frame_id is None:
        return None
    try:
        content = await cdp.send("Page.getResourceContent", {"frameId": frame_id, "url": url})
    except PlaywrightError:
        return None
    text = content.get("content", "")
    if len(text) > MAX_BYTES * 4 // 3:
        return None
    return base64.b64decode(text) if content.get("base64Encoded") else text.encode("latin-1")


@register(META)
async def check_animated_images(page: Page, ctx: CheckContext) -> list[Finding]:
    """Visible animated images playing over 5 s: violation without a control, else review."""
    images = await evaluate(page, _IMAGES_JS)
    if not images:
        return []
    urls = list(dict.fromkeys(img["src"] for img in images))[:MAX_IMAGES]
    cdp = await page.context.new_cdp_session(page)
    try:
        frames: dict[str, str] = {}
        if any(not u.startswith("data:") for u in urls):
            await cdp.send("Page.enable")
            frames = _frames_by_url((await cdp.send("Page.getResourceTree"))["frameTree"])
        loaded = {url: await _bytes(cdp, frames, url) for url in urls}
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.detach()
    lengths = {
        url: await asyncio.to_thread(animation_length, data) for url, data in loaded.items() if data
    }
    findings: list[Finding] = []
    for img in images:
        info = lengths.get(img["src"])
        if info is None or (info["seconds"] is not None and info["seconds"] <= LIMIT_S):
            continue
        if img["control"]:
            continue
        small = img["width"] < 48 and img["height"] < 48
        sure = not (small or img["reduced"])
        how_long = (
            f"plays for ever (a {info['cycle_s']:g}-second loop)"
            if info["plays"] is None
            else f"plays for {info['seconds']:g} seconds"
        )
        if sure:
            tail = (
                " with no way to pause, stop or hide it, which distracts people with attention "
                "or reading difficulties."
            )
        elif img["reduced"]:
            tail = (
                "; it is replaced by a still image only for people who ask their device for "
                "reduced motion: check that others can pause it too."
            )
        else:
            tail = "; check whether it is only a short loading indicator."
        findings.append(
            ctx.finding(
                META,
                kind="violation" if sure else "review",
                selector=img["selector"],
                snippet=img["snippet"],
                message=f"This animated {info['format']} image {how_long}{tail}",
                data={
                    "format": info["format"],
                    "frames": info["frames"],
                    "loop_seconds": info["cycle_s"],
                    "plays": info["plays"],
                    "seconds": info["seconds"],
                },
            )
        )
    return findings
