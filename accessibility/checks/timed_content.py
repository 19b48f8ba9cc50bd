"""Timing adjustable (WCAG 2.2.1): messages that disappear by themselves.

A toast saying "Your report has been sent" that vanishes after five seconds is gone before
many people have read it: a screen magnifier user may not even have panned to it, and a
screen reader user who was in the middle of another sentence never hears it again. 2.2.1
asks for a way to turn such a time limit off, adjust or extend it, unless it is over 20 hours
or the user has 20 seconds and one keypress to keep it.

Waiting 20 seconds on every page would be too slow, so we watch the page on a *probe*: a
second tab in the same browser context (same proxy and address guard), loaded with
``js/timedcontent.js`` as an init script before any of the page's scripts. It runs the page's
timers of up to a minute 20 times faster and records each message-like element (live region,
``role=alert``/``status``, a fixed-position box, or one named toast/snackbar/flash/notice)
that shows text and then is removed, hidden or emptied. The page the other checks use is not
touched. The probe is opened only when the page has a message container or an inline script
that talks about toasts, alerts or live regions: a page without either is not loaded twice.

A violation (sure) needs all of: the message had at least three words (not "Loading…"), it
went away within :data:`LIMIT_S` seconds of the page's time after it appeared, it held no
control (no "Keep", "Undo" or "Dismiss" button, nothing focusable), it did not come back (a
carousel or ticker is the motion check's), its text is not still shown elsewhere on the page,
and the page has no control that recalls messages ("Notifications", "Messages", "Show
message"). Messages that appear only after the user does something are not seen; neither are
toasts built by an external script on a page with no message container.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="timed-content",
    title="Messages do not disappear before people can read them",
    wcag=("2.2.1",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Keep the message on the page until the user dismisses it (a Dismiss button), or "
        "show it for at least 20 seconds with a control to keep it, or put it where it stays "
        "(a notification banner at the top of the page, as GOV.UK does)."
    ),
)

#: A message that goes within this many seconds (of the page's time) went too soon.
LIMIT_S = 19.0
#: How much of the page's time we watch after load, at most.
WATCH_S = 22.0
#: And at least this much (scripts that show a message after a fetch or an animation frame).
MIN_WATCH_S = 3.0
#: Real seconds the probe may take to load.
PROBE_LOAD_S = 8.0
#: Messages shorter than this many words, or saying only that something is loading, are
#: progress indicators rather than content to read.
MIN_WORDS = 3
_PROGRESS = re.compile(r"^\W*(loading|please wait|saving|searching|sending|updating)\b", re.I)

_WANTED_JS = r"""
() => {
  const live = '[role="alert"], [role="status"], [role="log"], [role="alertdialog"], ' +
    '[aria-live="polite"], [aria-live="assertive"]';
  if (document.querySelector(live)) return true;
  const named = /(^|[-_ ])(toast|snackbar|flash|notification|notice)s?($|[-_ ])/i;
  for (const el of Array.from(document.querySelectorAll('[class], [id]')).slice(0, 5000)) {
    const cls = (typeof el.className === 'string' ? el.className : '') + ' ' + (el.id || '');
    if (named.test(cls)) return true;
  }
  const words = /toast|snackbar|aria-live|role['"]?\s*[,=:]\s*['"](alert|status)/i;
  return Array.from(document.querySelectorAll('script:not([src])'))
    .some((s) => words.test(s.textContent || ''));
}
"""

_RECALL_JS = r"""
() => {
  const rv = window.__rv;
  const recall = /\b(notifications?|messages|message history|show (the )?message|alerts)\b/i;
  return Array.from(document.querySelectorAll('a[href], button, [role="button"]'))
    .slice(0, 2000).some((el) => rv.visible(el) && recall.test(rv.name(el)));
}
"""


@cache
def _source(name: str) -> str:
    return files("accessibility.checks").joinpath(f"js/{name}").read_text(encoding="utf-8")


async def _watch(probe: Page, url: str) -> dict[str, Any]:
    """Load ``url`` in the probe with fast timers and watch until nothing more can happen."""
    await probe.add_init_script(_source("helpers.js"))
    await probe.add_init_script(_source("timedcontent.js"))
    await probe.goto(url, wait_until="load", timeout=PROBE_LOAD_S * 1000)
    while True:
        report: dict[str, Any] = await probe.evaluate("() => window.__rvTimed.report()")
        page_s = report["fakeNow"] / 1000
        open_messages = [
            m
            for m in report["messages"]
            if m["goneAt"] is None and (m["stillShown"] or 0) / 1000 < LIMIT_S + 1
        ]
        if page_s >= WATCH_S:
            return report
        settled = page_s >= MIN_WATCH_S and not report["pending"]
        if settled and (not open_messages or not report["intervals"]):
            return report  # no timer left that could take a shown message away
        await asyncio.sleep(0.05)


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


@register(META)
async def check_timed_content(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each message that appeared and went by itself within 19 s."""
    if not await page.evaluate(_WANTED_JS):
        return []
    probe = await page.context.new_page()
    try:
        if page.viewport_size:
            await probe.set_viewport_size(page.viewport_size)
        try:
            report = await _watch(probe, ctx.url)
        except PlaywrightError:
            return []  # the probe could not load the page: nothing fair to say
        gone = [
            m
            for m in report["messages"]
            if m["goneAt"] is not None
            and (m["goneAt"] - m["shownAt"]) / 1000 < LIMIT_S
            and not m["reshown"]
            and not m["controls"]
            and not m["visibleElsewhere"]
            and _words(m["text"]) >= MIN_WORDS
            and not _PROGRESS.match(m["text"])
            and m["selector"]
        ]
        if gone and await probe.evaluate(_RECALL_JS):
            gone = []  # the page offers a way back to its messages
    finally:
        with contextlib.suppress(PlaywrightError):
            await probe.close()
    findings: list[Finding] = []
    for message in gone:
        seconds = max(1, round((message["goneAt"] - message["shownAt"]) / 1000))
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=message["selector"],
                snippet=message["snippet"],
                message=(
                    f'This message ("{message["text"][:80]}") is {message["how"]} by the '
                    f"page about {seconds} seconds after it appears, with no way to keep it, "
                    "extend the time or show it again, so people who read slowly, use a "
                    "magnifier or were listening to something else miss it."
                ),
                data={"shown_seconds": seconds, "how": message["how"]},
            )
        )
    return findings
