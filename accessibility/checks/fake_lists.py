"""Lists written as lines of text (WCAG 1.3.1, technique failure F2/H48).

"• Paper" / "• Card" lines in a paragraph, or "1. Fill in the form" / "2. Send it" lines,
look like a list but a screen reader announces neither that a list starts nor how many items
it has. We are sure when a block has two or more lines (split by ``<br>`` or by sibling
paragraphs) in a row that start with the same bullet character, or that are numbered in
sequence from 1 (or a, or i). Text in ``pre``/``code`` is left alone.
"""

from __future__ import annotations

import re

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="fake-lists",
    title="Lists are marked up as lists",
    wcag=("1.3.1",),
    level="A",
    impact="moderate",
    how_to_fix=(
        "Use <ul> for bullet points and <ol> for numbered steps, with one <li> per item, "
        "instead of typing bullets or numbers at the start of lines."
    ),
    reads_only=True,
)

_BULLET = re.compile(r"^\s*([•·▪▫◦‣⁃●○■□*–—-])\s+\S")
_NUMBER = re.compile(r"^\s*(\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+\S", re.IGNORECASE)
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]

_BLOCKS_JS = """
() => {
  const rv = window.__rv;
  const root = document.body;
  if (!root) return [];
  const out = [];
  const SKIP = 'pre, code, textarea, script, style, ul, ol, table, [role="list"]';
  const lines = (el) => (el.innerText || '').split('\\n').map((s) => s.trim()).filter(Boolean);
  // Lines inside one block, broken by <br>.
  for (const el of Array.from(root.querySelectorAll('p, div, td, dd, span')).slice(0, 4000)) {
    if (!el.querySelector('br') || el.closest(SKIP) || !rv.visible(el) || rv.hiddenFromAT(el)) {
      continue;
    }
    if (el.querySelector('p, div, li')) continue;  // the innermost block only
    out.push(rv.describe(el, {lines: lines(el)}));
  }
  // Runs of sibling paragraphs: one line each.
  for (const parent of Array.from(root.querySelectorAll('*')).slice(0, 4000)) {
    if (parent.closest(SKIP)) continue;
    const paras = Array.from(parent.children).filter((c) => c.localName === 'p' &&
      rv.visible(c) && !rv.hiddenFromAT(c) && !c.querySelector('br'));
    if (paras.length < 2) continue;
    out.push(rv.describe(paras[0], {
      lines: paras.map((p) => p.innerText.replace(/\\s+/g, ' ').trim()),
      items: paras.map((p) => rv.describe(p)),
    }));
  }
  return out;
}
"""


def _ordinal(marker: str) -> int | None:
    m = marker.lower()
    if m.isdigit():
        return int(m)
    if m in _ROMAN:
        return _ROMAN.index(m) + 1
    if len(m) == 1 and m.isalpha():
        return ord(m) - ord("a") + 1
    return None


def fake_list_run(lines: list[str]) -> tuple[str, int, int] | None:
    """The longest run of list-like lines: ("bulleted" | "numbered", items, first line's
    index), if it has 2 items or more.

    Bullets must repeat the same character; numbers must count up from 1 (1, 2, 3 or a, b,
    c or i, ii, iii), so "2) See above" on its own or dates like "5. May" do not count.
    """
    best: tuple[str, int, int] | None = None
    run_bullet, bullet_char = 0, ""
    run_number, expected = 0, 1
    for index, line in enumerate(lines):
        bullet = _BULLET.match(line)
        if bullet and bullet.group(1) == bullet_char:
            run_bullet += 1
        elif bullet:
            run_bullet, bullet_char = 1, bullet.group(1)
        else:
            run_bullet, bullet_char = 0, ""
        number = _NUMBER.match(line)
        ordinal = _ordinal(number.group(1)) if number else None
        if ordinal == 1:
            run_number, expected = 1, 2
        elif ordinal is not None and ordinal == expected and run_number:
            run_number, expected = run_number + 1, expected + 1
        else:
            run_number, expected = 0, 1
        for kind, run in (("bulleted", run_bullet), ("numbered", run_number)):
            if run >= 2 and (best is None or run > best[1]):
                best = (kind, run, index - run + 1)
    return best


@register(META)
async def check_fake_lists(page: Page, ctx: CheckContext) -> list[Finding]:
    """One violation per block (or run of paragraphs) holding a typed-out list."""
    findings: list[Finding] = []
    for block in await evaluate(page, _BLOCKS_JS):
        run = fake_list_run(block["lines"])
        if not run:
            continue
        kind, items, first = run
        where = "paragraphs in a row" if block.get("items") else "lines of this text"
        element = block["items"][first] if block.get("items") else block
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=element["selector"],
                snippet=element["snippet"],
                message=(
                    f"{items} {where} are a {kind} list typed out with "
                    f"{'bullet characters' if kind == 'bulleted' else 'numbers'}; screen readers "
                    "do not announce it as a list or say how many items it has."
                ),
                data={"items": items, "list_kind": kind},
            )
        )
    return findings
