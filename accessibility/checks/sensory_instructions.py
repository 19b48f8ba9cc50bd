"""Sensory characteristics (WCAG 1.3.3): instructions that rely on shape, position or colour.

"Press the button on the right" or "fields in red are required" fail people who cannot see
the layout or the colours. We search the visible text for instructions that use such words.
Whether the sentence also names the control in words is for a person to judge, so every
finding is for review.
"""

from __future__ import annotations

import re

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="sensory-instructions",
    title="Instructions do not rely on shape, position or colour alone",
    wcag=("1.3.3",),
    level="A",
    impact="moderate",
    how_to_fix=(
        "Name the control in the instruction ('Select Continue') and do not rely on where it "
        "is, what shape it is or what colour it is."
    ),
    reads_only=True,
)

_COLOURS = r"red|green|blue|yellow|orange|purple|pink|grey|gray|black|white"
_THINGS = (
    r"button|buttons|link|links|box|boxes|field|fields|icon|icons|arrow|text|section|"
    r"column|panel|menu|tab|tabs|circle|square|asterisk|star|option|options|area"
)
_PATTERNS = [
    re.compile(rf"\b(?:{_THINGS})\s+(?:on|to)\s+the\s+(?:left|right)\b", re.IGNORECASE),
    re.compile(
        rf"\b(?:left|right|top|bottom)[- ](?:hand\s+)?(?:side\s+)?(?:{_THINGS})\b", re.IGNORECASE
    ),
    re.compile(rf"\b(?:{_COLOURS})\s+(?:{_THINGS})\b", re.IGNORECASE),
    re.compile(rf"\b(?:in|marked\s+in|shown\s+in|highlighted\s+in)\s+(?:{_COLOURS})\b", re.I),
    re.compile(
        rf"\b(?:round|square|circular|triangular|star-shaped)\s+(?:{_THINGS})\b", re.IGNORECASE
    ),
]


def sensory_phrases(text: str) -> list[str]:
    """The phrases in ``text`` that point at something by shape, position or colour."""
    found: list[str] = []
    for pattern in _PATTERNS:
        found += [m.group(0) for m in pattern.finditer(text)]
    return found


@register(META)
async def check_sensory_instructions(page: Page, ctx: CheckContext) -> list[Finding]:
    """One review finding per text block whose words point by shape, position or colour."""
    blocks = await evaluate(
        page,
        """() => {
          const rv = window.__rv;
          const sel = 'p, li, label, legend, dd, td, th, figcaption, .govuk-hint, span, div';
          const out = [];
          for (const el of Array.from(document.body ? document.body.querySelectorAll(sel) : [])
                 .slice(0, 4000)) {
            // only the innermost block that holds the text itself
            const own = Array.from(el.childNodes).filter(n => n.nodeType === 3)
              .map(n => n.textContent).join(' ').trim();
            if (!own || !rv.visible(el) || rv.hiddenFromAT(el)) continue;
            out.push(rv.describe(el, {text: el.innerText.replace(/\\s+/g, ' ').slice(0, 2000)}));
          }
          return out;
        }""",
    )
    findings: list[Finding] = []
    for block in blocks:
        phrases = sensory_phrases(block["text"])
        if not phrases:
            continue
        findings.append(
            ctx.finding(
                META,
                kind="review",
                selector=block["selector"],
                snippet=block["snippet"],
                message=f"This instruction refers to '{phrases[0]}', which people who cannot "
                "see the layout or colours will miss. Name the thing in words as well.",
                data={"phrases": phrases},
            )
        )
    return findings
