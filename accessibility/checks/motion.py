"""Pause, stop, hide (WCAG 2.2.2): movement that starts by itself and lasts over 5 seconds.

We read the page's running animations (CSS animations and the Web Animations API, via
``document.getAnimations()``) and any <marquee>/<blink>. An animation that moves or blinks
(transform, position, opacity, visibility...) and runs over 5 seconds on a visible element is a
violation when the page has no pause/stop control; with one, or on a small element such as a
loading spinner, it is for review. Script-driven movement (setInterval carousels) is not seen.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="motion",
    title="Moving content can be paused",
    wcag=("2.2.2",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Stop animations after 5 seconds, or add a visible pause button; respect "
        "prefers-reduced-motion as well."
    ),
    reads_only=True,
)

_MOTION_JS = """
() => {
  const rv = window.__rv;
  const MOVING = new RegExp('^(transform|translate|rotate|scale|left|right|top|bottom|' +
    'margin.*|opacity|visibility|background-position|offset.*)$', 'i');
  const out = [];
  const seen = new Set();
  const stopper = Array.from(document.querySelectorAll('button, [role="button"], a[href]'))
    .some((b) => /\\b(pause|stop)\\b/i.test(rv.name(b)));
  for (const anim of document.getAnimations().slice(0, 500)) {
    if (anim.playState !== 'running') continue;
    const effect = anim.effect;
    const target = effect && effect.target;
    if (!target || seen.has(target) || !rv.visible(target)) continue;
    const timing = effect.getComputedTiming();
    const total = timing.endTime;  // Infinity for infinite iterations
    if (!(total > 5000)) continue;
    const props = new Set();
    for (const frame of effect.getKeyframes()) {
      for (const key of Object.keys(frame)) {
        if (!['offset', 'easing', 'composite', 'computedOffset'].includes(key)) props.add(key);
      }
    }
    const moving = Array.from(props).filter((p) => MOVING.test(p.replace(/[A-Z]/g,
      (c) => '-' + c.toLowerCase())));
    if (!moving.length) continue;
    seen.add(target);
    const r = target.getBoundingClientRect();
    out.push(rv.describe(target, {
      seconds: Number.isFinite(total) ? Math.round(total / 100) / 10 : null,
      props: moving, small: r.width < 48 && r.height < 48, stopper,
    }));
  }
  for (const el of document.querySelectorAll('marquee, blink')) {
    if (rv.visible(el)) out.push(rv.describe(el, {seconds: null, props: [el.localName],
                                                  small: false, stopper}));
  }
  return out;
}
"""


@register(META)
async def check_motion(page: Page, ctx: CheckContext) -> list[Finding]:
    """Long or endless movement: violation with no pause control, review otherwise."""
    findings: list[Finding] = []
    for m in await evaluate(page, _MOTION_JS):
        how_long = "never stops" if m["seconds"] is None else f"runs for {m['seconds']} seconds"
        sure = not (m["stopper"] or m["small"])
        findings.append(
            ctx.finding(
                META,
                kind="violation" if sure else "review",
                selector=m["selector"],
                snippet=m["snippet"],
                message=f"This content moves or blinks by itself and {how_long}"
                + (
                    " with no way to pause it, which distracts people with attention or "
                    "reading difficulties."
                    if sure
                    else "; check it can be paused, or that it is only a short loading indicator."
                ),
                data={"properties": m["props"], "seconds": m["seconds"]},
            )
        )
    return findings
