"""Audio control (WCAG 1.4.2): sound that plays by itself for more than 3 seconds.

Audio that starts on its own drowns out a screen reader. We look at every audio and video
element: one that autoplays (the attribute, or already playing), is not muted, and lasts over
3 seconds (or loops, or is a stream) is a violation when the page offers no way to stop it
(no native controls, no pause/stop/mute button); with controls present it is for review
(WCAG wants the control easy to find at the start of the page). A video that plays but
decodes no sound is silent and left alone; one whose sound we cannot tell is for review.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="media-autoplay",
    title="No sound plays automatically for more than 3 seconds",
    wcag=("1.4.2",),
    level="A",
    impact="critical",
    how_to_fix=(
        "Do not autoplay audio. If media must start by itself, start it muted, or keep it "
        "under 3 seconds, and always give a visible pause or stop button."
    ),
    reads_only=True,
)

_MEDIA_JS = """
async () => {
  const rv = window.__rv;
  const media = Array.from(document.querySelectorAll('audio, video')).slice(0, 50);
  const waitMeta = (el) => el.readyState >= 1 ? Promise.resolve() : new Promise((done) => {
    el.addEventListener('loadedmetadata', done, {once: true});
    el.addEventListener('error', done, {once: true});
    setTimeout(done, 1500);
  });
  await Promise.all(media.map(waitMeta));
  // Chromium counts decoded audio bytes: a playing video that decodes pictures but no sound
  // has no audio track (a silent background video), which 1.4.2 does not concern.
  if (media.some((el) => el.localName === 'video' && !el.paused)) {
    await new Promise((done) => setTimeout(done, 600));
  }
  const sound = (el) => {
    if (el.localName === 'audio') return 'yes';
    const a = el.webkitAudioDecodedByteCount, v = el.webkitVideoDecodedByteCount;
    if (a > 0) return 'yes';
    if (a === 0 && v > 0) return 'no';
    return 'unknown';
  };
  const stopper = Array.from(document.querySelectorAll('button, [role="button"], a[href]'))
    .some((b) => /\\b(pause|stop|mute|sound off)\\b/i.test(rv.name(b)));
  return media.map((el) => rv.describe(el, {
    autoplay: el.autoplay, playing: !el.paused && !el.ended,
    muted: el.muted || el.volume === 0, controls: el.controls, loop: el.loop,
    duration: Number.isFinite(el.duration) ? el.duration : null, stopper, sound: sound(el),
  }));
}
"""

MAX_SECONDS = 3.0


@register(META)
async def check_media_autoplay(page: Page, ctx: CheckContext) -> list[Finding]:
    """Autoplaying, unmuted media over 3 s: violation without a stop control, else review."""
    findings: list[Finding] = []
    for m in await evaluate(page, _MEDIA_JS):
        if not (m["autoplay"] or m["playing"]) or m["muted"] or m["sound"] == "no":
            continue
        long = m["loop"] or m["duration"] is None or m["duration"] > MAX_SECONDS
        if not long:
            continue
        can_stop = m["controls"] or m["stopper"]
        sure = not can_stop and m["sound"] == "yes"
        length = (
            "loops"
            if m["loop"]
            else (f"lasts {m['duration']:.0f} seconds" if m["duration"] else "has no set length")
        )
        findings.append(
            ctx.finding(
                META,
                kind="violation" if sure else "review",
                selector=m["selector"],
                snippet=m["snippet"],
                message=f"This media starts playing by itself and {length}"
                + (
                    "; check the way to stop it is easy to find at the start of the page."
                    if can_stop
                    else ", with no way to pause or stop it, so it drowns out screen readers."
                    if sure
                    else ", with no way to pause or stop it; check whether it has sound."
                ),
                data={"duration": m["duration"], "controls": m["controls"]},
            )
        )
    return findings
