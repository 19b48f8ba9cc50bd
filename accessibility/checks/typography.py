"""Typography that makes reading harder: best practice, not a WCAG AA failure.

Justified text opens uneven gaps ("rivers") that people with dyslexia lose their place in;
long passages in capitals or italics are slower to read for everyone; very small text and
tight lines strain low vision (WCAG 1.4.8, AAA, asks for line spacing of 1.5 in
paragraphs; GOV.UK and the British Dyslexia Association's style guide say the same of the
rest). None of this fails WCAG 2.2 AA, so findings are sure ``violation``s of good practice
with ``wcag_failure=False``, no criteria and a "best practice, not a WCAG AA failure" label.
One finding per kind of problem per page, on its first example, with how many blocks have it:
a web team fixes a stylesheet, not each paragraph.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="typography",
    title="Text is set to be easy to read (best practice)",
    wcag=(),
    level="AA",
    impact="minor",
    wcag_failure=False,
    how_to_fix=(
        "Align text to the left, not justified; write passages in sentence case, not capitals, "
        "and in roman, not italics; keep body text at 16 px or more and paragraphs' line "
        "height at 1.5 or more."
    ),
    reads_only=True,
)

#: A passage is long enough to judge from this many characters of its own text.
LONG_PASSAGE = 120
#: Text smaller than this (CSS pixels) is very small.
SMALL_PX = 12
#: Lines closer than this (line height / font size) are tight, in paragraphs of at least
#: MIN_LINES lines and LONG_PASSAGE characters (an address in short lines is no passage).
MIN_LINE_HEIGHT = 1.5
MIN_LINES = 3

_BLOCKS_JS = """
(limits) => {
  const rv = window.__rv;
  if (!document.body) return [];
  const out = [];
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const own = (el) => Array.from(el.childNodes)
    .filter((n) => n.nodeType === 3 ||
      (n.nodeType === 1 && getComputedStyle(n).display === 'inline'))
    .map((n) => n.textContent).join(' ');
  const SEL = 'p, li, dd, td, blockquote, figcaption, div, span, small, label';
  for (const el of Array.from(document.body.querySelectorAll(SEL)).slice(0, 5000)) {
    const text = norm(own(el));
    if (text.length < 20 || !rv.visible(el) || rv.hiddenFromAT(el)) continue;
    if (el.closest('pre, code, script, style, [aria-hidden="true"]')) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize) || 16;
    const lh = style.lineHeight === 'normal' ? size * 1.15 : parseFloat(style.lineHeight);
    const lines = Math.round(el.getBoundingClientRect().height / (lh || size * 1.2));
    const letters = text.replace(/[^A-Za-z]/g, '');
    const upper = letters.replace(/[^A-Z]/g, '').length;
    out.push(rv.describe(el, {
      length: text.length,
      block: style.display !== 'inline',
      justified: style.textAlign === 'justify',
      capitals: style.textTransform === 'uppercase' ||
        (letters.length >= 40 && upper / letters.length > 0.9),
      italic: style.fontStyle === 'italic' || style.fontStyle.startsWith('oblique'),
      size,
      lineHeight: lh / size,
      lines,
      paragraph: el.localName === 'p' || el.localName === 'li' || el.localName === 'dd',
    }));
  }
  return out;
}
"""


def typography_problems(block: dict[str, object]) -> list[str]:
    """The problems one text block has: "justified", "capitals", "italics", "small", "tight"."""
    problems = []
    length = int(block["length"])  # type: ignore[call-overload]
    lines = int(block["lines"])  # type: ignore[call-overload]
    if block["justified"] and block["block"] and lines >= 2 and length >= LONG_PASSAGE:
        problems.append("justified")
    if block["capitals"] and length >= LONG_PASSAGE:
        problems.append("capitals")
    if block["italic"] and length >= LONG_PASSAGE:
        problems.append("italics")
    if float(block["size"]) < SMALL_PX:  # type: ignore[arg-type]
        problems.append("small")
    tight = float(block["lineHeight"]) < MIN_LINE_HEIGHT - 0.005  # type: ignore[arg-type]
    if block["paragraph"] and lines >= MIN_LINES and length >= LONG_PASSAGE and tight:
        problems.append("tight")
    return problems


_MESSAGES = {
    "justified": "Justified text leaves uneven gaps between words that make lines hard to follow",
    "capitals": "A long passage in capitals is slower to read: word shapes are lost",
    "italics": "A long passage in italics is harder to read",
    "small": "Text smaller than 12 px is very hard to read for people with low vision",
    "tight": "Lines in this paragraph are closer than 1.5 times the text size",
}


@register(META)
async def check_typography(page: Page, ctx: CheckContext) -> list[Finding]:
    """One best-practice finding per kind of typography problem, on its first example."""
    first: dict[str, dict[str, object]] = {}
    counts: dict[str, int] = {}
    limits = {"long": LONG_PASSAGE}
    for block in await evaluate(page, _BLOCKS_JS, limits):
        for problem in typography_problems(block):
            first.setdefault(problem, block)
            counts[problem] = counts.get(problem, 0) + 1
    findings = []
    for problem, block in first.items():
        many = counts[problem] - 1
        also = f" ({many} more like it on this page)" if many else ""
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=str(block["selector"]),
                snippet=str(block["snippet"]),
                message=f"Best practice, not a WCAG AA failure: {_MESSAGES[problem]}{also}.",
                data={"problem": problem, "blocks": counts[problem]},
            )
        )
    return findings
